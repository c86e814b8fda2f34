"""Samples drawn whatever their kind: image grids of the right size, histograms, scatter plots."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch

from gan_course.data.figures import image_grid, plot_samples, show_images


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


def test_plot_samples_chooses_histogram_scatter_or_grid():
    assert len(plot_samples(torch.randn(100, 1), real=torch.randn(100, 1)).patches) == 120
    assert len(plot_samples(torch.randn(100, 2), real=torch.randn(50, 2)).collections) == 2
    assert len(plot_samples(torch.zeros(4, 1, 8, 8)).images) == 1
    with pytest.raises(ValueError, match=r"\(N, 1\), \(N, 2\) or \(N, C, H, W\)"):
        plot_samples(torch.zeros(5, 3))
