"""The GAN objectives for known densities against closed forms and the theorems they illustrate, and training D alone.

Identities are checked to TOL = 1e-6 (the quadrature's default atol) unless a comment states another tolerance.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.optimize import brentq
from scipy.stats import norm
from torch import nn

from gan_course.data import GaussianMixture1D, SamplerStream, gaussian_1d
from gan_course.metrics.divergences import expectation, integrate, js_divergence_1d, pearson_chi2_1d, total_variation_1d
from gan_course.models import MLPDiscriminator
from gan_course.experiments.theory.optimal_discriminator import (
    LSGAN_BINARY_CODING,
    LSGAN_CHI2_CODING,
    LSGANCoding,
    discriminator_gap,
    discriminator_logit,
    lsgan_discriminator_objective,
    lsgan_generator_objective,
    lsgan_optimal_discriminator,
    mean_gradient,
    optimal_discriminator,
    optimal_discriminator_logit,
    train_discriminator,
    value_function,
)
from gan_course.training import TrainingDiverged

TOL = 1e-6
LOWER, UPPER = -14.0, 14.0
PAIRS = {
    "equal": (gaussian_1d(0, 1), gaussian_1d(0, 1)),
    "shifted": (gaussian_1d(1, 1), gaussian_1d(-1, 1)),
    "wider": (gaussian_1d(0.5, 0.7), gaussian_1d(0, 1.5)),
    "bimodal": (GaussianMixture1D([-2, 2], [0.5, 0.5]), gaussian_1d(0.5, 1.5)),
    "far apart": (gaussian_1d(-5, 0.5), gaussian_1d(5, 0.5)),
}


class LinearLogit(nn.Module):
    """A logistic-regression discriminator on the line: logit = w x + b, one per sample."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x).squeeze(1)


def test_optimal_discriminator_of_two_unit_gaussians_is_a_logistic_regression():
    """p_data = N(1, 1), p_g = N(-1, 1): log p_data - log p_g = ((x+1)^2 - (x-1)^2) / 2 = 2x, so D* = sigmoid(2x)."""
    p_data, p_g = gaussian_1d(1, 1).density, gaussian_1d(-1, 1).density
    xs = np.linspace(-8, 8, 101)
    np.testing.assert_allclose(optimal_discriminator_logit(p_data, p_g)(xs), 2 * xs, atol=1e-12)
    np.testing.assert_allclose(optimal_discriminator(p_data, p_g)(xs), 1 / (1 + np.exp(-2 * xs)), rtol=1e-12)
    # outside both supports D* is 1/2 by convention; where only one density is positive it is 0 or 1
    box = lambda x: np.where(np.abs(x) <= 1, 0.5, 0.0)  # noqa: E731 - a density on [-1, 1]
    shifted = lambda x: box(x - 1.5)  # noqa: E731 - on [0.5, 2.5]
    np.testing.assert_array_equal(optimal_discriminator(box, shifted)(np.array([-3.0, -0.5, 0.75, 2.0])),
                                  [0.5, 1.0, 0.5, 0.0])


@pytest.mark.parametrize("name", PAIRS)
def test_value_at_the_optimal_discriminator_is_minus_log_4_plus_twice_jsd(name):
    """Goodfellow et al. (2014), Theorem 1: C(G) = V(D*_G, G) = -log 4 + 2 JSD(p_data || p_g)."""
    data, fake = PAIRS[name]
    value = value_function(optimal_discriminator_logit(data.density, fake.density), data.density, fake.density,
                           LOWER, UPPER)
    assert value == pytest.approx(-math.log(4) + 2 * js_divergence_1d(data.density, fake.density, LOWER, UPPER),
                                  abs=TOL)
    assert -math.log(4) - TOL <= value <= TOL
    if name == "equal":
        assert value == pytest.approx(-math.log(4), abs=TOL)
    if name == "far apart":  # disjoint in all but floating-point tails: JSD = log 2, V(D*) = 0
        assert value == pytest.approx(0.0, abs=TOL)


@pytest.mark.parametrize("name", ["shifted", "wider", "bimodal"])
def test_the_optimal_discriminator_beats_every_perturbation_and_d_one_half_gives_minus_log_4(name):
    data, fake = PAIRS[name]
    best = optimal_discriminator_logit(data.density, fake.density)
    v_best = value_function(best, data.density, fake.density, LOWER, UPPER)
    for perturbation in (lambda x: 0.3 * np.sin(x), lambda x: 0.1 + 0 * x, lambda x: -0.5 * np.exp(-(x**2))):
        perturbed = lambda x, d=perturbation: best(x) + d(x)  # noqa: E731
        assert value_function(perturbed, data.density, fake.density, LOWER, UPPER) < v_best - 1e-4
    # D = 1/2 (logit 0): V = log(1/2) + log(1/2) whatever the densities
    half = value_function(lambda x: 0 * x, data.density, fake.density, LOWER, UPPER)
    assert half == pytest.approx(-math.log(4), abs=TOL)


