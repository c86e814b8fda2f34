"""Discrete divergences against hand-computed values and their known bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gan_course.metrics.divergences import js_divergence, kl_divergence, pearson_chi2, total_variation


def test_discrete_divergences_by_hand():
    p, q = [0.5, 0.5], [0.25, 0.75]
    assert kl_divergence(p, q) == pytest.approx(0.5 * math.log(2) + 0.5 * math.log(2 / 3), rel=1e-12)
    m = [0.375, 0.625]
    expected_js = 0.5 * (0.5 * math.log(0.5 / 0.375) + 0.5 * math.log(0.5 / 0.625)) + 0.5 * (
        0.25 * math.log(0.25 / 0.375) + 0.75 * math.log(0.75 / 0.625)
    )
    assert js_divergence(p, q) == pytest.approx(expected_js, rel=1e-12)
    assert pearson_chi2(p, q) == pytest.approx(0.25**2 / 0.25 + 0.25**2 / 0.75, rel=1e-12)
    assert total_variation(p, q) == pytest.approx(0.25, rel=1e-12)


def test_bounds_and_disjoint_supports():
    p, q = [1.0, 0.0], [0.0, 1.0]
    assert js_divergence(p, q) == pytest.approx(math.log(2), rel=1e-12)
    assert kl_divergence(p, q) == math.inf and pearson_chi2(p, q) == math.inf
    assert total_variation(p, q) == 1.0
    r = np.array([0.2, 0.3, 0.5])
    assert kl_divergence(r, r) == js_divergence(r, r) == pearson_chi2(r, r) == total_variation(r, r) == 0.0


@pytest.mark.parametrize(
    "p, q, message",
    [
        ([0.5, 0.6], [0.5, 0.5], "p must sum to 1"),
        ([0.5, 0.5], [1.0], "same outcomes"),
        ([1.5, -0.5], [0.5, 0.5], "non-negative"),
        ([[0.5, 0.5]], [[0.5, 0.5]], "1-D vector"),
    ],
)
def test_bad_distributions_are_explained(p, q, message):
    with pytest.raises(ValueError, match=message):
        js_divergence(p, q)


# Densities on the line: closed forms, an independent reference (scipy's adaptive quadrature), and clear errors.

from scipy.integrate import quad
from scipy.stats import norm

from gan_course.data import GaussianMixture1D, gaussian_1d
from gan_course.metrics.divergences import (
    expectation,
    integrate,
    js_divergence_1d,
    kl_divergence_1d,
    pearson_chi2_1d,
    total_variation_1d,
    wasserstein1_1d,
)

TOL = 1e-6  # every identity below holds to this absolute (or relative) tolerance, the module's default atol


def gaussian_range(*pairs: tuple[float, float], width: float = 12.0) -> tuple[float, float]:
    """A range holding every Gaussian (mean, std) of ``pairs`` to ``width`` standard deviations."""
    return min(m - width * s for m, s in pairs), max(m + width * s for m, s in pairs)


def triangle(centre: float):
    """The triangular density of half-width 1 around ``centre``: continuous, with compact support."""
    return lambda x: np.maximum(0.0, 1.0 - np.abs(x - centre))


@pytest.mark.parametrize("mu1, s1, mu2, s2", [(0, 1, 1.5, 1), (0, 1, 1, 2), (-1, 0.5, 0.5, 1), (3, 2, 2.5, 0.7)])
def test_kl_between_gaussians_matches_the_closed_form(mu1, s1, mu2, s2):
    expected = math.log(s2 / s1) + (s1**2 + (mu1 - mu2) ** 2) / (2 * s2**2) - 0.5
    lower, upper = gaussian_range((mu1, s1), (mu2, s2))
    value = kl_divergence_1d(gaussian_1d(mu1, s1).density, gaussian_1d(mu2, s2).density, lower, upper)
    assert value == pytest.approx(expected, rel=TOL, abs=TOL)


@pytest.mark.parametrize("mu1, s1, mu2, s2", [(0, 1, 1, 1), (0, 1, 0.5, 1.5), (2, 0.5, 1.5, 0.5), (-1, 1.2, 0, 1)])
def test_pearson_chi2_between_gaussians_matches_the_closed_form(mu1, s1, mu2, s2):
    """chi^2(N1 || N2) = s2^2 / (s1 sqrt(2 s2^2 - s1^2)) exp((mu1 - mu2)^2 / (2 s2^2 - s1^2)) - 1 when 2 s2^2 > s1^2."""
    spread = 2 * s2**2 - s1**2
    expected = s2**2 / (s1 * math.sqrt(spread)) * math.exp((mu1 - mu2) ** 2 / spread) - 1
    lower, upper = gaussian_range((mu1, s1), (mu2, s2), (2 * mu1 - mu2, s1))  # also the integrand's tails
    value = pearson_chi2_1d(gaussian_1d(mu1, s1).density, gaussian_1d(mu2, s2).density, lower, upper)
    assert value == pytest.approx(expected, rel=TOL)


@pytest.mark.parametrize("mu1, mu2, s", [(0, 1.5, 1), (-2, 1, 0.5), (3, 3.1, 2), (0, 10, 1)])
def test_total_variation_and_w1_between_gaussians_of_equal_width(mu1, mu2, s):
    p, q = gaussian_1d(mu1, s).density, gaussian_1d(mu2, s).density
    lower, upper = gaussian_range((mu1, s), (mu2, s))
    assert total_variation_1d(p, q, lower, upper) == pytest.approx(2 * norm.cdf(abs(mu1 - mu2) / (2 * s)) - 1, abs=TOL)
    assert wasserstein1_1d(p, q, lower, upper) == pytest.approx(abs(mu1 - mu2), abs=TOL)


def test_w1_of_a_scaled_and_of_a_translated_distribution():
    """W1 = |s1 - s2| sqrt(2/pi) for centred Gaussians; a mixture and its translate by t are t apart."""
    for s1, s2 in ((1, 2), (0.5, 0.3)):
        value = wasserstein1_1d(gaussian_1d(0, s1).density, gaussian_1d(0, s2).density, -25, 25)
        assert value == pytest.approx(abs(s1 - s2) * math.sqrt(2 / math.pi), abs=TOL)
    mixture = GaussianMixture1D([-2, 1, 3], [0.5, 1, 0.3], [0.2, 0.5, 0.3])
    shifted = GaussianMixture1D([-2 + 2.5, 1 + 2.5, 3 + 2.5], [0.5, 1, 0.3], [0.2, 0.5, 0.3])
    assert wasserstein1_1d(mixture.density, shifted.density, -15, 20) == pytest.approx(2.5, abs=TOL)


@pytest.mark.parametrize(
    "p, q",
    [
        (gaussian_1d(0, 1), gaussian_1d(1, 1)),
        (gaussian_1d(0, 1), gaussian_1d(0.5, 2)),
        (GaussianMixture1D([-2, 2], [0.5, 0.5]), gaussian_1d(0, 1.5)),
    ],
)
def test_js_divergence_matches_adaptive_quadrature_and_is_symmetric_and_bounded(p, q):
    def integrand(x: float) -> float:
        a, b = float(p.density(x)), float(q.density(x))
        m = (a + b) / 2
        return 0.5 * (a * math.log(a / m) if a > 0 else 0.0) + 0.5 * (b * math.log(b / m) if b > 0 else 0.0)

    reference, error = quad(integrand, -20, 20, points=[-2, 0, 2], limit=200, epsabs=1e-12)
    value = js_divergence_1d(p.density, q.density, -20, 20)
    assert error < 1e-8 and value == pytest.approx(reference, abs=TOL)
    assert js_divergence_1d(q.density, p.density, -20, 20) == pytest.approx(value, abs=1e-12)
    assert 0 < value < math.log(2)
    assert js_divergence_1d(p.density, p.density, -20, 20) == 0.0


def test_disjoint_supports_saturate_js_and_tv_while_w1_keeps_growing():
    """Arjovsky et al. (2017), Example 1, on the line: JSD = log 2 and TV = 1 at every distance, KL = chi^2 = inf."""
    p = triangle(0.0)
    for shift in (2.0, 3.0, 7.0):
        q = triangle(shift)
        assert js_divergence_1d(p, q, -2, 9) == pytest.approx(math.log(2), abs=TOL)
        assert total_variation_1d(p, q, -2, 9) == pytest.approx(1.0, abs=TOL)
        assert wasserstein1_1d(p, q, -2, 9) == pytest.approx(shift, abs=TOL)
        assert kl_divergence_1d(p, q, -2, 9) == math.inf and pearson_chi2_1d(p, q, -2, 9) == math.inf
    # overlapping supports: p has mass 1/8 on [-1, -0.5] where q = 0, so KL and chi^2 are infinite but JSD is not
    q = triangle(0.5)
    assert kl_divergence_1d(p, q, -2, 2) == math.inf
    assert kl_divergence_1d(q, q, -2, 2) == 0.0 and 0 < js_divergence_1d(p, q, -2, 2) < math.log(2)


def test_pearson_chi2_of_measures_with_mass_two():
    """Mao et al.'s comparison of p_data + p_g with 2 p_g: equal to (1/2) chi^2(p_data || p_g) in the course's convention."""
    p, q = gaussian_1d(0, 1).density, gaussian_1d(1, 1).density
    doubled = pearson_chi2_1d(lambda x: p(x) + q(x), lambda x: 2 * q(x), -13, 14, mass=2)
    assert doubled == pytest.approx(0.5 * (math.e - 1), rel=TOL)
    with pytest.raises(ValueError, match="integrates to 2.*more than 1: it is not normalised"):
        pearson_chi2_1d(lambda x: p(x) + q(x), lambda x: 2 * q(x), -13, 14)


def test_integrate_and_expectation_by_hand():
    assert integrate(np.sin, 0, math.pi) == pytest.approx(2.0, abs=TOL)
    assert expectation(lambda x: x**2, gaussian_1d(0, 1).density, -12, 12) == pytest.approx(1.0, abs=TOL)
    assert expectation(lambda x: x, gaussian_1d(1.5, 0.5).density, -6, 9) == pytest.approx(1.5, abs=TOL)
    # f may be infinite where p = 0: 0 * log 0 counts as 0, and E[log p] = -1/2 for the triangle
    with np.errstate(divide="ignore"):
        assert expectation(lambda x: np.log(triangle(0)(x)), triangle(0), -2, 2) == pytest.approx(-0.5, abs=TOL)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: kl_divergence_1d(gaussian_1d(0, 1).density, gaussian_1d(0, 1).density, -1, 1),
         r"p integrates to 0.68\d+ over \[-1, 1\], not 1: the range misses part of its mass; widen the range"),
        (lambda: js_divergence_1d(lambda x: 2 * gaussian_1d().density(x), gaussian_1d().density, -10, 10),
         r"p integrates to 2 over \[-10, 10\], more than 1: it is not normalised"),
        (lambda: total_variation_1d(gaussian_1d().density, gaussian_1d().density, 3, -3), "lower < upper"),
        (lambda: total_variation_1d(gaussian_1d().density, gaussian_1d().density, -10, 10, points=1000),
         "points must be an odd integer"),
        (lambda: total_variation_1d(gaussian_1d().density, lambda x: -gaussian_1d().density(x), -10, 10),
         r"q must be finite and non-negative, but q\(-10\) = -"),
        (lambda: wasserstein1_1d(lambda x: np.ones(3), gaussian_1d().density, -10, 10), "same shape"),
        (lambda: js_divergence_1d(gaussian_1d(0, 0.01).density, gaussian_1d().density, -10, 10, points=101),
         r"the grid is too coarse for the density p.*use more points or a narrower range"),
        (lambda: kl_divergence_1d(gaussian_1d(0, 2).density, gaussian_1d(0, 1).density, -45, 45),
         r"q is 0 at x = -45 where p is positive.*underflows to 0.*narrow the range"),
        (lambda: expectation(lambda x: np.where(x > 1, np.inf, x), gaussian_1d().density, -10, 10),
         r"f must be finite where p > 0, but f\(1.0\d*\) = inf"),
    ],
)
def test_bad_densities_and_ranges_are_explained(call, message):
    with pytest.raises(ValueError, match=message):
        call()
