"""The generator's gradient field through a fixed discriminator, checked on linear discriminators in closed form."""

from __future__ import annotations

import functools
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import Tensor, nn

from gan_course.losses import lsgan_generator_loss, nonsaturating_generator_loss, wasserstein_generator_loss
from gan_course.experiments.losses.gradient_field import gradient_field, sample_gradients
from gan_course.experiments.losses.gradient_field_figures import plot_gradient_field
from gan_course.models import MLPDiscriminator


class LinearD(nn.Module):
    """D(x) = w . x + beta, one value per point."""

    def __init__(self, w: tuple[float, float], beta: float = 0.0):
        super().__init__()
        self.linear = nn.Linear(2, 1)
        with torch.no_grad():
            self.linear.weight.copy_(torch.tensor([w]))
            self.linear.bias.fill_(beta)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x).squeeze(1)


def _along_x(distances):
    return torch.tensor([[d, 0.0] for d in distances])


def test_nonsaturating_gradient_vanishes_where_d_is_confident_and_least_squares_grows():
    d = LinearD((2.0, 0.0))
    distances = [0.0, 1.0, 2.0, 5.0, 10.0]
    points = _along_x(distances)
    _, ns = sample_gradients(d, nonsaturating_generator_loss, points)
    _, ls = sample_gradients(d, lsgan_generator_loss, points)  # c = 1
    ns_norm, ls_norm = ns.norm(dim=1), ls.norm(dim=1)
    # -d/dl log sigma(l) = -sigma(-l), times grad D = w: |grad| = 2 sigma(-2 x)
    expected_ns = [2 / (1 + math.exp(2 * x)) for x in distances]
    # d/dy (y - c)^2 / 2 = y - c, y = 2 x: |grad| = 2 |2 x - 1|
    expected_ls = [2 * abs(2 * x - 1) for x in distances]
    assert torch.allclose(ns_norm, torch.tensor(expected_ns), rtol=1e-5, atol=1e-12)
    assert torch.allclose(ls_norm, torch.tensor(expected_ls), rtol=1e-5)
    assert ns_norm[-1] < 1e-7 and bool((ns_norm[1:].diff() < 0).all())
    assert bool((ls_norm[1:].diff() > 0).all()) and ls_norm[-1] > 30
    # both push a fake towards larger D (the real side) while D(x) < c: -grad points along +w
    assert ns[0, 0] < 0 and ls[0, 0] < 0
    # past the target c the least-squares gradient pulls the sample back; the cross-entropy never does
    assert ls[-1, 0] > 0 and ns[-1, 0] <= 0


def test_gradient_is_each_samples_own_not_the_batch_mean():
    d = LinearD((1.0, -1.0), beta=0.5)
    points = torch.randn(7, 2)
    _, together = sample_gradients(d, functools.partial(lsgan_generator_loss, c=0.0), points)
    alone = torch.cat([sample_gradients(d, functools.partial(lsgan_generator_loss, c=0.0), p[None])[1]
                       for p in points])
    assert torch.allclose(together, alone, atol=1e-6)
    # the WGAN generator loss -f: the gradient is -grad f = -w everywhere
    _, wgan = sample_gradients(d, wasserstein_generator_loss, points)
    assert torch.allclose(wgan, torch.tensor([[-1.0, 1.0]]).expand(7, 2))


def test_gradient_leaves_the_discriminator_untouched_and_in_its_mode():
    d = MLPDiscriminator((2,), hidden=(8,))
    d.train()
    before = [p.clone() for p in d.parameters()]
    output, gradient = sample_gradients(d, nonsaturating_generator_loss, torch.randn(5, 2))
    assert d.training and all(p.grad is None for p in d.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, d.parameters()))
    assert output.shape == (5,) and gradient.shape == (5, 2) and not output.requires_grad


def test_field_is_indexed_rows_y_columns_x():
    d = LinearD((0.0, 1.0))  # D(x) = x_2
    field = gradient_field(d, lsgan_generator_loss, limits=(-1.0, 3.0, -2.0, 2.0), resolution=5)
    assert field.output.shape == (5, 5) and field.gradient.shape == (5, 5, 2)
    np.testing.assert_allclose(field.xs, [-1, 0, 1, 2, 3])
    np.testing.assert_allclose(field.output[:, 0], field.ys, atol=1e-6)  # varies along rows: y
    np.testing.assert_allclose(field.output[0], np.full(5, -2.0), atol=1e-6)
    np.testing.assert_allclose(field.norm, np.abs(field.output - 1), atol=1e-5)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda d: sample_gradients(d, nonsaturating_generator_loss, torch.zeros(3)), "shape"),
        (lambda d: gradient_field(d, nonsaturating_generator_loss, limits=(1.0, -1.0, 0.0, 1.0)), "x_min < x_max"),
        (lambda d: gradient_field(d, nonsaturating_generator_loss, resolution=1), "resolution"),
        (lambda d: sample_gradients(nn.Linear(2, 1), nonsaturating_generator_loss, torch.zeros(3, 2)),
         "one value per point"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call(LinearD((1.0, 0.0)))


def test_plot_draws_field_boundary_and_samples():
    field = gradient_field(LinearD((1.0, 1.0)), nonsaturating_generator_loss, resolution=21)
    fig, ax = plt.subplots()
    returned = plot_gradient_field(field, boundary=0.0, ax=ax, real=torch.zeros(4, 2), fake=torch.ones(4, 2),
                                   norm_range=(1e-3, 2.0), title="NS")
    assert returned is ax and ax.get_title() == "NS"
    assert len(ax.collections) >= 4  # mesh, arrows, boundary, two scatters
    assert len(fig.axes) == 2  # the colour bar
    with pytest.raises(ValueError, match="norm_range"):
        plot_gradient_field(field, boundary=0.0, norm_range=(0.0, 1.0))
    with pytest.raises(ValueError, match="arrows"):
        plot_gradient_field(field, boundary=0.0, arrows=1)
    plt.close("all")
