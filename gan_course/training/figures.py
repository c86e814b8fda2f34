"""Figures of a run: its history, scalar by name, and the snapshots of its fixed latent batch."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import animation
from matplotlib.figure import Figure
from torch import Tensor

from gan_course.data.figures import image_grid, show_images
from gan_course.training.history import History
from gan_course.training.hooks import Snapshots

LABELS = {
    "d_loss": "D loss",
    "g_loss": "G loss",
    "d_real": r"mean $D(x)$",
    "d_fake": r"mean $D(G(z))$",
    "score_real": r"mean score of $x$",
    "score_fake": r"mean score of $G(z)$",
    "wasserstein": "Wasserstein estimate",
    "gradient_penalty": "gradient penalty",
}
PROBABILITIES = ("d_real", "d_fake")
SCORES = ("score_real", "score_fake")


def default_panels(names: Sequence[str]) -> list[list[str]]:
    """The losses together, D's mean probabilities together, the raw scores together, every other name alone."""
    groups = [[name for name in names if name.endswith("_loss")],
              [name for name in PROBABILITIES if name in names],
              [name for name in SCORES if name in names]]
    grouped = {name for group in groups for name in group}
    return [group for group in groups if group] + [[name] for name in names if name not in grouped]


def _title(panel: Sequence[str]) -> str:
    if all(name.endswith("_loss") for name in panel):
        return "losses"
    if set(panel) <= set(PROBABILITIES):
        return "discriminator outputs"
    if set(panel) <= set(SCORES):
        return "discriminator scores"
    return ", ".join(LABELS.get(name, name) for name in panel)


def plot_history(history: History, panels: Sequence[Sequence[str]] | None = None, smooth: int = 1) -> Figure:
    """One panel per group of recorded names (default: :func:`default_panels`), against the generator step.

    ``smooth`` > 1 draws a running mean over that many steps (the raw curve stays faint behind it). A panel of D's
    probabilities gets the equilibrium value 1/2 and the range [0, 1].
    """
    if not len(history):
        raise ValueError("the history is empty: train for at least one step")
    if smooth < 1:
        raise ValueError(f"smooth must be >= 1, got {smooth}")
    panels = default_panels(history.names) if panels is None else [list(panel) for panel in panels]
    unknown = sorted({name for panel in panels for name in panel} - set(history.names))
    if unknown or not panels or not all(panels):
        raise ValueError(f"panels must be non-empty groups of recorded names {list(history.names)}; got {panels}")
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.5), squeeze=False)
    steps = np.asarray(history.step)
    for ax, panel in zip(axes[0], panels):
        for name in panel:
            values = np.asarray(history[name])
            line, = ax.plot(steps, values, alpha=0.3 if smooth > 1 else 1.0, linewidth=1)
            label = LABELS.get(name, name)
            if smooth > 1 and len(values) >= smooth:
                kernel = np.ones(smooth) / smooth
                ax.plot(steps[smooth - 1 :], np.convolve(values, kernel, mode="valid"), color=line.get_color(), label=label)
            else:
                line.set_label(label)
        ax.set_xlabel("generator step")
        ax.legend()
        ax.set_title(_title(panel))
        if set(panel) <= set(PROBABILITIES):
            ax.set_ylabel("mean discriminator output")
            ax.axhline(0.5, color="gray", linestyle=":", linewidth=1)
            ax.set_ylim(-0.02, 1.02)
        elif all(name.endswith("_loss") for name in panel):
            ax.set_ylabel("loss")
    fig.tight_layout()
    return fig


def plot_snapshots(snapshots: Snapshots | Sequence[tuple[int, Tensor]], count: int = 4, nrow: int = 8) -> Figure:
    """Image snapshots at ``count`` stages, evenly spread from the first to the last, side by side."""
    taken = snapshots.samples if isinstance(snapshots, Snapshots) else list(snapshots)
    if not taken:
        raise ValueError("no snapshots were taken: train with a Snapshots(every=...) hook")
    picks = np.unique(np.linspace(0, len(taken) - 1, count).round().astype(int))
    fig, axes = plt.subplots(1, len(picks), figsize=(3 * len(picks), 3.2), squeeze=False)
    for ax, i in zip(axes[0], picks):
        step, images = taken[i]
        show_images(images, nrow=nrow, title=f"step {step}", ax=ax)
    fig.tight_layout()
    return fig


def animate_snapshots(snapshots: Snapshots | Sequence[tuple[int, Tensor]], nrow: int = 8,
                      interval: int = 400) -> animation.FuncAnimation:
    """The fixed-noise samples of every snapshot in turn: how the same latents' images change over training. Show it
    with ``HTML(anim.to_jshtml())``. Frames are drawn pixel for pixel (nearest neighbour, at the grid's own size), so
    each stays small in a notebook."""
    taken = snapshots.samples if isinstance(snapshots, Snapshots) else list(snapshots)
    if not taken:
        raise ValueError("no snapshots were taken: train with a Snapshots(every=...) hook")
    first = image_grid(taken[0][1], nrow)
    dpi = 100
    fig, ax = plt.subplots(figsize=(first.shape[1] / dpi, (first.shape[0] + 24) / dpi), dpi=dpi)
    fig.subplots_adjust(0, 0, 1, first.shape[0] / (first.shape[0] + 24))
    ax.set_axis_off()
    picture = ax.imshow(first, interpolation="nearest")
    title = ax.set_title("", fontsize=8)

    def update(index: int) -> list:
        step, images = taken[index]
        picture.set_data(image_grid(images, nrow))
        title.set_text(f"step {step}")
        return [picture, title]

    update(0)
    anim = animation.FuncAnimation(fig, update, frames=len(taken), interval=interval, blit=False)
    plt.close(fig)
    return anim
