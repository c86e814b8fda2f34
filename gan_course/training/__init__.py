"""The one training loop, and what plugs into it.

* :mod:`~gan_course.training.trainer` — :class:`GANTrainer`: networks, optimizers, data, objective, prior, step,
  hooks; history, sampling and checkpoints.
* :mod:`~gan_course.training.steps` — :class:`AlternatingStep` (Algorithm 1 of Goodfellow et al. 2014) and the
  :class:`Step` protocol for models that need their own.
* :mod:`~gan_course.training.step_view` — :class:`StepView`, everything a step may call, and :func:`frozen`.
* :mod:`~gan_course.training.hooks` — :class:`Hook` and the standard ones: :class:`DivergenceGuard`,
  :class:`ProgressBar`, :class:`Snapshots`, and :class:`Periodic`, the base of a hook that records every few
  steps.
* :mod:`~gan_course.training.checkpoint` — the :class:`Checkpoint` hook, which resumes a re-run cell or command and
  keeps a second run out of its file, :class:`CheckpointError` for a checkpoint that is damaged, was made with other
  settings or is in use (:class:`CheckpointLocked`), and :class:`CheckpointWriteError` for one that cannot be written.
* :mod:`~gan_course.training.interrupt` — Ctrl-C stops a run between two steps (:class:`TrainingInterrupted`), so
  that the :class:`Checkpoint` hook saves a whole state.
* :mod:`~gan_course.training.progressive` — progressive growing (Karras et al. 2018): :class:`ProgressiveSchedule`,
  :func:`fade_reals`, :class:`ProgressiveReals` and the hook :class:`ProgressiveGrowing`.
* :mod:`~gan_course.training.ema` — :class:`GeneratorEMA`, an exponential moving average of G's weights.
* :mod:`~gan_course.training.historical_averaging` — :class:`HistoricalAveraging`, each player pulled towards its
  parameters' average over training.
* :mod:`~gan_course.training.instance_noise` — :class:`InstanceNoise` on D's inputs and the hook that anneals it.
* :mod:`~gan_course.training.replay` — :class:`ReplayStep`, D shown past fakes beside fresh ones.
* :mod:`~gan_course.training.history` — :class:`History`, every recorded scalar by name.
* :mod:`~gan_course.training.acceleration` — :class:`Acceleration`: channels-last, mixed precision, compilation.
* :mod:`~gan_course.training.figures` — :func:`plot_history` and :func:`plot_snapshots`.
"""

from gan_course.training.acceleration import Acceleration
from gan_course.training.ema import GeneratorEMA, ema_of
from gan_course.training.historical_averaging import HistoricalAveraging
from gan_course.training.history import History
from gan_course.training.checkpoint import Checkpoint, CheckpointError, CheckpointLocked, CheckpointWriteError
from gan_course.training.hooks import DivergenceGuard, Hook, Periodic, ProgressBar, Snapshots, TrainingDiverged
from gan_course.training.instance_noise import AnnealedInstanceNoise, InstanceNoise
from gan_course.training.interrupt import TrainingInterrupted
from gan_course.training.progressive import (
    GrowthCost,
    ProgressiveGrowing,
    ProgressiveReals,
    ProgressiveSchedule,
    fade_reals,
    growth_cost,
)
from gan_course.training.replay import ReplayStep
from gan_course.training.step_view import StepView, frozen
from gan_course.training.steps import AlternatingStep, Step
from gan_course.training.trainer import GANTrainer

__all__ = [
    "Acceleration",
    "AlternatingStep",
    "AnnealedInstanceNoise",
    "Checkpoint",
    "CheckpointError",
    "CheckpointLocked",
    "CheckpointWriteError",
    "DivergenceGuard",
    "GANTrainer",
    "GeneratorEMA",
    "GrowthCost",
    "HistoricalAveraging",
    "ema_of",
    "History",
    "Hook",
    "InstanceNoise",
    "Periodic",
    "ProgressBar",
    "ProgressiveGrowing",
    "ProgressiveReals",
    "ProgressiveSchedule",
    "ReplayStep",
    "Snapshots",
    "Step",
    "StepView",
    "TrainingDiverged",
    "TrainingInterrupted",
    "fade_reals",
    "frozen",
    "growth_cost",
]
