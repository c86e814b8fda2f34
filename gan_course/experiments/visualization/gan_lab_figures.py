"""The GAN Lab's views drawn with matplotlib: the layered plane and the curves (:func:`draw_lab`), and an animation
of a recorded run for the rendered book, where no kernel runs the widget (:func:`animate_lab`).

Colours follow GAN Lab (Kahng et al. 2019): green for real, purple for fake — D's surface is green where it says
"real" and purple where it says "fake", the real samples green, the generated ones purple.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import animation
from matplotlib.collections import PolyCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from gan_course.experiments.visualization.gan_lab import LabViews

LAYERS = ("surface", "manifold", "real", "fake", "gradients")
REAL, FAKE = "#1b9e3e", "#7b3294"


def _cells(manifold: np.ndarray) -> np.ndarray:
    """The quadrilaterals of a mapped grid ``(n+1, n+1, 2)`` as ``(n*n, 4, 2)`` polygons."""
    a, b, c, d = manifold[:-1, :-1], manifold[:-1, 1:], manifold[1:, 1:], manifold[1:, :-1]
    return np.stack([a, b, c, d], axis=2).reshape(-1, 4, 2)


def draw_plane(views: LabViews, ax: plt.Axes, layers: Sequence[str] = LAYERS, arrows: int = 64) -> None:
    """The layered plane on ``ax``: D's surface, the manifold (cell opacity = density of G's samples there), the real
    and the fake samples, and G's gradient on ``arrows`` of the fakes."""
    unknown = set(layers) - set(LAYERS)
    if unknown:
        raise ValueError(f"layers must be among {LAYERS}, got {sorted(unknown)}")
    ax.clear()
    extent = (views.xs[0], views.xs[-1], views.ys[0], views.ys[-1])
    if "surface" in layers:
        norm = Normalize(0, 1) if views.probability else Normalize(views.surface.min(), views.surface.max())
        ax.imshow(views.surface, origin="lower", extent=extent, cmap="PRGn", norm=norm, alpha=0.55,
                  interpolation="bilinear")
    if "manifold" in layers:
        density = np.log10(views.density.reshape(-1))
        opacity = np.clip((density - np.percentile(density, 5)) / max(np.ptp(density), 1e-9), 0.05, 1.0)
        colours = np.zeros((len(opacity), 4))
        colours[:, :3] = [0.48, 0.2, 0.58]
        colours[:, 3] = 0.5 * opacity
        ax.add_collection(PolyCollection(_cells(views.manifold), facecolors=colours, edgecolors=(0.48, 0.2, 0.58, 0.25),
                                         linewidths=0.3))
    if "real" in layers:
        ax.scatter(*views.real.T, s=4, color=REAL, label="real")
    if "fake" in layers:
        ax.scatter(*views.fake.T, s=4, color=FAKE, label="fake G(z)")
    if "gradients" in layers and arrows:
        chosen = np.linspace(0, len(views.fake) - 1, min(arrows, len(views.fake))).astype(int)
        gradient = views.gradient[chosen]
        scale = np.linalg.norm(gradient, axis=1).max() / (0.15 * (views.xs[-1] - views.xs[0])) or 1.0
        ax.quiver(*views.fake[chosen].T, *gradient.T, angles="xy", scale_units="xy", scale=scale, width=0.004,
                  color="black", alpha=0.7)
    ax.set(xlim=extent[:2], ylim=extent[2:], aspect="equal", xticks=[], yticks=[],
           title=f"step {views.step}: " + ("D(x)" if views.probability else "D's score") + ", manifold, samples")


def draw_curves(views: LabViews, loss_ax: plt.Axes, output_ax: plt.Axes) -> None:
    """The losses of D and G, and D's mean output on real and on fake samples, over the steps so far."""
    loss_ax.clear()
    output_ax.clear()
    for name, colour in (("d_loss", REAL), ("g_loss", FAKE)):
        if name in views.history:
            loss_ax.plot(*views.history[name], color=colour, lw=1, label=name.replace("_", " "))
    for real, fake, label in (("d_real", "d_fake", "D"), ("score_real", "score_fake", "score")):
        if real in views.history:
            output_ax.plot(*views.history[real], color=REAL, lw=1, label=f"mean {label}(x)")
            output_ax.plot(*views.history[fake], color=FAKE, lw=1, label=f"mean {label}(G(z))")
    loss_ax.set(title="losses", xlabel="step")
    output_ax.set(title="D's outputs", xlabel="step")
    for ax in (loss_ax, output_ax):
        if ax.lines:
            ax.legend(fontsize=7, loc="best")


def draw_lab(views: LabViews, fig: Figure | None = None, layers: Sequence[str] = LAYERS) -> Figure:
    """The whole lab on one figure (a new one unless ``fig`` is given): the plane on the left, the curves on the
    right."""
    if fig is None:
        fig = plt.figure(figsize=(9.5, 4.8))
    fig.clear()
    grid = fig.add_gridspec(2, 2, width_ratios=(1.35, 1))
    plane = fig.add_subplot(grid[:, 0])
    draw_plane(views, plane, layers)
    draw_curves(views, fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, 1]))
    fig.tight_layout()
    return fig


def animate_lab(frames: Sequence[LabViews], interval: int = 300, dpi: int = 60) -> animation.FuncAnimation:
    """An animation of recorded views (from :meth:`GANLab.record
    <gan_course.experiments.visualization.gan_lab.GANLab.record>`), one frame each, drawn at ``dpi`` (a small one keeps
    a notebook that embeds the frames light); show it with ``HTML(anim.to_jshtml())``."""
    if not frames:
        raise ValueError("frames is empty: record a run with GANLab.record(steps, every) first")
    fig = plt.figure(figsize=(9.5, 4.8), dpi=dpi)

    def update(index: int) -> list:
        draw_lab(frames[index], fig)
        return []

    anim = animation.FuncAnimation(fig, update, frames=len(frames), interval=interval, blit=False)
    plt.close(fig)
    return anim
