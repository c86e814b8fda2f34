"""Measuring a GAN: one module per idea, re-exported here.

* :mod:`~gan_course.metrics.samples` — what a metric accepts: a tensor of samples, a generator module with
  ``latent_dim``, or a sampling function ``sample(n)``; seeded, batched, on the generator's device.
* :mod:`~gan_course.metrics.modes` — mode coverage, high-quality share and reverse KL on the ring and the grid
  (VEEGAN, PacGAN).
* :mod:`~gan_course.metrics.density_1d` — the Jensen–Shannon divergence on the line, from histograms.
* :mod:`~gan_course.metrics.frechet` — the Fréchet distance, and the Fréchet classifier distance of MNIST digits.
* :mod:`~gan_course.metrics.precision_recall` — improved precision and recall, density and coverage: fidelity and
  diversity as separate numbers.
* :mod:`~gan_course.metrics.classes` — the class histogram of generated digits, and label accuracy.
* :mod:`~gan_course.metrics.linear_probe` — the discriminator as a feature extractor: a linear classifier on few labels.
* :mod:`~gan_course.metrics.memorisation` — D's verdict on seen and unseen digits, and samples' nearest digits.
* :mod:`~gan_course.metrics.parzen` — the Parzen-window log-likelihood estimate (and why not to trust it).
* :mod:`~gan_course.metrics.protocol` — the one protocol that scores every model of an image data set (MNIST,
  Fashion-MNIST).
* :mod:`~gan_course.metrics.classifier` — the classifier of each image data set, the instrument of the image metrics.
"""

from gan_course.metrics.classes import ClassHistogram, LabelAccuracy, class_histogram, label_accuracy
from gan_course.metrics.density_1d import js_divergence_1d
from gan_course.metrics.frechet import (
    FeatureStatistics,
    classifier_statistics,
    frechet_classifier_distance,
    frechet_distance,
    gaussian_statistics,
)
from gan_course.metrics.linear_probe import ProbeResult, discriminator_features, labelled_subset, linear_probe
from gan_course.metrics.memorisation import discriminator_probabilities, nearest_distances
from gan_course.metrics.modes import ModeCoverage, mode_coverage
from gan_course.metrics.parzen import parzen_bandwidth, parzen_log_likelihood
from gan_course.metrics.precision_recall import (
    DensityCoverage,
    PrecisionRecall,
    density_coverage,
    nearest_neighbour_radii,
    precision_recall,
)
from gan_course.metrics.protocol import EVALUATIONS, Evaluation, FashionMNISTEvaluation, MNISTEvaluation, Score

__all__ = [
    "ClassHistogram",
    "DensityCoverage",
    "Evaluation",
    "EVALUATIONS",
    "FashionMNISTEvaluation",
    "FeatureStatistics",
    "LabelAccuracy",
    "MNISTEvaluation",
    "ModeCoverage",
    "PrecisionRecall",
    "ProbeResult",
    "Score",
    "class_histogram",
    "classifier_statistics",
    "density_coverage",
    "discriminator_features",
    "discriminator_probabilities",
    "frechet_classifier_distance",
    "frechet_distance",
    "gaussian_statistics",
    "js_divergence_1d",
    "label_accuracy",
    "labelled_subset",
    "linear_probe",
    "mode_coverage",
    "nearest_distances",
    "nearest_neighbour_radii",
    "parzen_bandwidth",
    "parzen_log_likelihood",
    "precision_recall",
]
