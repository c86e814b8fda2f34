r"""Ablations of ProGAN: the paper's features switched off one at a time, each variant trained over several seeds
with the same budget, every run scored with the course's MNIST protocol.

Karras et al. (2018, Table 1) add their features one after another, cumulatively, to a WGAN-GP baseline and report
the sliced Wasserstein distance and MS-SSIM of each configuration. Here each variant removes one feature from the
full recipe (:func:`~gan_course.recipes.progan_trainer`) and changes nothing else:

* ``initial_resolution`` set to the image size — no growing: the final networks trained at full resolution from the
  first step for the same number of images (the code's ``-nogrowing``: ``lod_initial_resolution`` the final
  resolution, no stabilise or transition phase; Table 1's (a) against (b));
* ``transition_kimg=0`` — no fade-in: the code's schedule with no transition phase, each new block switched on at
  once (``TrainingSchedule`` in ``train.py`` takes this value as "no transition");
* ``equalized_lr=False`` — He-initialised weights used as they are (the code's ``use_wscale=False``);
* ``pixel_norm=False`` — no pixelwise feature normalization in G (``use_pixelnorm=False``);
* ``mbstd_group_size=0`` — no minibatch standard deviation in D (``mbstd_group_size=0``);

and, to separate a feature from the step size it implies, ``lr`` (Adam's learning rate, the code's 0.001). Every run
keeps both generators, the trained one and its exponential moving average, so the average is compared
with the raw G on the same runs. A run that diverges stays in the table as diverged.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Mapping, Sequence

import torch
from torch import Tensor, nn

from gan_course.data.padding import Cropped
from gan_course.device import default_device
from gan_course.metrics.protocol import MNISTEvaluation, Score
from gan_course.models.progan import feature_rms
from gan_course.recipes import progan_trainer
from gan_course.seed import seed_everything
from gan_course.tables import ResultTable
from gan_course.training.ema import ema_of
from gan_course.training.hooks import TrainingDiverged
from gan_course.training.parallel import run_parallel
from gan_course.training.progressive import ProgressiveSchedule

METRICS: dict[str, Callable[[Score], float]] = {
    "fcd": lambda score: score.fcd,
    "classes": lambda score: float(score.histogram.classes_covered),
    "kl": lambda score: score.histogram.kl_to_uniform,
}
"""The numbers of a protocol score that :meth:`AblationTable.mean_std` summarises."""

SWITCHES = ("initial_resolution", "transition_kimg", "equalized_lr", "pixel_norm", "mbstd_group_size", "lr")
"""The keys a variant may change: the schedule's first resolution (the image size: no growing) and transition, the
recipe's three feature switches, and Adam's learning rate, to tell a feature's effect from a change in the size of
the steps it causes."""

INITIAL_RESOLUTION = 4
"""The full recipe's first resolution (the code's ``lod_initial_resolution``); it fixes every variant's budget."""


@dataclass
class AblationRun:
    """One trained variant: the raw and averaged generators (on the CPU), G's feature RMS by block on fixed latents
    (:func:`~gan_course.models.feature_rms`), the images shown, or why it diverged."""

    variant: str
    seed: int
    generator: nn.Module | None
    average: nn.Module | None
    rms: list[float] = field(default_factory=list)
    images_shown: int = 0
    diverged: str | None = None
    scores: dict[str, Score] = field(default_factory=dict)


def check_variant(name: str, change: Mapping[str, Any]) -> None:
    """Refuse a variant that changes anything but :data:`SWITCHES`: an ablation changes one of the paper's features."""
    unknown = sorted(set(change) - set(SWITCHES))
    if unknown:
        raise ValueError(f"variant {name!r} changes {unknown}, which an ablation cannot switch; use "
                         f"{', '.join(SWITCHES)}")


