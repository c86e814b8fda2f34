r"""Fidelity and diversity apart: improved precision and recall (Kynkäänniemi et al. 2019) and density and coverage
(Naeem et al. 2020), from k-nearest-neighbour balls around feature vectors.

One number such as the Fréchet distance cannot say *how* a generator falls short: a collapsed generator (few modes,
each drawn sharply) and an under-trained one (every mode, all blurred) can score alike. These metrics separate the two.
Each sample $\phi$ of a set $\Phi$ gets a ball whose radius is the distance to its $k$-th nearest neighbour in $\Phi$,
$\mathrm{NND}_k(\phi)$; the union of the balls estimates the support of the set's distribution:

$$f(\phi, \Phi) = \begin{cases} 1 & \text{if } \|\phi - \phi'\|_2 \le \mathrm{NND}_k(\phi')
\text{ for some } \phi' \in \Phi \\ 0 & \text{otherwise.} \end{cases}$$

* **precision** — the share of generated samples inside the real support, $\frac{1}{M}\sum_j f(\phi_g^{(j)},
  \Phi_r)$ (Kynkäänniemi et al. 2019, Eq. 1–2): are the samples realistic?
* **recall** — the share of real samples inside the generated support, $\frac{1}{N}\sum_i f(\phi_r^{(i)}, \Phi_g)$:
  is all of the data's variety drawn?
* **density** — $\frac{1}{kM}\sum_j \sum_i \mathbb{1}[\phi_g^{(j)} \in B(\phi_r^{(i)}, \mathrm{NND}_k(\phi_r^{(i)}))]$
  (Naeem et al. 2020, Eq. 3): how many real balls contain each sample, about 1 when the two distributions are the
  same, and unlike precision not bounded by 1 nor pulled up by real outliers with large balls;
* **coverage** — $\frac{1}{N}\sum_i \mathbb{1}[\exists j: \phi_g^{(j)} \in B(\phi_r^{(i)},
  \mathrm{NND}_k(\phi_r^{(i)}))]$ (Eq. 4): the share of real balls that hold a sample, recall built on the real
  balls only, so that generated outliers cannot inflate it.

As in the authors' code (kynkaat/improved-precision-and-recall-metric, ``<=`` on squared distances; clovaai/prdc),
the radius is the distance to the $k$-th nearest *other* point of the set, and the defaults are the papers' $k$: 3 for
precision and recall, 5 for density and coverage. Distances are computed in float64 in blocks of rows, so memory grows
with the block, not with the square of the number of samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import torch
from torch import Tensor

BLOCK = 1024  # rows of a distance matrix computed at once


@dataclass(frozen=True)
class PrecisionRecall:
    """Improved precision and recall of ``n_fake`` generated against ``n_real`` real feature vectors, with ``k``."""

    precision: float
    recall: float
    k: int
    n_real: int
    n_fake: int

    def __str__(self) -> str:
        return f"precision {self.precision:.3f} · recall {self.recall:.3f} (k = {self.k})"


@dataclass(frozen=True)
class DensityCoverage:
    """Density and coverage of ``n_fake`` generated against ``n_real`` real feature vectors, with ``k``."""

    density: float
    coverage: float
    k: int
    n_real: int
    n_fake: int

    def __str__(self) -> str:
        return f"density {self.density:.3f} · coverage {self.coverage:.3f} (k = {self.k})"


def _check(features: Tensor, name: str, k: int) -> Tensor:
    if not isinstance(features, Tensor) or features.ndim != 2:
        raise ValueError(f"{name} must be a 2-D tensor of feature vectors (N, D), got "
                         f"{tuple(features.shape) if isinstance(features, Tensor) else type(features).__name__}")
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k (the neighbour whose distance is a ball's radius) must be a positive integer, got {k!r}")
    if len(features) <= k:
        raise ValueError(f"{name} has {len(features)} vectors; a ball's radius is the distance to the {k}-th nearest "
                         f"other vector, so give more than k = {k}")
    if not bool(features.isfinite().all()):
        raise ValueError(f"{name} holds NaN or infinite values: check the generator's samples")
    return features.double()


def _distances(rows: Tensor, columns: Tensor) -> Tensor:
    """Euclidean distances between the rows of ``rows`` and of ``columns``, exactly (no matrix-product shortcut)."""
    return torch.cdist(rows, columns, compute_mode="donot_use_mm_for_euclid_dist")


def _radii(features: Tensor, k: int) -> Tensor:
    """The distance of every row to its ``k``-th nearest other row, of checked float64 ``features``."""
    return torch.cat([_distances(block, features).kthvalue(k + 1, dim=1).values  # the nearest is the row itself, at 0
                      for block in features.split(BLOCK)])


def nearest_neighbour_radii(features: Tensor, k: int) -> Tensor:
    r"""$\mathrm{NND}_k$ of every row of ``features``: the distance to its $k$-th nearest other row."""
    return _radii(_check(features, "features", k), k)


def _real_fake_blocks(real: Tensor, fake: Tensor) -> Iterator[tuple[slice, Tensor]]:
    """The distances from ``real`` to ``fake``, once, in blocks of real rows: (the rows, their distance matrix)."""
    for start in range(0, len(real), BLOCK):
        rows = slice(start, start + BLOCK)
        yield rows, _distances(real[rows], fake)


def precision_recall(real: Tensor, fake: Tensor, k: int = 3) -> PrecisionRecall:
    """Improved precision and recall (Kynkäänniemi et al. 2019) of the feature vectors ``fake`` against ``real``."""
    real, fake = _check(real, "real", k), _check(fake, "fake", k)
    real_radii, fake_radii = _radii(real, k), _radii(fake, k)
    in_real = torch.zeros(len(fake), dtype=torch.bool)  # a fake inside some real ball: precision
    in_fake = torch.zeros(len(real), dtype=torch.bool)  # a real inside some fake ball: recall
    for rows, distances in _real_fake_blocks(real, fake):
        in_real |= (distances <= real_radii[rows, None]).any(dim=0)
        in_fake[rows] = (distances <= fake_radii).any(dim=1)
    return PrecisionRecall(float(in_real.double().mean()), float(in_fake.double().mean()), k, len(real), len(fake))


def density_coverage(real: Tensor, fake: Tensor, k: int = 5) -> DensityCoverage:
    """Density and coverage (Naeem et al. 2020, Eq. 3–4) of the feature vectors ``fake`` against ``real``."""
    real, fake = _check(real, "real", k), _check(fake, "fake", k)
    radii = _radii(real, k)
    balls = torch.zeros(len(fake), dtype=torch.float64)  # how many real balls hold each fake: density
    covered = torch.zeros(len(real), dtype=torch.bool)  # a real ball holding some fake: coverage
    for rows, distances in _real_fake_blocks(real, fake):
        inside = distances <= radii[rows, None]
        balls += inside.sum(dim=0)
        covered[rows] = inside.any(dim=1)
    density = balls.sum() / (k * len(fake))
    return DensityCoverage(float(density), float(covered.double().mean()), k, len(real), len(fake))
