"""A run's figures: the history by name, in panels grouped by meaning, and the snapshots at evenly spread stages."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from gan_course.training import History, Snapshots
from gan_course.training.figures import default_panels, plot_history, plot_snapshots


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _history(n: int = 30, **extra) -> History:
    history = History()
    columns = dict(d_loss=np.linspace(1.4, 1.2, n), d_real=np.linspace(0.5, 0.6, n), d_fake=np.linspace(0.5, 0.4, n),
                   g_loss=np.linspace(0.7, 0.9, n), **extra)
    history.extend(range(1, n + 1), {name: list(values) for name, values in columns.items()})
    return history


def test_plot_history_draws_both_losses_and_both_d_outputs():
    fig = plot_history(_history(), smooth=5)
    loss_ax, d_ax = fig.axes
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ["D loss", "G loss"]
    assert [t.get_text() for t in d_ax.get_legend().get_texts()] == [r"mean $D(x)$", r"mean $D(G(z))$"]
    assert d_ax.get_ylim() == (-0.02, 1.02) and d_ax.get_title() == "discriminator outputs"
    smoothed = [line for line in loss_ax.get_lines() if line.get_label() == "D loss"][0]
    assert len(smoothed.get_xdata()) == 26 and smoothed.get_ydata()[0] == pytest.approx(np.mean(_history()["d_loss"][:5]))
    with pytest.raises(ValueError, match="history is empty"):
        plot_history(History())


def test_every_recorded_name_gets_a_panel_and_panels_can_be_chosen():
    history = _history(k_t=np.linspace(0, 0.1, 30), score_real=np.zeros(30), score_fake=np.ones(30))
    assert default_panels(history.names) == [["d_loss", "g_loss"], ["d_real", "d_fake"], ["score_real", "score_fake"],
                                             ["k_t"]]
    fig = plot_history(history)
    assert [ax.get_title() for ax in fig.axes] == ["losses", "discriminator outputs", "discriminator scores", "k_t"]
    assert [ax.get_title() for ax in plot_history(history, panels=[["k_t", "g_loss"]]).axes] == ["k_t, G loss"]
    with pytest.raises(ValueError, match="groups of recorded names"):
        plot_history(history, panels=[["alpha"]])


def test_history_refuses_steps_that_report_other_names():
    history = _history(5)
    with pytest.raises(ValueError, match="report the same scalars"):
        history.extend([6], {"d_loss": [1.0]})
    with pytest.raises(KeyError, match="no 'lr'; it records d_loss, d_real, d_fake, g_loss"):
        history["lr"]
    copy = History()
    copy.load_state_dict(history.state_dict())
    assert copy.step == history.step and copy["g_loss"] == history["g_loss"] and copy.names == history.names


def test_plot_snapshots_picks_evenly_spread_stages():
    snapshots = Snapshots(every=10)
    snapshots.samples = [(s, torch.zeros(4, 1, 8, 8)) for s in (0, 10, 20, 30)]
    fig = plot_snapshots(snapshots, count=3)
    assert [ax.get_title() for ax in fig.axes] == ["step 0", "step 20", "step 30"]
    assert [ax.get_title() for ax in plot_snapshots(snapshots.samples, count=10).axes] == [
        "step 0", "step 10", "step 20", "step 30"
    ]
    with pytest.raises(ValueError, match="Snapshots\\(every=...\\) hook"):
        plot_snapshots(Snapshots(every=1))
