"""Plot helpers draw what they claim: grids of the right size, the curves of a history, Figure 1's three curves."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.animation import FuncAnimation
from scipy import stats

from gan_course.data import gaussian_1d
from gan_course.models import MLPDiscriminator
from gan_course.plotting import (
    animate_density_1d,
    discriminator_curve,
    generator_density,
    image_grid,
    plot_density_1d,
    plot_history,
    plot_samples,
    plot_snapshots,
    show_images,
)
from gan_course.training import History


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_image_grid_tiles_and_maps_minus_one_one_to_zero_one():
    images = torch.full((6, 1, 28, 28), -1.0)
    images[0] = 1.0
    grid = image_grid(images, nrow=3)
    assert grid.shape == (2 * 30 + 2, 3 * 30 + 2, 3)
    assert grid[2:30, 2:30].min() == 1.0 and grid[2:30, 32:60].max() == 0.0
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        image_grid(torch.zeros(28, 28))
    ax = show_images(images, nrow=3, title="six")
    assert ax.get_title() == "six" and ax.images[0].get_array().shape == (62, 92, 3)


def _history(n: int = 30) -> History:
    history = History()
    history.step = list(range(1, n + 1))
    history.d_loss = list(np.linspace(1.4, 1.2, n))
    history.g_loss = list(np.linspace(0.7, 0.9, n))
    history.d_real = list(np.linspace(0.5, 0.6, n))
    history.d_fake = list(np.linspace(0.5, 0.4, n))
    history.snapshots = [(s, torch.zeros(4, 1, 8, 8)) for s in (0, 10, 20, 30)]
    return history


def test_plot_history_draws_both_losses_and_both_d_outputs():
    fig = plot_history(_history(), smooth=5)
    loss_ax, d_ax = fig.axes
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ["D loss", "G loss"]
    assert [t.get_text() for t in d_ax.get_legend().get_texts()] == [r"mean $D(x)$", r"mean $D(G(z))$"]
    smoothed = [line for line in loss_ax.get_lines() if line.get_label() == "D loss"][0]
    assert len(smoothed.get_xdata()) == 26 and smoothed.get_ydata()[0] == pytest.approx(np.mean(_history().d_loss[:5]))
    with pytest.raises(ValueError, match="history is empty"):
        plot_history(History())


def test_plot_snapshots_picks_evenly_spread_stages():
    fig = plot_snapshots(_history(), count=3)
    assert [ax.get_title() for ax in fig.axes] == ["step 0", "step 20", "step 30"]
    assert [ax.get_title() for ax in plot_snapshots(_history(), count=10).axes] == [
        "step 0", "step 10", "step 20", "step 30"
    ]
    with pytest.raises(ValueError, match="snapshot_every > 0"):
        plot_snapshots(History())


def test_generator_density_estimates_a_gaussian():
    samples = torch.randn(20_000, generator=torch.Generator().manual_seed(0)) * 0.5 + 4
    xs = np.linspace(2, 6, 9)
    np.testing.assert_allclose(generator_density(samples, xs), stats.norm(4, 0.5).pdf(xs), atol=0.03)
    with pytest.raises(ValueError, match="two distinct samples"):
        generator_density(np.ones(10), xs)


def test_plot_density_1d_draws_data_generator_and_discriminator():
    xs = np.linspace(0, 8, 50)
    torch.manual_seed(0)
    d_values = discriminator_curve(MLPDiscriminator((1,), hidden=(8,)), xs)
    assert d_values.shape == (50,) and ((0 < d_values) & (d_values < 1)).all()
    data = gaussian_1d(4.0, 0.5)
    ax = plot_density_1d(xs, data.density(xs), data.sample(500), d_values, title="t")
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[:3] == [r"$p_\mathrm{data}$", r"$p_g$", r"$D(x)$"]
    np.testing.assert_array_equal(ax.get_lines()[2].get_ydata(), d_values)


def test_animate_density_1d_has_one_frame_per_stage():
    xs = np.linspace(0, 8, 30)
    data = gaussian_1d(4.0, 0.5)
    frames = [(step, data.sample(200), np.full(30, 0.5)) for step in (0, 10, 20)]
    animation = animate_density_1d(xs, data.density(xs), frames)
    assert isinstance(animation, FuncAnimation)
    html = animation.to_jshtml()
    assert html.count("data:image/png;base64") == 3
    with pytest.raises(ValueError, match="at least one frame"):
        animate_density_1d(xs, data.density(xs), [])


def test_plot_samples_chooses_histogram_scatter_or_grid():
    assert len(plot_samples(torch.randn(100, 1), real=torch.randn(100, 1)).patches) == 120
    assert len(plot_samples(torch.randn(100, 2), real=torch.randn(50, 2)).collections) == 2
    assert len(plot_samples(torch.zeros(4, 1, 8, 8)).images) == 1
    with pytest.raises(ValueError, match=r"\(N, 1\), \(N, 2\) or \(N, C, H, W\)"):
        plot_samples(torch.zeros(5, 3))
