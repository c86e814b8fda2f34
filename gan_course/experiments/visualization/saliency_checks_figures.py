"""Drawing the saliency sanity check (Adebayo et al. 2018): one unit's maps as D's layers are re-initialised from the
top down, and the rank correlation with the trained D's maps and the ink share at every stage."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from torch import Tensor

from gan_course.experiments.visualization.saliency_checks import METHODS, Cascade


def plot_cascade(image: Tensor, cascade: Cascade) -> Figure:
    """Left: the first digit's first unit, its plain and guided maps (magnitudes) at every stage of the cascade.
    Right: the mean rank correlation with the trained maps and the mean ink share of the top pixels per stage, with
    the receptive field's ink as the value of a map that points anywhere inside it."""
    stages = len(cascade.stages)
    fig = plt.figure(figsize=(2.0 * stages + 5.5, 4.2))
    grid = fig.add_gridspec(2, stages + 2, width_ratios=[1] * (stages + 1) + [3.2])
    ax = fig.add_subplot(grid[0, 0])
    ax.imshow(image[0].numpy(), cmap="gray", vmin=-1, vmax=1)
    ax.set_title("input", fontsize=8)
    ax.set_axis_off()
    for column, (stage, maps) in enumerate(zip(cascade.stages, cascade.examples), start=1):
        for row, method in enumerate(METHODS):
            ax = fig.add_subplot(grid[row, column])
            ax.imshow(np.abs(maps[method]), cmap="gray")
            ax.set_axis_off()
            ax.set_title((f"{stage}\n" if row == 0 else "") + f"|{method}|", fontsize=7)
    x = np.arange(stages)
    labels = ["trained"] + [f"+ {stage.split()[0]}" for stage in cascade.stages[1:]]
    ax = fig.add_subplot(grid[0, -1])
    for method in METHODS:
        ax.plot(x, cascade.mean(cascade.correlation[method]), marker="o", label=method)
    ax.set(ylabel="rank correlation\nwith trained", ylim=(-0.1, 1.05), xticks=x, xticklabels=[])
    ax.axhline(0, color="grey", lw=0.5)
    ax.legend(fontsize=7)
    ax = fig.add_subplot(grid[1, -1])
    for method in METHODS:
        ax.plot(x, cascade.mean(cascade.ink[method]), marker="o", label=method)
    ax.axhline(cascade.field_ink.mean(), color="k", ls="--", lw=1, label="ink in the receptive field")
    ax.set(ylabel="ink among the\ntop 5% pixels", xticks=x, ylim=(0, None))
    ax.set_xticklabels(labels, fontsize=7, rotation=20)
    ax.legend(fontsize=7)
    fig.suptitle("cascading randomisation: D's layers re-initialised from the top down (the same unit at every stage)",
                 fontsize=9)
    fig.tight_layout()
    return fig
