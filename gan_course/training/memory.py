r"""The device memory of a training step, estimated on the CPU without allocating it.

The networks, optimizers and latents are built on PyTorch's ``meta`` device, whose tensors have a shape, a dtype and
strides but no data (PyTorch documentation, "Meta device"): every operation computes its output's shape and nothing
else, so a step of networks that need gigabytes runs in a fraction of a second and allocates nothing. A
:class:`~torch.utils._python_dispatch.TorchDispatchMode` sees every ATen operation the step runs — the forward
passes, the backward passes (including the double backward of WGAN-GP's gradient penalty, whose gradient keeps its
graph: Gulrajani et al. 2017, Algorithm 1, and ``create_graph=True`` in
:func:`~gan_course.losses.gradient_penalty`) and the optimizer's update (Adam creates two state tensors per parameter
on its first step, the moments $m$ and $v$ of Kingma & Ba 2015, Algorithm 1) — and records the bytes of every new
storage on the device. Each allocation is rounded up to the 512-byte blocks of PyTorch's CUDA caching allocator
(``kMinBlockSize`` and ``round_size`` in ``c10/cuda/CUDACachingAllocator.cpp``).

Two numbers come out (:class:`MemoryEstimate`):

``upper_bound``
    the *resident* bytes (what is on the device before the step: weights, gradients, optimizer states, an averaged
    copy of G, the fixed latents) plus the sum of *every* allocation of the step, as if nothing were ever freed. The
    tensors of a real run never need more at once, whatever the order in which they are freed; it is what the tests
    compare with a card's memory.
``peak``
    the resident bytes plus the largest total of the step's storages alive at once, a storage counting as freed when
    Python releases it: what ``torch.cuda.max_memory_allocated`` would report if CUDA's kernels allocate what the
    meta kernels describe (on the CPU a real step allocates within 2 % of its meta estimate; a test checks it). It
    leaves out what the dispatcher does not see — cuDNN's and cuBLAS's workspaces, the CUDA context — and the
    caching allocator's fragmentation, which the tests cover with an allowance.

Only tensors on the device count: Adam's step counts, kept on the CPU, do not. Reading a value of a meta tensor
(``.item()``, ``int()``), which has none, gives zero inside the count, so that a check on data (the label range of a
conditional model) passes; nothing counted depends on values.

Why not torch's own tracker, ``torch.distributed._tools.mem_tracker.MemTracker``, which also counts storages with
a dispatch mode and works on meta and fake tensors: it refuses a module called twice in one iteration
("MemTracker does not support memory tracking for multiple iterative calls", torch 2.14), and every GAN step calls
D on the reals and on the fakes (and WGAN-GP a third time, on the interpolates); it is also a private module of
``torch.distributed``.
"""

from __future__ import annotations

import math
import weakref
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

import torch
from torch import Tensor, nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

from gan_course.latent.priors import Latent
from gan_course.training.trainer import GANTrainer

META = torch.device("meta")
CUDA_BLOCK_BYTES = 512
GIB = 2**30


def block_bytes(nbytes: int) -> int:
    """``nbytes`` rounded up to whole 512-byte blocks of the CUDA caching allocator (an empty tensor takes none)."""
    return math.ceil(nbytes / CUDA_BLOCK_BYTES) * CUDA_BLOCK_BYTES


@dataclass(frozen=True)
class MemoryEstimate:
    """The bytes of a computation on the device: ``resident`` before it, ``allocated`` by it in all (nothing freed)
    and ``live_peak``, the most of its own allocations alive at once."""

    resident: int
    allocated: int
    live_peak: int

    @property
    def upper_bound(self) -> int:
        """No real run of the computation needs more: the resident bytes and every allocation, none freed."""
        return self.resident + self.allocated

    @property
    def peak(self) -> int:
        """The resident bytes and the live peak: the peak of a run that frees storages as Python releases them."""
        return self.resident + self.live_peak

    def __str__(self) -> str:
        return (f"at most {self.upper_bound / GIB:.2f} GiB (resident {self.resident / GIB:.2f} + allocated "
                f"{self.allocated / GIB:.2f}); live peak {self.peak / GIB:.2f} GiB")


def device_tensors(*objects: Any) -> Iterator[Tensor]:
    """The tensors that ``objects`` keep: a module's parameters, their gradients and its buffers; an optimizer's
    state; a :class:`~gan_course.latent.Latent`'s z, labels and codes; a tensor itself."""
    for item in objects:
        if isinstance(item, nn.Module):
            for parameter in item.parameters():
                yield parameter
                if parameter.grad is not None:
                    yield parameter.grad
            yield from item.buffers()
        elif isinstance(item, torch.optim.Optimizer):
            yield from (t for state in item.state.values() for t in tree_leaves(state) if isinstance(t, Tensor))
        elif isinstance(item, Latent):
            yield from device_tensors(item.z, *([] if item.labels is None else [item.labels]), *item.codes.values())
        elif isinstance(item, Tensor):
            yield item
        else:
            raise TypeError(f"cannot find the tensors of a {type(item).__name__}: give modules, optimizers, latents "
                            f"or tensors")


