"""The Wasserstein critic on its own: trained against a fixed distribution, its W1 estimate, its value surface and
its per-layer gradient norms (Arjovsky, Chintala & Bottou 2017; Gulrajani et al. 2017, Section 3 and Figure 1)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import Tensor, nn

from gan_course.experiments.losses.critic import (
    clipped_share,
    live_units,
    CriticFit,
    NoisyData,
    layer_gradient_norms,
    train_critic,
    value_surface,
    wasserstein_estimate,
)
from gan_course.data import GaussianMixture2D, gaussian_1d, ring
from gan_course.models import MLPDiscriminator


class LinearCritic(nn.Module):
    """f(x) = <w, x> + b."""

    def __init__(self, w: list[float], b: float = 0.0):
        super().__init__()
        self.layer = nn.Linear(len(w), 1)
        with torch.no_grad():
            self.layer.weight.copy_(torch.tensor([w]))
            self.layer.bias.fill_(b)

    def forward(self, x: Tensor) -> Tensor:
        return self.layer(x).squeeze(1)


def _critic(seed: int = 0, hidden=(32, 32), dim: int = 1) -> nn.Module:
    torch.manual_seed(seed)
    return MLPDiscriminator((dim,), hidden=hidden)


def _shifted(delta: float) -> tuple[GaussianMixture2D, GaussianMixture2D]:
    """N(0, I) and N((delta, 0), I) in the plane: W1 = delta. (On the line a gradient-penalty critic can get stuck
    with the wrong sign: turning round would take its slope through 0, where the penalty is lambda.)"""
    return GaussianMixture2D([[0.0, 0.0]], 1.0), GaussianMixture2D([[delta, 0.0]], 1.0)


def _estimate(critic: nn.Module, delta: float) -> float:
    rng = torch.Generator().manual_seed(123)
    real, fake = _shifted(delta)
    return wasserstein_estimate(critic, real.sample(20000, rng), fake.sample(20000, rng))


def test_noisy_data_adds_unit_variance_noise_reproducibly():
    noisy = NoisyData(ring(), std=1.0)
    a = noisy.sample(20000, generator=torch.Generator().manual_seed(0))
    b = noisy.sample(20000, generator=torch.Generator().manual_seed(0))
    assert a.shape == (20000, 2) and torch.equal(a, b)
    # ring of radius 1: each coordinate has variance 1/2 + 0.01^2; the noise adds 1
    assert torch.allclose(a.var(0), torch.full((2,), 1.5001), atol=0.05)
    assert torch.allclose(a.mean(0), torch.zeros(2), atol=0.03)
    with pytest.raises(ValueError, match="std must be a positive finite number"):
        NoisyData(ring(), std=0.0)


@pytest.mark.parametrize("delta", [0.5, 2.0])
def test_gradient_penalty_critic_estimates_the_shift_between_two_gaussians(delta):
    """W1(N(0,1), N(delta,1)) = delta. The soft penalty lets the slope exceed 1: the best linear critic has slope
    1 + delta / (2 lambda), so the estimate is delta (1 + delta / (2 lambda)) (the chapter's exercise)."""
    penalty = 10.0
    fit = train_critic(_critic(dim=2), *_shifted(delta), 300, penalty=penalty, lr=1e-3, seed=0)
    estimate = _estimate(fit.critic, delta)
    assert estimate == pytest.approx(delta * (1 + delta / (2 * penalty)), rel=0.05)
    assert abs(estimate - delta) < 0.15 * delta


def test_clipped_critic_keeps_its_weights_in_the_box_and_its_estimate_grows_with_the_distance():
    estimates = []
    for delta in (0.5, 2.0):
        fit = train_critic(_critic(dim=2), *_shifted(delta), 150, clip=0.01, lr=1e-3, seed=0)
        assert all(float(p.detach().abs().max()) <= 0.01 for p in fit.critic.parameters())
        estimates.append(_estimate(fit.critic, delta))
    # K W1 for an unknown K: far below the true distance (a tiny K), but monotone in it
    assert 0 < estimates[0] < estimates[1] < 0.1


def test_the_fit_records_the_estimate_every_few_steps_and_the_seed_fixes_it():
    a = train_critic(_critic(), gaussian_1d(0, 1), gaussian_1d(1, 1), 30, penalty=10.0, seed=3, record_every=10)
    b = train_critic(_critic(), gaussian_1d(0, 1), gaussian_1d(1, 1), 30, penalty=10.0, seed=3, record_every=10)
    assert isinstance(a, CriticFit) and a.constraint == "penalty 10"
    assert a.step == [0, 10, 20] and a.estimate == b.estimate
    c = train_critic(_critic(), gaussian_1d(0, 1), gaussian_1d(1, 1), 30, penalty=10.0, seed=4, record_every=10)
    assert c.estimate != a.estimate
    r = train_critic(_critic(), gaussian_1d(0, 1), gaussian_1d(1, 1), 5, clip=0.05, optimizer="rmsprop", lr=5e-5)
    assert r.constraint == "clip 0.05" and len(r.estimate) == 5


def test_train_critic_rejects_bad_arguments():
    args = (_critic(), gaussian_1d(0, 1), gaussian_1d(1, 1), 3)
    with pytest.raises(ValueError, match="exactly one Lipschitz constraint"):
        train_critic(*args)
    with pytest.raises(ValueError, match="exactly one Lipschitz constraint"):
        train_critic(*args, clip=0.01, penalty=10.0)
    with pytest.raises(ValueError, match="positive finite"):
        train_critic(*args, clip=-0.01)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        train_critic(*args, clip=0.01, optimizer="sgd")
    with pytest.raises(ValueError, match="steps >= 0"):
        train_critic(_critic(), gaussian_1d(0, 1), gaussian_1d(1, 1), -1, clip=0.01)


def test_wasserstein_estimate_of_a_linear_critic_is_the_difference_of_means():
    critic = LinearCritic([2.0, -1.0], b=5.0)
    real = torch.tensor([[1.0, 0.0], [3.0, 2.0]])
    fake = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    # f(real) = 7, 9 -> 8; f(fake) = 5, 4, 6 -> 5
    assert wasserstein_estimate(critic, real, fake) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="same sample shape"):
        wasserstein_estimate(critic, real, torch.zeros(3, 3))


