"""Drawing runs whose discriminator is frozen: D's verdicts and both networks' gradient norms around the freeze."""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from gan_course.training.history import History
from gan_course.experiments.visualization.frozen_discriminator import total_gradient_norm
from gan_course.experiments.visualization.network_statistics import NetworkStatistics


def plot_frozen_runs(runs: Mapping[str, Sequence[tuple[History, NetworkStatistics]]], at: int,
                     window: int = 10) -> Figure:
    """For each kind of run (one colour; one line per seed): D's mean outputs on the real and the fake batch of its
    update, averaged over ``window`` steps (D(x) solid, D(G(z)) dashed), and the total gradient norms of D and of G
    at each record, on a log scale; the dashed vertical line marks step ``at``, where D is frozen."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for colour, (name, seeds) in zip(colours, runs.items()):
        for index, (history, statistics) in enumerate(seeds):
            label = name if index == 0 else None
            steps = np.asarray(history.step)
            usable = len(steps) // window * window
            for key, style in (("d_real", "-"), ("d_fake", "--")):
                values = np.asarray(history[key])[:usable].reshape(-1, window).mean(1)
                axes[0].plot(steps[:usable].reshape(-1, window)[:, -1], values, style, color=colour, lw=1,
                             label=f"{name}: {'D(x)' if key == 'd_real' else 'D(G(z))'}" if index == 0 else None)
            for ax, network in zip(axes[1:], ("discriminator", "generator")):
                ax.plot(statistics.steps, total_gradient_norm(statistics, network), color=colour, lw=1, label=label)
    axes[0].set(xlabel="step", ylabel="mean output in D's update", ylim=(0, 1),
                title=f"D's verdicts ({window}-step means)")
    for ax, network in zip(axes[1:], ("D", "G")):
        ax.set(xlabel="step", ylabel="gradient norm", yscale="log", title=f"{network}'s gradient norm (all layers)")
    for ax in axes:
        ax.axvline(at, color="k", ls=":", lw=1)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
