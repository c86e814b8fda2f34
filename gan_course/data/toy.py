"""Toy distributions on the line and in the plane, with their true densities where they exist.

The theory chapters integrate against :meth:`density`; the training chapters draw batches with :meth:`sample`.
Definitions follow the papers that made them standard:

* 1-D Gaussians and mixtures: Goodfellow et al. (2014), Figure 1.
* The ring of 8 Gaussians and the 5x5 grid of 25 Gaussians: Srivastava et al. (2017, VEEGAN) and Lin et al.
  (2018, PacGAN); the PacGAN settings are the defaults (ring: radius 1, sigma 0.01; grid: means -4..4 in steps of 2,
  sigma 0.05).
* The swiss roll: the spiral of scikit-learn's ``make_swiss_roll`` projected on its two curling axes, as in Gulrajani
  et al. (2017, WGAN-GP).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch
from torch import Tensor

ArrayLike = Tensor | np.ndarray | float


def _as_tensor(x: ArrayLike) -> tuple[Tensor, bool]:
    """``x`` as a float64 tensor, and whether the caller gave a NumPy array (or scalar) to be answered in kind."""
    if isinstance(x, Tensor):
        return x, False
    return torch.as_tensor(np.asarray(x, dtype=np.float64)), True


def _normal_pdf(x: Tensor, mean: Tensor, std: Tensor) -> Tensor:
    r"""$\mathcal{N}(x; \mu, \sigma^2) = \exp(-(x-\mu)^2 / 2\sigma^2) / (\sigma\sqrt{2\pi})$."""
    return torch.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


class GaussianMixture1D:
    r"""A mixture of 1-D Gaussians, $p(x) = \sum_k \pi_k \mathcal{N}(x; \mu_k, \sigma_k^2)$."""

    dim = 1

    def __init__(self, means: Sequence[float], stds: Sequence[float], weights: Sequence[float] | None = None):
        self.means = torch.as_tensor(means, dtype=torch.float64).flatten()
        self.stds = torch.as_tensor(stds, dtype=torch.float64).flatten()
        k = self.means.numel()
        if k == 0 or self.stds.numel() != k:
            raise ValueError(f"need one std per mean; got {k} means and {self.stds.numel()} stds")
        if not bool((self.stds > 0).all()):
            raise ValueError(f"every std must be positive, got {self.stds.tolist()}")
        weights = torch.full((k,), 1.0 / k, dtype=torch.float64) if weights is None else torch.as_tensor(
            weights, dtype=torch.float64
        ).flatten()
        if weights.numel() != k or bool((weights < 0).any()) or not math.isclose(float(weights.sum()), 1.0, abs_tol=1e-9):
            raise ValueError(f"weights must be {k} non-negative numbers summing to 1, got {weights.tolist()}")
        self.weights = weights

    def mean(self) -> float:
        r"""$E[x] = \sum_k \pi_k \mu_k$."""
        return float((self.weights * self.means).sum())

    def variance(self) -> float:
        r"""$\mathrm{Var}[x] = \sum_k \pi_k (\sigma_k^2 + \mu_k^2) - E[x]^2$."""
        second = (self.weights * (self.stds**2 + self.means**2)).sum()
        return float(second) - self.mean() ** 2

    def density(self, x: ArrayLike) -> Tensor | np.ndarray:
        """The true density at ``x`` (a tensor gives a tensor, an array or float gives an array)."""
        t, numpy_in = _as_tensor(x)
        p = (self.weights * _normal_pdf(t.double().unsqueeze(-1), self.means, self.stds)).sum(-1)
        return p.numpy() if numpy_in else p.to(t.dtype)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` samples as a float32 tensor of shape ``(n, 1)``."""
        k = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        z = torch.randn(n, generator=generator, dtype=torch.float64)
        return (self.means[k] + self.stds[k] * z).float().unsqueeze(1)

    def __repr__(self) -> str:
        return f"GaussianMixture1D(means={self.means.tolist()}, stds={self.stds.tolist()}, weights={self.weights.tolist()})"


def gaussian_1d(mean: float = 0.0, std: float = 1.0) -> GaussianMixture1D:
    r"""One Gaussian $\mathcal{N}(\mu, \sigma^2)$ on the line."""
    return GaussianMixture1D([mean], [std])


