r"""Compare GAN losses on the toy mixtures over several seeds: modes covered, high-quality share, reverse KL.

The protocol is that of the synthetic experiments of VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018):
the ring of 8 Gaussians (radius 1, $\sigma = 0.01$) and the grid of 25 Gaussians (means $-4, \dots, 4$ in steps of 2,
$\sigma = 0.05$) with PacGAN's settings (:mod:`gan_course.data.toy`), measured on 2,500 samples of the trained
generator with the three numbers of :mod:`gan_course.metrics.modes` (a sample is high quality within $3\sigma$ of its
nearest mode), and reported as mean and standard deviation over independent runs, as PacGAN averages repeated
trials. The networks and the step budget are the course's own, small enough for a CPU: the MLPs of the measuring
chapter (2-D noise, two hidden layers of 128 leaky-ReLU units) rather than the papers' larger ones, and the same for
every loss.

Every loss gets the same networks, the same data stream and the same initial weights for a given seed (the seed is
set before the networks are built), so the losses are compared on paired runs. A loss is described by a
:class:`LossSetup`: its :class:`~gan_course.losses.Objective` (which carries $k$, a penalty or weight clipping) and
the optimizer both networks get.
"""

from __future__ import annotations

import math
import pickle
from functools import partial
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from gan_course.data import GaussianMixture2D, SamplerStream, grid, ring
from gan_course.device import default_device
from gan_course.latent import Normal
from gan_course.losses.objective import Objective
from gan_course.metrics.modes import ModeCoverage, mode_coverage
from gan_course.models import MLPDiscriminator, MLPGenerator, spectrally_normalize
from gan_course.seed import seed_everything
from gan_course.tables import ResultTable
from gan_course.training import GANTrainer, TrainingDiverged
from gan_course.training.parallel import run_parallel, worker_count

DATASETS = {"ring": ring, "grid": grid}
OPTIMIZERS = ("adam", "rmsprop")
METRICS = ("modes_covered", "high_quality", "reverse_kl")


@dataclass(frozen=True)
class LossSetup:
    """One row of a comparison: an objective and the optimizer both networks get.

    ``optimizer="adam"`` uses ``lr`` and ``betas`` (the defaults are the measuring chapter's toy settings, Adam with
    learning rate $10^{-3}$ and $\\beta = (0.5, 0.999)$); ``"rmsprop"`` uses ``lr`` only (WGAN: $5 \\cdot 10^{-5}$,
    Arjovsky et al. 2017, Algorithm 1). ``spectral_norm=True`` spectrally normalises every layer of D after its weights
    are drawn (SN-GAN, Miyato et al. 2018; :func:`~gan_course.models.spectrally_normalize`), so that it starts from the
    same initial weights as the other rows.
    """

    objective: Objective
    optimizer: str = "adam"
    lr: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.999)
    spectral_norm: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.objective, Objective):
            raise TypeError(f"objective must be a gan_course.losses.Objective such as LSGAN(), got "
                            f"{type(self.objective).__name__}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a positive finite number, got {self.lr}")

    def make_optimizer(self, parameters: Iterable[nn.Parameter]) -> torch.optim.Optimizer:
        """The optimizer of this setup for one network's ``parameters``."""
        if self.optimizer == "adam":
            return torch.optim.Adam(parameters, lr=self.lr, betas=self.betas)
        return torch.optim.RMSprop(parameters, lr=self.lr)


@dataclass(frozen=True, eq=False)
class Run:
    """One trained (loss, seed): its mode metrics and 2,500 samples, or ``None`` for both if training diverged."""

    name: str
    seed: int
    coverage: ModeCoverage | None
    samples: Tensor | None
    diverged: str | None = None