def test_value_is_minus_infinity_for_a_discriminator_certain_of_the_wrong_answer():
    data, fake = PAIRS["shifted"]
    wrong = lambda x: np.where(x > 3, -np.inf, 0.0)  # noqa: E731 - D = 0 on (3, inf), where p_data has mass
    assert value_function(wrong, data.density, fake.density, LOWER, UPPER) == -math.inf
    with pytest.raises(ValueError, match="the logit is NaN at x = -14"):
        value_function(lambda x: np.full_like(x, np.nan), data.density, fake.density, LOWER, UPPER)


def test_change_of_variables_from_noise_to_samples():
    """E_z[log(1 - D(G(z)))] = E_{x ~ p_g}[log(1 - D(x))] for G(z) = sinh(z), z ~ N(0, 1).

    The density of x = sinh(z) is p_g(x) = phi(asinh x) / sqrt(1 + x^2); log(1 - D) = -softplus(logit), logit(x) = x.
    """
    log_one_minus_d = lambda x: -np.logaddexp(0.0, x)  # noqa: E731
    over_noise = expectation(lambda z: log_one_minus_d(np.sinh(z)), norm.pdf, -12, 12)
    p_g = lambda x: norm.pdf(np.arcsinh(x)) / np.sqrt(1 + x**2)  # noqa: E731
    over_samples = expectation(log_one_minus_d, p_g, -1e5, 1e5, points=2**22 + 1)
    assert over_samples == pytest.approx(over_noise, abs=TOL)


def test_mean_gradient_by_hand():
    """d/dmu E[x^2] = 2 mu and d/dmu E[x] = 1 for x ~ N(mu, sigma^2)."""
    assert mean_gradient(lambda x: x**2, 1.5, 0.5, -6, 9) == pytest.approx(3.0, abs=TOL)
    assert mean_gradient(lambda x: x, -2.0, 2.0, -30, 26) == pytest.approx(1.0, abs=TOL)
    with pytest.raises(ValueError, match="std must be positive"):
        mean_gradient(lambda x: x, 0.0, 0.0, -1, 1)


@pytest.mark.parametrize("theta", [0.5, 2.0, 6.0])
def test_generator_gradients_at_the_optimal_discriminator(theta):
    """p_data = N(0, 1), p_theta = N(theta, 1), D* = D*_theta held fixed. Envelope theorem: the minimax loss's gradient
    is d/dtheta 2 JSD; Arjovsky & Bottou (2017), Theorem 2.5: the non-saturating loss's is d/dtheta [KL(p_theta ||
    p_data) - 2 JSD], with KL = theta^2 / 2. d JSD / d theta by central differences (h = 1e-3, error ~1e-7)."""
    p_data, p_theta = gaussian_1d(0, 1).density, gaussian_1d(theta, 1).density
    lower, upper = -12.0, theta + 12.0
    logit = optimal_discriminator_logit(p_data, p_theta)
    minimax = mean_gradient(lambda x: -np.logaddexp(0.0, logit(x)), theta, 1.0, lower, upper)
    nonsaturating = mean_gradient(lambda x: np.logaddexp(0.0, -logit(x)), theta, 1.0, lower, upper)
    h = 1e-3
    jsd = [js_divergence_1d(p_data, gaussian_1d(theta + s, 1).density, lower, upper) for s in (h, -h)]
    d_jsd = (jsd[0] - jsd[1]) / (2 * h)
    assert minimax == pytest.approx(2 * d_jsd, abs=TOL)
    assert nonsaturating == pytest.approx(theta - 2 * d_jsd, abs=TOL)


