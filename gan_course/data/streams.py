"""Endless, resumable streams of training batches.

The training loop asks for one batch per discriminator step. A stream owns its own random number generator, so its
state can be saved in a checkpoint and restored: a resumed run then sees exactly the batches an uninterrupted run
would have seen. In a run on several processes (``torchrun``) ``batch_size`` is the global batch: each process draws
the same global batch and yields its own rows of it (its :class:`~gan_course.distributed.Shard`), so the processes
together train on the batches of a one-process run.
"""

from __future__ import annotations

from typing import Any, Protocol

import torch
from torch import Tensor

from gan_course.distributed import Shard, current_shard


class Sampler(Protocol):
    """Anything with ``sample(n, generator)``, such as the toy distributions."""

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor: ...


def _check_batch_size(batch_size: int) -> None:
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")


class SamplerStream:
    """Fresh batches from a distribution that can be sampled, e.g. ``SamplerStream(ring(), 256, seed=0)``; on several
    processes each takes its rows of the global batch of ``batch_size`` (``shard``, default the current process's)."""

    def __init__(self, distribution: Sampler, batch_size: int, seed: int = 0, shard: Shard | None = None):
        _check_batch_size(batch_size)
        self.shard = shard or current_shard()
        self.shard.local_size(batch_size, "batch_size")
        self.distribution = distribution
        self.batch_size = batch_size
        self.generator = torch.Generator().manual_seed(seed)

    def __iter__(self) -> "SamplerStream":
        return self

    def __next__(self) -> Tensor:
        return self.distribution.sample(self.batch_size, generator=self.generator)[self.shard.rows(self.batch_size)]

    def state_dict(self) -> dict[str, Any]:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])


class TensorStream:
    """Shuffled mini-batches of a tensor held in memory, epoch after epoch, without end.

    Epoch ``e`` is shuffled by a generator seeded with ``seed + e``; the state is the epoch and the position in it.
    The last incomplete batch of an epoch is dropped so that every batch has ``batch_size`` rows. With ``labels``
    (one per example, for a conditional GAN) each batch is a pair ``(examples, labels)``.

    On several processes (``shard``, default the current process's) every rank shuffles alike and yields its slice
    of each global batch of ``batch_size`` — :attr:`local_batch_size` rows, disjoint from the other ranks' — as
    ``torch.utils.data.DistributedSampler`` splits an epoch; the state is the same on every rank.
    """

    def __init__(self, data: Tensor, batch_size: int, seed: int = 0, labels: Tensor | None = None,
                 shard: Shard | None = None):
        _check_batch_size(batch_size)
        self.shard = shard or current_shard()
        if len(data) < batch_size:
            raise ValueError(f"batch_size {batch_size} is larger than the {len(data)} examples in the data")
        if labels is not None and (labels.ndim != 1 or len(labels) != len(data)):
            raise ValueError(f"labels must be a 1-D tensor with one label per example ({len(data)}), got shape "
                             f"{tuple(labels.shape)}")
        self.data = data
        self.labels = labels
        self.batch_size = batch_size
        self.shard.local_size(batch_size, "batch_size")
        self.seed = seed
        self.epoch = 0
        self.position = 0
        self._order = self._shuffle()

    @property
    def local_batch_size(self) -> int:
        """The rows of each batch that this process yields: ``batch_size`` over the number of processes."""
        return self.shard.local_size(self.batch_size, "batch_size")

    def _shuffle(self) -> Tensor:
        return torch.randperm(len(self.data), generator=torch.Generator().manual_seed(self.seed + self.epoch))

    def __iter__(self) -> "TensorStream":
        return self

    def __next__(self) -> Tensor | tuple[Tensor, Tensor]:
        if self.position + self.batch_size > len(self.data):
            self.epoch += 1
            self.position = 0
            self._order = self._shuffle()
        index = self._order[self.position : self.position + self.batch_size][self.shard.rows(self.batch_size)]
        self.position += self.batch_size
        return self.data[index] if self.labels is None else (self.data[index], self.labels[index])

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "position": self.position}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epoch = int(state["epoch"])
        self.position = int(state["position"])
        self._order = self._shuffle()


class Unpaired:
    """One batch of each of several domains per step, drawn independently (CycleGAN's unpaired data, Zhu et al.
    2017): ``Unpaired(a=TensorStream(horses, 1), b=TensorStream(zebras, 1))`` yields ``{"a": batch, "b": batch}``.
    Each stream keeps its own order and state; the state of all of them is checkpointed together."""

    def __init__(self, **streams: Any):
        if len(streams) < 2:
            raise ValueError(f"Unpaired takes two or more named streams (a=..., b=...), got {len(streams)}")
        self.streams = streams

    def __iter__(self) -> "Unpaired":
        return self

    def __next__(self) -> dict[str, Any]:
        return {name: next(stream) for name, stream in self.streams.items()}

    def state_dict(self) -> dict[str, Any]:
        return {name: stream.state_dict() for name, stream in self.streams.items() if hasattr(stream, "state_dict")}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name, stream in self.streams.items():
            if hasattr(stream, "load_state_dict"):
                stream.load_state_dict(state[name])
