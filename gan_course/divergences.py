r"""Divergences between probability distributions, in nats.

Discrete distributions are given as vectors of probabilities over the same outcomes. Definitions:

* Kullback–Leibler: $\mathrm{KL}(p \| q) = \sum_i p_i \log(p_i / q_i)$, with $0 \log 0 = 0$.
* Jensen–Shannon: $\mathrm{JSD}(p \| q) = \tfrac12\mathrm{KL}(p \| m) + \tfrac12\mathrm{KL}(q \| m)$, $m = (p + q)/2$;
  it lies in $[0, \log 2]$ (Lin 1991).
* Pearson $\chi^2$: $\chi^2_\mathrm{Pearson}(p \| q) = \sum_i (p_i - q_i)^2 / q_i$ (Mao et al. 2017 use it for LSGAN).
* Total variation: $\mathrm{TV}(p, q) = \tfrac12 \sum_i |p_i - q_i|$.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def _distribution(p: ArrayLike, name: str) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D vector of probabilities, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(f"{name} must hold finite, non-negative probabilities")
    if not np.isclose(p.sum(), 1.0, rtol=0, atol=1e-9):
        raise ValueError(f"{name} must sum to 1 (it sums to {p.sum():.12g}); normalise it first, e.g. p / p.sum()")
    return p


def _pair(p: ArrayLike, q: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    p, q = _distribution(p, "p"), _distribution(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must be over the same outcomes; got {p.size} and {q.size} probabilities")
    return p, q


def kl_divergence(p: ArrayLike, q: ArrayLike) -> float:
    r"""$\mathrm{KL}(p \| q) = \sum_i p_i \log(p_i / q_i)$; infinite where $q_i = 0 < p_i$."""
    p, q = _pair(p, q)
    support = p > 0
    if np.any(q[support] == 0):
        return float("inf")
    return float(np.sum(p[support] * np.log(p[support] / q[support])))


def js_divergence(p: ArrayLike, q: ArrayLike) -> float:
    r"""$\mathrm{JSD}(p \| q) = \tfrac12\mathrm{KL}(p \| m) + \tfrac12\mathrm{KL}(q \| m)$ with $m = (p+q)/2$."""
    p, q = _pair(p, q)
    m = (p + q) / 2
    return 0.5 * kl_divergence(p, m) + 0.5 * kl_divergence(q, m)


def pearson_chi2(p: ArrayLike, q: ArrayLike) -> float:
    r"""$\chi^2_\mathrm{Pearson}(p \| q) = \sum_i (p_i - q_i)^2 / q_i$; infinite where $q_i = 0 < p_i$."""
    p, q = _pair(p, q)
    support = q > 0
    if np.any(p[~support] > 0):
        return float("inf")
    return float(np.sum((p[support] - q[support]) ** 2 / q[support]))


def total_variation(p: ArrayLike, q: ArrayLike) -> float:
    r"""$\mathrm{TV}(p, q) = \tfrac12 \sum_i |p_i - q_i|$."""
    p, q = _pair(p, q)
    return float(0.5 * np.abs(p - q).sum())
