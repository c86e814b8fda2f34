"""Checkpoints: reading one safely, checking that it fits the run it is loaded into, and the :class:`Checkpoint` hook
that resumes a run when its cell or command is run again.

A checkpoint is the dictionary of :meth:`GANTrainer.state_dict <gan_course.training.GANTrainer.state_dict>`, written
atomically with ``torch.save`` and read with ``weights_only=True`` (no code runs on loading). Everything that can go
wrong on loading ends in a :class:`CheckpointError` that names the file and what to do, and leaves the file as it is:

* the file cannot be read (cut short by a crash or a full disk, or not a checkpoint at all);
* it was made by a run with other settings — the ones a :class:`Checkpoint` hook records (the command line's
  ``--latent-dim``, ``--lr``, …), or, without recorded settings, other networks: a different model or width shows as
  a parameter whose shape or name differs;
* another run is training into it (the :class:`Checkpoint` hook holds a lock on ``<checkpoint>.lock`` while it runs).

On several processes (``torchrun``) rank 0 holds the lock, writes the file and prints; every rank reads it to resume.

Writing can fail too (a full disk, a folder that cannot be written): :class:`CheckpointWriteError` says so, and the
previous checkpoint is left as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import torch
from filelock import FileLock, Timeout
from torch import nn

from gan_course.distributed import first_message, is_main
from gan_course.training.hooks import Hook
from gan_course.training.interrupt import TrainingInterrupted

if TYPE_CHECKING:
    from gan_course.training.trainer import GANTrainer

Setting = str | int | float | bool


class CheckpointError(ValueError):
    """A checkpoint that cannot be restored into this run. The message says why and what to do; the file is left as
    it is (a :class:`Checkpoint` hook that meets one does not train, so it never overwrites it)."""


class CheckpointLocked(CheckpointError):
    """Another run holds the lock of this checkpoint: it is training into the same file."""


class CheckpointWriteError(OSError):
    """A checkpoint could not be written; its temporary file is removed and the previous checkpoint is unchanged."""

    def __init__(self, path: Path, error: BaseException):
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        super().__init__(f"could not write the checkpoint {path} ({reason}). The previous checkpoint there, if any, is "
                         f"unchanged; free some disk space, or write to a folder you can write to")


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """The state saved in ``path`` (on the CPU, ``weights_only=True``), or a :class:`CheckpointError` naming the file
    when it cannot be read. A missing file raises ``FileNotFoundError``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises RuntimeError, EOFError, UnpicklingError… for a damaged file
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CheckpointError(
            f"{path} cannot be read as a checkpoint ({reason}): it was cut short (a crash or a full disk while it was "
            f"written) or is not a checkpoint of this course. It has been left as it is; move it away or delete it "
            f"to start the run over."
        ) from error
    if not isinstance(state, dict) or not {"step", "networks", "hooks"} <= state.keys():
        raise CheckpointError(f"{path} holds no GANTrainer checkpoint (no step, networks and hooks): move it away or "
                              f"delete it to start the run over.")
    return state


def check_networks(networks: Mapping[str, nn.Module], saved: Mapping[str, Mapping[str, torch.Tensor]]) -> None:
    """Raise a :class:`CheckpointError` naming the first parameter or buffer whose name or shape differs between the
    run's ``networks`` and the ``saved`` state dicts: the checkpoint was made with another model, width or latent size.
    """
    for name, net in networks.items():
        if name not in saved:
            raise CheckpointError(f"it holds no {name} (it has {', '.join(saved) or 'no network'})")
        ours, theirs = _shapes(net.state_dict()), _shapes(saved[name])
        if ours == theirs:
            continue
        for key in ours:  # in the network's order, so that the message is the same every time
            if key in theirs and ours[key] != theirs[key]:
                raise CheckpointError(f"its {name} was made with other settings: {key} has shape {theirs[key]} in "
                                      f"the checkpoint and {ours[key]} in this run")
        only_saved, only_ours = sorted(theirs.keys() - ours.keys()), sorted(ours.keys() - theirs.keys())
        raise CheckpointError(
            f"its {name} is another network: "
            + "; ".join(f"{where} has {', '.join(keys[:3])}{' …' if len(keys) > 3 else ''}"
                        for where, keys in (("the checkpoint", only_saved), ("this run", only_ours)) if keys)
        )


