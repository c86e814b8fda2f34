r"""The Fréchet distance between two sets of features, and the Fréchet classifier distance of MNIST digits.

Heusel et al. (2017) compare real and generated images through the features $f(x)$ of a fixed network (Inception v3's
pool layer): each set of features is summarised by a Gaussian $\mathcal{N}(\mu, \Sigma)$ with its sample mean and
covariance, and the two Gaussians by the Fréchet (2-Wasserstein) distance between them, which has a closed form
(Dowson & Landau 1982):

$$d^2 = \lVert \mu_1 - \mu_2 \rVert^2 + \operatorname{Tr}\big(\Sigma_1 + \Sigma_2 - 2(\Sigma_1 \Sigma_2)^{1/2}\big).$$

As for the FID, the number reported is this *squared* distance. For MNIST the features are the 64 penultimate
activations of the course's classifier (:class:`~gan_course.metrics.classifier.MNISTClassifier`): TF-GAN calls
this the *Fréchet classifier distance*. Estimated from $n$ samples it is biased upwards, by roughly a constant over
$n$ (Bińkowski et al. 2018; Chong & Forsyth 2020): compare numbers only at the same $n$.

Why not torchmetrics' ``FrechetInceptionDistance`` with this classifier as its feature extractor? It would work for
1x28x28 inputs (a custom ``feature`` module, ``normalize=True``), and a test checks that both agree. But it is not a
dependency of the course, it takes images only (the tests check the closed form on Gaussians given by their means and
covariances, and the chapters reuse the real digits' statistics), and it returns a number from a singular covariance
where fewer samples than features were given. Here the trace term is computed in float64 from the symmetric matrix
$\Sigma_1^{1/2}\Sigma_2\Sigma_1^{1/2}$, which has the same eigenvalues as $\Sigma_1\Sigma_2$ (as TF-GAN's
``trace_sqrt_product`` does): its eigenvalues are real and non-negative, whereas a square root of the non-symmetric
product $\Sigma_1\Sigma_2$ (``scipy.linalg.sqrtm``) can come back complex from rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import ArrayLike
from scipy.linalg import eigh

from gan_course.eval_mode import eval_mode
from gan_course.latent.priors import Prior
from gan_course.metrics.classes import default_classifier
from gan_course.metrics.classifier import IMAGE_SHAPE, MNISTClassifier
from gan_course.metrics.samples import Source, batches, check_images

N_SAMPLES = 10_000


@dataclass(frozen=True, eq=False)
class FeatureStatistics:
    """The mean (d,) and covariance (d, d) of ``n`` feature vectors, in float64."""

    mean: np.ndarray
    covariance: np.ndarray
    n: int

    def __repr__(self) -> str:
        return f"FeatureStatistics(d={len(self.mean)}, n={self.n})"


def gaussian_statistics(features: ArrayLike | torch.Tensor) -> FeatureStatistics:
    """Sample mean and (unbiased, 1/(n-1)) covariance of features of shape (n, d); needs n > d."""
    if isinstance(features, torch.Tensor):
        features = features.detach().cpu().double().numpy()
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"features must have shape (n, d), got {x.shape}")
    n, d = x.shape
    if n <= d:
        raise ValueError(
            f"a full-rank covariance of {d} features needs more samples than features: got n={n}, need at least "
            f"{d + 1} (and many more in practice: the Fréchet distance is biased upwards for small n)"
        )
    if not np.all(np.isfinite(x)):
        raise ValueError("features contain NaN or infinite values")
    return FeatureStatistics(x.mean(0), np.cov(x, rowvar=False), n)


def _psd_eigh(matrix: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (rounding noise below 0 set to 0) and eigenvectors of a symmetric positive semi-definite matrix."""
    values, vectors = eigh(matrix)
    tolerance = 1e-9 * max(1.0, float(np.abs(values).max()))
    if values.min() < -tolerance:
        raise ValueError(f"{name} must be positive semi-definite; it has an eigenvalue {values.min():.3g}")
    return np.clip(values, 0, None), vectors


def _check_gaussian(mean: ArrayLike, covariance: ArrayLike, name: str) -> tuple[np.ndarray, np.ndarray]:
    mean, covariance = np.asarray(mean, dtype=np.float64), np.asarray(covariance, dtype=np.float64)
    if mean.ndim != 1 or covariance.shape != (len(mean), len(mean)):
        raise ValueError(f"{name}: need a mean (d,) and a covariance (d, d), got {mean.shape} and {covariance.shape}")
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(covariance))):
        raise ValueError(f"{name}: mean and covariance must be finite")
    if not np.allclose(covariance, covariance.T, rtol=1e-10, atol=1e-12 * max(1.0, np.abs(covariance).max())):
        raise ValueError(f"{name}: the covariance must be symmetric")
    return mean, covariance