@dataclass(eq=False)
class ComparisonTable(ResultTable):
    """The runs of :func:`compare_losses`, by loss in the order given; shown as a table of mean ± std over seeds."""

    dataset: str
    n_modes: int
    steps: int
    seeds: tuple[int, ...]
    runs: dict[str, list[Run]] = field(default_factory=dict)
    mixture: GaussianMixture2D | None = None

    def values(self, name: str, metric: str) -> np.ndarray:
        """One metric (``modes_covered``, ``high_quality`` or ``reverse_kl``) of the runs of ``name`` that finished."""
        if name not in self.runs:
            raise KeyError(f"no loss named {name!r} in this comparison; it has {', '.join(self.runs)}")
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
        return np.array([getattr(run.coverage, metric) for run in self.runs[name] if run.coverage is not None],
                        dtype=np.float64)

    def summary(self, name: str, metric: str) -> tuple[float, float, int]:
        """Mean, sample standard deviation (ddof = 1) and number of the finished runs where the metric is defined.

        The reverse KL is undefined (NaN) for a run without any high-quality sample; such runs are left out of its
        mean, and the table says so. The mean and std are NaN if no run counts; the std is NaN for a single run."""
        values = self.values(name, metric)
        values = values[~np.isnan(values)]
        if len(values) == 0:
            return math.nan, math.nan, 0
        spread = float(np.std(values, ddof=1)) if len(values) > 1 else math.nan
        return float(np.mean(values)), spread, len(values)

    def rows(self) -> list[list[str]]:
        """The table's cells as text, header first."""
        header = ["loss", "modes covered", "high quality", "reverse KL", "runs"]
        rows = [header]
        for name, runs in self.runs.items():
            modes = self.summary(name, "modes_covered")
            quality = self.summary(name, "high_quality")
            kl = self.summary(name, "reverse_kl")
            finished = sum(run.coverage is not None for run in runs)
            count = f"{finished}/{len(runs)}" + ("" if finished == len(runs) else " (others diverged)")
            kl_text = _spread(kl, ".3f")
            if 0 < kl[2] < finished:
                kl_text += f" ({kl[2]} of {finished} runs: the others have no high-quality sample)"
            elif kl[2] == 0 and finished:
                kl_text += " (no run has a high-quality sample)"
            rows.append([name, f"{_spread(modes, '.1f')} / {self.n_modes}", f"{_spread(quality, '.1f', 100)} %",
                         kl_text, count])
        return rows

    def caption(self) -> str:
        spread = "mean ± sample std (ddof = 1) over runs" if len(self.seeds) > 1 else "one run per loss"
        return f"{self.dataset}: {self.steps} steps, seeds {', '.join(map(str, self.seeds))}; {spread}"


def _spread(summary: tuple[float, float, int], spec: str, scale: float = 1.0) -> str:
    """``mean ± std`` of a :meth:`ComparisonTable.summary` over several runs; the value alone for one run (a spread of
    one run is not zero, it is unknown); "undefined" when no run counts."""
    mean, std, count = summary
    if count == 0:
        return "undefined"
    if count == 1:
        return format(scale * mean, spec)
    return f"{format(scale * mean, spec)} ± {format(scale * std, spec)}"


def _mixture(dataset: str | GaussianMixture2D) -> tuple[str, GaussianMixture2D]:
    if isinstance(dataset, GaussianMixture2D):
        return repr(dataset), dataset
    if dataset in DATASETS:
        return dataset, DATASETS[dataset]()
    raise ValueError(f"dataset must be one of {tuple(DATASETS)} or a GaussianMixture2D, got {dataset!r}")


def train_toy_gan(
    setup: LossSetup,
    mixture: GaussianMixture2D,
    seed: int,
    steps: int,
    batch_size: int = 256,
    latent_dim: int = 2,
    hidden: Sequence[int] = (128, 128),
    device: torch.device | None = None,
) -> GANTrainer:
    """Train an MLP GAN with ``setup`` on ``mixture`` for ``steps`` generator steps; the seed fixes the initial weights,
    the noise and the data stream. Returns the trainer (its ``generator`` and ``discriminator`` are trained).
    Raises :class:`~gan_course.training.TrainingDiverged` if training diverges."""
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps (generator updates per run) must be a positive integer, got {steps!r}")
    device = default_device() if device is None else device
    seed_everything(seed)
    generator: nn.Module = MLPGenerator(latent_dim, (2,), hidden=hidden, output="linear").to(device)
    discriminator: nn.Module = MLPDiscriminator((2,), hidden=hidden).to(device)
    if setup.spectral_norm:
        spectrally_normalize(discriminator)
    trainer = GANTrainer(
        generator,
        discriminator,
        setup.make_optimizer(generator.parameters()),
        setup.make_optimizer(discriminator.parameters()),
        SamplerStream(mixture, batch_size, seed=seed),
        setup.objective,
        Normal(latent_dim),
    )
    trainer.fit(steps)
    return trainer