def test_value_surface_puts_x_along_columns_and_y_along_rows():
    surface = value_surface(LinearCritic([1.0, 2.0]), extent=(-1.0, 1.0, 0.0, 3.0), points=7)
    assert surface.values.shape == (7, 7) and surface.xs.shape == (7,) and surface.ys.shape == (7,)
    assert surface.xs[0] == -1 and surface.ys[-1] == 3
    expected = surface.xs[None, :] + 2 * surface.ys[:, None]
    assert np.allclose(surface.values, expected, atol=1e-5)
    with pytest.raises(ValueError, match="x_min < x_max"):
        value_surface(LinearCritic([1.0, 2.0]), extent=(1.0, -1.0, 0.0, 3.0))


def test_layer_gradient_norms_by_hand_for_a_two_layer_linear_critic():
    critic = nn.Sequential(nn.Linear(2, 3, bias=False), nn.Linear(3, 1, bias=False), nn.Flatten(0))
    with torch.no_grad():
        critic[0].weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
        critic[1].weight.copy_(torch.tensor([[2.0, -1.0, 2.0]]))
    n = 4
    real, fake = torch.randn(n, 2), torch.randn(n, 2)
    norms = layer_gradient_norms(critic, real, fake)
    # L = mean f(fake) - mean f(real): dL/df = +-1/n per sample; dL/dh1 = +-w2/n; over 2n samples
    assert len(norms) == 2
    assert norms[1] == pytest.approx(math.sqrt(2 * n) / n)
    assert norms[0] == pytest.approx(math.sqrt(2 * n) * 3.0 / n)  # |w2| = 3


