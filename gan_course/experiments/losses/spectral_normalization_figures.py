"""Figures of the spectral-normalisation chapter: the power iteration's error over training (warm against cold
starts), and critics' gradient norms along segments from fake to real points."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from gan_course.experiments.losses.spectral_normalization import SegmentSlopes, SigmaTracker


def plot_sigma_errors(tracker: SigmaTracker, ax: Axes | None = None, floor: float = 1e-8) -> Axes:
    """Each normalised layer's relative error of one power iteration against ``svdvals``, over the iterations:
    from the stored vector (solid) and from a random one (dashed), on a log scale (errors below ``floor`` drawn at
    it)."""
    ax = ax or plt.gca()
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, name in enumerate(tracker.warm):
        color = colors[i % len(colors)]
        ax.plot(tracker.steps, np.maximum(tracker.warm[name], floor), color=color, label=f"{name}: warm")
        ax.plot(tracker.steps, np.maximum(tracker.cold[name], floor), color=color, ls="--", alpha=0.6,
                label=f"{name}: cold")
    ax.set_yscale("log")
    ax.set_xlabel("training iteration (G steps)")
    ax.set_ylabel(r"$|\tilde\sigma - \sigma| / \sigma$")
    ax.legend(fontsize=7, ncol=2)
    return ax


def plot_segment_gradients(results: dict[str, SegmentSlopes], ax: Axes | None = None) -> Axes:
    r"""For each critic, the gradient norm along the segments from fake ($t = 0$) to real ($t = 1$): the median over
    segments, with the 10–90 % band."""
    ax = ax or plt.gca()
    for name, slopes in results.items():
        t = np.linspace(0, 1, slopes.gradient_norms.shape[1])
        low, mid, high = np.percentile(slopes.gradient_norms, [10, 50, 90], axis=0)
        (line,) = ax.plot(t, mid, label=name)
        ax.fill_between(t, low, high, color=line.get_color(), alpha=0.2)
    ax.axhline(1.0, color="grey", lw=0.8, ls=":")
    ax.set_yscale("log")
    ax.set_xlabel("t (0: fake, 1: real)")
    ax.set_ylabel(r"$\|\nabla f(x_t)\|$")
    ax.legend(fontsize=8)
    return ax
