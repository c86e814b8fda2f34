r"""Spectral normalisation looked at: the power iteration's estimate during training, and the critic's Lipschitz
constant measured along segments between real and fake points.

Miyato et al. (2018, Algorithm 1) estimate each weight's largest singular value with one power
iteration per update, starting from the vector the last update ended with; the authors' released code
(pfnet-research/sngan_projection, ``source/functions/max_sv.py`` with ``Ip=1`` and ``source/links/sn_linear.py``,
``sn_convolution_2d.py``) keeps it as a persistent vector $u$, refreshed at every forward pass in training. The weight
changes little between updates, so the vector is already close to the top singular vector: :class:`SigmaTracker`
measures how close, against :func:`torch.linalg.svdvals` and against one iteration from a fresh random vector (a cold
start). :func:`segment_slopes` measures what the normalisation is for: the critic's slope along lines between real and
fake samples — gradient norms and finite differences, both lower bounds on its Lipschitz constant — for comparison
with weight clipping and the gradient penalty (:mod:`gan_course.experiments.losses.critic`). :func:`conv_operator_norm`
is the exact norm of a convolution as a linear map, which the kernel's reshaped matrix only approximates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils import parametrize

from gan_course.eval_mode import eval_mode
from gan_course.models.spectral_norm import weight_matrix
from gan_course.training.hooks import Hook


def power_iteration(matrix: Tensor, v: Tensor, iterations: int = 1) -> tuple[float, Tensor, Tensor]:
    r"""``iterations`` steps of the power iteration on ``matrix`` from the right vector ``v``, in the order PyTorch's
    :func:`~torch.nn.utils.parametrizations.spectral_norm` takes them; returns $(\tilde\sigma, u, v)$.

    Each step is $u \leftarrow W v / \lVert W v \rVert$, $v \leftarrow W^\top u / \lVert W^\top u \rVert$ (Miyato et
    al. 2018, Algorithm 1, with the roles of $u$ and $v$ as PyTorch names them), and the estimate is

    $$\tilde\sigma(W) = u^\top W v.$$
    """
    if matrix.ndim != 2 or v.shape != (matrix.shape[1],):
        raise ValueError(f"need a matrix (m, n) and a vector (n,), got {tuple(matrix.shape)} and {tuple(v.shape)}")
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
        raise ValueError(f"iterations must be a positive integer (SN-GAN uses 1 per update), got {iterations!r}")
    for _ in range(iterations):
        u = F.normalize(matrix @ v, dim=0, eps=1e-12)
        v = F.normalize(matrix.T @ u, dim=0, eps=1e-12)
    # sigma~(W) = u^T W v
    return float(u @ matrix @ v), u, v


def normalized_layers(network: nn.Module) -> list[tuple[str, nn.Module]]:
    """The layers of ``network`` whose weight is spectrally normalised, with their names."""
    return [(name, module) for name, module in network.named_modules()
            if parametrize.is_parametrized(module, "weight")
            and any(type(p).__name__ == "_SpectralNorm" for p in module.parametrizations.weight)]


@dataclass
class SigmaTracker(Hook):
    r"""After every training iteration, each spectrally normalised layer of D: the relative error
    $|\tilde\sigma - \sigma| / \sigma$ of the estimate one power iteration gives from the layer's stored vector (a warm
    start: what its next forward pass computes) and from a fresh random vector (a cold start), against the exact
    $\sigma$ of :func:`torch.linalg.svdvals`. The cold starts draw from a generator seeded with ``seed``.

    ``warm[name]`` and ``cold[name]`` are lists over iterations; ``steps`` the iteration numbers.
    """

    seed: int = 0
    steps: list[int] = field(default_factory=list)
    warm: dict[str, list[float]] = field(default_factory=dict)
    cold: dict[str, list[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rng = torch.Generator().manual_seed(self.seed)

    def on_fit_start(self, trainer, steps: int) -> None:
        if not normalized_layers(trainer.discriminator):
            raise ValueError("SigmaTracker needs a spectrally normalised discriminator "
                             "(gan_course.models.spectrally_normalize); this one has no normalised layer")

    @torch.no_grad()
    def after_step(self, trainer) -> None:
        self.steps.append(trainer.step)
        for name, layer in normalized_layers(trainer.discriminator):
            matrix = weight_matrix(layer).double().cpu()
            exact = float(torch.linalg.svdvals(matrix)[0])
            stored = layer.parametrizations.weight[0]._v.detach().double().cpu()
            fresh = torch.randn(matrix.shape[1], generator=self._rng, dtype=torch.float64)
            warm, _, _ = power_iteration(matrix, stored)
            cold, _, _ = power_iteration(matrix, F.normalize(fresh, dim=0))
            self.warm.setdefault(name, []).append(abs(warm - exact) / exact)
            self.cold.setdefault(name, []).append(abs(cold - exact) / exact)


@dataclass(frozen=True)
class SegmentSlopes:
    r"""A critic along ``pairs`` segments from a fake point to a real one, at ``points`` evenly spaced positions:
    ``gradient_norms`` $\lVert \nabla f(x_t) \rVert$, shape (pairs, points), and the finite-difference ``slopes``
    $|f(x_{t_{k+1}}) - f(x_{t_k})| / \lVert x_{t_{k+1}} - x_{t_k} \rVert$ between neighbours, shape (pairs,
    points - 1). Both are lower bounds on the critic's Lipschitz constant."""

    gradient_norms: np.ndarray
    slopes: np.ndarray

    @property
    def max_gradient(self) -> float:
        return float(self.gradient_norms.max())

    @property
    def mean_gradient(self) -> float:
        return float(self.gradient_norms.mean())

    @property
    def max_slope(self) -> float:
        return float(self.slopes.max())


