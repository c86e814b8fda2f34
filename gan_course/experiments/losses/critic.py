r"""The Wasserstein critic on its own: trained to (near) optimality against a fixed "generator", then looked at.

Arjovsky, Chintala & Bottou (2017) define the Wasserstein-1 (earth mover's) distance (their Eq. 1),

$$W(\mathbb{P}_r, \mathbb{P}_g) = \inf_{\gamma \in \Pi(\mathbb{P}_r, \mathbb{P}_g)}
\mathbb{E}_{(x, y) \sim \gamma}\lVert x - y\rVert,$$

and estimate it through the Kantorovich–Rubinstein duality (their Eq. 2),
$W = \sup_{\lVert f \rVert_L \le 1} \mathbb{E}_{\mathbb{P}_r} f - \mathbb{E}_{\mathbb{P}_g} f$, with a neural
*critic* $f$ kept Lipschitz by clipping its weights (their Eq. 3 and Algorithm 1). Gulrajani et al. (2017, Section 3 and
Figure 1) trained such critics to optimality against a fixed generator — the data plus unit-variance Gaussian noise —
to show what clipping does to them, and replaced clipping by a gradient penalty (their Eq. 3).

This module holds that experiment: :class:`NoisyData` (the fixed generator), :func:`train_critic` (clipping or
penalty), :func:`wasserstein_estimate`, :func:`value_surface` (Figure 1a) and :func:`layer_gradient_norms`
(Figure 1b), with what explains Figure 1b's norms: :func:`live_units` (ReLUs that pass anything) and
:func:`clipped_share` (weights at the edges of the clipping box).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn.utils import parametrize

from gan_course.losses.wgan import clip_weights_, gradient_penalty, wasserstein_critic_loss

OPTIMIZERS = ("adam", "rmsprop")
LAYER_TYPES = (nn.Linear, nn.Conv2d)


class Sampler(Protocol):
    """Anything with ``sample(n, generator)``: the toy distributions, :class:`NoisyData`."""

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor: ...


class NoisyData:
    r"""The fixed "generator" of Gulrajani et al. (2017, Section 3.1): the data plus Gaussian noise, $x + \epsilon$,
    $\epsilon \sim \mathcal{N}(0, \sigma^2 I)$ with $\sigma = 1$ in the paper."""

    def __init__(self, data: Sampler, std: float = 1.0):
        if not (math.isfinite(std) and std > 0):
            raise ValueError(f"std must be a positive finite number (the paper uses 1), got {std}")
        self.data = data
        self.std = float(std)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        x = self.data.sample(n, generator=generator)
        return x + self.std * torch.randn(x.shape, generator=generator, dtype=x.dtype)

    def __repr__(self) -> str:
        return f"NoisyData({self.data!r}, std={self.std})"


@dataclass
class CriticFit:
    """The trained critic, how it was constrained, and its Wasserstein estimate on each recorded step's batches."""

    critic: nn.Module
    constraint: str
    step: list[int] = field(default_factory=list)
    estimate: list[float] = field(default_factory=list)


def _spectrally_normalized(critic: nn.Module) -> bool:
    """Whether every ``nn.Linear`` and ``nn.Conv2d`` layer of ``critic`` carries a parametrised (normalised) weight."""
    layers = [m for m in critic.modules() if isinstance(m, LAYER_TYPES)]
    return bool(layers) and all(parametrize.is_parametrized(m, "weight") for m in layers)


def _check_constraint(clip: float | None, penalty: float | None, critic: nn.Module | None = None) -> str:
    if clip is None and penalty is None and critic is not None and _spectrally_normalized(critic):
        return "spectral norm"
    if (clip is None) == (penalty is None):
        raise ValueError(
            f"give exactly one Lipschitz constraint: clip=c (weight clipping, Arjovsky et al. 2017, c = 0.01) or "
            f"penalty=lambda (gradient penalty, Gulrajani et al. 2017, lambda = 10), or neither for a critic whose "
            f"every layer is spectrally normalised (gan_course.models.spectrally_normalize, Miyato et al. 2018); "
            f"got clip={clip}, penalty={penalty}"
        )
    value = clip if clip is not None else penalty
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"the constraint's value must be a positive finite number, got {value}")
    return f"clip {clip:g}" if clip is not None else f"penalty {penalty:g}"


