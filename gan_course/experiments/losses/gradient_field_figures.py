"""The figure of a generator's gradient field (:mod:`gan_course.experiments.losses.gradient_field`): its size as a
colour, its direction as arrows, and the discriminator's decision boundary as a line (the picture of Mao et al. 2017,
Figure 1)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from torch import Tensor

from gan_course.experiments.losses.gradient_field import GradientField


def plot_gradient_field(
    field: GradientField,
    boundary: float,
    ax: Axes | None = None,
    real: Tensor | None = None,
    fake: Tensor | None = None,
    norm_range: tuple[float, float] | None = None,
    arrows: int = 17,
    title: str | None = None,
    colorbar: bool = True,
) -> Axes:
    r"""Draw $\lVert\nabla_x L_G\rVert$ on a log colour scale, the unit direction $-\nabla_x L_G$ in which a fake
    sample moves (``arrows`` per axis), the level set ``D(x) = boundary`` (0 for a logit, where $\sigma = 1/2$;
    $(a + b)/2$ for a least-squares D), and optionally ``real`` and ``fake`` samples (N, 2).

    ``norm_range`` = (low, high) fixes the colour scale, so that two panels can be compared; gradients below ``low``
    get the colour of ``low``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4))
    if arrows < 2:
        raise ValueError(f"arrows (per axis) must be at least 2, got {arrows}")
    magnitude = field.norm
    positive = magnitude[magnitude > 0]
    if norm_range is None:
        if positive.size == 0:
            raise ValueError("the gradient is zero everywhere on the grid: there is nothing to draw on a log scale")
        norm_range = (float(positive.min()), float(positive.max()))
    low, high = norm_range
    if not 0 < low < high:
        raise ValueError(f"norm_range must be (low, high) with 0 < low < high, got {norm_range}")
    mesh = ax.pcolormesh(field.xs, field.ys, np.maximum(magnitude, low), shading="auto", cmap="magma",
                         norm=LogNorm(low, high), rasterized=True)
    step = max(1, len(field.xs) // arrows)
    gx, gy = np.meshgrid(field.xs[::step], field.ys[::step])
    direction = -field.gradient[::step, ::step]
    length = np.linalg.norm(direction, axis=-1, keepdims=True)
    direction = np.divide(direction, length, out=np.zeros_like(direction), where=length > 0)
    ax.quiver(gx, gy, direction[..., 0], direction[..., 1], color="white", alpha=0.8, scale=arrows * 1.6,
              width=0.004)
    if field.output.min() < boundary < field.output.max():
        ax.contour(field.xs, field.ys, field.output, levels=[boundary], colors="tab:cyan", linewidths=1.8)
    if real is not None:
        ax.scatter(*real.numpy().T, s=3, color="tab:green", alpha=0.6, label="data")
    if fake is not None:
        ax.scatter(*fake.numpy().T, s=3, color="tab:blue", alpha=0.6, label="generator")
    ax.set_xlim(field.xs[0], field.xs[-1])
    ax.set_ylim(field.ys[0], field.ys[-1])
    ax.set_aspect("equal")
    if colorbar:
        ax.figure.colorbar(mesh, ax=ax, label=r"$\|\nabla_x L_G\|$", fraction=0.046, pad=0.04)
    if title:
        ax.set_title(title)
    return ax
