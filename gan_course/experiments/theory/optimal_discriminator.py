r"""The GAN objectives for known densities on the line, their optimal discriminators, and training a discriminator alone.

With a fixed generator the game of Goodfellow et al. (2014) becomes a computation: the value $V(D, G)$ of a given
discriminator is an integral against $p_\text{data}$ and $p_g$, and its maximiser $D^*_G$ has a closed form
(their Proposition 1). The same holds for the least-squares GAN of Mao et al. (2017). The theory chapters compute
these integrals by quadrature (the checked trapezoidal rule of :mod:`gan_course.metrics.divergences`, accurate to
``atol``) and compare them with a discriminator trained by :func:`train_discriminator` on samples.

Densities are callables on NumPy arrays, e.g. ``gaussian_1d(0, 1).density``. The discriminator of the original GAN is
given by its **logit** $\ell(x)$, $D = \sigma(\ell)$, as in :mod:`gan_course.losses`: $\log D = -\operatorname{softplus}
(-\ell)$ and $\log(1 - D) = -\operatorname{softplus}(\ell)$ stay exact where $D$ itself rounds to 0 or 1, which the
optimal discriminator of two distant densities does. The least-squares discriminator outputs its value directly.
"""

from __future__ import annotations

from typing import Callable, Iterator, NamedTuple

import numpy as np
import torch
from torch import Tensor, nn

from gan_course.metrics.divergences import (
    DEFAULT_ATOL,
    DEFAULT_POINTS,
    Density,
    evaluate_density,
    evaluate_function,
    integrate_values,
    quadrature_grid,
)
from gan_course.losses.gan import DiscriminatorLoss, discriminator_loss
from gan_course.training.hooks import TrainingDiverged

Function1D = Callable[[np.ndarray], np.ndarray]


def _softplus(x: np.ndarray) -> np.ndarray:
    r"""$\operatorname{softplus}(x) = \log(1 + e^x)$, exact for large $|x|$ and for $\pm\infty$."""
    return np.logaddexp(0.0, x)


