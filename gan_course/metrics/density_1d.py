r"""The Jensen–Shannon divergence between a 1-D data distribution and a generator, estimated from samples.

Goodfellow et al. (2014, Theorem 1) show that with the optimal discriminator the generator minimises
$2\,\mathrm{JSD}(p_\mathrm{data} \| p_g) - \log 4$; on the line we can watch that divergence fall during training.
$p_g$ has no formula, so the divergence is estimated:

**Estimator.** Both distributions are binned on the same ``bins`` equal-width bins over a stated range
$[a, b]$, plus two open tail bins $(-\infty, a)$ and $(b, \infty)$ so that no sample is dropped; the discrete
$\mathrm{JSD}$ of the two histograms (:func:`gan_course.metrics.divergences.js_divergence`) is the estimate. When the
data are a :class:`~gan_course.data.GaussianMixture1D` their bin masses are exact (from the normal CDF); data given as
samples are binned like the generator's.

**Bias.** Binning can only lose information, so for the binned distributions themselves
$\mathrm{JSD}_\text{binned} \le \mathrm{JSD}$ (coarse bins hide differences within a bin). Sampling noise pushes the
other way: the plug-in estimate is biased upwards, and even for $p_g = p_\mathrm{data}$ it is not 0. For two
histograms of $n$ samples each, $4n\,\widehat{\mathrm{JSD}}$ is the likelihood-ratio ($G$) statistic of a test of
homogeneity, approximately $\chi^2_{B-1}$, so the estimate's expectation is about $(B-1)/(4n)$; when the data side is
the exact mixture it is about $(B-1)/(8n)$. Here $B$ counts the bins expected to hold more than a few samples (nearly
empty bins add almost nothing). With the defaults (50 bins, 2,500 samples) this floor is at most about 0.005 (0.0025
against an exact mixture): differences smaller than that are noise.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.special import ndtr
from torch import Tensor

from gan_course.data.toy import GaussianMixture1D
from gan_course.latent.priors import Prior
from gan_course.metrics.samples import Source, batches, check_points
from gan_course.metrics.divergences import js_divergence

TAIL_STDS = 4.0  # the default range of a mixture: 4 standard deviations beyond its outermost means


def default_range(data: GaussianMixture1D | Tensor) -> tuple[float, float]:
    r"""$[\min_k \mu_k - 4\sigma_k, \max_k \mu_k + 4\sigma_k]$ for a mixture; the samples' [min, max] otherwise."""
    if isinstance(data, GaussianMixture1D):
        low = float((data.means - TAIL_STDS * data.stds).min())
        high = float((data.means + TAIL_STDS * data.stds).max())
        return low, high
    values = check_points(data, 1)
    return float(values.min()), float(values.max())


def _histogram(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts in (-inf, a), the interior bins (the last one closed at b), and (b, inf)."""
    inside, _ = np.histogram(values, bins=edges)
    return np.concatenate([[np.sum(values < edges[0])], inside, [np.sum(values > edges[-1])]]).astype(np.float64)


def _mixture_masses(mixture: GaussianMixture1D, edges: np.ndarray) -> np.ndarray:
    r"""Exact bin probabilities $\sum_k \pi_k [\Phi((e_{j+1} - \mu_k)/\sigma_k) - \Phi((e_j - \mu_k)/\sigma_k)]$."""
    bounds = np.concatenate([[-np.inf], edges, [np.inf]])
    cdf = ndtr((bounds[:, None] - mixture.means.numpy()) / mixture.stds.numpy()) @ mixture.weights.numpy()
    masses = np.diff(cdf)
    return masses / masses.sum()


def js_divergence_1d(
    data: GaussianMixture1D | Tensor,
    samples: Source,
    n: int = 2500,
    bins: int = 50,
    range: tuple[float, float] | None = None,
    seed: int = 0,
    batch_size: int = 2500,
    prior: Prior | None = None,
    progress: bool | None = None,
) -> float:
    """The histogram estimate of JSD(p_data ‖ p_g) in nats (see the module's docstring for its bias).

    ``data`` is a :class:`~gan_course.data.GaussianMixture1D` or a tensor of data samples (N, 1); ``samples`` a
    tensor (N, 1), or ``n`` draws from a generator or a sampling function (:mod:`gan_course.metrics.samples`).
    ``range`` = (a, b) fixes the binned interval (default: :func:`default_range` of the data).
    """
    if not isinstance(bins, int) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")
    low, high = default_range(data) if range is None else (float(range[0]), float(range[1]))
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"range must be two finite numbers a < b, got ({low}, {high})")
    edges = np.linspace(low, high, bins + 1)
    if isinstance(data, GaussianMixture1D):
        p = _mixture_masses(data, edges)
    else:
        counts = _histogram(check_points(data, 1).numpy().ravel(), edges)
        p = counts / counts.sum()
    generated = torch.cat([check_points(batch, 1) for batch in
                           batches(samples, n, batch_size, seed, prior, progress, desc="JS divergence")])
    q = _histogram(generated.numpy().ravel(), edges)
    return js_divergence(p, q / q.sum())
