r"""Mode coverage on the toy mixtures (ring, grid): the metrics of VEEGAN and PacGAN.

In their synthetic-data experiments Srivastava et al. (2017, VEEGAN) and Lin et al. (2018, PacGAN) measure a
generator of a mixture of $K$ isotropic Gaussians with means $m_1, \dots, m_K$ and standard deviation $\sigma$ by
three numbers, computed on 2,500 samples $x_1, \dots, x_n$:

* a sample is *high quality* when it lies within three standard deviations of its nearest mode,
  $\min_k \lVert x_i - m_k \rVert \le 3\sigma$; the metric is the share of high-quality samples;
* a mode is *covered* (captured) when it is the nearest mode of at least one high-quality sample;
* the *reverse KL divergence* $\mathrm{KL}(\hat p \,\|\, u)$ between $\hat p$, the histogram over modes of the
  high-quality samples (each assigned to its nearest mode), and the uniform distribution $u_k = 1/K$ of the data;
  it equals $\log K - H(\hat p)$.

PacGAN's released code (``synthetic_data_experiments/PacGAN/pacgan/extensions.py``, ``MetricLogger``) counts only
high-quality samples in the histogram (``detail_of_coverage``) and normalises it by their number; so does this module.
Samples that are no mode's high-quality samples lower the high-quality share, not the KL. With no high-quality sample
at all the histogram, and so the KL, is undefined: it is reported as NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from gan_course.data.toy import GaussianMixture2D
from gan_course.latent.priors import Prior
from gan_course.metrics.samples import Source, batches, check_points
from gan_course.metrics.divergences import kl_divergence

THRESHOLD = 3.0  # standard deviations (VEEGAN, PacGAN)


@dataclass(frozen=True)
class ModeCoverage:
    """The mode metrics of a sample set: high-quality samples per mode and the number of samples."""

    counts: tuple[int, ...]
    n_samples: int

    @property
    def n_modes(self) -> int:
        return len(self.counts)

    @property
    def modes_covered(self) -> int:
        """Modes that are the nearest mode of at least one high-quality sample."""
        return sum(count > 0 for count in self.counts)

    @property
    def high_quality(self) -> float:
        """The share of samples within three standard deviations of their nearest mode."""
        return sum(self.counts) / self.n_samples

    @property
    def reverse_kl(self) -> float:
        r"""$\mathrm{KL}(\hat p \,\|\, u)$ of the high-quality samples' mode histogram; NaN if there are none."""
        total = sum(self.counts)
        if total == 0:
            return math.nan
        uniform = np.full(self.n_modes, 1.0 / self.n_modes)
        return kl_divergence(np.asarray(self.counts, dtype=np.float64) / total, uniform)

    def __str__(self) -> str:
        kl = "undefined (no high-quality sample)" if math.isnan(self.reverse_kl) else f"{self.reverse_kl:.3f}"
        return (f"modes {self.modes_covered}/{self.n_modes} · high quality {self.high_quality:.1%} · "
                f"reverse KL {kl}")


def mode_coverage(
    samples: Source,
    mixture: GaussianMixture2D,
    n: int = 2500,
    threshold: float = THRESHOLD,
    seed: int = 0,
    batch_size: int = 500,
    prior: Prior | None = None,
    progress: bool | None = None,
) -> ModeCoverage:
    """VEEGAN's and PacGAN's mode metrics of 2-D ``samples`` (a tensor (N, 2), or ``n`` draws from a generator or a
    sampling function; see :mod:`gan_course.metrics.samples`) against the modes and std of ``mixture``.

    ``threshold`` is the high-quality radius in standard deviations (3 in both papers).
    """
    if not isinstance(mixture, GaussianMixture2D):
        raise TypeError(f"mixture must be a GaussianMixture2D such as gan_course.data.ring() or grid(), "
                        f"got {type(mixture).__name__}")
    if not threshold > 0:
        raise ValueError(f"threshold (in standard deviations) must be positive, got {threshold}")
    counts = torch.zeros(len(mixture.modes), dtype=torch.int64)
    total = 0
    for batch in batches(samples, n, batch_size, seed, prior, progress, desc="mode coverage"):
        points = check_points(batch, 2)
        distance, nearest = torch.cdist(points, mixture.modes).min(1)
        good = distance <= threshold * mixture.std
        counts += torch.bincount(nearest[good], minlength=len(mixture.modes))
        total += len(points)
    return ModeCoverage(tuple(counts.tolist()), total)