def variant_schedule(change: Mapping[str, Any], image_size: int, kimg: float,
                     minibatch: int) -> tuple[ProgressiveSchedule, float]:
    """The schedule of a variant and its budget in thousands of images. The full recipe starts at
    :data:`INITIAL_RESOLUTION`, stabilises every resolution for ``kimg`` thousand images and fades each new one in over
    as many; its budget is the first resolution, then a transition and a stabilisation for every doubling. A variant
    may change ``initial_resolution`` (the image size: trained at full resolution throughout, lod 0 from the first
    step) or ``transition_kimg`` (0: no fade-in); the budget, the minibatch and everything else stay the full
    recipe's."""
    doublings = int(math.log2(image_size // INITIAL_RESOLUTION))
    schedule = ProgressiveSchedule(image_size, initial_resolution=change.get("initial_resolution", INITIAL_RESOLUTION),
                                   training_kimg=kimg, transition_kimg=change.get("transition_kimg", kimg),
                                   minibatch_base=minibatch)
    return schedule, kimg * (1 + 2 * doublings)


def train_variant(
    variant: str,
    change: Mapping[str, Any],
    seed: int,
    images: Tensor,
    kimg: float,
    minibatch: int,
    fmap_base: int,
    fmap_max: int,
    ema_beta: float,
    device: torch.device | None = None,
) -> AblationRun:
    """Train ProGAN with ``change`` applied (see :data:`SWITCHES`) from ``seed`` on ``images`` on the variant's
    schedule and the full schedule's budget (:func:`variant_schedule`)."""
    check_variant(variant, change)
    schedule, budget = variant_schedule(change, images.shape[-1], kimg, minibatch)
    change = {key: value for key, value in change.items() if key not in ("initial_resolution", "transition_kimg")}
    seed_everything(seed)
    trainer = progan_trainer(images, schedule, fmap_base=fmap_base, fmap_max=fmap_max, ema_beta=ema_beta, seed=seed,
                             device=device, **change)
    try:
        trainer.fit(schedule.iterations(budget))
    except TrainingDiverged as error:
        return AblationRun(variant, seed, None, None, diverged=str(error))
    with torch.no_grad():
        rms = feature_rms(trainer.generator, trainer.fixed_latent.z)
    return AblationRun(variant, seed, trainer.generator.cpu(), ema_of(trainer).generator.cpu(), rms,
                       trainer.data.images_shown)


@dataclass
class AblationTable(ResultTable):
    """The runs of :func:`ablate_progan`, scored: mean ± standard deviation over the seeds, printed as text and shown
    as an HTML table in a notebook."""

    variants: list[str]
    seeds: tuple[int, ...]
    runs: list[AblationRun]

    def of(self, variant: str) -> list[AblationRun]:
        return [run for run in self.runs if run.variant == variant]

    def mean_std(self, variant: str, which: str, metric: str = "fcd") -> tuple[float, float]:
        """Mean and sample standard deviation over the finished runs of ``variant`` of a score of the ``which``
        generator (``"average"`` or ``"raw"``): ``"fcd"``, ``"classes"`` covered or ``"kl"`` to uniform."""
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {', '.join(map(repr, METRICS))}, got {metric!r}")
        values = [METRICS[metric](run.scores[which]) for run in self.of(variant) if run.diverged is None]
        if not values:
            return math.nan, math.nan
        return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else math.nan

    def caption(self) -> str:
        """Seeds per variant, images each finished run was shown, and what the cells give."""
        shown = sorted({run.images_shown for run in self.runs if run.diverged is None})
        images = ("no run finished" if not shown else f"{shown[0]:,} images shown per finished run" if len(shown) == 1
                  else f"{shown[0]:,} to {shown[-1]:,} images shown per finished run")
        return (f"n = {len(self.seeds)} seeds per variant, {images}; mean ± sample standard deviation over the "
                "finished runs")

    def rows(self) -> list[list[str]]:
        """The table's cells as text, header first: the averaged and the raw G's FCD, the classes covered and the
        KL to uniform of the averaged G, G's feature RMS at its last block (mean, and range over the runs)."""
        rows = [["variant", "averaged G: FCD", "G: FCD", "classes", "KL", "feature RMS, last block", "finished"]]
        for name in self.variants:
            cells = [name]
            for which, metric, digits in (("average", "fcd", 1), ("raw", "fcd", 1), ("average", "classes", 1),
                                          ("average", "kl", 2)):
                mean, std = self.mean_std(name, which, metric)
                cells.append(f"{mean:.{digits}f} ± {std:.{digits}f}")
            finished = [run for run in self.of(name) if run.diverged is None]
            rms = [run.rms[-1] for run in finished]
            cells.append(f"{statistics.fmean(rms):.3g} ({min(rms):.3g}–{max(rms):.3g})" if rms else "—")
            rows.append(cells + [f"{len(finished)}/{len(self.of(name))}"])
        return rows



def ablate_progan(
    images: Tensor,
    variants: Mapping[str, Mapping[str, Any]],
    seeds: Sequence[int],
    evaluation: MNISTEvaluation,
    kimg: float,
    minibatch: int,
    fmap_base: int,
    fmap_max: int,
    ema_beta: float,
    crop: int = 28,
    device: torch.device | None = None,
    workers: int | str = 1,
    progress: bool = True,
) -> AblationTable:
    """Train every variant (name → change, ``{}`` for the full recipe) once per seed with :func:`train_variant`
    (``workers`` runs at once on the CPU: :func:`~gan_course.training.parallel.run_parallel`), then score the raw
    and the averaged G of every finished run with ``evaluation`` on their ``crop`` × ``crop`` centre (the padding
    removed, the linear output clipped to [-1, 1] as the code does before its metrics)."""
    if not variants:
        raise ValueError("variants is empty: give name -> change, e.g. {'ProGAN': {}, 'no pixel norm': "
                         "{'pixel_norm': False}}")
    for name, change in variants.items():
        check_variant(name, change)
    seeds = tuple(seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be a non-empty sequence of distinct integers, got {seeds}")
    device = default_device() if device is None else torch.device(device)
    train = partial(train_variant, images=images, kimg=kimg, minibatch=minibatch, fmap_base=fmap_base,
                    fmap_max=fmap_max, ema_beta=ema_beta, device=device)
    jobs = [(name, dict(change), seed) for name, change in variants.items() for seed in seeds]
    runs = run_parallel(train, jobs, workers, device, "ProGAN ablations", progress)
    for run in runs:
        if run.diverged is None:
            run.scores = {which: evaluation(Cropped(generator, crop, clamp=True), progress=False)
                          for which, generator in (("average", run.average), ("raw", run.generator))}
    return AblationTable(list(variants), seeds, runs)
