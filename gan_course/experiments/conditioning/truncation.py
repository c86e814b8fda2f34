r"""The truncation trick measured as a curve (Brock et al. 2019, Section 4.1): a trained conditional generator sampled
from :class:`~gan_course.latent.TruncatedNormal` priors of decreasing threshold $\tau$, each scored by the course's
protocol.

For each $\tau$: the Fréchet classifier distance of the marginal samples (fidelity and variety together), their
improved precision and recall (fidelity and variety apart, Kynkäänniemi et al. 2019) and the label accuracy (does the
image show its class, read by the course's classifier). BigGAN's paper draws the same trade-off with IS against
FID on ImageNet; here the instrument is the course's Fashion-MNIST (or MNIST) classifier.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from torch import nn

from gan_course.conditioning import marginal_sampler
from gan_course.latent import TruncatedNormal
from gan_course.metrics.protocol import Evaluation
from gan_course.tables import ResultTable


@dataclass(frozen=True)
class TruncationPoint:
    """The protocol's numbers for one threshold $\\tau$ (``math.inf``: the prior G was trained with)."""

    threshold: float
    fcd: float
    label_accuracy: float
    precision: float
    recall: float


@dataclass(frozen=True)
class TruncationCurve(ResultTable):
    """The points of :func:`truncation_curve`, in the order of the thresholds given, and ``n`` samples per point."""

    points: tuple[TruncationPoint, ...]
    n: int

    def column(self, name: str) -> list[float]:
        """One number of every point, e.g. ``curve.column("fcd")``."""
        return [getattr(point, name) for point in self.points]

    def best(self, name: str = "fcd") -> TruncationPoint:
        """The point with the lowest Fréchet distance (``name="fcd"``) or the highest other number."""
        sign = 1 if name == "fcd" else -1
        return min(self.points, key=lambda point: sign * getattr(point, name))

    def rows(self) -> list[list[str]]:
        return [["threshold", "FCD", "label acc.", "precision", "recall"]] + [
            ["none (N(0, I))" if math.isinf(p.threshold) else f"{p.threshold:g}", f"{p.fcd:.2f}",
             f"{p.label_accuracy:.3f}", f"{p.precision:.3f}", f"{p.recall:.3f}"] for p in self.points]

    def caption(self) -> str:
        return (f"the truncation trick: z resampled into [-threshold, threshold], n = {self.n} samples per row "
                f"(the protocol's seed)")


def truncation_curve(generator: nn.Module, evaluation: Evaluation, thresholds: Sequence[float],
                     progress: bool | None = False) -> TruncationCurve:
    r"""Score the conditional ``generator`` (a module called as $G(z, y)$ with ``latent_dim`` and ``n_classes``) by
    ``evaluation`` with $z$ from ``TruncatedNormal(latent_dim, threshold)`` for each threshold: the Fréchet distance
    and the precision and recall of its marginal samples ($y$ uniform), and its label accuracy."""
    if not thresholds:
        raise ValueError("give at least one threshold (math.inf for the untruncated prior)")
    points = []
    for threshold in thresholds:
        prior = TruncatedNormal(generator.latent_dim, threshold)
        sampler = marginal_sampler(generator, prior=prior)
        score = evaluation(sampler, progress=progress)
        fidelity, _ = evaluation.fidelity(sampler, progress=progress)
        accuracy = evaluation.label_accuracy(generator, prior=prior, progress=progress)
        points.append(TruncationPoint(float(threshold), score.fcd, accuracy.accuracy, fidelity.precision,
                                      fidelity.recall))
    return TruncationCurve(tuple(points), evaluation.n)
