r"""The latent prior $p_z$: one object that says how a generator's input is drawn, shared by the training loop and
by every sampler of :mod:`gan_course.metrics`.

Goodfellow et al. (2014) draw $z \sim p_z$ and train $G(z)$; the choice of $p_z$ is part of the model. A prior here
draws a :class:`Latent` — the generator's input ``z`` and, where the model has them, the class ``labels`` that a
conditional GAN gives both networks (Mirza & Osindero 2014) and the structured ``codes`` that InfoGAN's objective
reads back (Chen et al. 2016):

* :class:`Normal` — $z \sim \mathcal N(0, I)$, the default of most GANs since DCGAN's code;
* :class:`Uniform` — $z \sim U(-1, 1)^d$, the prior of Goodfellow et al. and of the DCGAN paper;
* :class:`Labelled` — another prior plus a class label $y$ drawn uniformly, for $G(z, y)$ and $D(x, y)$;
* :class:`InfoGANCodes` — InfoGAN's input: noise, one-hot categorical codes and continuous codes in $U(-1, 1)$,
  concatenated into ``z``, with the codes kept for the mutual-information term.

Draws use torch's global generator (the training loop, seeded by :func:`~gan_course.seed.seed_everything`) or the
``torch.Generator`` given (the metrics, seeded per call). :meth:`Prior.fixed` gives the batch a run's snapshots are
drawn from: the same as a draw, except that labels and categorical codes cycle through their values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor


@dataclass(frozen=True)
class Latent:
    """A batch of latent inputs: ``z`` (N, dim) for the generator, optional ``labels`` (N,) for a conditional GAN, and
    the ``codes`` an objective reads back (InfoGAN), by name."""

    z: Tensor
    labels: Tensor | None = None
    codes: dict[str, Tensor] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.z)

    def __getitem__(self, rows: slice | Tensor) -> Latent:
        """The latents of ``rows`` (a slice or an index tensor), with their labels and codes."""
        return Latent(self.z[rows], None if self.labels is None else self.labels[rows],
                      {name: code[rows] for name, code in self.codes.items()})

    def to(self, device: torch.device | str) -> Latent:
        """The same latent batch on ``device``."""
        return Latent(
            self.z.to(device),
            None if self.labels is None else self.labels.to(device),
            {name: code.to(device) for name, code in self.codes.items()},
        )

    def state_dict(self) -> dict[str, object]:
        """The tensors, for a checkpoint that ``torch.load(weights_only=True)`` reads."""
        return {"z": self.z.cpu(), "labels": None if self.labels is None else self.labels.cpu(),
                "codes": {name: code.cpu() for name, code in self.codes.items()}}

    @classmethod
    def from_state_dict(cls, state: dict[str, object]) -> Latent:
        return cls(state["z"], state["labels"], dict(state["codes"]))


def _check_count(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n (the number of latent vectors to draw) must be a positive integer, got {n!r}")


class Prior:
    """A distribution $p_z$ over a generator's input; subclasses define :meth:`sample`.

    ``dim`` is the size of ``z`` (the generator's ``latent_dim``); ``n_classes`` is set when the prior draws labels.
    """

    dim: int
    n_classes: int | None = None

    def sample(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> Latent:
        """``n`` draws, made with ``generator`` (torch's global generator if None) on ``device`` (the CPU if None)."""
        raise NotImplementedError

    def fixed(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> Latent:
        """The batch a run's snapshots show: a draw, with labels and categorical codes cycling through their values."""
        return self.sample(n, generator, device)


def _check_dim(dim: int) -> int:
    if not isinstance(dim, int) or isinstance(dim, bool) or dim < 1:
        raise ValueError(f"dim (the size of z) must be a positive integer, got {dim!r}")
    return dim


class Normal(Prior):
    r"""$z \sim \mathcal N(0, I_d)$."""

    def __init__(self, dim: int):
        self.dim = _check_dim(dim)

    def sample(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> Latent:
        _check_count(n)
        return Latent(torch.randn(n, self.dim, generator=generator, device=device))

    def __repr__(self) -> str:
        return f"Normal({self.dim})"


class Uniform(Prior):
    r"""$z \sim U(\text{low}, \text{high})^d$; the default $U(-1, 1)$ is the prior of Goodfellow et al. (2014) and of
    Radford et al. (2016, Section 4)."""

    def __init__(self, dim: int, low: float = -1.0, high: float = 1.0):
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"need finite bounds low < high, got low={low}, high={high}")
        self.dim = _check_dim(dim)
        self.low, self.high = float(low), float(high)

    def sample(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> Latent:
        _check_count(n)
        # z = low + (high - low) u,  u ~ U(0, 1)
        return Latent(torch.rand(n, self.dim, generator=generator, device=device) * (self.high - self.low) + self.low)

    def __repr__(self) -> str:
        return f"Uniform({self.dim}, low={self.low:g}, high={self.high:g})"


def _check_classes(n_classes: int, what: str) -> int:
    if not isinstance(n_classes, int) or isinstance(n_classes, bool) or n_classes < 2:
        raise ValueError(f"{what} must be an integer of at least 2, got {n_classes!r}")
    return n_classes


class Labelled(Prior):
    r"""A conditional GAN's input (Mirza & Osindero 2014): $z$ from ``noise`` and a label $y$ uniform over
    ``n_classes`` classes, drawn first; the networks are called as $G(z, y)$ and $D(x, y)$."""

    def __init__(self, noise: Prior, n_classes: int):
        if noise.n_classes is not None:
            raise ValueError(f"the noise prior already draws labels ({noise!r}); give the prior of z alone")
        self.noise = noise
        self.dim = noise.dim
        self.n_classes = _check_classes(n_classes, "n_classes")

    def sample(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> Latent:
        _check_count(n)
        labels = torch.randint(self.n_classes, (n,), generator=generator, device=device)
        return Latent(self.noise.sample(n, generator, device).z, labels)

    def fixed(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> Latent:
        """Noise from the prior with labels ``0, 1, ..., n_classes - 1, 0, 1, ...``."""
        z = self.noise.sample(n, generator, device).z
        return Latent(z, torch.arange(n, device=device) % self.n_classes)

    def __repr__(self) -> str:
        return f"Labelled({self.noise!r}, n_classes={self.n_classes})"


class InfoGANCodes(Prior):
    r"""InfoGAN's input (Chen et al. 2016, Section 5): incompressible noise from ``noise``, and latent codes $c$ —
    one categorical code per entry of ``categorical`` (its number of values, uniform; one-hot in $z$) and
    ``continuous`` codes in $U(-1, 1)$ — concatenated as $z = [\text{noise}, \text{onehot}(c_\text{cat}),
    c_\text{cont}]$. The codes are kept in :attr:`Latent.codes` as ``"categorical"`` (N, len(categorical)) indices
    and ``"continuous"`` (N, continuous) values, for the objective's mutual-information term. For MNIST the paper uses
    one 10-valued code and two continuous ones with 62 noise variables."""

    def __init__(self, noise: Prior, categorical: Sequence[int] = (10,), continuous: int = 2):
        if noise.n_classes is not None:
            raise ValueError(f"the noise prior draws labels ({noise!r}); InfoGAN's codes replace labels")
        self.categorical = tuple(_check_classes(k, "each categorical code's number of values") for k in categorical)
        if not isinstance(continuous, int) or continuous < 0 or not (self.categorical or continuous):
            raise ValueError(f"need at least one code: categorical={categorical}, continuous={continuous} "
                             f"(a non-negative integer)")
        self.noise = noise
        self.continuous = continuous
        self.dim = noise.dim + sum(self.categorical) + continuous

    def _latent(self, noise: Tensor, indices: Tensor, values: Tensor) -> Latent:
        onehots = [F.one_hot(indices[:, i], k).to(noise.dtype) for i, k in enumerate(self.categorical)]
        return Latent(torch.cat([noise, *onehots, values], dim=1), codes={"categorical": indices, "continuous": values})

    def sample(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> Latent:
        _check_count(n)
        noise = self.noise.sample(n, generator, device).z
        indices = torch.stack([torch.randint(k, (n,), generator=generator, device=device) for k in self.categorical],
                              1) if self.categorical else torch.zeros(n, 0, dtype=torch.long, device=device)
        values = torch.rand(n, self.continuous, generator=generator, device=device) * 2 - 1
        return self._latent(noise, indices, values)

    def fixed(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> Latent:
        """A draw whose categorical codes cycle through their values (row i has value i mod k)."""
        latent = self.sample(n, generator, device)
        rows = torch.arange(n, device=device)
        indices = torch.stack([rows % k for k in self.categorical], 1) if self.categorical else latent.codes["categorical"]
        noise = latent.z[:, : self.noise.dim]
        return self._latent(noise, indices, latent.codes["continuous"])

    def __repr__(self) -> str:
        return f"InfoGANCodes({self.noise!r}, categorical={self.categorical}, continuous={self.continuous})"
