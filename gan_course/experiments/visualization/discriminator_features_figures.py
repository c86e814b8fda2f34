"""Drawing what a discriminator's layers compute: first-layer filters, feature maps, and unit saliency."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from torch import Tensor

from gan_course.experiments.visualization.discriminator_features import UnitSaliency


def plot_filters(filters: Tensor, columns: int = 8) -> Figure:
    """Each first-layer filter ``(out, 1, k, k)`` as a small image, on a symmetric colour scale (red positive, blue
    negative)."""
    if filters.ndim != 4 or filters.shape[1] != 1:
        raise ValueError(f"filters must have shape (out, 1, k, k) (a greyscale input), got {tuple(filters.shape)}")
    rows = -(-len(filters) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(1.1 * columns, 1.1 * rows + 0.4), squeeze=False)
    limit = float(filters.abs().max())
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index < len(filters):
            ax.imshow(filters[index, 0].numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
    fig.suptitle(f"D's {len(filters)} first-layer filters ({filters.shape[-1]} × {filters.shape[-1]})")
    return fig


def plot_feature_maps(image: Tensor, maps: dict[str, Tensor], per_layer: int = 8) -> Figure:
    """The input ``image`` and the first ``per_layer`` channels of each convolutional layer's feature maps."""
    layers = {name: value for name, value in maps.items() if value.ndim == 3 and value.shape[-1] > 1}
    fig, axes = plt.subplots(len(layers) + 1, per_layer, figsize=(1.2 * per_layer, 1.3 * (len(layers) + 1)),
                             squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    axes[0, 0].imshow(image[0].numpy(), cmap="gray", vmin=-1, vmax=1)
    axes[0, 0].set_title("input", fontsize=8)
    for row, (name, value) in enumerate(layers.items(), start=1):
        for column in range(min(per_layer, value.shape[0])):
            axes[row, column].imshow(value[column].numpy(), cmap="magma")
        axes[row, 0].set_title(f"{name} ({value.shape[0]} × {value.shape[1]} × {value.shape[2]})", fontsize=8,
                               loc="left")
    fig.tight_layout()
    return fig


def plot_saliency(image: Tensor, saliencies: Sequence[UnitSaliency]) -> Figure:
    """For each unit: the magnitudes of its plain gradient and of its guided backpropagation (the ranking
    :func:`~gan_course.experiments.visualization.discriminator_features.share_on_ink` uses for both), beside the
    input."""
    # about the text column's width (7 in), so that the 10-point titles stay 10 points in the book
    fig, axes = plt.subplots(2, len(saliencies) + 1, figsize=(1.0 * (len(saliencies) + 1), 2.9), squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    axes[0, 0].imshow(image[0].numpy(), cmap="gray", vmin=-1, vmax=1)
    axes[0, 0].set_title("input", fontsize=10)
    for column, unit in enumerate(saliencies, start=1):
        axes[0, column].imshow(np.abs(unit.gradient), cmap="gray")
        axes[0, column].set_title(f"unit {unit.channel}\n|gradient|", fontsize=10)
        axes[1, column].imshow(np.abs(unit.guided), cmap="gray")
        axes[1, column].set_title("|guided|", fontsize=10)
    fig.tight_layout()
    return fig
