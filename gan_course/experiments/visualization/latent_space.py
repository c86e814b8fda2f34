r"""The latent space seen through the course's classifier: real and generated digits in one embedding of its
features, and walks between latent points read by it, with how smooth the walk is, measured.

* :func:`embed` places the classifier's 64 features of real and generated digits in the plane together, by PCA
  (``torch.pca_lowrank``) or by t-SNE (van der Maaten & Hinton 2008; scikit-learn's ``TSNE``): where generated
  digits sit among the real ones of each class, and whether some class has no generated neighbours.
* :func:`read_walk` draws a path $z(t)$, $t \in [0, 1]$ (:func:`~gan_course.latent.interpolate`), reads each image
  with the classifier, and measures it: the largest and the mean pixel change between neighbouring images, and the
  *roughness*, the largest step over the mean one (1 for a walk that changes at an even pace; a jump shows as a
  large value), and the class switches along the way. Radford et al. (2016, Section 6.1) take smooth transitions
  as a sign that G has not memorised: "sharp transitions" would mean it has. :func:`read_crossfade` reads the
  straight path between two images in pixel space for comparison: it changes at an even pace by construction, and
  passes through overlays of two digits. :func:`read_memorised_path` reads what a generator that had memorised its
  training digits would draw along the same way — at each point of the cross-fade, the nearest training digit —
  whose roughness is that of "sharp transitions": the reference a walk's roughness is read against.
* :func:`neighbour_mixing` measures the embedding's picture in the full feature space: the share of real digits
  among each generated digit's $k$ nearest neighbours in a pooled set of as many real as generated digits — 0.5 when
  the two are mixed, 0 when the generated digits sit apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.manifold import TSNE
from torch import Tensor, nn

from gan_course.eval_mode import eval_mode
from gan_course.latent import interpolate
from gan_course.metrics.classifier import MNISTClassifier

METHODS = ("pca", "tsne")


@torch.no_grad()
def classifier_features(classifier: MNISTClassifier, images: Tensor, batch_size: int = 1000) -> Tensor:
    """The classifier's penultimate features of ``images``, ``(N, 64)``, on the CPU."""
    device = next(classifier.parameters()).device
    with eval_mode(classifier):
        return torch.cat([classifier.features(images[i : i + batch_size].to(device)).cpu()
                          for i in range(0, len(images), batch_size)])


def embed(features: Tensor, method: str = "pca", seed: int = 0) -> np.ndarray:
    """2-D coordinates of feature vectors ``(N, d)``, embedded all together: ``"pca"`` (the two leading principal
    components) or ``"tsne"`` (perplexity 30, PCA initialisation, ``random_state=seed``)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if features.ndim != 2 or len(features) < 3:
        raise ValueError(f"features must have shape (N, d) with N >= 3, got {tuple(features.shape)}")
    x = features.double()
    if method == "pca":
        centred = x - x.mean(0)
        _, _, v = torch.linalg.svd(centred, full_matrices=False)
        return (centred @ v[:2].T).numpy()
    perplexity = min(30.0, (len(x) - 1) / 3)
    return TSNE(2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(x.numpy())


@dataclass(frozen=True, eq=False)
class WalkReading:
    """A latent walk's ``images`` ``(steps, C, H, W)``, the classifier's ``probabilities`` ``(steps, 10)`` and
    ``labels``, each step's mean absolute pixel ``change`` ``(steps - 1,)``, and the measures of its smoothness."""

    images: Tensor
    probabilities: np.ndarray
    labels: np.ndarray
    change: np.ndarray

    @property
    def roughness(self) -> float:
        """The largest step's pixel change over the mean step's: 1 at an even pace, large for a jump."""
        return float(self.change.max() / self.change.mean()) if self.change.mean() > 0 else 1.0

    @property
    def switches(self) -> int:
        """How many times the classifier's reading changes class along the walk."""
        return int((self.labels[1:] != self.labels[:-1]).sum())