def frechet_distance(mean1: ArrayLike, cov1: ArrayLike, mean2: ArrayLike, cov2: ArrayLike) -> float:
    r"""$d^2 = \lVert \mu_1 - \mu_2 \rVert^2 + \operatorname{Tr}(\Sigma_1 + \Sigma_2 - 2(\Sigma_1\Sigma_2)^{1/2})$
    between $\mathcal{N}(\mu_1, \Sigma_1)$ and $\mathcal{N}(\mu_2, \Sigma_2)$ (Dowson & Landau 1982; Heusel et al.
    2017), in float64."""
    mean1, cov1 = _check_gaussian(mean1, cov1, "first Gaussian")
    mean2, cov2 = _check_gaussian(mean2, cov2, "second Gaussian")
    if mean1.shape != mean2.shape:
        raise ValueError(f"the Gaussians have different dimensions, {len(mean1)} and {len(mean2)}")
    values1, vectors1 = _psd_eigh(cov1, "the first covariance")
    _psd_eigh(cov2, "the second covariance")
    root1 = (vectors1 * np.sqrt(values1)) @ vectors1.T
    # Tr (Σ1 Σ2)^{1/2} = Σ_i sqrt(λ_i), λ the eigenvalues of Σ1^{1/2} Σ2 Σ1^{1/2} (the same as those of Σ1 Σ2)
    middle = root1 @ cov2 @ root1
    eigenvalues, _ = _psd_eigh((middle + middle.T) / 2, "Σ1^{1/2} Σ2 Σ1^{1/2}")
    # d² = ‖μ1 − μ2‖² + Tr Σ1 + Tr Σ2 − 2 Tr (Σ1 Σ2)^{1/2}; max(·, 0): rounding gives -1e-15 for equal Gaussians
    distance = np.sum((mean1 - mean2) ** 2) + np.trace(cov1) + np.trace(cov2) - 2 * np.sqrt(eigenvalues).sum()
    return max(float(distance), 0.0)


def classifier_statistics(
    samples: Source,
    classifier: MNISTClassifier | None = None,
    n: int = N_SAMPLES,
    seed: int = 0,
    batch_size: int = 500,
    prior: Prior | None = None,
    device: torch.device | None = None,
    progress: bool | None = None,
) -> FeatureStatistics:
    """The mean and covariance of the classifier's penultimate features of MNIST-like digits in [-1, 1].

    ``samples``: a tensor (N, 1, 28, 28), or ``n`` draws from a generator or a sampling function
    (:mod:`gan_course.metrics.samples`). ``classifier`` defaults to the one shipped with the package, on ``device``
    (default: the generator's device, else :func:`gan_course.default_device`).
    """
    classifier = default_classifier(classifier, device, samples)
    where = next(classifier.parameters()).device
    features = []
    with torch.no_grad(), eval_mode(classifier):
        for batch in batches(samples, n, batch_size, seed, prior, progress, desc="classifier features"):
            features.append(classifier.features(check_images(batch, IMAGE_SHAPE).to(where)).double().cpu())
    return gaussian_statistics(torch.cat(features))


def frechet_classifier_distance(
    real: Source | FeatureStatistics,
    generated: Source | FeatureStatistics,
    classifier: MNISTClassifier | None = None,
    n: int = N_SAMPLES,
    seed: int = 0,
    batch_size: int = 500,
    prior: Prior | None = None,
    device: torch.device | None = None,
    progress: bool | None = None,
) -> float:
    """The Fréchet distance between the classifier features of ``real`` and ``generated`` digits.

    Either may be given as :class:`FeatureStatistics` (from :func:`classifier_statistics`, to compute the real side
    once), a tensor of digits, or a generator / sampling function drawn ``n`` times with ``seed``.
    """
    statistics = [
        side if isinstance(side, FeatureStatistics)
        else classifier_statistics(side, classifier, n, seed, batch_size, prior, device, progress)
        for side in (real, generated)
    ]
    return frechet_distance(statistics[0].mean, statistics[0].covariance, statistics[1].mean, statistics[1].covariance)