def _measured_run(
    entry: str,
    setup: LossSetup,
    seed: int,
    *,
    mixture: GaussianMixture2D,
    steps: int,
    batch_size: int,
    latent_dim: int,
    hidden: Sequence[int],
    n_samples: int,
    device: torch.device | None,
) -> Run:
    """Train one (loss, seed) and measure its generator; a diverged run is returned as such."""
    try:
        trainer = train_toy_gan(setup, mixture, seed, steps, batch_size, latent_dim, hidden, device)
    except TrainingDiverged as error:
        return Run(entry, seed, None, None, diverged=str(error))
    samples = trainer.sample(latent=trainer.prior.sample(n_samples, torch.Generator().manual_seed(seed)))
    return Run(entry, seed, mode_coverage(samples, mixture, progress=False), samples.cpu())


def compare_losses(
    entries: dict[str, LossSetup],
    dataset: str | GaussianMixture2D,
    seeds: Sequence[int],
    steps: int,
    batch_size: int = 256,
    latent_dim: int = 2,
    hidden: Sequence[int] = (128, 128),
    n_samples: int = 2500,
    device: torch.device | None = None,
    progress: bool = True,
    workers: int | str = 1,
) -> ComparisonTable:
    """Train every loss of ``entries`` on ``dataset`` ("ring", "grid" or a mixture) once per seed and measure each
    run's generator on ``n_samples`` samples (drawn with the run's seed); see the module's docstring for the protocol.

    A run that diverges is kept in the table as diverged (its metrics are left out of the means, and the table says
    how many runs finished) rather than stopping the comparison.

    ``workers > 1`` trains that many runs at once in worker processes (on the CPU only), each with an equal share of
    the CPU's threads: the runs are independent, so a laptop with eight cores finishes a table several times faster.
    ``workers="auto"`` takes one worker per CPU core (at most one per run) on the CPU, and 1 on an accelerator.
    Every run seeds itself, so the table is the same as with ``workers=1`` up to the floating-point effects of a
    different thread count. Runs with more discriminator steps per generator step (the longest) start first, so that
    the workers finish at about the same time; the table keeps the order of ``entries`` and ``seeds``.
    """
    if not entries or not all(isinstance(setup, LossSetup) for setup in entries.values()):
        raise ValueError("entries must be a non-empty dict of name -> LossSetup, e.g. {'LSGAN': LossSetup(LSGAN())}")
    seeds = tuple(seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be a non-empty sequence of distinct integers, got {seeds}")
    device = default_device() if device is None else torch.device(device)
    workers = worker_count(workers, len(entries) * len(seeds), device)
    name, mixture = _mixture(dataset)
    table = ComparisonTable(name, len(mixture.modes), steps, seeds, mixture=mixture)
    # the runs with most discriminator steps per generator step, the longest, start first: the last to finish are short
    jobs = sorted(((entry, setup, seed) for entry, setup in entries.items() for seed in seeds),
                  key=lambda job: -job[1].objective.d_steps)
    run = partial(_measured_run, mixture=mixture, steps=steps, batch_size=batch_size, latent_dim=latent_dim,
                  hidden=tuple(hidden), n_samples=n_samples, device=device)
    if workers > 1:
        for entry, setup in entries.items():
            try:
                pickle.dumps(setup)
            except (pickle.PicklingError, AttributeError, TypeError) as error:
                raise ValueError(f"entry {entry!r} cannot be sent to a worker process ({error}); define its "
                                 f"objective at module level (not in a function) or use workers=1") from None
    runs = run_parallel(run, jobs, workers, device, f"comparing on {name}", progress)
    for entry in entries:
        table.runs[entry] = [result for result in runs if result.name == entry]
    return table
