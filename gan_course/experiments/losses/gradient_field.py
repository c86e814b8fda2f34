r"""The gradient a generator's loss sends to each of its samples, through a fixed discriminator, in the plane.

The generator learns only through $\nabla_x L_G(D(x))$ at its samples $x = G(z)$: by the chain rule its parameters
receive $\sum_i \nabla_x L_G(D(x_i))\, \partial G(z_i) / \partial\theta$. On 2-D data that gradient can be drawn at
every point of the plane, for any generator loss and a trained discriminator held fixed. Mao et al. (2017,
Section 3.1 and Figure 1) argue with this picture for least squares: fakes that lie far on the "real" side of the
decision boundary get almost no gradient from the sigmoid cross-entropy, whose per-sample loss
$-\log\sigma(\ell)$ flattens as the logit $\ell = D(x)$ grows, but a gradient growing with the distance from the
target from the least-squares loss $\tfrac12 (D(x) - c)^2$:

$$\nabla_x L_G = L_G'(D(x))\, \nabla_x D(x), \qquad -\frac{d}{d\ell}\log\sigma(\ell) = -\sigma(-\ell), \qquad
\frac{d}{dy}\tfrac12 (y - c)^2 = y - c .$$
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from gan_course.eval_mode import eval_mode
from gan_course.losses.gan import GeneratorLoss


@dataclass(frozen=True, eq=False)
class GradientField:
    r"""$\nabla_x L_G(D(x))$ on a grid: ``gradient[i, j]`` and D's raw ``output[i, j]`` at ``(xs[j], ys[i])``."""

    xs: np.ndarray
    ys: np.ndarray
    output: np.ndarray
    gradient: np.ndarray

    @property
    def norm(self) -> np.ndarray:
        r"""$\lVert \nabla_x L_G \rVert_2$ at every grid point, shape ``(len(ys), len(xs))``."""
        return np.linalg.norm(self.gradient, axis=-1)


def sample_gradients(discriminator: nn.Module, g_loss: GeneratorLoss, points: Tensor) -> tuple[Tensor, Tensor]:
    r"""D's raw outputs at ``points`` (N, d) and each point's own gradient $\nabla_x L_G(D(x))$, shape (N, d).

    ``g_loss`` is a generator loss of :mod:`gan_course.losses` (e.g. ``nonsaturating_generator_loss`` on logits,
    ``lsgan_generator_loss`` on scores): a *mean* over the batch of a per-sample loss $\ell$. The gradient of
    $N \cdot \tfrac1N \sum_i \ell(D(x_i))$ with respect to $x_i$ is then $\nabla_x \ell(D(x_i))$, the gradient of
    that sample alone, provided D scores each sample independently (no batch norm in training mode: D is put in
    eval mode here). D's parameters are not touched. The results are on the CPU.
    """
    if points.ndim != 2 or len(points) == 0:
        raise ValueError(f"points must have shape (N, d) with N >= 1, got {tuple(points.shape)}")
    device = next(discriminator.parameters()).device
    x = points.detach().to(device, torch.float32).requires_grad_(True)
    with eval_mode(discriminator):
        output = discriminator(x)
        if output.shape != (len(x),):
            raise ValueError(f"the discriminator must return one value per point, shape ({len(x)},); got "
                             f"{tuple(output.shape)}")
        # N * (1/N) sum_i l(D(x_i)): each point's gradient is that of its own loss l(D(x_i))
        total = len(x) * g_loss(output)
        (gradient,) = torch.autograd.grad(total, x)
    return output.detach().cpu(), gradient.cpu()


def gradient_field(
    discriminator: nn.Module,
    g_loss: GeneratorLoss,
    limits: tuple[float, float, float, float] = (-2.0, 2.0, -2.0, 2.0),
    resolution: int = 101,
) -> GradientField:
    r"""$\nabla_x L_G(D(x))$ on a ``resolution`` x ``resolution`` grid over ``limits`` = (x_min, x_max, y_min, y_max).

    See :func:`sample_gradients` for ``g_loss``. The direction in which gradient descent moves a fake sample is
    $-\nabla_x L_G$.
    """
    x_min, x_max, y_min, y_max = limits
    if not (x_min < x_max and y_min < y_max):
        raise ValueError(f"limits must be (x_min, x_max, y_min, y_max) with x_min < x_max and y_min < y_max, "
                         f"got {limits}")
    if resolution < 2:
        raise ValueError(f"resolution (grid points per axis) must be at least 2, got {resolution}")
    xs, ys = np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    points = torch.as_tensor(np.stack([grid_x.ravel(), grid_y.ravel()], 1), dtype=torch.float32)
    output, gradient = sample_gradients(discriminator, g_loss, points)
    shape = (resolution, resolution)
    return GradientField(xs, ys, output.numpy().reshape(shape), gradient.numpy().reshape(*shape, 2))
