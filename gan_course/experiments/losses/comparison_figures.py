"""Figures of :mod:`gan_course.experiments.losses.comparison`: the samples behind the numbers of a loss-comparison
table."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle

from gan_course.experiments.losses.comparison import ComparisonTable


def plot_comparison_samples(
    table: ComparisonTable, seed: int | None = None, axes: Sequence[Axes] | None = None, n: int = 1000
) -> list[Axes]:
    """One panel per loss of ``table``: ``n`` samples of its run with ``seed`` (the table's first seed by default)
    over the mixture's modes, each drawn as its high-quality disc of radius $3\\sigma$; the panel's title gives the
    run's modes covered and high-quality share. A diverged run shows its modes and says that it diverged."""
    if table.mixture is None:
        raise ValueError("this table has no mixture to draw (it was not made by compare_losses); "
                         "set table.mixture to the GaussianMixture2D it was measured on")
    seed = table.seeds[0] if seed is None else seed
    if seed not in table.seeds:
        raise ValueError(f"seed {seed} is not in this table; its seeds are {table.seeds}")
    if n < 1:
        raise ValueError(f"n (samples drawn per panel) must be positive, got {n}")
    if axes is None:
        _, axes = plt.subplots(1, len(table.runs), figsize=(3.3 * len(table.runs), 3.6), squeeze=False)
        axes = list(axes[0])
    if len(axes) != len(table.runs):
        raise ValueError(f"need one axis per loss ({len(table.runs)}), got {len(axes)}")
    modes = table.mixture.modes.numpy()
    radius = 3 * table.mixture.std
    pad = 0.25 * np.ptp(modes, 0).max() + 0.5
    low, high = modes.min(0) - pad, modes.max(0) + pad
    for ax, (name, runs) in zip(axes, table.runs.items()):
        run = next(run for run in runs if run.seed == seed)
        for mode in modes:
            ax.add_patch(Circle(mode, radius, facecolor="none", edgecolor="black", linewidth=0.8))
        ax.scatter(*modes.T, s=4, color="black")
        if run.samples is None:
            title = f"{name}\nseed {seed}: diverged"
        else:
            ax.scatter(*run.samples[:n].numpy().T, s=2, alpha=0.4, color="tab:green")
            title = (f"{name}\nseed {seed}: {run.coverage.modes_covered}/{table.n_modes} modes, "
                     f"{100 * run.coverage.high_quality:.1f}% HQ")
        ax.set(title=title, xlim=(low[0], high[0]), ylim=(low[1], high[1]), aspect="equal", xticks=[], yticks=[])
    return list(axes)