def _optimizer(critic: nn.Module, name: str, lr: float, betas: tuple[float, float]) -> torch.optim.Optimizer:
    if name == "adam":
        return torch.optim.Adam(critic.parameters(), lr=lr, betas=betas)
    if name == "rmsprop":
        return torch.optim.RMSprop(critic.parameters(), lr=lr)
    raise ValueError(
        f"optimizer must be one of {OPTIMIZERS} (Gulrajani et al.: Adam; Arjovsky et al.: RMSProp), got {name!r}"
    )


def train_critic(
    critic: nn.Module,
    real: Sampler,
    fake: Sampler,
    steps: int,
    *,
    clip: float | None = None,
    penalty: float | None = None,
    optimizer: str = "adam",
    lr: float = 1e-4,
    betas: tuple[float, float] = (0.5, 0.9),
    batch_size: int = 256,
    seed: int = 0,
    record_every: int = 1,
) -> CriticFit:
    r"""Train ``critic`` for ``steps`` updates to tell ``real`` from the fixed ``fake`` distribution.

    Exactly one constraint: a critic spectrally normalised beforehand (Miyato et al. 2018; then neither ``clip`` nor
    ``penalty``), or ``clip=c``, which clips every parameter into $[-c, c]$ after each update (Arjovsky et al. 2017,
    Algorithm 1, lines 5-7), ``penalty=lambda`` adds the gradient penalty (Gulrajani et al. 2017, Eq. 3). Adam with
    $\alpha = 10^{-4}$, $\beta = (0.5, 0.9)$ is the setting of Gulrajani et al.'s toy code; ``optimizer="rmsprop"``
    with ``lr=5e-5`` is Arjovsky et al.'s. Batches come from a generator seeded with ``seed`` on the critic's device;
    every ``record_every`` steps the estimate $\hat W$ on that step's batches (before its update) is recorded:

    $$\hat W = \tfrac1m \sum_i f(x_i) - \tfrac1m \sum_i f(\tilde x_i)$$
    """
    constraint = _check_constraint(clip, penalty, critic)
    if steps < 0 or batch_size < 1 or record_every < 1:
        raise ValueError(
            f"need steps >= 0, batch_size >= 1 and record_every >= 1; got {steps}, {batch_size}, {record_every}"
        )
    device = next(critic.parameters()).device
    opt = _optimizer(critic, optimizer, lr, betas)
    rng = torch.Generator().manual_seed(seed)
    fit = CriticFit(critic, constraint)
    for step in range(steps):
        x_real = real.sample(batch_size, generator=rng).to(device)
        x_fake = fake.sample(batch_size, generator=rng).to(device)
        real_scores, fake_scores = critic(x_real), critic(x_fake)
        loss = wasserstein_critic_loss(real_scores, fake_scores)
        if step % record_every == 0:
            fit.step.append(step)
            fit.estimate.append(-loss.item())
        if penalty is not None:
            loss = loss + gradient_penalty(critic, x_real, x_fake, weight=penalty)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if clip is not None:
            clip_weights_(critic, clip)
    return fit


@torch.no_grad()
def wasserstein_estimate(critic: nn.Module, real: Tensor, fake: Tensor) -> float:
    r"""The critic's estimate of the Wasserstein-1 distance on two sample sets (Arjovsky et al. 2017, Eq. 2 and 3).

    It is a lower bound on $K \cdot W_1$ for a $K$-Lipschitz critic, equal to it for the optimal one:

    $$\hat W = \tfrac1n \sum_i f(x_i) - \tfrac1{n'} \sum_j f(\tilde x_j)$$
    """
    if real.ndim < 2 or real.shape[1:] != fake.shape[1:] or not len(real) or not len(fake):
        raise ValueError(f"real and fake must be non-empty batches of the same sample shape, got {tuple(real.shape)} "
                         f"and {tuple(fake.shape)}")
    device = next(critic.parameters()).device
    return (critic(real.to(device)).mean() - critic(fake.to(device)).mean()).item()


@dataclass(frozen=True)
class Surface:
    """A critic's values on a grid: ``values[i, j]`` is $f(x_j, y_i)$ (rows follow ``ys``, as matplotlib expects)."""

    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray


@torch.no_grad()
def value_surface(critic: nn.Module, extent: tuple[float, float, float, float], points: int = 101) -> Surface:
    """The critic's value surface on a ``points`` x ``points`` grid over ``extent = (x_min, x_max, y_min, y_max)``
    (Gulrajani et al. 2017, Figure 1a)."""
    x_min, x_max, y_min, y_max = extent
    if not (x_min < x_max and y_min < y_max) or points < 2:
        raise ValueError(f"need x_min < x_max, y_min < y_max and points >= 2; got extent {extent}, points {points}")
    xs, ys = np.linspace(x_min, x_max, points), np.linspace(y_min, y_max, points)
    grid_x, grid_y = np.meshgrid(xs, ys)
    device = next(critic.parameters()).device
    grid = torch.as_tensor(np.stack([grid_x.ravel(), grid_y.ravel()], 1), dtype=torch.float32, device=device)
    values = critic(grid).reshape(points, points).cpu().double().numpy()
    return Surface(xs, ys, values)



