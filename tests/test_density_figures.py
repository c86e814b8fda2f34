"""The 1-D figures draw what they claim: Figure 1's three curves, the density estimate, the animation."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.animation import FuncAnimation
from scipy import stats

from gan_course.data import gaussian_1d
from gan_course.models import MLPDiscriminator
from gan_course.experiments.theory.density_figures import (
    animate_density_1d,
    discriminator_curve,
    generator_density,
    plot_density_1d,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


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
