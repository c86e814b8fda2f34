"""Drawing the latent space: real and generated digits in one embedding, and a walk with the classifier's reading."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from gan_course.data.figures import show_images
from gan_course.experiments.visualization.latent_space import WalkReading


def plot_embedding(coordinates: np.ndarray, labels: np.ndarray, generated: np.ndarray, title: str) -> Figure:
    """Points of one embedding coloured by (predicted) class: real digits as dots, generated ones as crosses."""
    generated = np.asarray(generated, dtype=bool)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    colours = plt.get_cmap("tab10")
    for cls in range(10):
        for mask, marker, size, alpha in ((~generated, "o", 6, 0.45), (generated, "x", 14, 0.9)):
            chosen = mask & (labels == cls)
            ax.scatter(*coordinates[chosen].T, s=size, marker=marker, color=colours(cls), alpha=alpha,
                       label=str(cls) if marker == "o" else None, linewidths=0.8)
    ax.legend(title="class (dots real, crosses generated)", fontsize=9, title_fontsize=9, ncols=5, loc="best")
    ax.set(title=title, xticks=[], yticks=[])
    fig.tight_layout()
    return fig


def plot_walk(walk: WalkReading, title: str) -> Figure:
    """A latent walk's images above the classifier's probability of each class along it and each step's change."""
    # about the text column's width (7 in): the book shows labels and legend at their size
    fig, (images, reading, change) = plt.subplots(3, 1, figsize=(7.5, 6), gridspec_kw=dict(height_ratios=(0.8, 1.3, 0.9)))
    show_images(walk.images, nrow=len(walk.images), ax=images, title=title)
    steps = np.arange(len(walk.labels))
    colours = plt.get_cmap("tab10")
    for cls in range(10):
        if walk.probabilities[:, cls].max() > 0.1:
            reading.plot(steps, walk.probabilities[:, cls], color=colours(cls), label=f"p({cls})")
    reading.set(ylabel="classifier", xlim=(0, len(steps) - 1), ylim=(0, 1.02))
    reading.legend(fontsize=9, ncols=5)
    change.bar(steps[1:] - 0.5, walk.change, width=0.8, color="0.4")
    change.set(xlabel="step along the walk", ylabel="pixel change", xlim=(0, len(steps) - 1),
               title=f"roughness (largest step / mean step) {walk.roughness:.2f} · class switches {walk.switches}")
    fig.tight_layout()
    return fig
