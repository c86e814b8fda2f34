"""Hooks: what runs around the training steps without being part of the GAN — snapshots, checkpoints, the progress
bar, the divergence guard, and a chapter's own schedules (a fade-in, network growth, a learning-rate schedule).

A hook overrides the events it needs; each receives the trainer:

* ``on_fit_start(trainer, steps)`` — when :meth:`~gan_course.training.GANTrainer.fit` begins (resuming happens here);
* ``before_step(trainer)`` — before each iteration; a hook may report scalars with ``trainer.record(name=value)``,
  at every step, and they join the history;
* ``after_step(trainer)`` — after each iteration, with ``trainer.step`` already counting it;
* ``on_log(trainer, steps, records)`` — when the pending records of ``steps`` reach the history (every
  ``log_every`` steps): ``records`` maps each name to a CPU tensor of values;
* ``on_fit_end(trainer, error)`` — when ``fit`` returns (``error`` None) or raises.

Hooks run sorted by their ``order`` (stable): ``on_fit_start``, ``before_step`` and ``on_log`` in that order,
``after_step`` and ``on_fit_end`` in reverse, so a hook wraps those after it like nested ``with`` blocks. The
:class:`~gan_course.training.checkpoint.Checkpoint` therefore resumes before the others start and saves after they
have acted. A hook's ``state_dict`` is saved in the run's checkpoint and given back, with the trainer, to
``load_state_dict`` — before the weights load, so a hook that changed the networks (growth) can rebuild them first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

from torch import Tensor

from gan_course.distributed import first_message, is_main
from gan_course.progress import progress_bar

if TYPE_CHECKING:
    from gan_course.training.trainer import GANTrainer


class TrainingDiverged(RuntimeError):
    """A recorded scalar or a weight became NaN or infinite."""


class Hook:
    """The base of every hook: every event does nothing, and there is no state."""

    order: int = 0

    def on_fit_start(self, trainer: GANTrainer, steps: int) -> None:
        """Before the first iteration of a ``fit(steps)`` call."""

    def before_step(self, trainer: GANTrainer) -> None:
        """Before each iteration."""

    def after_step(self, trainer: GANTrainer) -> None:
        """After each iteration (``trainer.step`` counts it)."""

    def on_log(self, trainer: GANTrainer, steps: range, records: dict[str, Tensor]) -> None:
        """When the records of ``steps`` are about to join the history."""

    def on_fit_end(self, trainer: GANTrainer, error: BaseException | None) -> None:
        """When ``fit`` returns (``error`` is None) or raises ``error``."""

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any], trainer: GANTrainer) -> None:
        if state:
            raise ValueError(f"{type(self).__name__} keeps no state, but the checkpoint holds {sorted(state)}")


class DivergenceGuard(Hook):
    """Stop with :class:`TrainingDiverged` when a recorded scalar, or a weight of a network, is NaN or infinite.

    The trainer always runs one, first: a run that became NaN must not go on (or overwrite its checkpoint). Weights
    are checked when the records are flushed, every ``log_every`` steps. On several processes the ranks decide
    together: when one finds a non-finite value, all of them stop with its message (naming the rank).
    """

    order = -100

    def on_log(self, trainer: GANTrainer, steps: range, records: dict[str, Tensor]) -> None:
        message = first_message(self._problem(trainer, steps, records))
        if message is not None:
            raise TrainingDiverged(message)

    @staticmethod
    def _problem(trainer: GANTrainer, steps: range, records: dict[str, Tensor]) -> str | None:
        """What diverged on this rank, or None."""
        for name, values in records.items():
            bad = (~values.isfinite()).nonzero()
            if len(bad):
                row = int(bad[0])
                return (f"training diverged: {name} became {values[row].item()} at step {steps[row]}. Lower the "
                        f"learning rates, check that the data are scaled to the generator's output range, or resume "
                        f"from an earlier checkpoint.")
        for network_name, network in trainer.networks.items():
            for name, parameter in network.named_parameters():
                if not bool(parameter.isfinite().all()):
                    return (f"training diverged: the {network_name}'s weight {name!r} became non-finite by step "
                            f"{trainer.step} (checked every {trainer.log_every} steps). Lower the learning rates or "
                            f"resume from a checkpoint.")
        return None


class ProgressBar(Hook):
    """A progress bar over the steps of each ``fit`` call, with the latest D and G losses; none for a call with no
    step to make (``fit(0)`` on a fresh run), and on several processes none but rank 0's."""

    def __init__(self, desc: str = "training"):
        self.desc = desc
        self._bar = None

    def on_fit_start(self, trainer: GANTrainer, steps: int) -> None:
        if steps > trainer.step and is_main():
            self._bar = progress_bar(steps, self.desc, "step", initial=trainer.step)

    def on_log(self, trainer: GANTrainer, steps: range, records: dict[str, Tensor]) -> None:
        if self._bar is None:
            return
        latest = {name: f"{records[name][-1].item():.3f}" for name in ("d_loss", "g_loss") if name in records}
        self._bar.set_postfix(latest, refresh=False)
        self._bar.update(trainer.step - self._bar.n)

    def on_fit_end(self, trainer: GANTrainer, error: BaseException | None) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class Periodic(Hook):
    """A hook that records something at step 0 of a fresh run and after every ``every`` steps. A subclass names what
    it takes (``taken``, for messages), and defines :meth:`take` and :meth:`has_records` (so that a resumed run, or a
    second ``fit``, does not take step 0 again)."""

    taken = "records"

    def __init__(self, every: int):
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every (steps between {self.taken}) must be a positive integer, got {every!r}")
        self.every = every

    def take(self, trainer: GANTrainer) -> None:
        """Record the trainer's current state."""
        raise NotImplementedError

    def has_records(self) -> bool:
        """Whether anything has been recorded yet."""
        raise NotImplementedError

    def on_fit_start(self, trainer: GANTrainer, steps: int) -> None:
        if trainer.step == 0 and not self.has_records():
            self.take(trainer)

    def after_step(self, trainer: GANTrainer) -> None:
        if trainer.step % self.every == 0:
            self.take(trainer)