def _reading(images: Tensor, classifier: MNISTClassifier) -> WalkReading:
    with torch.no_grad(), eval_mode(classifier):
        probabilities = torch.softmax(classifier(images.to(next(classifier.parameters()).device)), dim=1).cpu()
    change = (images[1:] - images[:-1]).abs().mean(dim=(1, 2, 3)).numpy()
    return WalkReading(images, probabilities.numpy(), probabilities.argmax(1).numpy(), change)


def read_walk(generator: nn.Module, classifier: MNISTClassifier, z0: Tensor, z1: Tensor, steps: int = 32,
              method: str = "spherical") -> WalkReading:
    """Walk from ``z0`` to ``z1`` in ``steps`` images (:func:`~gan_course.latent.interpolate`), and read it."""
    if steps < 3:
        raise ValueError(f"steps must be at least 3 to measure a walk, got {steps}")
    path = interpolate(z0, z1, steps, method)
    with torch.no_grad(), eval_mode(generator):
        images = generator(path.to(next(generator.parameters()).device)).cpu()
    return _reading(images, classifier)


def read_crossfade(classifier: MNISTClassifier, image0: Tensor, image1: Tensor, steps: int = 32) -> WalkReading:
    """The straight path $(1 - t) x_0 + t x_1$ between two images ``(C, H, W)`` in pixel space, read as
    :func:`read_walk` reads a latent walk."""
    if steps < 3:
        raise ValueError(f"steps must be at least 3 to measure a walk, got {steps}")
    if image0.shape != image1.shape or image0.ndim != 3:
        raise ValueError(f"image0 and image1 must be two images of one shape (C, H, W), got {tuple(image0.shape)} and "
                         f"{tuple(image1.shape)}")
    t = torch.linspace(0, 1, steps).view(-1, 1, 1, 1)
    return _reading((1 - t) * image0 + t * image1, classifier)


def read_memorised_path(classifier: MNISTClassifier, image0: Tensor, image1: Tensor, real_images: Tensor,
                        steps: int = 32) -> WalkReading:
    """The path a generator that had memorised ``real_images`` ``(N, C, H, W)`` would draw from ``image0`` to
    ``image1``: at each of ``steps`` points of the cross-fade $(1 - t) x_0 + t x_1$, the nearest real image (Euclidean
    distance in pixel space), read as :func:`read_walk` reads a latent walk. It stays on one real digit and then jumps
    to the next: the "sharp transitions" of Radford et al. (2016, Section 6.1), measured."""
    fade = read_crossfade(classifier, image0, image1, steps)
    if real_images.ndim != 4 or real_images.shape[1:] != image0.shape:
        raise ValueError(f"real_images must be images (N, {', '.join(map(str, image0.shape))}), got "
                         f"{tuple(real_images.shape)}")
    nearest = torch.cdist(fade.images.flatten(1).double(), real_images.flatten(1).double()).argmin(1)
    return _reading(real_images[nearest], classifier)


def neighbour_mixing(real: Tensor, generated: Tensor, k: int = 10) -> float:
    """The mean share of real points among the ``k`` nearest neighbours (Euclidean, itself excluded) of each
    generated point, in the pooled set of ``real`` and ``generated`` feature vectors of equal number."""
    if real.ndim != 2 or generated.shape != real.shape:
        raise ValueError(f"real and generated must be feature sets of one shape (N, d), got {tuple(real.shape)} and "
                         f"{tuple(generated.shape)}")
    if not 1 <= k < 2 * len(real):
        raise ValueError(f"k must be between 1 and {2 * len(real) - 1}, got {k}")
    pooled = torch.cat([real, generated]).double()
    distances = torch.cdist(pooled[len(real):], pooled)
    distances[torch.arange(len(generated)), len(real) + torch.arange(len(generated))] = float("inf")  # not itself
    neighbours = distances.topk(k, largest=False).indices
    return float((neighbours < len(real)).double().mean())
