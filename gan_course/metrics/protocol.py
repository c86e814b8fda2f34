r"""One evaluation protocol for every model of an image data set, so that numbers from different chapters stand side by
side: :class:`MNISTEvaluation` for MNIST, :class:`FashionMNISTEvaluation` for Fashion-MNIST, the same protocol.

An :class:`Evaluation` fixes everything a score depends on:

* the **reference**: the images of the data set's ``"reference"`` role (:mod:`gan_course.data.image_sets`), which no
  GAN trains on and the classifier never saw — MNIST's 2,000 reference digits of the test split
  (:func:`gan_course.data.digit_roles`), Fashion-MNIST's 10,000 test images (:func:`gan_course.data.fashion_roles`);
* the **instrument**: the course's classifier of that data set (:mod:`gan_course.metrics.classifier`), trained on
  the images of its ``"classifier"`` role;
* the **samples**: $n = 2{,}000$ draws of the model — as many as MNIST's reference has digits — with the seed 0, from
  the prior the model was trained with;
* the **numbers**: the Fréchet classifier distance (:func:`~gan_course.metrics.frechet_classifier_distance`) and the
  class histogram (:func:`~gan_course.metrics.class_histogram`) of the same samples; for a conditional generator,
  its label accuracy on $n / 10$ samples per label; and, asked for with :meth:`Evaluation.fidelity`, the same
  samples' improved precision and recall and density and coverage (:mod:`~gan_course.metrics.precision_recall`)
  against the reference in the same features.

On several processes (``torchrun``) the batches of a generator or a tensor are split over the ranks and their
features gathered in the order of one process, so the score does not depend on the number of processes.

The **floor** (:meth:`Evaluation.floor`) is the score of $n$ real images that are not the reference — the images
a GAN trains on: what a generator that copied its training data would score. The Fréchet distance is biased upwards
at small $n$ (the measuring chapter shows by how much), so a score means something only next to scores at the same
$n$ against the same reference, which is what the protocol guarantees; scores of different data sets are not
comparable with each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from gan_course.data.image_sets import image_set
from gan_course.distributed import Shard, current_shard, gather
from gan_course.data.mnist import ROLE_SIZES
from gan_course.eval_mode import eval_mode
from gan_course.latent.priors import Prior
from gan_course.metrics.classes import N_CLASSES, ClassHistogram, LabelAccuracy, label_accuracy
from gan_course.metrics.classifier import IMAGE_SHAPE, shipped_classifier
from gan_course.metrics.frechet import FeatureStatistics, frechet_distance, gaussian_statistics
from gan_course.metrics.precision_recall import DensityCoverage, PrecisionRecall, density_coverage, precision_recall
from gan_course.metrics.samples import Source, batches, check_images

N_SAMPLES = ROLE_SIZES["reference"]  # 2,000: generated samples per score, as many as MNIST's reference digits
SEED = 0


@dataclass(frozen=True)
class Score:
    """A model's score under the protocol: its Fréchet classifier distance and class histogram, on ``n`` samples."""

    fcd: float
    histogram: ClassHistogram
    n: int

    def __str__(self) -> str:
        return f"Fréchet classifier distance {self.fcd:6.2f} · {self.histogram}"


