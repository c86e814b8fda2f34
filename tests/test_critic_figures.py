"""The Wasserstein chapter's figures draw what they are given and refuse empty input."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch
from torch import nn

from gan_course.experiments.losses.critic import value_surface
from gan_course.experiments.losses.critic_figures import (
    plot_estimate_and_quality,
    plot_layer_gradient_norms,
    plot_value_surface,
    plot_weight_histogram,
)
from gan_course.training import History


def _linear_critic() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1), nn.Flatten(0))


def test_value_surface_panel_has_contours_and_the_real_samples():
    surface = value_surface(_linear_critic(), (-1, 1, -1, 1), points=11)
    ax = plot_value_surface(surface, real=torch.zeros(5, 2), title="clip")
    assert ax.get_title() == "clip" and ax.get_xlim() == (-1, 1)
    assert len(ax.collections) >= 3  # filled contours, level lines, samples
    with pytest.raises(ValueError, match="levels"):
        plot_value_surface(surface, levels=1)
    plt.close("all")


def test_layer_gradient_norms_one_line_per_critic_and_zeros_left_out():
    ax = plot_layer_gradient_norms({"c = 0.1": [1e3, 1e1, 1e-1], "c = 0.001": [0.0, 1e-6, 1e-2]})
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["c = 0.1", "c = 0.001"]
    assert list(lines[0].get_xdata()) == [1, 2, 3] and list(lines[1].get_xdata()) == [2, 3]
    assert ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="norms is empty"):
        plot_layer_gradient_norms({})
    plt.close("all")


def test_weight_histogram_counts_every_weight():
    critic = _linear_critic()
    ax = plot_weight_histogram(critic, bins=10)
    assert sum(patch.get_height() for patch in ax.patches) == 2 * 4 + 4 * 1
    with pytest.raises(ValueError, match="no parameter named"):
        plot_weight_histogram(nn.Flatten())
    plt.close("all")


def test_estimate_and_quality_on_two_axes():
    history = History()
    history.extend([1, 2, 3, 4], dict(d_loss=[0] * 4, wasserstein=[3, 2, 1, 0.5], g_loss=[0] * 4))
    ax = plot_estimate_and_quality(history, [(1, 10.0), (4, 2.0)], "FCD", smooth=2, log_quality=True)
    (line,) = ax.get_lines()
    assert list(line.get_ydata()) == [2.5, 1.5, 0.75] and list(line.get_xdata()) == [2, 3, 4]
    twin = [other for other in ax.figure.axes if other is not ax][0]
    assert twin.get_yscale() == "log" and twin.get_ylabel() == "FCD"
    with pytest.raises(ValueError, match="history is empty"):
        plot_estimate_and_quality(History(), [(1, 1.0)], "FCD")
    with pytest.raises(ValueError, match="quality is empty"):
        plot_estimate_and_quality(history, [], "FCD")
    plt.close("all")
