"""Figures of the Wasserstein chapter: a critic's value surface, its per-layer gradient norms and weights (Gulrajani et
al. 2017, Figure 1), and the critic's Wasserstein estimate during training next to a measure of sample quality
(Arjovsky, Chintala & Bottou 2017, Section 4.2).

Every function draws with matplotlib on the axes it is given (or a new figure) and returns the axes.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from torch import Tensor, nn

from gan_course.experiments.losses.critic import Surface
from gan_course.training.history import History


def plot_value_surface(
    surface: Surface, real: Tensor | None = None, ax: Axes | None = None, title: str | None = None, levels: int = 20
) -> Axes:
    """Filled contours of a critic's values with its level lines and, if given, real samples on top (Gulrajani et
    al. 2017, Figure 1a). Colours are per panel: a WGAN critic is defined up to an additive constant and, clipped,
    up to a scale."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    if levels < 2:
        raise ValueError(f"levels must be at least 2, got {levels}")
    ax.contourf(surface.xs, surface.ys, surface.values, levels=levels, cmap="viridis")
    ax.contour(surface.xs, surface.ys, surface.values, levels=levels, colors="white", linewidths=0.4)
    if real is not None:
        ax.scatter(*real[:, :2].T.cpu().numpy(), s=1, color="tab:orange", alpha=0.6)
    ax.set_xlim(surface.xs[0], surface.xs[-1])
    ax.set_ylim(surface.ys[0], surface.ys[-1])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_layer_gradient_norms(norms: Mapping[str, Sequence[float]], ax: Axes | None = None) -> Axes:
    """Gradient norms of the critic's loss with respect to each layer's output, on a log scale, one line per critic
    (Gulrajani et al. 2017, Figure 1b, left); layer 1 is the input's."""
    if not norms:
        raise ValueError("norms is empty: pass {label: layer_gradient_norms(...)} for at least one critic")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.6))
    for label, values in norms.items():
        values = np.asarray(values, dtype=np.float64)
        layers = np.arange(1, len(values) + 1)
        shown = values > 0  # a norm that underflowed to 0 has no place on a log axis
        ax.semilogy(layers[shown], values[shown], marker="o", label=label)
    ax.set_xlabel("critic layer (1 = input)")
    ax.set_ylabel("gradient norm (log scale)")
    ax.legend()
    return ax


def plot_weight_histogram(critic: nn.Module, ax: Axes | None = None, title: str | None = None, bins: int = 60) -> Axes:
    """A histogram of the critic's weights (not biases): under clipping they pile up at $\\pm c$ (Gulrajani et al.
    2017, Figure 1b, right)."""
    weights = [p.detach().flatten().cpu() for name, p in critic.named_parameters() if name.endswith("weight")]
    if not weights:
        raise ValueError("the critic has no parameter named '...weight'")
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 3))
    ax.hist(np.concatenate([w.numpy() for w in weights]), bins=bins, color="tab:blue")
    ax.set_xlabel("weight")
    ax.set_ylabel("count")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_estimate_and_quality(
    history: History,
    quality: Sequence[tuple[int, float]],
    quality_label: str,
    smooth: int = 1,
    log_quality: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """The critic's Wasserstein estimate, mean $f(x)$ minus mean $f(G(z))$, as the WGAN objectives record it
    (``wasserstein``; a running mean over ``smooth`` steps), with a quality measure of the samples on a second axis —
    the curves of Arjovsky et al. (2017, Section 4.2, Figure 3), where a falling estimate goes with better samples."""
    if not len(history):
        raise ValueError("the history is empty: train for at least one step")
    if not quality:
        raise ValueError("quality is empty: pass (step, value) pairs measured during training")
    if smooth < 1:
        raise ValueError(f"smooth must be >= 1, got {smooth}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.6))
    steps = np.asarray(history.step)
    estimate = np.asarray(history["wasserstein"])
    if smooth > 1 and len(estimate) >= smooth:
        estimate = np.convolve(estimate, np.ones(smooth) / smooth, mode="valid")
        steps = steps[smooth - 1 :]
    ax.plot(steps, estimate, color="tab:blue")
    ax.set_xlabel("generator step")
    ax.set_ylabel("critic's Wasserstein estimate", color="tab:blue")
    twin = ax.twinx()
    quality_steps, values = zip(*quality)
    twin.plot(quality_steps, values, color="tab:red", marker="o", markersize=3)
    if log_quality:
        twin.set_yscale("log")
    twin.set_ylabel(quality_label, color="tab:red")
    return ax
