"""Drawing training dynamics: weight histograms over training, layer gradient norms, and class coverage."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from gan_course.experiments.visualization.network_statistics import NETWORKS, Coverage, NetworkStatistics


def plot_histograms(statistics: NetworkStatistics) -> Figure:
    """Each network's weight histogram (top) and gradient-magnitude histogram (bottom) at every record, as heat maps
    over the steps (log10 of 1 + count)."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.4), sharex=True)
    extent = (statistics.steps[0], statistics.steps[-1])
    for column, name in enumerate(NETWORKS):
        for row, (histograms, bins, label) in enumerate(((statistics.histograms[name], statistics.bins, "weight value"),
                                                         (statistics.gradient_histograms[name], statistics.gradient_bins,
                                                          "log10 |gradient|"))):
            ax = axes[row, column]
            ax.imshow(np.log10(1 + np.stack(histograms).T), aspect="auto", origin="lower", cmap="viridis",
                      extent=(*extent, bins[0], bins[-1]))
            ax.set(title=f"{name}: {'weights' if row == 0 else 'gradients at its last update'}", ylabel=label,
                   xlabel="step" if row == 1 else None)
    fig.tight_layout()
    return fig


def plot_gradient_norms(statistics: NetworkStatistics, ax: plt.Axes | None = None) -> plt.Axes:
    """The gradient norm of every layer's weights over training, G's solid and D's dashed, on a log scale."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6))
    for name, style in zip(NETWORKS, ("-", "--")):
        for parameter, norms in statistics.gradient_norms[name].items():
            ax.plot(statistics.steps[1:], norms[1:], style, lw=1, label=f"{name[0].upper()} {parameter}")
    ax.set(yscale="log", xlabel="step", ylabel="gradient norm", title="each layer's gradient norm at its last update")
    ax.legend(fontsize=9, ncols=2, loc="lower left")
    return ax


def plot_coverage(coverages: dict[str, Coverage], ax: plt.Axes | None = None) -> plt.Axes:
    """Classes covered by the fixed-noise snapshots over training, one line per run."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.2))
    for name, coverage in coverages.items():
        ax.plot(coverage.steps, coverage.classes, marker="o", ms=3, label=name)
    ax.set(xlabel="step", ylabel="classes covered", ylim=(0, 10.5), title="the fixed-noise samples read by the classifier")
    ax.legend(fontsize=9)
    return ax
