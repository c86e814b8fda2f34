"""Training across processes on PyTorch's own engine: ``torch.distributed`` and ``DistributedDataParallel``,
launched by ``torchrun`` (one process per GPU, or per CPU share with the gloo backend).

Data parallelism in one rule: **a run on N processes computes what one process computes with the same global batch.**
Every process (a *rank*) is seeded alike, so the random generators of all ranks stay in step; each rank then takes
its own rows of every global draw:

* the data: one permutation per epoch, the same on every rank (as ``DistributedSampler`` draws it), and each rank
  takes its slice of each global batch (:class:`Shard`, used by :class:`~gan_course.data.TensorStream`);
* the latents and every other per-sample draw (the gradient penalty's interpolation weights): drawn for the global
  batch on every rank, each rank keeping its rows (:func:`local_rows`), so they are those of a one-process run;
* the gradients: averaged over the ranks by ``DistributedDataParallel`` (the network a step updates is wrapped by
  :func:`wrap`), which makes them the gradients of the global batch's mean loss;
* the recorded scalars: averaged over the ranks (:func:`average`), so the history is the global batch's.

What stays per rank is what depends on the whole batch inside a network: batch norm normalises by each rank's own
rows, and ProGAN's minibatch standard deviation groups them per rank. ``SyncBatchNorm`` (the builders' option
``sync_batch_norm``) restores the global statistics, on CUDA only — PyTorch's ``SyncBatchNorm`` does not run on the
CPU. Only rank 0 writes files and prints (:func:`is_main`); decisions that end a run (a diverged weight, a checkpoint
that cannot be written) are taken by all ranks together (:func:`first_message`), so that no rank is left waiting.
Without ``torchrun`` everything here is a no-op: one process of rank 0.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, TypeVar

import torch
import torch.distributed as dist
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

from gan_course.device import DeviceError, default_device

T = TypeVar("T")


@dataclass(frozen=True)
class Shard:
    """This process's place in the run: ``rank`` of ``world_size`` processes."""

    rank: int = 0
    world_size: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.rank < self.world_size:
            raise ValueError(f"rank must be in [0, world_size), got rank {self.rank} of {self.world_size}")

    def local_size(self, n: int, what: str = "the batch") -> int:
        """This rank's share of ``n`` rows; ``n`` must divide evenly, so that every rank's share is the same."""
        if n % self.world_size:
            raise ValueError(f"{what} of {n} cannot be split evenly over {self.world_size} processes: choose a "
                             f"multiple of {self.world_size}, or launch a number of processes that divides {n}")
        return n // self.world_size

    def rows(self, n: int, what: str = "the batch") -> slice:
        """The rows of a global batch of ``n`` that belong to this rank: the rank's contiguous slice."""
        size = self.local_size(n, what)
        return slice(self.rank * size, (self.rank + 1) * size)


def current_shard() -> Shard:
    """The shard of this process: from the process group when one is running, else ``Shard()`` (rank 0 of 1)."""
    if dist.is_available() and dist.is_initialized():
        return Shard(dist.get_rank(), dist.get_world_size())
    return Shard()


def is_main() -> bool:
    """Whether this process writes files and prints: rank 0, or the only process."""
    return current_shard().rank == 0


def launched_by_torchrun() -> bool:
    """Whether ``torchrun`` started this process as one of several (it sets ``WORLD_SIZE`` and ``RANK``)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and "RANK" in os.environ


@contextmanager
def process_group() -> Iterator[Shard]:
    """Join the process group ``torchrun`` describes for the block (NCCL when the device is CUDA, where
    :func:`~gan_course.device.default_device` gives each process ``cuda:LOCAL_RANK``; gloo on the CPU) and leave it
    afterwards; outside ``torchrun``, yield ``Shard()`` and do nothing."""
    if not launched_by_torchrun() or dist.is_initialized():
        yield current_shard()
        return
    device = default_device()
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    try:
        yield current_shard()
    finally:
        dist.destroy_process_group()


def local_rows(draw: Callable[[int], T], n: int) -> T:
    """``n`` rows of a random draw as a one-process run makes it: ``draw(n * world_size)`` on every rank (the ranks'
    generators are in step), of which this rank keeps its slice. ``draw(m)`` returns ``m`` rows of something that
    can be sliced: a tensor, or a :class:`~gan_course.latent.Latent`."""
    shard = current_shard()
    if shard.world_size == 1:
        return draw(n)
    drawn = draw(n * shard.world_size)
    return drawn[shard.rows(n * shard.world_size)]


def average(values: Tensor) -> Tensor:
    """``values`` averaged over the ranks (the tensor itself in one process)."""
    shard = current_shard()
    if shard.world_size == 1:
        return values
    total = values.clone()
    dist.all_reduce(total)
    return total / shard.world_size


def gather(value: T) -> list[T]:
    """Every rank's ``value`` (any picklable object), in rank order, on every rank; ``[value]`` in one process."""
    shard = current_shard()
    if shard.world_size == 1:
        return [value]
    gathered: list[Any] = [None] * shard.world_size
    dist.all_gather_object(gathered, value)
    return gathered


def from_main(value: T) -> T:
    """Rank 0's ``value`` on every rank (``value`` itself in one process)."""
    if current_shard().world_size == 1:
        return value
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def any_rank(flag: bool, device: torch.device) -> bool:
    """Whether ``flag`` is true on any rank (one small all-reduce of a tensor on ``device``; ``flag`` in one
    process): a stop one rank sees, such as Ctrl-C, stops all of them at the same step."""
    if current_shard().world_size == 1:
        return flag
    value = torch.tensor([int(flag)], device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())


def first_message(message: str | None) -> str | None:
    """Decide together: every rank says what stops it (``None`` for nothing); all ranks get the first rank's message,
    prefixed with that rank when there are several, or ``None`` when no rank has one."""
    messages = gather(message)
    for rank, found in enumerate(messages):
        if found is not None:
            return found if len(messages) == 1 else f"(rank {rank} of {len(messages)}) {found}"
    return None


def wrap(network: nn.Module) -> nn.Module:
    """``network`` in ``DistributedDataParallel`` for a run on several processes (the module itself in one).

    A network whose forward pass leaves some parameters unused declares ``unused_parameters = True`` (ProGAN's
    inactive blocks), and DDP then looks for them after each forward pass (``find_unused_parameters``); a network
    with ``SyncBatchNorm`` must be on CUDA, as PyTorch's ``SyncBatchNorm`` runs only there."""
    if current_shard().world_size == 1:
        return network
    device = next(network.parameters()).device
    if device.type != "cuda" and any(isinstance(module, nn.SyncBatchNorm) for module in network.modules()):
        raise DeviceError(f"{type(network).__name__} has SyncBatchNorm layers, which PyTorch runs only on CUDA; on the "
                         f"CPU leave sync_batch_norm off (each process then normalises by its own rows of the batch)")
    return DistributedDataParallel(network, device_ids=[device.index] if device.type == "cuda" else None,
                                   find_unused_parameters=getattr(network, "unused_parameters", False))
