r"""Walking the latent space: linear and spherical interpolation, and latent vector arithmetic.

Radford, Metz & Chintala (2016), Section 6, interpolate between latent vectors to show that G learned a smooth map
(no memorised jumps), and add and subtract *averages* of latent vectors ("smiling woman − neutral woman + neutral
man", Section 6.3.2, averaging three z per concept) to show that directions in z carry meaning.

Linear interpolation passes through the middle of the Gaussian, where latent vectors have a much smaller norm than
any z the generator saw in training ($\|z\| \approx \sqrt d$ for $z \sim N(0, I_d)$). White (2016), "Sampling
generative networks", Section 2.1, therefore recommends spherical interpolation (Shoemake 1985),

$$\operatorname{slerp}(z_0, z_1; t) = \frac{\sin((1-t)\theta)}{\sin\theta} z_0 + \frac{\sin(t\theta)}{\sin\theta} z_1,
\qquad \cos\theta = \frac{z_0 \cdot z_1}{\|z_0\|\|z_1\|},$$

which keeps the norm close to that of its ends.
"""

from __future__ import annotations

import torch
from torch import Tensor

METHODS = ("linear", "spherical")


def _check_pair(z0: Tensor, z1: Tensor) -> None:
    if z0.ndim != 1 or z0.shape != z1.shape:
        raise ValueError(f"z0 and z1 must be two latent vectors of the same length, got shapes {tuple(z0.shape)} and {tuple(z1.shape)}")


def _fractions(steps: int, like: Tensor) -> Tensor:
    if not isinstance(steps, int) or steps < 2:
        raise ValueError(f"steps must be an integer >= 2 (both ends included), got {steps!r}")
    return torch.linspace(0, 1, steps, dtype=like.dtype, device=like.device)[:, None]


def lerp(z0: Tensor, z1: Tensor, steps: int) -> Tensor:
    r"""``steps`` points from ``z0`` to ``z1`` on the straight line: $(1 - t) z_0 + t z_1$, shape (steps, d)."""
    _check_pair(z0, z1)
    t = _fractions(steps, z0)
    return (1 - t) * z0 + t * z1


def slerp(z0: Tensor, z1: Tensor, steps: int) -> Tensor:
    r"""``steps`` points from ``z0`` to ``z1`` along the great circle (Shoemake 1985; White 2016, Section 2.1).

    Falls back to :func:`lerp` when the two vectors are (nearly) parallel, where $\sin\theta \to 0$.
    """
    _check_pair(z0, z1)
    t = _fractions(steps, z0)
    cos_theta = torch.dot(z0, z1) / (z0.norm() * z1.norm())
    theta = torch.arccos(cos_theta.clamp(-1.0, 1.0))
    if float(theta.sin().abs()) < 1e-6:
        return lerp(z0, z1, steps)
    # slerp(z0, z1; t) = sin((1 - t) theta) / sin(theta) z0 + sin(t theta) / sin(theta) z1
    return (torch.sin((1 - t) * theta) * z0 + torch.sin(t * theta) * z1) / torch.sin(theta)


def interpolate(z0: Tensor, z1: Tensor, steps: int, method: str = "spherical") -> Tensor:
    """Latent vectors from ``z0`` to ``z1``: ``method`` is ``"linear"`` (:func:`lerp`) or ``"spherical"`` (:func:`slerp`)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return lerp(z0, z1, steps) if method == "linear" else slerp(z0, z1, steps)


def concept_vector(z: Tensor) -> Tensor:
    """The mean of several latent vectors (N, d) of one concept: Radford et al. (2016, Section 6.3.2) average three,
    because single vectors were unstable."""
    if z.ndim != 2 or len(z) < 1:
        raise ValueError(f"z must hold one or more latent vectors as rows, shape (N, d), got {tuple(z.shape)}")
    return z.mean(0)


def latent_arithmetic(a: Tensor, b: Tensor, c: Tensor) -> Tensor:
    r"""$\bar z_a - \bar z_b + \bar z_c$, with each argument a batch (N, d) of latent vectors of one concept
    (Radford et al. 2016, Figure 7: "smiling woman" − "neutral woman" + "neutral man")."""
    return concept_vector(a) - concept_vector(b) + concept_vector(c)
