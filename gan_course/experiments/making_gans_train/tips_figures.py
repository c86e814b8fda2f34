"""The tips table drawn: each tip's precision against its recall (Kynkäänniemi et al. 2019), mean ± sample std over
the seeds, so that a tip that sharpens the samples (up) is told from one that spreads them over the data (right)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from gan_course.experiments.making_gans_train.tips import TipsTable


def plot_precision_recall(table: TipsTable, ax: Axes | None = None) -> Axes:
    """One point per tip at its mean (recall, precision) with sample-std error bars, the baseline circled and the real
    data's point as a star; axes from 0 to 1."""
    ax = plt.gca() if ax is None else ax
    markers = "o^sDvP<>hXp*d"
    for i, name in enumerate(table.runs):
        recall, recall_std, count = table.summary(name, "recall")
        precision, precision_std, _ = table.summary(name, "precision")
        if count == 0:
            continue
        spread = (np.nan_to_num(recall_std), np.nan_to_num(precision_std))
        ax.errorbar(recall, precision, xerr=spread[0], yerr=spread[1], fmt=markers[i % len(markers)], capsize=2,
                    markersize=8 if name == "baseline" else 6, label=name,
                    markerfacecolor="none" if name == "baseline" else None, color="black" if name == "baseline" else None)
    if table.reference is not None:
        ax.plot(table.reference["recall"], table.reference["precision"], "*", color="gold", markeredgecolor="black",
                markersize=14, label="real data")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("recall (diversity)")
    ax.set_ylabel("precision (fidelity)")
    ax.set_title(f"{table.problem}, {table.steps} iterations, n = {len(table.seeds)} seeds")
    return ax