def test_discriminator_gap_of_the_optimum_and_of_a_coin_flip():
    """|D* - D*| = 0; for D = 1/2, E_m|D* - 1/2| = (1/4) int |p_data - p_g| = TV / 2 (here TV = 2 Phi(1) - 1),
    and for p_data = N(1, 1), p_g = N(-1, 1) (D* = sigmoid(2x)) the sup is at the edge x_e of {m >= floor max m}."""
    data, fake = PAIRS["shifted"]
    best = optimal_discriminator_logit(data.density, fake.density)
    assert discriminator_gap(best, data.density, fake.density, LOWER, UPPER) == (0.0, 0.0)
    sup, mean = discriminator_gap(lambda x: 0 * x, data.density, fake.density, LOWER, UPPER, floor=0.05)
    assert mean == pytest.approx((2 * norm.cdf(1.0) - 1) / 2, abs=TOL)
    assert mean == pytest.approx(total_variation_1d(data.density, fake.density, LOWER, UPPER) / 2, abs=TOL)
    m = lambda x: (data.density(x) + fake.density(x)) / 2  # noqa: E731
    edge = brentq(lambda x: m(x) - 0.05 * m(0.0 * x), 0.0, 10.0)  # m is largest at 0 (sum of two unit Gaussians at +-1)
    spacing = (UPPER - LOWER) / 2**16
    assert sup == pytest.approx(1 / (1 + math.exp(-2 * edge)) - 0.5, abs=2 * spacing)  # the grid misses x_e by < h
    with pytest.raises(ValueError, match=r"floor must be in \(0, 1\)"):
        discriminator_gap(best, data.density, fake.density, LOWER, UPPER, floor=1.5)


def test_discriminator_logit_wraps_a_network():
    torch.manual_seed(0)
    net = LinearLogit()
    with torch.no_grad():
        net.linear.weight.fill_(2.0)
        net.linear.bias.fill_(-1.0)
    xs = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(discriminator_logit(net)(xs), 2 * xs - 1, atol=1e-6)
    assert not any(p.grad is not None for p in net.parameters())


@pytest.mark.parametrize("coding", [LSGAN_CHI2_CODING, LSGAN_BINARY_CODING, LSGANCoding(a=0.2, b=3.0, c=-1.0)])
@pytest.mark.parametrize("name", ["equal", "shifted", "bimodal"])
def test_lsgan_optimal_discriminator_and_its_loss(coding, name):
    """Mao et al. (2017), Section 3.2: D* = (b p_data + a p_g) / (p_data + p_g) minimises L_D, whose minimum is
    (b - a)^2 / 2 * int p_data p_g / (p_data + p_g) dx ((b - a)^2 / 4 when p_g = p_data)."""
    a, b, _ = coding
    data, fake = PAIRS[name]
    best = lsgan_optimal_discriminator(data.density, fake.density, coding)
    loss = lsgan_discriminator_objective(best, data.density, fake.density, coding, LOWER, UPPER)
    harmonic = integrate(lambda x: data.density(x) * fake.density(x) / (data.density(x) + fake.density(x)), LOWER, UPPER)
    assert loss == pytest.approx((b - a) ** 2 / 2 * harmonic, abs=TOL)
    if name == "equal":
        assert loss == pytest.approx((b - a) ** 2 / 4, abs=TOL)
        np.testing.assert_allclose(best(np.linspace(-3, 3, 7)), (a + b) / 2)
    for shift in (lambda x: 0.1 + 0 * x, lambda x: 0.2 * np.cos(x)):
        worse = lambda x, s=shift: best(x) + s(x)  # noqa: E731
        assert lsgan_discriminator_objective(worse, data.density, fake.density, coding, LOWER, UPPER) > loss + 1e-4


@pytest.mark.parametrize("name", ["equal", "shifted", "wider", "bimodal"])
def test_lsgan_generator_minimises_a_pearson_chi2_divergence(name):
    """Mao et al. (2017), Section 3.2: with b - c = 1 and b - a = 2, 2 C(G) = int (2 p_g - (p_data + p_g))^2 /
    (p_data + p_g) dx, i.e. chi^2(2 p_g || p_data + p_g) in this course's convention chi^2(p || q) = int (p - q)^2 / q.
    With the (0, 1, 1) coding, 2 C(G) = int p_g^2 / (p_data + p_g) dx instead, 1/2 when p_g = p_data."""
    data, fake = PAIRS[name]
    p_d, p_g = data.density, fake.density
    for coding in (LSGAN_CHI2_CODING, LSGANCoding(a=-3.0, b=-1.0, c=-2.0)):  # two codings with b - c = 1, b - a = 2
        best = lsgan_optimal_discriminator(p_d, p_g, coding)
        two_c = 2 * lsgan_generator_objective(best, p_d, p_g, coding, LOWER, UPPER, data_term=True)
        chi2 = pearson_chi2_1d(lambda x: 2 * p_g(x), lambda x: p_d(x) + p_g(x), LOWER, UPPER, mass=2)
        assert two_c == pytest.approx(chi2, abs=TOL)
    best = lsgan_optimal_discriminator(p_d, p_g, LSGAN_BINARY_CODING)
    two_c = 2 * lsgan_generator_objective(best, p_d, p_g, LSGAN_BINARY_CODING, LOWER, UPPER, data_term=True)
    assert two_c == pytest.approx(integrate(lambda x: p_g(x) ** 2 / (p_d(x) + p_g(x)), LOWER, UPPER), abs=TOL)
    if name == "equal":
        assert chi2 == pytest.approx(0.0, abs=TOL) and two_c == pytest.approx(0.5, abs=TOL)