class Evaluation:
    """The course's protocol for the models of the image data set ``data`` (see the module's docstring); build it
    once and call it on a model.

    ``evaluation(generator, prior=None)`` scores a generator module (drawn from ``prior``, by default
    ``Normal(generator.latent_dim)``), a sampling function ``sample(n)``, or a tensor of at least ``n`` images;
    ``evaluation.fidelity(generator)`` measures the same samples' precision, recall, density and coverage.
    """

    n = N_SAMPLES
    seed = SEED
    data = ""

    def __init__(self, root: str | Path | None = None, device: torch.device | None = None):
        self.images = image_set(self.data)
        self.reference = self.images.role("reference", root)
        self.classifier = shipped_classifier(device, self.data)
        self.reference_features, _ = self._features(self.reference.images, None, False)
        self.statistics: FeatureStatistics = gaussian_statistics(self.reference_features)

    def __call__(self, samples: Source, prior: Prior | None = None, progress: bool | None = None) -> Score:
        """The Fréchet classifier distance to the reference and the class histogram, of the same ``n`` samples."""
        features, counts = self._features(self._first_n(samples), prior, progress)
        generated = gaussian_statistics(features)
        fcd = frechet_distance(self.statistics.mean, self.statistics.covariance, generated.mean, generated.covariance)
        return Score(fcd, ClassHistogram(tuple(counts.tolist())), self.n)

    def fidelity(self, samples: Source, prior: Prior | None = None,
                 progress: bool | None = None) -> tuple[PrecisionRecall, DensityCoverage]:
        """Improved precision and recall (k = 3) and density and coverage (k = 5) of the ``n`` samples the protocol
        scores, against the reference, in the classifier's features (:mod:`gan_course.metrics.precision_recall`):
        fidelity and diversity as separate numbers, so that collapse and under-training are told apart."""
        features, _ = self._features(self._first_n(samples), prior, progress)
        return precision_recall(self.reference_features, features), density_coverage(self.reference_features, features)

    def _first_n(self, samples: Source) -> Source:
        """A tensor's first ``n`` images (refusing fewer); a generator or sampling function as it is."""
        if isinstance(samples, Tensor):
            if len(samples) < self.n:
                raise ValueError(f"the protocol scores {self.n} samples; got a tensor of {len(samples)}")
            return samples[: self.n]
        return samples

    def _features(self, samples: Source, prior: Prior | None, progress: bool | None) -> tuple[Tensor, Tensor]:
        """The classifier's features (float64, on the CPU) of ``n`` samples (every row of a tensor) and the counts of
        the classes it assigns them, in the order of one process whatever the number of processes."""
        where = next(self.classifier.parameters()).device
        shard = current_shard() if isinstance(samples, (Tensor, torch.nn.Module)) else Shard()
        computed = []
        with torch.no_grad(), eval_mode(self.classifier):
            for batch in batches(samples, self.n, 500, self.seed, prior, progress if shard.rank == 0 else False,
                                 desc=f"{self.images.title} score", shard=shard):
                hidden = self.classifier.features(check_images(batch, IMAGE_SHAPE).to(where))
                computed.append((hidden.double().cpu(),
                                 torch.bincount(self.classifier.head(hidden).argmax(1).cpu(), minlength=N_CLASSES)))
        ranks = gather(computed)  # batch i was computed by rank i % world_size, as its (i // world_size)-th
        ordered = [ranks[i % len(ranks)][i // len(ranks)] for i in range(sum(map(len, ranks)))]
        return torch.cat([hidden for hidden, _ in ordered]), torch.stack([count for _, count in ordered]).sum(0)

    def floor(self, real_images: Tensor) -> Score:
        """The score of ``n`` real images that are not the reference (e.g. the GAN's training images): the floor."""
        return self(real_images)

    def label_accuracy(self, generator: Source, prior: Prior | None = None,
                       progress: bool | None = None) -> LabelAccuracy:
        """A conditional generator's label accuracy on ``n / 10`` samples of each label, seeded as the scores are."""
        return label_accuracy(generator, classifier=self.classifier, n_per_class=self.n // N_CLASSES, seed=self.seed,
                              prior=prior, progress=progress)

    def __repr__(self) -> str:
        kind = self.images.kind
        return (f"{type(self).__name__}(n={self.n} samples with seed {self.seed}; reference: the "
                f"{len(self.reference)} 'reference' {kind} of the {self.reference.split} split; instrument: the "
                f"course's classifier, trained on the {self.classifier.meta['n_train']} 'classifier' {kind})")


class MNISTEvaluation(Evaluation):
    """The protocol for MNIST: every MNIST model of the book is scored by it."""

    data = "mnist"


class FashionMNISTEvaluation(Evaluation):
    """The protocol for Fashion-MNIST, the course's second image data set."""

    data = "fashion-mnist"


EVALUATIONS: dict[str, type[Evaluation]] = {evaluation.data: evaluation
                                            for evaluation in (MNISTEvaluation, FashionMNISTEvaluation)}
"""The protocol of each image data set, by the data set's name (:data:`gan_course.data.image_sets.IMAGE_SETS`)."""
