r"""The truncation trick of BigGAN (Brock et al. 2019, Section 4.1): sample $z$ from a truncated normal.

A generator trained on $z \sim \mathcal N(0, I)$ is sampled, after training, with every coordinate of $z$ whose
magnitude exceeds a threshold $\tau$ *resampled* until it falls inside $[-\tau, \tau]$ — the truncated normal.
Smaller $\tau$ keeps $z$ nearer the mode of the prior, where the generator has been trained most: samples gain
fidelity and lose variety, the trade-off BigGAN is known for; $\tau \to \infty$ is the prior G was trained
with. The trick is a prior, not a setting of the training loop: the metrics
take it as their ``prior`` (``label_accuracy(G, prior=...)``, ``marginal_sampler(G, prior=...)``).
"""

from __future__ import annotations

import math

import torch

from gan_course.latent.priors import Latent, Prior, _check_count, _check_dim


def truncated_normal(n: int, dim: int, threshold: float, generator: torch.Generator | None = None,
                     device: torch.device | None = None) -> torch.Tensor:
    r"""``n`` x ``dim`` draws of $\mathcal N(0, 1)$ truncated to $[-\tau, \tau]$, by resampling every value outside
    until none is left (Brock et al. 2019, Section 4.1: "resampling the values with magnitude above a chosen
    threshold")."""
    z = torch.randn(n, dim, generator=generator, device=device)
    outside = z.abs() > threshold
    while bool(outside.any()):
        z[outside] = torch.randn(int(outside.sum()), generator=generator, device=device)
        outside = z.abs() > threshold
    return z


class TruncatedNormal(Prior):
    r"""$z \sim \mathcal N(0, I_d)$ truncated to $[-\tau, \tau]^d$ coordinate by coordinate (:func:`truncated_normal`).

    ``threshold`` $\tau > 0$; ``math.inf`` is the untruncated :class:`~gan_course.latent.Normal`. A threshold below
    about 0.05 would need many redraws per value (each lands inside with probability $2\Phi(\tau) - 1$) and is
    refused.
    """

    def __init__(self, dim: int, threshold: float):
        if not isinstance(threshold, (int, float)) or math.isnan(threshold) or threshold < 0.05:
            raise ValueError(f"threshold must be a number of at least 0.05 (smaller ones need many redraws per value; "
                             f"math.inf for no truncation), got {threshold!r}")
        self.dim = _check_dim(dim)
        self.threshold = float(threshold)

    def sample(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> Latent:
        _check_count(n)
        return Latent(truncated_normal(n, self.dim, self.threshold, generator, device))

    def __repr__(self) -> str:
        return f"TruncatedNormal({self.dim}, threshold={self.threshold:g})"
