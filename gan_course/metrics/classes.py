r"""What a classifier reads in generated digits: the class histogram, and the label accuracy of conditional generators.

*Class histogram.* The course's MNIST classifier labels each generated digit with its most likely class; the
histogram $\hat p$ of those labels should be uniform, as MNIST's classes nearly are. Reported: the number of classes
*covered* (predicted for at least one sample; the mode count of Srivastava et al. 2017 and Lin et al. 2018 on stacked
MNIST, with one digit instead of three) and $\mathrm{KL}(\hat p \,\|\, u) = \log 10 - H(\hat p)$, the reverse KL to
the uniform distribution $u$ used by the same papers. A generator that collapses onto a few digits covers few classes
and has a large KL (at most $\log 10 \approx 2.303$, for a single class).

*Label accuracy.* For a conditional generator $G(z, y)$ (Mirza & Osindero 2014): the share of samples generated for
label $y$ that the classifier reads as $y$, in all and per class. It measures whether the generator obeys its label,
and is bounded by the classifier's own accuracy (about 99% on real digits).

Both are only as good as the classifier: it was trained on real digits, so on digits unlike any it has seen its
labels are guesses, made with confidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from gan_course.eval_mode import eval_mode
from gan_course.latent.priors import Prior
from gan_course.metrics.classifier import IMAGE_SHAPE, N_CLASSES, MNISTClassifier, shipped_classifier
from gan_course.metrics.samples import ConditionalSource, Source, batches, check_images, conditional_batches
from gan_course.metrics.samples import source_device
from gan_course.metrics.divergences import kl_divergence

N_SAMPLES = 10_000


@dataclass(frozen=True)
class ClassHistogram:
    """How many samples the classifier assigned to each class."""

    counts: tuple[int, ...]

    @property
    def n_samples(self) -> int:
        return sum(self.counts)

    @property
    def proportions(self) -> np.ndarray:
        return np.asarray(self.counts, dtype=np.float64) / self.n_samples

    @property
    def classes_covered(self) -> int:
        """Classes predicted for at least one sample."""
        return sum(count > 0 for count in self.counts)

    @property
    def kl_to_uniform(self) -> float:
        r"""$\mathrm{KL}(\hat p \,\|\, u) = \sum_c \hat p_c \log(K \hat p_c)$, by
        :func:`gan_course.metrics.divergences.kl_divergence`."""
        return kl_divergence(self.proportions, np.full(len(self.counts), 1.0 / len(self.counts)))

    def __str__(self) -> str:
        return f"classes {self.classes_covered}/{len(self.counts)} · KL to uniform {self.kl_to_uniform:.3f}"


@dataclass(frozen=True)
class LabelAccuracy:
    """Per class: how many samples were generated for it, and how many of them the classifier read as that class."""

    correct: tuple[int, ...]
    total: tuple[int, ...]

    @property
    def accuracy(self) -> float:
        return sum(self.correct) / sum(self.total)

    @property
    def per_class(self) -> tuple[float, ...]:
        """Accuracy for each label (NaN for a label with no sample)."""
        return tuple(c / t if t else math.nan for c, t in zip(self.correct, self.total))

    def __str__(self) -> str:
        worst = min((a, label) for label, a in enumerate(self.per_class) if not math.isnan(a))
        return f"label accuracy {self.accuracy:.1%} (lowest: {worst[1]}, {worst[0]:.1%})"


def default_classifier(classifier: MNISTClassifier | None, device: torch.device | None, source) -> MNISTClassifier:
    """``classifier``, else the shipped one on ``device`` (default: the source's device, else the default device)."""
    return classifier if classifier is not None else shipped_classifier(device or source_device(source))


@torch.no_grad()
def _predict(classifier: MNISTClassifier, images: Tensor) -> Tensor:
    where = next(classifier.parameters()).device
    return classifier(check_images(images, IMAGE_SHAPE).to(where)).argmax(1).cpu()


def class_histogram(
    samples: Source,
    classifier: MNISTClassifier | None = None,
    n: int = N_SAMPLES,
    seed: int = 0,
    batch_size: int = 500,
    prior: Prior | None = None,
    device: torch.device | None = None,
    progress: bool | None = None,
) -> ClassHistogram:
    """The classifier's labels of digits in [-1, 1]: a tensor (N, 1, 28, 28), or ``n`` draws from a generator or a
    sampling function (:mod:`gan_course.metrics.samples`). ``classifier`` defaults to the shipped one."""
    classifier = default_classifier(classifier, device, samples)
    counts = torch.zeros(N_CLASSES, dtype=torch.int64)
    with eval_mode(classifier):
        for batch in batches(samples, n, batch_size, seed, prior, progress, desc="class histogram"):
            counts += torch.bincount(_predict(classifier, batch), minlength=N_CLASSES)
    return ClassHistogram(tuple(counts.tolist()))


def label_accuracy(
    samples: ConditionalSource | Tensor,
    labels: Tensor | None = None,
    classifier: MNISTClassifier | None = None,
    n_per_class: int = 1000,
    seed: int = 0,
    batch_size: int = 500,
    prior: Prior | None = None,
    device: torch.device | None = None,
    progress: bool | None = None,
) -> LabelAccuracy:
    """The share of samples of label y that the classifier reads as y.

    ``samples`` is a tensor of digits with their intended ``labels``; or a conditional generator, a module with
    ``latent_dim`` called as ``G(z, y)`` or a function ``sample(labels) -> Tensor``, asked for ``labels`` (default:
    ``n_per_class`` of each of the 10 classes).
    """
    classifier = default_classifier(classifier, device, samples)
    if labels is None:
        if isinstance(samples, Tensor):
            raise ValueError("a tensor of samples needs the labels they were generated for: pass labels=...")
        if not isinstance(n_per_class, int) or n_per_class < 1:
            raise ValueError(f"n_per_class must be a positive integer, got {n_per_class!r}")
        labels = torch.arange(N_CLASSES).repeat_interleave(n_per_class)
    if labels.ndim != 1 or labels.dtype.is_floating_point or labels.dtype.is_complex or labels.dtype == torch.bool:
        raise ValueError(f"labels must be a 1-D integer tensor, got {labels.dtype} of shape {tuple(labels.shape)}")
    if bool(((labels < 0) | (labels >= N_CLASSES)).any()):
        raise ValueError(f"labels must be digits 0..{N_CLASSES - 1}, got values in [{int(labels.min())}, "
                         f"{int(labels.max())}]")
    if isinstance(samples, Tensor):
        if len(labels) != len(samples):
            raise ValueError(f"labels must be a 1-D tensor with one label per sample; got {len(labels)} labels for "
                             f"{len(samples)} samples")
        pairs = zip(batches(samples, len(samples), batch_size, progress=progress, desc="label accuracy"),
                    labels.split(batch_size))
    else:
        pairs = conditional_batches(samples, labels, batch_size, seed, prior, progress, desc="label accuracy")
    correct = torch.zeros(N_CLASSES, dtype=torch.int64)
    total = torch.zeros(N_CLASSES, dtype=torch.int64)
    with eval_mode(classifier):
        for images, y in pairs:
            y = y.long().cpu()
            total += torch.bincount(y, minlength=N_CLASSES)
            correct += torch.bincount(y[_predict(classifier, images) == y], minlength=N_CLASSES)
    return LabelAccuracy(tuple(correct.tolist()), tuple(total.tolist()))