class Snapshots(Periodic):
    """Samples of the trainer's fixed latent batch at step 0 and every ``every`` steps: ``samples`` lists
    ``(step, samples)`` pairs, on the CPU. They are drawn in eval mode without touching any random generator, so
    taking them does not change the run, and they are checkpointed, so a resumed run has the same ones.

    A model without a single G and a prior (CycleGAN's two generators) gives ``sample``: a function of the trainer
    that returns the tensor to keep, drawn the same way (fixed inputs, eval mode, no random draws)."""

    taken = "snapshots"

    def __init__(self, every: int, sample: Callable[[GANTrainer], Tensor] | None = None):
        super().__init__(every)
        self.sample = sample
        self.samples: list[tuple[int, Tensor]] = []

    def take(self, trainer: GANTrainer) -> None:
        samples = self.sample(trainer) if self.sample is not None else trainer.sample(latent=trainer.fixed_latent)
        self.samples.append((trainer.step, samples.detach().cpu()))

    def has_records(self) -> bool:
        return bool(self.samples)

    def state_dict(self) -> dict[str, Any]:
        return {"samples": list(self.samples)}

    def load_state_dict(self, state: dict[str, Any], trainer: GANTrainer) -> None:
        self.samples = [(int(step), samples) for step, samples in state["samples"]]


def hook_keys(hooks: Sequence[Hook]) -> list[str]:
    """A name per hook for its state in a checkpoint: the class name, numbered from the second of a class on."""
    seen: dict[str, int] = {}
    keys = []
    for hook in hooks:
        name = type(hook).__name__
        seen[name] = seen.get(name, 0) + 1
        keys.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return keys
