r"""BEGAN's claims measured on MNIST (Berthelot, Schumm & Metz 2017): the measure of convergence
$\mathcal{M}_\text{global}$ against the protocol's Fréchet classifier distance, the diversity ratio $\gamma$ against
precision and recall, and the equilibrium $\gamma\,\mathcal{L}(x) \approx \mathcal{L}(G(z))$ that $k_t$ steers to.

:func:`train_began` trains the ``began`` recipe with one $\gamma$ and one seed, and scores it with the protocol
(:class:`~gan_course.metrics.MNISTEvaluation`) every ``eval_every`` steps; :func:`gamma_sweep` does so for every
$\gamma$ and seed (spread over the CPU's cores). :func:`measure_correlation` pools the snapshots of the runs, and
:class:`SweepTable` summarises the sweep, mean ± sample std (ddof = 1) over the seeds, and
:func:`paired_difference` compares two $\gamma$ seed by seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch
from scipy import stats
from torch import Tensor

from gan_course.data import LabeledImages
from gan_course.metrics.classes import ClassHistogram
from gan_course.metrics.protocol import Evaluation
from gan_course.recipes import RECIPES
from gan_course.seed import seed_everything
from gan_course.tables import ResultTable
from gan_course.training.parallel import run_parallel


@dataclass
class BEGANRun:
    """One run of the ``began`` recipe: its $\\gamma$ and seed; the protocol's snapshots (``steps``, ``fcd``, and
    ``m_global``, the mean $\\mathcal{M}_\\text{global}$ of the ``eval_every`` steps before each); every step's
    ``k``, ``loss_real`` and ``loss_fake``; the final precision, recall and class histogram; samples of the fixed
    latents."""

    gamma: float
    seed: int
    steps: list[int]
    fcd: list[float]
    m_global: list[float]
    k: list[float]
    loss_real: list[float]
    loss_fake: list[float]
    precision: float
    recall: float
    histogram: ClassHistogram
    samples: Tensor = field(repr=False)

    def equilibrium(self, last: int) -> tuple[float, float]:
        r"""Over the last ``last`` steps: the measured ratio $\overline{\mathcal{L}(G(z))} / \overline{\mathcal{L}(x)}$
        (the $\gamma$ the run reached) and the mean balance $\gamma\,\mathcal{L}(x) - \mathcal{L}(G(z))$."""
        if not 0 < last <= len(self.k):
            raise ValueError(f"last must be between 1 and the run's {len(self.k)} steps, got {last!r}")
        real, fake = np.mean(self.loss_real[-last:]), np.mean(self.loss_fake[-last:])
        return float(fake / real), float(self.gamma * real - fake)


def train_began(data: LabeledImages, evaluation: Evaluation, gamma: float, seed: int, steps: int, eval_every: int,
                profile: str | None = None, device: torch.device | None = None) -> BEGANRun:
    """The ``began`` recipe at ``profile`` on ``data`` (:func:`~gan_course.data.load_mnist`) with ``gamma`` and
    ``seed`` (data order and initial weights), trained for ``steps`` steps and scored by ``evaluation`` after every ``eval_every`` steps."""
    if steps < eval_every or steps % eval_every:
        raise ValueError(f"steps ({steps}) must be a positive multiple of eval_every ({eval_every})")
    seed_everything(seed)
    trainer = RECIPES["began"].trainer(data, profile, device, gamma=gamma, seed=seed, log_every=eval_every)
    snapshots, fcd, m_global = [], [], []
    for stop in range(eval_every, steps + 1, eval_every):
        trainer.fit(stop)
        snapshots.append(stop)
        score = evaluation(trainer.generator, trainer.prior, progress=False)
        fcd.append(score.fcd)
        m_global.append(float(np.mean(trainer.history["m_global"][-eval_every:])))
    fidelity, _ = evaluation.fidelity(trainer.generator, trainer.prior, progress=False)
    history = trainer.history
    return BEGANRun(gamma, seed, snapshots, fcd, m_global, history["k"], history["loss_real"], history["loss_fake"],
                    fidelity.precision, fidelity.recall, score.histogram, trainer.sample(latent=trainer.fixed_latent))


def gamma_sweep(data: LabeledImages, evaluation: Evaluation, gammas: Sequence[float], seeds: Sequence[int], steps: int,
                eval_every: int, profile: str | None = None, device: torch.device | None = None,
                workers: int | str = "auto", progress: bool = True) -> list[BEGANRun]:
    """:func:`train_began` for every ``gamma`` and seed (the same seeds for every $\\gamma$: paired runs), spread over
    ``workers`` processes on the CPU."""
    jobs = [(data, evaluation, gamma, seed, steps, eval_every, profile, device) for gamma in gammas for seed in seeds]
    return run_parallel(train_began, jobs, workers, device or "cpu", "BEGAN runs", progress)


@dataclass(frozen=True)
class Correlation:
    """Rank (Spearman) and linear (Pearson) correlation of $\\mathcal{M}_\\text{global}$ with the FCD over ``n``
    snapshots."""

    spearman: float
    pearson: float
    n: int

    def __str__(self) -> str:
        return (f"M_global against FCD over n = {self.n} snapshots: Spearman {self.spearman:.2f}, Pearson "
                f"{self.pearson:.2f}")


def measure_correlation(runs: Sequence[BEGANRun]) -> Correlation:
    """The correlation of $\\mathcal{M}_\\text{global}$ with the FCD over every snapshot of ``runs``."""
    m = [value for run in runs for value in run.m_global]
    fcd = [value for run in runs for value in run.fcd]
    if len(m) < 3:
        raise ValueError(f"a correlation needs at least 3 snapshots, the runs have {len(m)}")
    return Correlation(float(stats.spearmanr(m, fcd).statistic), float(stats.pearsonr(m, fcd).statistic), len(m))


def _mean_std(values: Sequence[float], spec: str) -> str:
    if len(values) == 1:
        return f"{values[0]:{spec}}"
    return f"{np.mean(values):{spec}} ± {np.std(values, ddof=1):{spec}}"


@dataclass
class SweepTable(ResultTable):
    """Per $\\gamma$, mean ± sample std (ddof = 1) over the seeds: the final FCD, precision and recall, the measured
    ratio $\\mathcal{L}(G(z)) / \\mathcal{L}(x)$ and the final $k_t$, over the last ``last`` steps."""

    runs: list[BEGANRun]
    last: int

    def rows(self) -> list[list[str]]:
        rows = [["gamma", "n", "FCD", "precision", "recall", "L(G(z))/L(x)", "k_t"]]
        for gamma in sorted({run.gamma for run in self.runs}):
            group = [run for run in self.runs if run.gamma == gamma]
            rows.append([f"{gamma:g}", str(len(group)), _mean_std([run.fcd[-1] for run in group], ".1f"),
                         _mean_std([run.precision for run in group], ".2f"),
                         _mean_std([run.recall for run in group], ".2f"),
                         _mean_std([run.equilibrium(self.last)[0] for run in group], ".2f"),
                         _mean_std([run.k[-1] for run in group], ".3f")])
        return rows

    def caption(self) -> str:
        return (f"per gamma, mean ± sample std (ddof = 1) over the seeds; ratio over the last {self.last} steps")


def paired_difference(runs: Sequence[BEGANRun], metric: str, gamma: float, baseline: float) -> tuple[float, float, int]:
    """``metric`` (``"precision"``, ``"recall"`` or ``"fcd"``, the last snapshot's) of the ``gamma`` run minus that
    of the ``baseline`` run of the same seed: mean, sample std (ddof = 1; nan for one seed) and the number of seeds."""
    if metric not in ("precision", "recall", "fcd"):
        raise ValueError(f"metric must be 'precision', 'recall' or 'fcd', got {metric!r}")
    value = lambda run: run.fcd[-1] if metric == "fcd" else getattr(run, metric)
    by_seed = {(run.gamma, run.seed): value(run) for run in runs}
    seeds = sorted(seed for g, seed in by_seed if g == gamma and (baseline, seed) in by_seed)
    if not seeds:
        raise ValueError(f"no seed has runs with both gamma = {gamma} and gamma = {baseline}")
    differences = [by_seed[gamma, seed] - by_seed[baseline, seed] for seed in seeds]
    std = float(np.std(differences, ddof=1)) if len(differences) > 1 else float("nan")
    return float(np.mean(differences)), std, len(differences)