class GaussianMixture2D:
    r"""An equal-weight mixture of isotropic 2-D Gaussians, $p(x) = \frac1K\sum_k \mathcal{N}(x; m_k, \sigma^2 I)$.

    ``modes`` (K x 2) and ``std`` are what the mode-coverage metrics need.
    """

    dim = 2

    def __init__(self, modes: Tensor | Sequence[Sequence[float]], std: float):
        self.modes = torch.as_tensor(modes, dtype=torch.float64)
        if self.modes.ndim != 2 or self.modes.shape[1] != 2 or self.modes.shape[0] == 0:
            raise ValueError(f"modes must have shape (K, 2), got {tuple(self.modes.shape)}")
        if not std > 0:
            raise ValueError(f"std must be positive, got {std}")
        self.std = float(std)

    def mean(self) -> Tensor:
        r"""$E[x] = \frac1K \sum_k m_k$."""
        return self.modes.mean(0)

    def covariance(self) -> Tensor:
        r"""$\mathrm{Cov}[x] = \sigma^2 I + \frac1K \sum_k (m_k - \bar m)(m_k - \bar m)^\top$."""
        centred = self.modes - self.mean()
        return self.std**2 * torch.eye(2, dtype=torch.float64) + centred.T @ centred / len(self.modes)

    def density(self, x: ArrayLike) -> Tensor | np.ndarray:
        """The true density at points ``x`` of shape ``(..., 2)``."""
        t, numpy_in = _as_tensor(x)
        if t.shape[-1] != 2:
            raise ValueError(f"points must have a last dimension of 2, got shape {tuple(t.shape)}")
        sq = ((t.double().unsqueeze(-2) - self.modes) ** 2).sum(-1)
        p = torch.exp(-0.5 * sq / self.std**2).mean(-1) / (2 * math.pi * self.std**2)
        return p.numpy() if numpy_in else p.to(t.dtype)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` samples as a float32 tensor of shape ``(n, 2)``."""
        k = torch.randint(len(self.modes), (n,), generator=generator)
        z = torch.randn(n, 2, generator=generator, dtype=torch.float64)
        return (self.modes[k] + self.std * z).float()

    def __repr__(self) -> str:
        return f"GaussianMixture2D(K={len(self.modes)}, std={self.std})"


def ring(n_modes: int = 8, radius: float = 1.0, std: float = 0.01) -> GaussianMixture2D:
    r"""``n_modes`` Gaussians with means $r(\cos(2\pi k/K), \sin(2\pi k/K))$, $k = 0..K-1$ (no repeated end point)."""
    if n_modes < 1:
        raise ValueError(f"n_modes must be at least 1, got {n_modes}")
    angles = 2 * math.pi * torch.arange(n_modes, dtype=torch.float64) / n_modes
    return GaussianMixture2D(radius * torch.stack([angles.cos(), angles.sin()], 1), std)


def grid(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> GaussianMixture2D:
    """``side`` x ``side`` Gaussians on a square grid centred at the origin (default: means -4, -2, 0, 2, 4)."""
    if side < 1:
        raise ValueError(f"side must be at least 1, got {side}")
    ticks = spacing * (torch.arange(side, dtype=torch.float64) - (side - 1) / 2)
    xs, ys = torch.meshgrid(ticks, ticks, indexing="ij")
    return GaussianMixture2D(torch.stack([xs.flatten(), ys.flatten()], 1), std)


class SwissRoll:
    r"""The 2-D swiss roll: $t = \tfrac{3\pi}{2}(1 + 2u)$, $u \sim U(0, 1)$, $x = (t\cos t, t\sin t)\cdot s + \epsilon$.

    ``noise`` is the std of the Gaussian $\epsilon$ added before scaling by ``scale`` (WGAN-GP uses noise 0.25 and
    scale 1/7.5). Its density has no closed form, so it has no ``density`` method.
    """

    dim = 2

    def __init__(self, noise: float = 0.25, scale: float = 1 / 7.5):
        if noise < 0 or scale <= 0:
            raise ValueError(f"need noise >= 0 and scale > 0, got noise={noise}, scale={scale}")
        self.noise = float(noise)
        self.scale = float(scale)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` samples as a float32 tensor of shape ``(n, 2)``."""
        t = 1.5 * math.pi * (1 + 2 * torch.rand(n, generator=generator, dtype=torch.float64))
        x = torch.stack([t * t.cos(), t * t.sin()], 1)
        x = x + self.noise * torch.randn(n, 2, generator=generator, dtype=torch.float64)
        return (self.scale * x).float()

    def __repr__(self) -> str:
        return f"SwissRoll(noise={self.noise}, scale={self.scale})"
