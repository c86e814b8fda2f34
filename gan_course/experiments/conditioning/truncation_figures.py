"""Figures of the SAGAN-and-BigGAN chapter: the truncation curve, samples by threshold, and where G's attention
looks."""

from __future__ import annotations

import math
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import nn

from gan_course.eval_mode import eval_mode
from gan_course.experiments.conditioning.truncation import TruncationCurve
from gan_course.latent import TruncatedNormal
from gan_course.models import BigGANGenerator, SelfAttention


def _positions(thresholds: Sequence[float]) -> tuple[np.ndarray, list[str]]:
    """x positions of the thresholds, the untruncated prior one step right of the largest finite one."""
    finite = [t for t in thresholds if math.isfinite(t)]
    right = (max(finite) if finite else 1.0) + 0.5
    return np.array([t if math.isfinite(t) else right for t in thresholds]), [
        f"{t:g}" if math.isfinite(t) else "none" for t in thresholds]


def plot_truncation_curve(curve: TruncationCurve, axes: Sequence[Axes] | None = None,
                          floor: float | None = None) -> Figure:
    """Left: the Fréchet classifier distance against the threshold (with the real images' ``floor``); right:
    precision, recall and label accuracy against the threshold. The untruncated prior is drawn at "none"."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    ax_fcd, ax_rates = axes
    x, labels = _positions(curve.column("threshold"))
    ax_fcd.plot(x, curve.column("fcd"), marker="o", color="tab:red", label="generator")
    if floor is not None:
        ax_fcd.axhline(floor, color="gray", linestyle=":", label="real images (floor)")
    ax_fcd.set(xlabel="truncation threshold τ", ylabel="Fréchet classifier distance", title="fidelity and variety")
    ax_fcd.legend()
    for name, label, marker in (("precision", "precision (fidelity)", "o"), ("recall", "recall (variety)", "s"),
                                ("label_accuracy", "label accuracy", "^")):
        ax_rates.plot(x, curve.column(name), marker=marker, label=label)
    ax_rates.set(xlabel="truncation threshold τ", ylim=(0, 1.02), title="apart")
    ax_rates.legend()
    for ax in axes:
        ax.set_xticks(x, labels)
    fig = ax_fcd.figure
    fig.tight_layout()
    return fig


@torch.no_grad()
def truncation_samples(generator: nn.Module, thresholds: Sequence[float], label: int, n: int = 10,
                       seed: int = 0) -> torch.Tensor:
    """``n`` images of class ``label`` for each threshold, row by row (threshold-major), each row drawn from its
    truncated prior with a generator seeded by ``seed``, in eval mode, on the CPU."""
    device = next(generator.parameters()).device
    rows = []
    with eval_mode(generator):
        for threshold in thresholds:
            z = TruncatedNormal(generator.latent_dim, threshold).sample(n, torch.Generator().manual_seed(seed)).z
            rows.append(generator(z.to(device), torch.full((n,), label, device=device)).cpu())
    return torch.cat(rows)


@torch.no_grad()
def generator_attention(generator: BigGANGenerator, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The attention map beta (N, HW, HW/4) of ``generator``'s self-attention block on its own feature maps for
    ``z`` and ``labels``: row j is where position j of the 14 x 14 map looks, over the pooled 7 x 7 map."""
    if not isinstance(generator.attention, SelfAttention):
        raise ValueError("this generator was built without self-attention (attention=False)")
    with eval_mode(generator):
        hidden = generator.linear(z).view(len(z), -1, generator.bottom, generator.bottom)
        return generator.attention.attention(generator.blocks[0](hidden, generator.shared(labels)))


def plot_attention(image: torch.Tensor, beta: torch.Tensor, queries: Sequence[tuple[int, int]],
                   size: int) -> Figure:
    """The image with the query positions marked, then for each query its attention over the pooled map
    (``size`` x ``size`` queries, pooled to half), upsampled to the image."""
    fig, axes = plt.subplots(1, len(queries) + 1, figsize=(2.2 * (len(queries) + 1), 2.4))
    scale = image.shape[-1] / size
    axes[0].imshow(image.squeeze(0), cmap="gray", vmin=-1, vmax=1)
    for k, (row, col) in enumerate(queries):
        axes[0].plot((col + 0.5) * scale - 0.5, (row + 0.5) * scale - 0.5, "o", markersize=7,
                     markeredgecolor="white", color=f"C{k}")
        weights = beta[row * size + col].view(size // 2, size // 2)
        axes[k + 1].imshow(weights, cmap="magma")
        axes[k + 1].set_title(f"query ({row}, {col})", fontsize=9, color=f"C{k}")
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0].set_title("sample", fontsize=9)
    fig.tight_layout()
    return fig
