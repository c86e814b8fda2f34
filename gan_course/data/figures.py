"""Drawing samples whatever their kind: image grids, and histograms or scatter plots of 1-D and 2-D points.

Every function draws with matplotlib on the axes it is given (or a new figure) and returns the axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from torch import Tensor
from torchvision.utils import make_grid


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
