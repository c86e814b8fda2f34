"""What a step may call: the interface between one training iteration and the trainer that runs it.

A step is any callable ``step(view) -> {name: scalar tensor}``; the trainer calls it with its :class:`StepView`, so
a step cannot reach into the trainer's internals, and whatever a new model's step needs must be added here, for every
step. The view gives:

* the run: :attr:`~StepView.objective`, :attr:`~StepView.prior`, :attr:`~StepView.device`, :attr:`~StepView.step`
  (iterations made so far), :attr:`~StepView.networks` (the plain modules, by name);
* data: :meth:`~StepView.next_real` (a batch, with its labels for a conditional GAN), :meth:`~StepView.next_batch`
  (whatever the stream yields: a batch, a pair, two domains, on the device), :meth:`~StepView.sample_latent`;
* computing: :meth:`~StepView.network` (a network as the step must call it: compiled if asked),
  :meth:`~StepView.generate` and :meth:`~StepView.discriminate` (a GAN's G and D), :meth:`~StepView.autocast`
  (mixed precision), :meth:`~StepView.frozen` (networks whose weights get no gradient);
* updating and reporting: :meth:`~StepView.update` (backward and one optimizer's step, through its gradient scaler)
  and :meth:`~StepView.record` (more scalars for this step).
"""

from __future__ import annotations

from contextlib import contextmanager
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Iterator, Mapping

import torch
from torch import Tensor, nn

from gan_course.latent.priors import Latent, Prior
from gan_course.losses.objective import Objective

if TYPE_CHECKING:
    from gan_course.training.trainer import GANTrainer


@contextmanager
def frozen(*modules: nn.Module) -> Iterator[None]:
    """``modules``' parameters with ``requires_grad=False`` inside the block, restored afterwards: G's update then
    computes no gradient for D's weights."""
    flags = [[parameter.requires_grad for parameter in module.parameters()] for module in modules]
    for module in modules:
        module.requires_grad_(False)
    try:
        yield
    finally:
        for module, module_flags in zip(modules, flags):
            for parameter, flag in zip(module.parameters(), module_flags):
                parameter.requires_grad_(flag)


def _on_device(batch: Any, trainer: GANTrainer) -> Any:
    """A batch, or a tuple / list / dict of batches, on the trainer's device (images in the run's memory format)."""
    if isinstance(batch, Tensor):
        return trainer.to_device(batch) if batch.is_floating_point() else batch.to(trainer.device, non_blocking=True)
    if isinstance(batch, (tuple, list)):
        return type(batch)(_on_device(part, trainer) for part in batch)
    if isinstance(batch, Mapping):
        return {key: _on_device(part, trainer) for key, part in batch.items()}
    raise TypeError(f"the data yielded a {type(batch).__name__}; a batch is a tensor, or a tuple, list or dict of them")


class StepView:
    """The trainer as one step sees it (see the module's docstring for what is here and why nothing else is)."""

    __slots__ = ("_trainer",)

    def __init__(self, trainer: GANTrainer):
        self._trainer = trainer

    @property
    def objective(self) -> Objective | None:
        return self._trainer.objective

    @property
    def prior(self) -> Prior | None:
        return self._trainer.prior

    @property
    def device(self) -> torch.device:
        return self._trainer.device

    @property
    def step(self) -> int:
        return self._trainer.step

    @property
    def networks(self) -> Mapping[str, nn.Module]:
        return MappingProxyType(self._trainer.networks)

    def next_real(self) -> tuple[Tensor, Tensor | None]:
        return self._trainer.next_real()

    def next_batch(self) -> Any:
        """The next item of the data stream, moved to the device whatever its structure: a batch, an (input, target)
        pair (Pix2Pix), one batch of each of two domains (CycleGAN)."""
        return _on_device(next(self._trainer.data), self._trainer)

    def sample_latent(self, n: int) -> Latent:
        return self._trainer.sample_latent(n)

    def network(self, name: str) -> Any:
        """The network ``name`` as a step calls it (compiled if the run's acceleration asks for it; on several
        processes in ``DistributedDataParallel`` unless frozen)."""
        return self._trainer.network(name)

    def generate(self, latent: Latent) -> Any:
        return self._trainer.generate(latent)

    def discriminate(self, x: Tensor, labels: Tensor | None = None) -> Any:
        return self._trainer.discriminate(x, labels)

    def autocast(self) -> Any:
        return self._trainer.autocast()

    @contextmanager
    def frozen(self, *names: str) -> Iterator[None]:
        """The networks ``names`` get no gradient inside the block (e.g. D while G is updated)."""
        with self._trainer.frozen(*names):
            yield

    def update(self, optimizer: str, loss: Tensor) -> None:
        self._trainer.update(optimizer, loss)

    def record(self, **scalars: float | Tensor) -> None:
        self._trainer.record(**scalars)