def layer_gradient_norms(critic: nn.Module, real: Tensor, fake: Tensor) -> list[float]:
    r"""The norm of the gradient of the critic's loss with respect to each layer's output, from the input's layer to
    the output's (Gulrajani et al. 2017, Figure 1b); one entry per ``nn.Linear`` or ``nn.Conv2d`` layer.

    The loss is :func:`~gan_course.losses.wasserstein_critic_loss`; real and fake batches are scored separately and
    the norm is taken over both, $\lVert \partial L / \partial h_l \rVert_2$ for layer $l$'s output $h_l$. Under
    weight clipping these norms grow or shrink geometrically from layer to layer. The squares are summed in float64:
    in float32 a gradient below about $10^{-19}$ squares to zero, and a vanishing gradient would read as exactly 0.
    """
    layers = [m for m in critic.modules() if isinstance(m, LAYER_TYPES)]
    if not layers:
        raise ValueError("the critic has no nn.Linear or nn.Conv2d layer whose output gradient could be measured")
    outputs: dict[nn.Module, list[Tensor]] = {layer: [] for layer in layers}
    hooks = [layer.register_forward_hook(lambda m, _, out: outputs[m].append(out)) for layer in layers]
    device = next(critic.parameters()).device
    try:
        loss = wasserstein_critic_loss(critic(real.to(device)), critic(fake.to(device)))
    finally:
        for hook in hooks:
            hook.remove()
    captured = [h for layer in layers for h in outputs[layer]]
    grads = iter(torch.autograd.grad(loss, captured, allow_unused=True))
    norms = []
    for layer in layers:
        # ||dL/dh_l||_2 over every output of layer l (the real and the fake batch)
        square = sum((g.double() ** 2).sum().item() for g in (next(grads) for _ in outputs[layer]) if g is not None)
        norms.append(math.sqrt(square))
    return norms


def _layers(critic: nn.Module) -> list[nn.Module]:
    layers = [m for m in critic.modules() if isinstance(m, LAYER_TYPES)]
    if not layers:
        raise ValueError("the critic has no nn.Linear or nn.Conv2d layer")
    return layers


@torch.no_grad()
def live_units(critic: nn.Module, x: Tensor) -> list[int]:
    r"""For each layer but the last, the number of its units whose output (a ReLU's input) is positive on at least one
    sample of ``x``; one entry per ``nn.Linear`` or ``nn.Conv2d`` layer, from the input's side.

    Behind a ReLU, a unit that is negative on every sample is *dead*: it passes neither value nor gradient, so the
    gradient of the critic's loss that crosses a layer whose units are all dead is exactly zero (Figure 1b of
    Gulrajani et al. 2017 with $c = 0.001$). A convolution's unit is a channel (positive anywhere in the image).
    """
    layers = _layers(critic)[:-1]
    outputs: dict[nn.Module, list[Tensor]] = {layer: [] for layer in layers}
    hooks = [layer.register_forward_hook(lambda m, _, out: outputs[m].append(out)) for layer in layers]
    try:
        critic(x.to(next(critic.parameters()).device))
    finally:
        for hook in hooks:
            hook.remove()
    counts = []
    for layer in layers:
        out = torch.cat(outputs[layer])
        # a unit is live if h_j > 0 for some sample (and, for a convolution, some position)
        positive = (out > 0).transpose(0, 1).flatten(1).any(1)
        counts.append(int(positive.sum()))
    return counts


@torch.no_grad()
def clipped_share(critic: nn.Module, clip: float, rtol: float = 1e-3) -> float:
    r"""The share of the weight entries of the critic's ``nn.Linear`` and ``nn.Conv2d`` layers (biases left out) that
    sit at an edge of the clipping box, $|w| \ge c\,(1 - \text{rtol})$ (Gulrajani et al. 2017, Figure 1b, right)."""
    if not (math.isfinite(clip) and clip > 0):
        raise ValueError(f"clip must be a positive finite number, got {clip}")
    weights = torch.cat([layer.weight.detach().flatten() for layer in _layers(critic)])
    return float((weights.abs() >= clip * (1 - rtol)).double().mean())
