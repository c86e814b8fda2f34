"""Figures the chapters share: sample grids, training curves, 1-D densities with D's curve, and their animation.

Every function draws with matplotlib and returns the figure (or the animation), so a notebook cell that calls it
regenerates the book's figure and a script can save it.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.animation import FuncAnimation
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy.stats import gaussian_kde
from torch import Tensor
from torchvision.utils import make_grid

from gan_course.training import History

DATA_STYLE = dict(color="black", linestyle=":", linewidth=2, label=r"$p_\mathrm{data}$")
GENERATOR_STYLE = dict(color="tab:green", linewidth=2, label=r"$p_g$")
DISCRIMINATOR_STYLE = dict(color="tab:blue", linestyle="--", linewidth=2, label=r"$D(x)$")
_LABELS = {("d_loss", "g_loss"): ("D loss", "G loss"), ("d_real", "d_fake"): (r"mean $D(x)$", r"mean $D(G(z))$")}


def image_grid(images: Tensor, nrow: int = 8) -> np.ndarray:
    """Images in [-1, 1] of shape (N, C, H, W) tiled by torchvision's ``make_grid`` into an (H', W', C) array in [0, 1]."""
    if images.ndim != 4:
        raise ValueError(f"images must have shape (N, C, H, W), got {tuple(images.shape)}")
    grid = make_grid(images.detach().cpu().float(), nrow=nrow, padding=2, pad_value=1.0, value_range=(-1, 1), normalize=True)
    return grid.permute(1, 2, 0).numpy()


def show_images(images: Tensor, nrow: int = 8, title: str | None = None, ax: Axes | None = None) -> Axes:
    """Draw a grid of images in [-1, 1] on ``ax`` (a new figure if None)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(image_grid(images, nrow))
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def plot_snapshots(history: History, count: int = 4, nrow: int = 8) -> Figure:
    """Image snapshots of ``history`` at ``count`` stages, evenly spread from the first to the last, side by side."""
    if not history.snapshots:
        raise ValueError("the history holds no snapshots: train with snapshot_every > 0")
    picks = np.unique(np.linspace(0, len(history.snapshots) - 1, count).round().astype(int))
    fig, axes = plt.subplots(1, len(picks), figsize=(3 * len(picks), 3.2), squeeze=False)
    for ax, i in zip(axes[0], picks):
        step, images = history.snapshots[i]
        show_images(images, nrow=nrow, title=f"step {step}", ax=ax)
    fig.tight_layout()
    return fig


def plot_history(history: History, smooth: int = 1) -> Figure:
    """Two panels: both losses, and the means of D(x) and D(G(z)) with the equilibrium value 1/2.

    ``smooth`` > 1 draws a running mean over that many steps (the raw curve stays faint behind it).
    """
    if not len(history):
        raise ValueError("the history is empty: train for at least one step")
    if smooth < 1:
        raise ValueError(f"smooth must be >= 1, got {smooth}")
    fig, (ax_loss, ax_d) = plt.subplots(1, 2, figsize=(10, 3.5))
    steps = np.asarray(history.step)
    for ax, names in ((ax_loss, ("d_loss", "g_loss")), (ax_d, ("d_real", "d_fake"))):
        for name, label in zip(names, _LABELS[names]):
            values = np.asarray(getattr(history, name))
            line, = ax.plot(steps, values, alpha=0.3 if smooth > 1 else 1.0, linewidth=1)
            if smooth > 1 and len(values) >= smooth:
                kernel = np.ones(smooth) / smooth
                ax.plot(steps[smooth - 1 :], np.convolve(values, kernel, mode="valid"), color=line.get_color(), label=label)
            else:
                line.set_label(label)
        ax.set_xlabel("generator step")
        ax.legend()
    ax_loss.set_title("losses")
    ax_loss.set_ylabel("loss")
    ax_d.set_ylabel("mean discriminator output")
    ax_d.axhline(0.5, color="gray", linestyle=":", linewidth=1)
    ax_d.set_ylim(-0.02, 1.02)
    ax_d.set_title("discriminator outputs")
    fig.tight_layout()
    return fig



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


def plot_samples(samples: Tensor, real: Tensor | None = None, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Show samples whatever their kind: a histogram for 1-D, a scatter plot for 2-D, an image grid otherwise."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    if samples.ndim == 4:
        return show_images(samples, title=title, ax=ax)
    if samples.ndim != 2 or samples.shape[1] not in (1, 2):
        raise ValueError(f"samples must have shape (N, 1), (N, 2) or (N, C, H, W), got {tuple(samples.shape)}")
    if samples.shape[1] == 1:
        if real is not None:
            ax.hist(real.numpy().ravel(), bins=60, density=True, alpha=0.4, color="black", label="data")
        ax.hist(samples.numpy().ravel(), bins=60, density=True, alpha=0.6, color="tab:green", label="generator")
    else:
        if real is not None:
            ax.scatter(*real.numpy().T, s=2, alpha=0.3, color="black", label="data")
        ax.scatter(*samples.numpy().T, s=2, alpha=0.6, color="tab:green", label="generator")
        ax.set_aspect("equal")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax
