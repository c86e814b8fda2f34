r"""Training dynamics inside the networks: a hook that records, every few steps, the histogram of each network's
weights and the gradient norm of each of its layers, and the reading of a run's snapshots by the classifier.

A healthy run's weight histograms widen slowly and its gradient norms stay within an order of magnitude; a run that
goes wrong shows it here as well as in its samples — D's gradients vanish when it wins outright (Arjovsky & Bottou
2017, Theorem 2.4: the generator's gradient vanishes as D approaches the optimum on disjoint supports), G's weights
jump, and the classes the fixed-noise samples cover collapse to a few (:func:`coverage_over_training`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import torch
from torch import Tensor

from gan_course.metrics.classes import class_histogram
from gan_course.metrics.classifier import MNISTClassifier
from gan_course.training.hooks import Periodic

if TYPE_CHECKING:
    from gan_course.training.trainer import GANTrainer

NETWORKS = ("generator", "discriminator")


def _edges(bins: Sequence[float], name: str) -> np.ndarray:
    edges = np.asarray(bins, dtype=np.float64)
    if edges.ndim != 1 or len(edges) < 2 or not (np.diff(edges) > 0).all():
        raise ValueError(f"{name} must be at least two increasing bin edges")
    return edges


class NetworkStatistics(Periodic):
    r"""Every ``every`` steps (and at step 0), for G and D: the histogram of all their weights over ``bins`` (edges;
    values outside go to the end bins, counted as such), the histogram of $\log_{10}$ of their gradients' magnitudes
    over ``gradient_bins`` (from the network's last update; exact zeros in the lowest bin), and the 2-norm of each
    weight tensor's gradient. ``steps``, ``histograms[network]``, ``gradient_histograms[network]`` and
    ``gradient_norms[network][parameter]`` after the run; they are kept in the run's checkpoint."""

    def __init__(self, every: int, bins: Sequence[float] = tuple(np.linspace(-0.5, 0.5, 51)),
                 gradient_bins: Sequence[float] = tuple(np.linspace(-10, 0, 51))):
        super().__init__(every)
        self.bins, self.gradient_bins = _edges(bins, "bins"), _edges(gradient_bins, "gradient_bins")
        self.steps: list[int] = []
        self.histograms: dict[str, list[np.ndarray]] = {name: [] for name in NETWORKS}
        self.gradient_histograms: dict[str, list[np.ndarray]] = {name: [] for name in NETWORKS}
        self.gradient_norms: dict[str, dict[str, list[float]]] = {name: {} for name in NETWORKS}

    def has_records(self) -> bool:
        return bool(self.steps)

    def take(self, trainer: GANTrainer) -> None:
        self.steps.append(trainer.step)
        for name in NETWORKS:
            network = trainer.networks[name]
            weights = torch.cat([p.detach().flatten().cpu() for p in network.parameters()]).double().numpy()
            clipped = np.clip(weights, self.bins[0], self.bins[-1])  # counted in the end bins, not dropped
            self.histograms[name].append(np.histogram(clipped, self.bins)[0])
            gradients = [p.grad.detach().flatten().cpu() for p in network.parameters() if p.grad is not None]
            magnitudes = torch.cat(gradients).abs().double().numpy() if gradients else np.zeros(0)
            logs = np.log10(np.maximum(magnitudes, 10.0 ** self.gradient_bins[0]))
            self.gradient_histograms[name].append(np.histogram(np.clip(logs, *self.gradient_bins[[0, -1]]),
                                                               self.gradient_bins)[0])
            for parameter, value in network.named_parameters():
                if value.ndim > 1:  # weight tensors of convolutions and linear layers
                    norm = float(value.grad.norm()) if value.grad is not None else float("nan")
                    self.gradient_norms[name].setdefault(parameter, []).append(norm)

    def state_dict(self) -> dict[str, Any]:
        return {"steps": list(self.steps),
                "histograms": {name: [torch.as_tensor(h) for h in hs] for name, hs in self.histograms.items()},
                "gradient_histograms": {name: [torch.as_tensor(h) for h in hs]
                                        for name, hs in self.gradient_histograms.items()},
                "gradient_norms": {name: {p: list(v) for p, v in norms.items()}
                                   for name, norms in self.gradient_norms.items()}}

    def load_state_dict(self, state: dict[str, Any], trainer: GANTrainer) -> None:
        self.steps = [int(step) for step in state["steps"]]
        self.histograms = {name: [h.numpy() for h in hs] for name, hs in state["histograms"].items()}
        self.gradient_histograms = {name: [h.numpy() for h in hs] for name, hs in state["gradient_histograms"].items()}
        self.gradient_norms = {name: {p: [float(x) for x in v] for p, v in norms.items()}
                               for name, norms in state["gradient_norms"].items()}


@dataclass(frozen=True)
class Coverage:
    """The classifier's reading of a run's fixed-noise snapshots: at each of ``steps``, the classes covered and the
    KL divergence of their histogram to uniform."""

    steps: list[int]
    classes: list[int]
    kl_to_uniform: list[float]
    counts: list[np.ndarray] = field(repr=False)

    def first_collapse(self, classes: int = 5) -> int | None:
        """The first step at which the snapshots cover fewer than ``classes`` classes *after* having covered at least
        that many (an untrained G, which draws one blob, has not collapsed: it has not yet learned), or None."""
        learned = False
        for step, covered in zip(self.steps, self.classes):
            learned = learned or covered >= classes
            if learned and covered < classes:
                return step
        return None


def coverage_over_training(snapshots: Sequence[tuple[int, Tensor]], classifier: MNISTClassifier) -> Coverage:
    """Read every snapshot ``(step, images)`` (e.g. :class:`~gan_course.training.Snapshots`' ``samples``)."""
    steps, classes, kl, counts = [], [], [], []
    for step, images in snapshots:
        histogram = class_histogram(images, classifier=classifier, n=len(images))
        steps.append(int(step))
        classes.append(histogram.classes_covered)
        kl.append(histogram.kl_to_uniform)
        counts.append(np.asarray(histogram.counts))
    return Coverage(steps, classes, kl, counts)