def test_the_added_data_term_does_not_depend_on_the_generator():
    """For a fixed D, L_G(data_term=True) - L_G(data_term=False) = 1/2 E_data[(D - c)^2], whatever p_g is."""
    p_d = PAIRS["bimodal"][0].density
    d = lambda x: np.tanh(x)  # noqa: E731 - any fixed discriminator
    by_hand = 0.5 * expectation(lambda x: (np.tanh(x) - LSGAN_CHI2_CODING.c) ** 2, p_d, LOWER, UPPER)
    for p_g in (gaussian_1d(0, 1).density, gaussian_1d(3, 0.4).density, PAIRS["wider"][1].density):
        with_term = lsgan_generator_objective(d, p_d, p_g, LSGAN_CHI2_CODING, LOWER, UPPER, data_term=True)
        without = lsgan_generator_objective(d, p_d, p_g, LSGAN_CHI2_CODING, LOWER, UPPER)
        assert with_term - without == pytest.approx(by_hand, abs=TOL)
    with pytest.raises(ValueError, match="the discriminator must be finite"):
        lsgan_generator_objective(lambda x: np.full_like(x, np.inf), p_d, p_d, LSGAN_CHI2_CODING, LOWER, UPPER)


def test_training_a_logistic_regression_discriminator_finds_the_optimal_logit():
    """p_data = N(1, 1), p_g = N(-1, 1): D*'s logit is 2x, so a linear discriminator can reach it. After 1,500 Adam
    steps on batches of 512 its weight and bias are within 0.15 of (2, 0) (sampling noise, not quadrature error)."""
    torch.manual_seed(0)
    net = LinearLogit()
    losses = train_discriminator(
        net,
        SamplerStream(gaussian_1d(1, 1), 512, seed=1),
        SamplerStream(gaussian_1d(-1, 1), 512, seed=2),
        torch.optim.Adam(net.parameters(), lr=0.05),
        steps=1_500,
    )
    assert len(losses) == 1_500 and all(math.isfinite(v) for v in losses)
    assert net.linear.weight.item() == pytest.approx(2.0, abs=0.15)
    assert net.linear.bias.item() == pytest.approx(0.0, abs=0.15)
    # its loss approaches -V(D*, G) = log 4 - 2 JSD
    jsd = js_divergence_1d(gaussian_1d(1, 1).density, gaussian_1d(-1, 1).density, LOWER, UPPER)
    assert np.mean(losses[-200:]) == pytest.approx(math.log(4) - 2 * jsd, abs=0.02)


def test_training_an_mlp_discriminator_brings_its_value_close_to_the_optimum():
    torch.manual_seed(0)
    data, fake = PAIRS["bimodal"]
    net = MLPDiscriminator((1,), hidden=(32, 32))
    real_stream, fake_stream = SamplerStream(data, 256, seed=1), SamplerStream(fake, 256, seed=2)
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    best = value_function(optimal_discriminator_logit(data.density, fake.density), data.density, fake.density,
                          LOWER, UPPER)
    before = value_function(discriminator_logit(net), data.density, fake.density, LOWER, UPPER)
    train_discriminator(net, real_stream, fake_stream, optimizer, steps=1_500)
    after = value_function(discriminator_logit(net), data.density, fake.density, LOWER, UPPER)
    assert before < after <= best + TOL
    assert best - after < 0.01  # within 0.01 nat of max_D V after 1,500 steps (0.004 on this seed)


def test_train_discriminator_explains_bad_input_and_divergence():
    net = LinearLogit()
    streams = (SamplerStream(gaussian_1d(), 8, seed=0), SamplerStream(gaussian_1d(), 8, seed=1))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    weight = net.linear.weight.detach().clone()
    assert train_discriminator(net, *streams, optimizer, steps=0) == []
    assert torch.equal(net.linear.weight, weight)
    with pytest.raises(ValueError, match="steps must be a non-negative integer, got -1"):
        train_discriminator(net, *streams, optimizer, steps=-1)
    with pytest.raises(TrainingDiverged, match="the loss became nan at step 1"):
        train_discriminator(net, *streams, optimizer, steps=3, loss=lambda r, f: (r + f).mean() * float("nan"))
