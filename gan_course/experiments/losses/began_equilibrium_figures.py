r"""Figures of the BEGAN chapter: $\mathcal{M}_\text{global}$ against the Fréchet classifier distance over training
(Berthelot, Schumm & Metz 2017, Figure 3 plots it against the images), the trajectory of $k_t$, and the measured
ratio $\mathcal{L}(G(z)) / \mathcal{L}(x)$ against the $\gamma$ it is steered to.

Every function draws with matplotlib on the axes it is given (or a new figure) and returns the axes.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from gan_course.experiments.losses.began_equilibrium import BEGANRun, Correlation


def _colours(runs: Sequence[BEGANRun]) -> dict[float, tuple]:
    gammas = sorted({run.gamma for run in runs})
    return {gamma: plt.cm.viridis(i / max(1, len(gammas) - 1) * 0.85) for i, gamma in enumerate(gammas)}


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    return ax


def plot_measure_against_fcd(runs: Sequence[BEGANRun], correlation: Correlation | None = None,
                             ax: Axes | None = None) -> Axes:
    """Each run's snapshots as a path in the ($\\mathcal{M}_\\text{global}$, FCD) plane, coloured by $\\gamma$, the
    first snapshot hollow; the correlation in the title if given."""
    ax = _axes(ax)
    colours = _colours(runs)
    labelled = set()
    for run in runs:
        label = None if run.gamma in labelled else f"γ = {run.gamma:g}"
        labelled.add(run.gamma)
        ax.plot(run.m_global, run.fcd, "-o", color=colours[run.gamma], markersize=3, alpha=0.7, label=label)
        ax.plot(run.m_global[:1], run.fcd[:1], "o", markerfacecolor="white", color=colours[run.gamma], markersize=5)
    ax.set(xlabel="$\\mathcal{M}_{global}$ (mean over the steps before the snapshot)",
           ylabel="Fréchet classifier distance")
    if correlation is not None:
        ax.set_title(f"Spearman {correlation.spearman:.2f}, Pearson {correlation.pearson:.2f} (n = {correlation.n})")
    ax.legend(fontsize=8)
    return ax


def plot_k_trajectories(runs: Sequence[BEGANRun], ax: Axes | None = None) -> Axes:
    """$k_t$ against the step, one thin line per run and the mean over the seeds per $\\gamma$."""
    ax = _axes(ax)
    colours = _colours(runs)
    for gamma, colour in colours.items():
        group = np.array([run.k for run in runs if run.gamma == gamma])
        steps = np.arange(1, group.shape[1] + 1)
        for k in group:
            ax.plot(steps, k, color=colour, linewidth=0.6, alpha=0.5)
        ax.plot(steps, group.mean(0), color=colour, linewidth=2, label=f"γ = {gamma:g} (n = {len(group)})")
    ax.set(xlabel="step", ylabel="$k_t$")
    ax.legend(fontsize=8)
    return ax


def plot_ratio(runs: Sequence[BEGANRun], window: int, ax: Axes | None = None) -> Axes:
    """The ratio $\\mathcal{L}(G(z)) / \\mathcal{L}(x)$ in a moving window of ``window`` steps, mean over the seeds
    per $\\gamma$, with each $\\gamma$ dotted: where $k_t$ is in $(0, 1)$, the controller steers the ratio there."""
    ax = _axes(ax)
    colours = _colours(runs)
    kernel = np.ones(window) / window
    for gamma, colour in colours.items():
        group = [run for run in runs if run.gamma == gamma]
        ratios = np.mean([np.convolve(run.loss_fake, kernel, "valid") / np.convolve(run.loss_real, kernel, "valid")
                          for run in group], axis=0)
        ax.plot(np.arange(window, window + len(ratios)), ratios, color=colour, label=f"γ = {gamma:g}")
        ax.axhline(gamma, color=colour, linestyle=":")
    ax.set(xlabel="step", ylabel=f"$\\mathcal{{L}}(G(z)) / \\mathcal{{L}}(x)$, {window}-step window")
    ax.legend(fontsize=8)
    return ax