def _shapes(state: Mapping[str, Any]) -> dict[str, tuple[int, ...] | None]:
    """The shape of each tensor of a state dict; ``None`` for a module's extra state (which may be any object)."""
    return {key: tuple(value.shape) if isinstance(value, torch.Tensor) else None for key, value in state.items()}


class Checkpoint(Hook):
    """Resume from ``path`` when ``fit`` starts a fresh trainer and the file exists; save every ``every`` steps, when
    ``fit`` returns, and when Ctrl-C stops it between two steps (not when it raises otherwise: a diverged run keeps its
    last good checkpoint), atomically. Re-running an interrupted cell or command continues it.

    ``settings`` (names and plain values, such as a command's options) are saved with the checkpoint, and resuming
    with different ones raises a :class:`CheckpointError` naming each difference before anything is trained or
    written. ``resume=False`` starts over and replaces the file at the first save. While ``fit`` runs the hook holds
    a lock on ``<path>.lock``, so a second run into the same checkpoint stops with a :class:`CheckpointError` instead
    of overwriting the first one's (the operating system releases the lock if the run dies).
    """

    order = -10

    def __init__(self, path: str | Path, every: int = 1000, settings: Mapping[str, Setting] | None = None,
                 resume: bool = True):
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every (steps between checkpoints) must be a positive integer, got {every!r}")
        for key, value in (settings or {}).items():
            if not isinstance(value, Setting):
                raise TypeError(f"settings[{key!r}] = {value!r}: a setting is a str, int, float or bool")
        self.path = Path(path)
        self.every = every
        self.settings = dict(settings or {})
        self.resume = resume
        self._lock: FileLock | None = None
        self.saved_step: int | None = None  # the step the file at ``path`` holds, once this hook has read or written it

    def on_fit_start(self, trainer: GANTrainer, steps: int) -> None:
        locked = None
        if is_main():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = FileLock(self.path.with_name(self.path.name + ".lock"))
            try:
                lock.acquire(timeout=0)
                self._lock = lock
            except Timeout:
                locked = (f"another run is training into {self.path} (it holds {lock.lock_file}): let it finish, or "
                          f"write this run to another folder")
        locked = first_message(locked)
        if locked is not None:
            self._release()
            raise CheckpointLocked(locked)
        try:
            self._resume(trainer, steps)
        except BaseException:
            self._release()
            raise

    def _resume(self, trainer: GANTrainer, steps: int) -> None:
        if trainer.step != 0 or not self.path.exists():
            return
        if not self.resume:
            if is_main():
                print(f"Starting over: {self.path} will be replaced.")
            return
        trainer.load_checkpoint(self.path)
        self.saved_step = trainer.step
        remaining = max(steps - trainer.step, 0)
        if is_main():
            print(f"Resumed from {self.path} at step {trainer.step}: {remaining} step{'s' if remaining != 1 else ''} "
                  f"to go to step {steps}.")

    def after_step(self, trainer: GANTrainer) -> None:
        if trainer.step % self.every == 0:
            self._save(trainer)

    def _save(self, trainer: GANTrainer) -> None:
        trainer.save_checkpoint(self.path)
        self.saved_step = trainer.step

    def on_fit_end(self, trainer: GANTrainer, error: BaseException | None) -> None:
        try:
            if error is None:
                self._save(trainer)
            elif isinstance(error, TrainingInterrupted):
                self._save(trainer)
                error.add_note(f"The checkpoint {self.path} holds step {trainer.step}: run the same cell or command "
                               f"again to resume.")
        finally:
            self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def state_dict(self) -> dict[str, Any]:
        return {"settings": dict(self.settings)} if self.settings else {}

    def load_state_dict(self, state: dict[str, Any], trainer: GANTrainer) -> None:
        if not self.settings:
            return
        saved = state.get("settings", {})
        differences = [f"{key} is {saved[key]!r} there and {value!r} in this run" if key in saved
                       else f"{key} is {value!r} in this run and not recorded there"
                       for key, value in self.settings.items() if saved.get(key) != value]
        differences += [f"{key} is {value!r} there and not set in this run"
                        for key, value in saved.items() if key not in self.settings]
        if differences:
            raise CheckpointError(f"it was made with other settings: {'; '.join(differences)}. Resume it with the "
                                  f"checkpoint's settings, or start over (which replaces it)")
