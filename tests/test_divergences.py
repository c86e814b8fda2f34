"""Discrete divergences against hand-computed values and their known bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gan_course.divergences import js_divergence, kl_divergence, pearson_chi2, total_variation


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