@pytest.mark.parametrize("c, ratio", [(0.5, 4.0), (0.05, 0.4)])
def test_gradient_norms_grow_or_shrink_by_c_times_width_per_layer_when_weights_sit_at_c(c, ratio):
    """Gulrajani et al. (2017, Figure 1b): with every weight at +c and active ReLUs, back-propagation through a
    width-w layer multiplies the gradient by c w: it explodes for c w > 1 and vanishes for c w < 1."""
    width, depth = 8, 6
    critic = MLPDiscriminator((2,), hidden=(width,) * (depth - 1), negative_slope=0.0)
    with torch.no_grad():
        for p in critic.parameters():
            p.fill_(c) if p.ndim == 2 else p.zero_()
    real, fake = torch.rand(16, 2) + 1, torch.rand(16, 2) + 1  # positive inputs: every ReLU is active
    norms = layer_gradient_norms(critic, real, fake)
    assert len(norms) == depth
    for lower, upper in zip(norms[:-2], norms[1:-1]):  # hidden-to-hidden layers
        assert lower / upper == pytest.approx(ratio, rel=1e-4)


def test_layer_gradient_norms_needs_a_layer():
    class Identity(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.ones(()))

        def forward(self, x):
            return self.scale * x.sum(1)

    with pytest.raises(ValueError, match="no nn.Linear or nn.Conv2d"):
        layer_gradient_norms(Identity(), torch.zeros(2, 2), torch.zeros(2, 2))


def test_live_units_counts_the_units_positive_on_some_sample_and_a_dead_layer_stops_the_gradient():
    critic = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1), nn.Flatten(0))
    with torch.no_grad():
        critic[0].weight.copy_(torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0]]))
        critic[0].bias.copy_(torch.tensor([0.0, 0.0, -1.0]))  # unit 3 is -1 everywhere: dead
        critic[2].weight.fill_(1.0)
        critic[2].bias.copy_(torch.tensor([-1e6, 0.5]))  # unit 1 of layer 2 is dead on these inputs
    x = torch.tensor([[1.0, 5.0], [-2.0, 0.0]])  # x_1 > 0 for one sample, < 0 for the other
    assert live_units(critic, x) == [2, 1]
    with torch.no_grad():
        critic[2].bias.fill_(-1e6)  # every unit of layer 2 dead: the gradient below it is exactly zero
    assert live_units(critic, x) == [2, 0]
    norms = layer_gradient_norms(critic, x, -x)
    assert norms[0] == 0.0 and norms[1] == 0.0 and norms[2] > 0


def test_live_units_counts_channels_of_a_convolution():
    critic = nn.Sequential(nn.Conv2d(1, 2, 1), nn.ReLU(), nn.Conv2d(2, 1, 1), nn.Flatten(), nn.Linear(4, 1))
    with torch.no_grad():
        critic[0].weight.copy_(torch.tensor([1.0, -1.0]).view(2, 1, 1, 1))
        critic[0].bias.zero_()
    x = torch.zeros(3, 1, 2, 2)
    x[0, 0, 1, 1] = 1.0  # one positive pixel: channel 1 is live there, channel 2 nowhere
    assert live_units(critic, x)[0] == 1


def test_clipped_share_counts_weights_at_either_edge_and_leaves_biases_out():
    critic = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    with torch.no_grad():
        critic[0].weight.copy_(torch.tensor([[0.1, -0.1], [0.05, 0.0]]))
        critic[2].weight.copy_(torch.tensor([[-0.1, 0.0999999]]))
        critic[0].bias.fill_(0.1)
    assert clipped_share(critic, 0.1) == pytest.approx(4 / 6)
    assert clipped_share(critic, 0.05) == pytest.approx(5 / 6)
    with pytest.raises(ValueError, match="clip"):
        clipped_share(critic, 0.0)


def test_layer_gradient_norms_of_a_tiny_gradient_do_not_underflow_to_zero():
    """A float32 gradient of 1e-25 is representable, its square is not: the norm must still be about 1e-25."""
    critic = nn.Sequential(nn.Linear(2, 3, bias=False), nn.Linear(3, 1, bias=False), nn.Flatten(0))
    with torch.no_grad():
        critic[0].weight.fill_(1.0)
        critic[1].weight.fill_(1e-24)
    n = 4
    norms = layer_gradient_norms(critic, torch.randn(n, 2), torch.randn(n, 2))
    # dL/dh1 = +-w2 / n per sample: over 2n samples and 3 units, sqrt(2n * 3) * 1e-24 / n
    assert norms[0] == pytest.approx(math.sqrt(2 * n * 3) * 1e-24 / n, rel=1e-5)