def segment_slopes(critic: nn.Module, real: Tensor, fake: Tensor, points: int = 16) -> SegmentSlopes:
    r"""The critic's gradient norms and finite-difference slopes on the segments $x_t = t\,x + (1 - t)\,\tilde x$,
    $t \in [0, 1]$, from each fake sample $\tilde x$ to the real sample $x$ of the same row (the lines on which
    Gulrajani et al. 2017, Section 4, penalise the gradient), in eval mode (a spectrally normalised critic then uses
    its stored vectors and changes nothing)."""
    if real.shape != fake.shape or real.ndim < 2 or not len(real):
        raise ValueError(f"real and fake must be non-empty batches of the same shape, got {tuple(real.shape)} and "
                         f"{tuple(fake.shape)}")
    if points < 2:
        raise ValueError(f"points (positions per segment) must be at least 2, got {points}")
    device = next(critic.parameters()).device
    real, fake = real.to(device), fake.to(device)
    t = torch.linspace(0, 1, points, device=device).view(1, points, *([1] * (real.ndim - 1)))
    # x_t = t x + (1 - t) x~, all pairs and positions in one batch
    x = (t * real.unsqueeze(1) + (1 - t) * fake.unsqueeze(1)).flatten(0, 1).requires_grad_(True)
    with eval_mode(critic):
        scores = critic(x)
        (gradient,) = torch.autograd.grad(scores.sum(), x)
    norms = gradient.flatten(1).norm(dim=1).view(len(real), points)
    values = scores.detach().view(len(real), points)
    step = (real - fake).flatten(1).norm(dim=1, keepdim=True) / (points - 1)
    slopes = (values[:, 1:] - values[:, :-1]).abs() / step.clamp_min(1e-12)
    return SegmentSlopes(norms.cpu().double().numpy(), slopes.cpu().double().numpy())


@torch.no_grad()
def conv_operator_norm(conv: nn.Conv2d, input_shape: tuple[int, int, int], iterations: int = 50,
                       seed: int = 0) -> float:
    r"""The spectral norm of the convolution ``conv`` (its weight, as the layer computes it, without bias) as a linear
    map on inputs of ``input_shape`` = (C, H, W), by power iteration on $x \mapsto K x$ and its adjoint (the
    transposed convolution). Spectral normalisation divides by the norm of the kernel reshaped to
    (out, in x kh x kw) instead (Miyato et al. 2018, and their code), which is not this norm."""
    if not isinstance(conv, nn.Conv2d) or conv.groups != 1 or conv.dilation != (1, 1):
        raise ValueError("conv must be an nn.Conv2d with groups=1 and dilation 1")
    weight = conv.weight.detach()
    x = torch.randn(1, *input_shape, generator=torch.Generator().manual_seed(seed)).to(weight)
    x = x / x.norm()
    sigma = 0.0
    for _ in range(iterations):
        y = F.conv2d(x, weight, None, conv.stride, conv.padding)
        sigma = float(y.norm())
        back = F.conv_transpose2d(y, weight, None, conv.stride, conv.padding,
                                  output_padding=_output_padding(input_shape, y.shape, conv))
        x = back / back.norm().clamp_min(1e-30)
    return sigma


def _output_padding(input_shape: tuple[int, int, int], output_shape: torch.Size, conv: nn.Conv2d) -> tuple[int, int]:
    """What the transposed convolution must add to give back ``input_shape`` (strided convolutions drop rows)."""
    return tuple(size - ((out - 1) * s - 2 * p + k)
                 for size, out, s, p, k in zip(input_shape[1:], output_shape[2:], conv.stride, conv.padding,
                                               conv.kernel_size))
