r"""The Parzen-window log-likelihood estimate: how GANs were first evaluated, and why it is unreliable.

A GAN defines its density only implicitly, so Goodfellow et al. (2014, Section 5 and Table 1), following Breuleux
et al. (2011), fitted a Gaussian Parzen window (a kernel density estimate) to $n$ generated samples $s_1, \dots, s_n$
and reported the mean log-likelihood of test data under it, the bandwidth $\sigma$ chosen on a validation set:

$$\log \hat p(x) = \log \frac1n \sum_{i=1}^n \mathcal{N}(x; s_i, \sigma^2 I)
 = \operatorname{logsumexp}_i\Big(-\frac{\lVert x - s_i \rVert^2}{2\sigma^2}\Big)
   - \log n - \frac D2 \log(2\pi\sigma^2).$$

Theis, van den Oord & Bethge (2016) showed that in high dimensions this estimate is far from the true
log-likelihood even with millions of samples, and that it can rank models wrongly: the centroids of k-means beat
samples of the true distribution. Values are in nats for the data's own scaling (here digits in [-1, 1]), so they are
not comparable with numbers reported for [0, 1] pixels (those differ by $D \log 2$).
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor


def _flat(x: Tensor, name: str) -> Tensor:
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(f"{name} must have shape (N, ...) with N >= 1, got {tuple(x.shape)}")
    x = x.detach().flatten(1).double()
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} contain NaN or infinite values")
    return x


def parzen_log_likelihood(samples: Tensor, test: Tensor, sigma: float, batch_size: int = 100) -> float:
    r"""The mean of $\log \hat p(x)$ over ``test`` points, for the Parzen window of bandwidth ``sigma`` on ``samples``.

    Computed in float64 on the samples' device, ``batch_size`` test points at a time.
    """
    if not sigma > 0:
        raise ValueError(f"sigma (the Parzen window's bandwidth) must be positive, got {sigma}")
    centres, points = _flat(samples, "samples"), _flat(test, "test points").to(samples.device)
    if centres.shape[1] != points.shape[1]:
        raise ValueError(f"samples and test points differ in size: {tuple(samples.shape[1:])} and "
                         f"{tuple(test.shape[1:])}")
    n, dim = centres.shape
    centre_norms = (centres**2).sum(1)
    total = 0.0
    for batch in points.split(batch_size):
        squared = ((batch**2).sum(1, keepdim=True) + centre_norms - 2 * batch @ centres.T).clamp_min(0)  # rounding
        # log p̂(x) = logsumexp_i(-‖x − s_i‖² / 2σ²) − log n − (D/2) log(2πσ²)
        log_normaliser = math.log(n) + dim / 2 * math.log(2 * math.pi * sigma**2)
        log_p = torch.logsumexp(-squared / (2 * sigma**2), dim=1) - log_normaliser
        total += float(log_p.sum())
    return total / len(points)


def parzen_bandwidth(samples: Tensor, validation: Tensor, sigmas: Sequence[float], batch_size: int = 100) -> float:
    """The bandwidth among ``sigmas`` that maximises the validation log-likelihood (Goodfellow et al. 2014)."""
    if len(sigmas) == 0:
        raise ValueError("sigmas must hold at least one bandwidth to try")
    scores = [parzen_log_likelihood(samples, validation, float(s), batch_size) for s in sigmas]
    return float(sigmas[max(range(len(scores)), key=scores.__getitem__)])
