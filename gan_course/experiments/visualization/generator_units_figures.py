"""Drawing a generator's units against digit properties, and the digits with units switched off."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from torch import Tensor

from gan_course.data.figures import show_images


def plot_unit_correlations(correlations: dict[str, np.ndarray], layer: str) -> Figure:
    """Pearson's r of every unit with every property, one row per property (units sorted as numbered)."""
    names = list(correlations)
    table = np.stack([correlations[name] for name in names])
    fig, ax = plt.subplots(figsize=(min(12, 0.25 * table.shape[1] + 2), 0.5 * len(names) + 1.2))
    image = ax.imshow(table, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    ax.set(yticks=range(len(names)), yticklabels=names, xlabel=f"unit of {layer}",
           title="correlation of each unit's mean activation with a property of the digit")
    fig.colorbar(image, ax=ax, label="Pearson's r")
    fig.tight_layout()
    return fig


def plot_intervention(before: Tensor, after: dict[str, Tensor], nrow: int = 8) -> Figure:
    """The same latents' digits as drawn, and after each named intervention, side by side."""
    panels = {"as drawn": before, **after}
    fig, axes = plt.subplots(1, len(panels), figsize=(3 * len(panels), 3.3), squeeze=False)
    for ax, (name, images) in zip(axes[0], panels.items()):
        show_images(images, nrow=nrow, title=name, ax=ax)
    fig.tight_layout()
    return fig