def optimal_discriminator_logit(p_data: Density, p_g: Density) -> Function1D:
    r"""The logit of the optimal discriminator, $\ell^*(x) = \log p_\text{data}(x) - \log p_g(x)$.

    It is $+\infty$ where only $p_\text{data}$ is positive and $-\infty$ where only $p_g$ is. Where both vanish any
    value is optimal (the point does not enter $V$); it is 0 there, i.e. $D = 1/2$.
    """

    def logit(x: np.ndarray) -> np.ndarray:
        data, fake = np.asarray(p_data(x), dtype=np.float64), np.asarray(p_g(x), dtype=np.float64)
        neither = (data == 0) & (fake == 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            # Goodfellow et al. (2014), Eq. 2 as a logit: log D* - log(1 - D*) = log p_data - log p_g
            return np.where(neither, 0.0, np.log(data) - np.log(fake))

    return logit


def optimal_discriminator(p_data: Density, p_g: Density) -> Function1D:
    r"""The optimal discriminator for a fixed generator (Goodfellow et al. 2014, Proposition 1 and Eq. 2).

    $$D^*_G(x) = \frac{p_\text{data}(x)}{p_\text{data}(x) + p_g(x)}$$

    Where both densities vanish any value is optimal; it is $1/2$ there.
    """
    logit = optimal_discriminator_logit(p_data, p_g)

    def discriminator(x: np.ndarray) -> np.ndarray:
        # D* = p_data / (p_data + p_g) = sigmoid(log p_data - log p_g)
        return np.exp(-_softplus(-logit(x)))

    return discriminator


def value_function(
    logit: Function1D,
    p_data: Density,
    p_g: Density,
    lower: float,
    upper: float,
    *,
    points: int = DEFAULT_POINTS,
    atol: float = DEFAULT_ATOL,
) -> float:
    r"""The value of the game (Goodfellow et al. 2014, Eqs. 1 and 3) for a discriminator with logit $\ell$, $D = \sigma(\ell)$.

    $$V(D, G) = \int p_\text{data}(x) \log D(x) + p_g(x) \log(1 - D(x))\,dx$$

    It is at most $V(D^*_G, G) = -\log 4 + 2\,\mathrm{JSD}(p_\text{data} \| p_g)$, and $-\infty$ if $D$ is 0 where
    $p_\text{data}$ has mass or 1 where $p_g$ has. Accurate to ``atol`` (see :mod:`gan_course.metrics.divergences`).
    """
    xs = quadrature_grid(lower, upper, points)
    data = evaluate_density(p_data, xs, "p_data", atol=atol)
    fake = evaluate_density(p_g, xs, "p_g", atol=atol)
    ell = evaluate_function(logit, xs, "the logit")
    if np.isnan(ell).any():
        raise ValueError(f"the logit is NaN at x = {xs[int(np.argmax(np.isnan(ell)))]:.6g}")
    # log D = -softplus(-l), log(1 - D) = -softplus(l); a point where a density is 0 contributes 0 (0 log 0 = 0)
    with np.errstate(invalid="ignore"):
        integrand = -(np.where(data > 0, data * _softplus(-ell), 0.0) + np.where(fake > 0, fake * _softplus(ell), 0.0))
    if np.isneginf(integrand).any():
        return float("-inf")
    return integrate_values(integrand, xs, atol, "the value function's integrand")


def discriminator_gap(
    logit: Function1D,
    p_data: Density,
    p_g: Density,
    lower: float,
    upper: float,
    *,
    floor: float = 0.01,
    points: int = DEFAULT_POINTS,
    atol: float = DEFAULT_ATOL,
) -> tuple[float, float]:
    r"""How far a discriminator is from $D^*_G$: the largest gap, and the mean gap where the data and the fakes are.

    Returns $\sup_x |D(x) - D^*_G(x)|$ over the grid points where $m = (p_\text{data} + p_g)/2$ is at least ``floor``
    times its maximum, and $\mathbb{E}_{x \sim m}|D(x) - D^*_G(x)| = \int m(x)\,|D(x) - D^*_G(x)|\,dx$. Both ignore
    where neither density has mass, because there $D$ does not enter $V$ and training leaves it arbitrary. For
    $D = 1/2$ the mean gap is $\tfrac12 \mathrm{TV}(p_\text{data}, p_g)$.
    """
    if not 0 < floor < 1:
        raise ValueError(f"floor must be in (0, 1), a fraction of the largest value of (p_data + p_g) / 2; got {floor}")
    xs = quadrature_grid(lower, upper, points)
    m = (evaluate_density(p_data, xs, "p_data", atol=atol) + evaluate_density(p_g, xs, "p_g", atol=atol)) / 2
    d = np.exp(-_softplus(-evaluate_function(logit, xs, "the logit")))
    gap = np.abs(d - optimal_discriminator(p_data, p_g)(xs))
    if np.isnan(gap).any():
        raise ValueError(f"the logit is NaN at x = {xs[int(np.argmax(np.isnan(gap)))]:.6g}")
    sup = float(gap[m >= floor * m.max()].max())
    return sup, integrate_values(m * gap, xs, atol, "m |D - D*|")


def discriminator_logit(discriminator: nn.Module) -> Function1D:
    """A 1-D discriminator network as a NumPy function of its logit, for the integrals here (evaluated without grad)."""

    def logit(x: np.ndarray) -> np.ndarray:
        parameter = next(discriminator.parameters())
        points = torch.as_tensor(np.asarray(x), dtype=parameter.dtype, device=parameter.device).reshape(-1, 1)
        with torch.no_grad():
            return discriminator(points).double().cpu().numpy().reshape(np.shape(x))

    return logit


def mean_gradient(
    f: Function1D,
    mean: float,
    std: float,
    lower: float,
    upper: float,
    *,
    points: int = DEFAULT_POINTS,
    atol: float = DEFAULT_ATOL,
) -> float:
    r"""The derivative of $\mathbb{E}_{x \sim \mathcal{N}(\mu, \sigma^2)}[f(x)]$ in the mean $\mu$, with $f$ held fixed.

    By the score-function identity $\partial_\mu \mathcal{N}(x; \mu, \sigma^2) = \mathcal{N}(x; \mu, \sigma^2)(x -
    \mu)/\sigma^2$ (Williams 1992), $\partial_\mu \mathbb{E}[f] = \mathbb{E}[f(x)(x - \mu)/\sigma^2]$. This is the
    gradient a generator $G(z) = \mu + \sigma z$ receives from a loss $\mathbb{E}_z[f(G(z))]$ with the discriminator
    inside $f$ fixed. Accurate to ``atol`` (see :mod:`gan_course.metrics.divergences`).
    """
    if not std > 0:
        raise ValueError(f"std must be positive, got {std}")
    xs = quadrature_grid(lower, upper, points)
    # N(x; mu, sigma^2) = exp(-(x - mu)^2 / 2 sigma^2) / (sigma sqrt(2 pi)), checked to hold its mass on the range
    gaussian = np.exp(-0.5 * ((xs - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))
    density = evaluate_density(lambda x: gaussian, xs, f"N({mean:g}, {std:g}^2)", atol=atol)
    values = evaluate_function(f, xs, "f")
    weighted = density > 0
    if not np.all(np.isfinite(values[weighted])):
        i = int(np.argmax(weighted & ~np.isfinite(values)))
        raise ValueError(f"f must be finite where the Gaussian is positive, but f({xs[i]:.6g}) = {values[i]}")
    # d/dmu E[f] = \int N(x; mu, sigma^2) f(x) (x - mu) / sigma^2 dx
    integrand = np.where(weighted, density * np.where(weighted, values, 0.0) * (xs - mean) / std**2, 0.0)
    return integrate_values(integrand, xs, atol, "the score-function integrand")


class LSGANCoding(NamedTuple):
    """The targets of a least-squares GAN (Mao et al. 2017, Eq. 2): ``a`` for fakes and ``b`` for real data in D's
    loss, ``c`` the value G wants D to give its fakes."""

    a: float
    b: float
    c: float


# Mao et al. (2017), Section 3.2: b - c = 1 and b - a = 2 make G minimise a Pearson chi-squared divergence ...
LSGAN_CHI2_CODING = LSGANCoding(a=-1.0, b=1.0, c=0.0)
# ... and the 0-1 coding with c = b, under which G asks D to call its fakes real.
LSGAN_BINARY_CODING = LSGANCoding(a=0.0, b=1.0, c=1.0)


def lsgan_optimal_discriminator(p_data: Density, p_g: Density, coding: LSGANCoding) -> Function1D:
    r"""The discriminator that minimises the LSGAN discriminator loss for a fixed generator (Mao et al. 2017, Section 3.2).

    $$D^*(x) = \frac{b\,p_\text{data}(x) + a\,p_g(x)}{p_\text{data}(x) + p_g(x)}$$

    Where both densities vanish any value is optimal; it is $(a + b)/2$ there.
    """
    a, b, _ = coding

    def discriminator(x: np.ndarray) -> np.ndarray:
        data, fake = np.asarray(p_data(x), dtype=np.float64), np.asarray(p_g(x), dtype=np.float64)
        total = data + fake
        # D* = (b p_data + a p_g) / (p_data + p_g)
        return np.where(total > 0, (b * data + a * fake) / np.where(total > 0, total, 1.0), (a + b) / 2)

    return discriminator


def _lsgan_terms(
    discriminator: Function1D, p_data: Density, p_g: Density, lower: float, upper: float, points: int, atol: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    xs = quadrature_grid(lower, upper, points)
    data = evaluate_density(p_data, xs, "p_data", atol=atol)
    fake = evaluate_density(p_g, xs, "p_g", atol=atol)
    d = evaluate_function(discriminator, xs, "the discriminator")
    if not np.all(np.isfinite(d)):
        raise ValueError(f"the discriminator must be finite, but D({xs[int(np.argmax(~np.isfinite(d)))]:.6g}) is not")
    return xs, data, fake, d


def lsgan_discriminator_objective(
    discriminator: Function1D,
    p_data: Density,
    p_g: Density,
    coding: LSGANCoding,
    lower: float,
    upper: float,
    *,
    points: int = DEFAULT_POINTS,
    atol: float = DEFAULT_ATOL,
) -> float:
    r"""The LSGAN discriminator's loss for densities (Mao et al. 2017, Eq. 2), with $D$ its (unbounded) output.

    $$L_D = \tfrac12 \mathbb{E}_{x \sim p_\text{data}}[(D(x) - b)^2] + \tfrac12 \mathbb{E}_{x \sim p_g}[(D(x) - a)^2]$$
    """
    a, b, _ = coding
    xs, data, fake, d = _lsgan_terms(discriminator, p_data, p_g, lower, upper, points, atol)
    # L_D = 1/2 \int p_data (D - b)^2 + p_g (D - a)^2 dx
    return integrate_values(0.5 * (data * (d - b) ** 2 + fake * (d - a) ** 2), xs, atol, "the LSGAN D loss")


def lsgan_generator_objective(
    discriminator: Function1D,
    p_data: Density,
    p_g: Density,
    coding: LSGANCoding,
    lower: float,
    upper: float,
    *,
    data_term: bool = False,
    points: int = DEFAULT_POINTS,
    atol: float = DEFAULT_ATOL,
) -> float:
    r"""The LSGAN generator's loss for densities (Mao et al. 2017, Eq. 2), optionally with the added data term.

    $$L_G = \tfrac12 \mathbb{E}_{x \sim p_g}[(D(x) - c)^2]
    \quad\Bigl(+\,\tfrac12 \mathbb{E}_{x \sim p_\text{data}}[(D(x) - c)^2] \text{ with } \texttt{data\_term}\Bigr)$$

    Mao et al. (Section 3.2) add the data term, which holds no parameter of $G$ and so leaves $G$'s gradient
    unchanged; with it, $2 L_G$ at the optimal $D$ equals $\int \frac{((b-c)(p_\text{data} + p_g) - (b-a)\,p_g)^2}
    {p_\text{data} + p_g}\,dx$, a Pearson $\chi^2$ divergence when $b - c = 1$ and $b - a = 2$.
    """
    _, _, c = coding
    xs, data, fake, d = _lsgan_terms(discriminator, p_data, p_g, lower, upper, points, atol)
    # L_G = 1/2 \int p_g (D - c)^2 dx  (+ 1/2 \int p_data (D - c)^2 dx)
    weight = fake + data if data_term else fake
    return integrate_values(0.5 * weight * (d - c) ** 2, xs, atol, "the LSGAN G loss")


def train_discriminator(
    discriminator: nn.Module,
    real: Iterator[Tensor],
    fake: Iterator[Tensor],
    optimizer: torch.optim.Optimizer,
    steps: int,
    loss: DiscriminatorLoss = discriminator_loss,
) -> list[float]:
    r"""Train a discriminator alone against a fixed generator: ``steps`` updates on fresh batches; return each loss.

    This is the inner loop of Goodfellow et al. (2014), Algorithm 1, run with $G$ frozen — the generator is only a
    sampler of $p_g$ (e.g. a :class:`~gan_course.data.SamplerStream`), so ``fake`` yields its batches. With the
    default loss, $-V(D, G)$ on a batch, the maximiser is $D^*_G$ (Proposition 1). Batches are moved to the
    discriminator's device. Raises :class:`~gan_course.training.TrainingDiverged` if a loss becomes NaN or infinite.
    """
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    device = next(discriminator.parameters()).device
    losses = []
    for _ in range(steps):
        value = loss(discriminator(next(real).to(device)), discriminator(next(fake).to(device)))
        optimizer.zero_grad(set_to_none=True)
        value.backward()
        optimizer.step()
        losses.append(value.detach())
    if not losses:
        return []
    history = torch.stack(losses).cpu()
    bad = ~torch.isfinite(history)
    if bool(bad.any()):
        step = int(bad.nonzero()[0, 0])
        raise TrainingDiverged(
            f"training the discriminator diverged: the loss became {history[step].item()} at step {step + 1} of this "
            f"call; lower the learning rate"
        )
    return history.tolist()