def _storage_key(tensor: Tensor) -> tuple[torch.UntypedStorage, int]:
    storage = tensor.untyped_storage()
    return storage, storage._cdata


def resident_bytes(*objects: Any, device: torch.device = META) -> int:
    """The bytes that ``objects`` (see :func:`device_tensors`) hold on ``device``, each storage counted once."""
    sizes = {}
    for tensor in device_tensors(*objects):
        if tensor.device == device:
            storage, key = _storage_key(tensor)
            sizes[key] = block_bytes(storage.nbytes())
    return sum(sizes.values())


def _zero(dtype: torch.dtype) -> bool | int | float:
    """What reading a meta tensor's value (``.item()``, ``int()``, ``float()``) gives inside the count: zero."""
    return False if dtype == torch.bool else 0.0 if dtype.is_floating_point else 0


class AllocationCounter(TorchDispatchMode):
    """Inside the block, count every storage that an operation creates on ``device``: the sum of all of them
    (:attr:`allocated`) and the most alive at once (:attr:`live_peak`). ``known`` tensors (the resident ones) are
    not new; a view or an in-place result shares a known storage and costs nothing."""

    def __init__(self, device: torch.device = META, known: Iterable[Tensor] = ()):
        super().__init__()
        self.device = device
        self.allocated = 0
        self.live = 0
        self.live_peak = 0
        # the resident storages, held so that no new storage can take the address of one freed during the block
        self._known = dict(_storage_key(tensor)[::-1] for tensor in known if tensor.device == device)
        self._alive: dict[int, int] = {}

    def _released(self, key: int) -> None:
        self.live -= self._alive.pop(key)

    def _count(self, tensor: Tensor) -> None:
        storage, key = _storage_key(tensor)
        if key in self._known or key in self._alive:
            return
        size = block_bytes(storage.nbytes())
        self._alive[key] = size
        self.allocated += size
        self.live += size
        self.live_peak = max(self.live_peak, self.live)
        weakref.finalize(storage, self._released, key)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func is torch.ops.aten._local_scalar_dense.default and args[0].device == META:
            return _zero(args[0].dtype)
        output = func(*args, **(kwargs or {}))
        for leaf in tree_leaves(output):
            if isinstance(leaf, Tensor) and leaf.device == self.device:
                self._count(leaf)
        return output


def estimate_memory(run: Callable[[], Any], resident: Iterable[Any] = (), device: torch.device = META
                    ) -> MemoryEstimate:
    """Run ``run()`` once (on tensors of ``device``, the meta device unless told) and count its memory, with the
    tensors of ``resident`` (modules, optimizers, latents, tensors) on the device before it."""
    resident = list(resident)
    before = resident_bytes(*resident, device=device)
    counter = AllocationCounter(device, device_tensors(*resident))
    with counter:
        run()
    return MemoryEstimate(before, counter.allocated, counter.live_peak)


def trainer_state(trainer: GANTrainer) -> list[Any]:
    """What a :class:`~gan_course.training.GANTrainer` keeps on its device between steps: both networks (with their
    gradients), both optimizers' states, the fixed latents, and every network a hook holds (an averaged G)."""
    held = [value for hook in trainer.hooks for value in vars(hook).values() if isinstance(value, nn.Module)]
    fixed = [] if trainer.fixed_latent is None else [trainer.fixed_latent]
    return [*trainer.networks.values(), *trainer.optimizers.values(), *fixed, *held]


def training_step_memory(trainer: GANTrainer) -> MemoryEstimate:
    """The memory of one iteration of ``trainer`` as :meth:`~gan_course.training.GANTrainer.fit` makes it: the hooks'
    ``on_fit_start`` (outside the count: what they create, such as an averaged G, is resident), then inside the
    count their ``before_step`` and the step (``d_steps`` updates of D, one of G).

    Build the trainer on the meta device — ``with torch.device("meta"):`` around a recipe or the networks, and
    ``device=META`` for a recipe — with the data on the CPU (only batches go to the device) and without hooks that
    copy results to the CPU (snapshots, progress bars). Full precision only: ``torch.autocast`` has no meta backend,
    and in full precision it changes nothing, so the step runs without it.
    """
    if trainer.device != META:
        raise ValueError(f"the trainer's networks are on {trainer.device}: build them on the meta device (with "
                         f"torch.device('meta'): ...), which allocates nothing")
    if trainer.acceleration.amp is not None:
        raise ValueError(f"the estimate is for full precision; this trainer uses amp={trainer.acceleration.amp!r}")
    for hook in trainer.hooks:
        hook.on_fit_start(trainer, trainer.step + 1)

    def iteration() -> None:
        for hook in trainer.hooks:
            hook.before_step(trainer)
        trainer.step_function(trainer.view)

    trainer.autocast = nullcontext  # the instance's own attribute, removed below: autocast is off in full precision
    try:
        return estimate_memory(iteration, trainer_state(trainer))
    finally:
        del trainer.autocast
