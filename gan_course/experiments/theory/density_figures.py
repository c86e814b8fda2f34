r"""Figures of densities on the line with a discriminator's curve: Figure 1 of Goodfellow et al. (2014), drawn by the
first chapter's 1-D GAN and by the theory chapters, with the styles they share.

Every function draws with matplotlib and returns the axes (or the animation), so a notebook cell that calls it
regenerates the book's figure.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.animation import FuncAnimation
from matplotlib.axes import Axes
from scipy.stats import gaussian_kde
from torch import Tensor

DATA_STYLE = dict(color="black", linestyle=":", linewidth=2, label=r"$p_\mathrm{data}$")
GENERATOR_STYLE = dict(color="tab:green", linewidth=2, label=r"$p_g$")
DISCRIMINATOR_STYLE = dict(color="tab:blue", linestyle="--", linewidth=2, label=r"$D(x)$")


def generator_density(samples: Tensor | np.ndarray, xs: np.ndarray) -> np.ndarray:
    """A Gaussian kernel density estimate (Scott's bandwidth) of 1-D generator samples, evaluated at ``xs``."""
    values = np.asarray(samples, dtype=np.float64).reshape(-1)
    if values.size < 2 or np.ptp(values) == 0:
        raise ValueError("need at least two distinct samples to estimate a density")
    return gaussian_kde(values)(xs)


def plot_density_1d(
    xs: np.ndarray,
    data_density: np.ndarray,
    generator_samples: Tensor | np.ndarray,
    discriminator: np.ndarray,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Goodfellow et al. (2014), Figure 1: the data density, the generator's density and D's curve on one axis."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    ax.plot(xs, data_density, **DATA_STYLE)
    ax.plot(xs, generator_density(generator_samples, xs), **GENERATOR_STYLE)
    ax.plot(xs, discriminator, **DISCRIMINATOR_STYLE)
    ax.axhline(0.5, color="gray", linewidth=0.5)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(0, max(1.05, 1.1 * float(np.max(data_density))))
    if title:
        ax.set_title(title)
    return ax


def discriminator_curve(discriminator: torch.nn.Module, xs: np.ndarray) -> np.ndarray:
    """D(x) = sigmoid(logit) of a 1-D discriminator on the points ``xs``."""
    device = next(discriminator.parameters()).device
    with torch.no_grad():
        logits = discriminator(torch.as_tensor(xs, dtype=torch.float32, device=device).reshape(-1, 1))
    return torch.sigmoid(logits).cpu().numpy()


def animate_density_1d(
    xs: np.ndarray,
    data_density: np.ndarray,
    frames: Sequence[tuple[int, Tensor | np.ndarray, np.ndarray]],
    interval: int = 200,
) -> FuncAnimation:
    """An animation of :func:`plot_density_1d` over ``frames`` of (step, generator samples, D on ``xs``).

    In a notebook show it with ``IPython.display.HTML(animation.to_jshtml())``: the frames are then stored in the
    notebook, so the static book plays them too.
    """
    if not frames:
        raise ValueError("need at least one frame")
    fig, ax = plt.subplots(figsize=(6, 3.5))

    def draw(i: int) -> None:
        step, samples, d_values = frames[i]
        ax.clear()
        plot_density_1d(xs, data_density, samples, d_values, ax=ax, title=f"generator step {step}")
        ax.legend(loc="upper right")

    draw(0)
    animation = FuncAnimation(fig, draw, frames=len(frames), interval=interval)
    plt.close(fig)
    return animation
