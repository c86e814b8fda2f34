r"""The classic training tips measured: each one change to the same baseline GAN, trained over several seeds on the
same problems, and reported as mean ± sample standard deviation over the runs.

A :class:`Tip` is one row of the table: the baseline with one thing changed — its objective (one-sided label
smoothing, feature matching), a network (minibatch discrimination in D, batch or virtual batch normalisation in G,
instance noise around D), its step (experience replay, $k$ D updates or two G updates per iteration), its hooks
(historical averaging, the annealing of the instance noise) or its learning rates (the two time-scale update rule).
The baseline is the non-saturating GAN of Goodfellow et al. (2014) with Adam, as the measuring chapter trains it.

A :class:`Problem` is what the tips are measured on, with its networks, batch size, learning rate and numbers:

* :class:`ToyProblem` — the ring of 8 or the grid of 25 Gaussians (:mod:`gan_course.data.toy`), the measuring
  chapter's MLPs with batches of 64, scored on 2,500 samples by the mode metrics of VEEGAN and PacGAN (modes covered, high-quality
  share) and by improved precision and recall (Kynkäänniemi et al. 2019, $k = 3$) in the plane, against 2,500 samples
  of the mixture drawn once for every run;
* :class:`MNISTProblem` — the MLP GAN of the measuring chapter on the MNIST training digits (:func:`load_mnist`),
  scored with the book's one protocol (:class:`~gan_course.metrics.MNISTEvaluation`: 2,000 samples, the Fréchet
  classifier distance, and precision and recall in the classifier's features).

Every tip gets the same data stream and, where its networks are the baseline's, the same initial weights for a given
seed (the seed is set before the networks are built), so the rows are paired runs. The budget is the number of
iterations of the loop; an iteration of ``k = 5`` costs five D updates, one of "G twice" two G updates.
"""

from __future__ import annotations

import math
import pickle
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Iterator, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from gan_course.data import SamplerStream, TensorStream, grid, load_mnist, ring
from gan_course.device import default_device
from gan_course.latent import Normal
from gan_course.losses import FeatureMatching, NonSaturating, OneSidedLabelSmoothing
from gan_course.losses.objective import Objective
from gan_course.metrics.modes import mode_coverage
from gan_course.metrics.precision_recall import precision_recall
from gan_course.metrics.protocol import MNISTEvaluation
from gan_course.models import MLPDiscriminator, MLPGenerator
from gan_course.models.minibatch_discrimination import MinibatchDiscrimination
from gan_course.models.virtual_batch_norm import VirtualBatchNorm, WithReferenceBatch
from gan_course.seed import seed_everything
from gan_course.tables import ResultTable
from gan_course.training import GANTrainer, TrainingDiverged
from gan_course.training.historical_averaging import HistoricalAveraging
from gan_course.training.hooks import Hook
from gan_course.training.instance_noise import AnnealedInstanceNoise, InstanceNoise
from gan_course.training.parallel import run_parallel, worker_count
from gan_course.training.replay import ReplayStep
from gan_course.training.steps import AlternatingStep, Step


@dataclass(frozen=True)
class Networks:
    """The sizes of a problem's MLPs: G maps ``latent_dim`` noise through ``g_hidden`` to ``data_shape`` (with a
    ``"linear"`` or ``"tanh"`` output); D maps a sample through ``d_hidden`` to one logit."""

    latent_dim: int
    data_shape: tuple[int, ...]
    g_hidden: tuple[int, ...]
    d_hidden: tuple[int, ...]
    output: str


def mlp_generator(networks: Networks) -> nn.Module:
    """The baseline G."""
    return MLPGenerator(networks.latent_dim, networks.data_shape, networks.g_hidden, output=networks.output)


def mlp_discriminator(networks: Networks) -> nn.Module:
    """The baseline D."""
    return MLPDiscriminator(networks.data_shape, networks.d_hidden)


def batch_norm_generator(networks: Networks) -> nn.Module:
    """G with batch normalisation after each hidden layer (as DCGAN's G): the control of virtual batch norm."""
    return MLPGenerator(networks.latent_dim, networks.data_shape, networks.g_hidden, output=networks.output,
                        normalization=nn.BatchNorm1d)


def virtual_batch_norm_generator(networks: Networks, reference_size: int = 64) -> nn.Module:
    """G with virtual batch normalisation after each hidden layer (Salimans et al. 2016, Section 3.5, who use it in G
    only), its reference batch ``reference_size`` latents drawn once, when G is built."""
    network = MLPGenerator(networks.latent_dim, networks.data_shape, networks.g_hidden, output=networks.output,
                           normalization=partial(VirtualBatchNorm, reference_size=reference_size))
    return WithReferenceBatch(network, torch.randn(reference_size, networks.latent_dim))


def minibatch_discriminator(networks: Networks, kernels: int = 100, kernel_dim: int = 5) -> nn.Module:
    """D with a minibatch-discrimination layer (Salimans et al. 2016, Section 3.2; $B = 100$, $C = 5$ as in their
    code) between its last hidden layer and its output."""
    body = MLPDiscriminator(networks.data_shape, networks.d_hidden).net[:-1]  # the hidden layers, output left out
    width = networks.d_hidden[-1]
    return nn.Sequential(nn.Flatten(), body, MinibatchDiscrimination(width, kernels, kernel_dim),
                         nn.Linear(width + kernels, 1), nn.Flatten(0))


def noisy_discriminator(networks: Networks) -> nn.Module:
    """The baseline D behind instance noise (its $\\sigma$ set by :func:`annealed_instance_noise`)."""
    return InstanceNoise(mlp_discriminator(networks))


def no_hooks(steps: int) -> list[Hook]:
    """The baseline's hooks: none."""
    return []


def annealed_instance_noise(steps: int, sigma: float = 0.1) -> list[Hook]:
    """Instance noise from ``sigma`` annealed linearly to zero over the whole run (Sønderby et al. 2017)."""
    return [AnnealedInstanceNoise(sigma, steps)]


def historical_averaging(steps: int, weight: float = 1e-3) -> list[Hook]:
    """Historical averaging of both players with weight ``weight`` (Salimans et al. 2016, Section 3.3)."""
    return [HistoricalAveraging(weight)]


@dataclass(frozen=True)
class Tip:
    """One row of the table: the baseline with one change.

    ``objective`` is the GAN's objective; ``generator`` and ``discriminator`` build the networks from a problem's
    :class:`Networks`; ``step`` builds the loop's step; ``hooks`` builds the hooks for a run of a number of steps;
    ``g_lr`` and ``d_lr`` scale the problem's learning rate for G and for D (1 each: the problem's rate for both; the
    two time-scale update rule gives D a larger one). Every callable must be picklable (a module-level function or a
    ``functools.partial`` of one) for runs in worker processes.
    """

    objective: Objective = field(default_factory=NonSaturating)
    generator: Callable[[Networks], nn.Module] = mlp_generator
    discriminator: Callable[[Networks], nn.Module] = mlp_discriminator
    step: Callable[[], Step] = AlternatingStep
    hooks: Callable[[int], list[Hook]] = no_hooks
    g_lr: float = 1.0
    d_lr: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.objective, Objective):
            raise TypeError(f"objective must be a gan_course.losses.Objective such as NonSaturating(), got "
                            f"{type(self.objective).__name__}")
        for name in ("g_lr", "d_lr"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} (a factor on the problem's learning rate) must be a positive number, got "
                                 f"{value!r}")


class Problem:
    """What the tips are measured on: networks, a data stream, an optimizer and the numbers of a trained G."""

    name: str
    networks: Networks
    batch_size: int
    lr: float
    betas: tuple[float, float] = (0.5, 0.999)
    metrics: tuple[str, ...]

    def stream(self, seed: int) -> Iterator[Tensor]:
        raise NotImplementedError

    def measure(self, trainer: GANTrainer, seed: int) -> dict[str, float]:
        """The numbers of ``trainer``'s generator, by name (the keys of :attr:`metrics`)."""
        raise NotImplementedError

    def reference(self) -> dict[str, float]:
        """The same numbers for real data that is not the reference: what a perfect generator scores."""
        raise NotImplementedError


TOY_NETWORKS = Networks(2, (2,), (128, 128), (128, 128), "linear")
MNIST_NETWORKS = Networks(64, (1, 28, 28), (256, 512), (512, 256), "tanh")
TOY_REFERENCE_SEED = 10_000
N_TOY = 2500


@dataclass(frozen=True)
class ToyProblem(Problem):
    """The ring (``"ring"``) or the grid (``"grid"``) with the measuring chapter's MLPs, Adam($10^{-3}$, (0.5,
    0.999)) and batches of 64 (the measuring chapter's 256 would make minibatch discrimination's pairwise term, batch²
    × 500 numbers per call, cost a CPU minutes per run); scored on 2,500 samples."""

    name: str = "ring"
    networks: Networks = TOY_NETWORKS
    batch_size: int = 64
    lr: float = 1e-3
    metrics: tuple[str, ...] = ("modes_covered", "high_quality", "precision", "recall")

    def __post_init__(self) -> None:
        if self.name not in ("ring", "grid"):
            raise ValueError(f"a toy problem is 'ring' or 'grid', got {self.name!r}")

    @property
    def mixture(self):
        return ring() if self.name == "ring" else grid()

    def stream(self, seed: int) -> Iterator[Tensor]:
        return SamplerStream(self.mixture, self.batch_size, seed=seed)

    def _scores(self, samples: Tensor) -> dict[str, float]:
        mixture = self.mixture
        coverage = mode_coverage(samples, mixture, progress=False)
        real = mixture.sample(N_TOY, generator=torch.Generator().manual_seed(TOY_REFERENCE_SEED))
        fidelity = precision_recall(real, samples, k=3)
        return {"modes_covered": float(coverage.modes_covered), "high_quality": coverage.high_quality,
                "precision": fidelity.precision, "recall": fidelity.recall}

    def measure(self, trainer: GANTrainer, seed: int) -> dict[str, float]:
        latent = trainer.prior.sample(N_TOY, torch.Generator().manual_seed(seed))
        return self._scores(trainer.sample(latent=latent))

    def reference(self) -> dict[str, float]:
        return self._scores(self.mixture.sample(N_TOY, generator=torch.Generator().manual_seed(TOY_REFERENCE_SEED + 1)))


_EVALUATIONS: dict[str, MNISTEvaluation] = {}


def _evaluation(device: torch.device) -> MNISTEvaluation:
    """The protocol's evaluation on ``device``, built once per process (it loads the classifier and the reference)."""
    key = str(device)
    if key not in _EVALUATIONS:
        _EVALUATIONS[key] = MNISTEvaluation(device=device)
    return _EVALUATIONS[key]


@dataclass(frozen=True)
class MNISTProblem(Problem):
    """The measuring chapter's MLP GAN on the MNIST training digits, Adam($2 \\cdot 10^{-4}$, (0.5, 0.999)), batches
    of 64; scored with the book's protocol (FCD, and precision and recall in the classifier's features)."""

    name: str = "MNIST"
    networks: Networks = MNIST_NETWORKS
    batch_size: int = 64
    lr: float = 2e-4
    metrics: tuple[str, ...] = ("fcd", "precision", "recall")

    def stream(self, seed: int) -> Iterator[Tensor]:
        return TensorStream(load_mnist().images, self.batch_size, seed=seed)

    def _scores(self, samples: object, device: torch.device, prior: Normal | None = None) -> dict[str, float]:
        evaluation = _evaluation(device)
        fidelity, _ = evaluation.fidelity(samples, prior, progress=False)
        return {"fcd": evaluation(samples, prior, progress=False).fcd, "precision": fidelity.precision,
                "recall": fidelity.recall}

    def measure(self, trainer: GANTrainer, seed: int) -> dict[str, float]:
        return self._scores(trainer.generator, trainer.device, trainer.prior)

    def reference(self) -> dict[str, float]:
        return self._scores(load_mnist().images, default_device())


PROBLEMS: dict[str, Problem] = {"ring": ToyProblem("ring"), "grid": ToyProblem("grid"), "MNIST": MNISTProblem()}


def tip_trainer(tip: Tip, problem: Problem, seed: int, steps: int, device: torch.device | None = None) -> GANTrainer:
    """The trainer of one (tip, problem, seed), not yet trained: the seed fixes the initial weights, the data stream
    and the noise."""
    device = default_device() if device is None else device
    seed_everything(seed)
    generator = tip.generator(problem.networks).to(device)
    discriminator = tip.discriminator(problem.networks).to(device)
    return GANTrainer(
        generator,
        discriminator,
        torch.optim.Adam(generator.parameters(), lr=tip.g_lr * problem.lr, betas=problem.betas),
        torch.optim.Adam(discriminator.parameters(), lr=tip.d_lr * problem.lr, betas=problem.betas),
        problem.stream(seed),
        tip.objective,
        Normal(problem.networks.latent_dim),
        step=tip.step(),
        hooks=tip.hooks(steps),
    )


@dataclass(frozen=True, eq=False)
class TipRun:
    """One trained (tip, seed): its numbers, or ``None`` and the reason if training diverged."""

    name: str
    seed: int
    scores: dict[str, float] | None
    diverged: str | None = None


def _measured_run(name: str, tip: Tip, seed: int, *, problem: Problem, steps: int,
                  device: torch.device | None) -> TipRun:
    trainer = tip_trainer(tip, problem, seed, steps, device)
    try:
        trainer.fit(steps)
    except TrainingDiverged as error:
        return TipRun(name, seed, None, diverged=str(error))
    return TipRun(name, seed, problem.measure(trainer, seed))


LABELS = {"modes_covered": "modes", "high_quality": "high quality", "precision": "precision", "recall": "recall",
          "fcd": "FCD"}


@dataclass(eq=False)
class TipsTable(ResultTable):
    """The runs of :func:`measure_tips`, by tip in the order given, with the real data's numbers (the ``reference``
    row); shown as mean ± sample standard deviation over the seeds."""

    problem: str
    metrics: tuple[str, ...]
    steps: int
    seeds: tuple[int, ...]
    runs: dict[str, list[TipRun]] = field(default_factory=dict)
    reference: dict[str, float] | None = None

    def values(self, name: str, metric: str) -> np.ndarray:
        """One metric of the finished runs of ``name``, in the order of the seeds."""
        if name not in self.runs:
            raise KeyError(f"no tip named {name!r} in this table; it has {', '.join(self.runs)}")
        if metric not in self.metrics:
            raise ValueError(f"metric must be one of {self.metrics}, got {metric!r}")
        return np.array([run.scores[metric] for run in self.runs[name] if run.scores is not None], dtype=np.float64)

    def summary(self, name: str, metric: str) -> tuple[float, float, int]:
        """Mean, sample standard deviation (ddof = 1; NaN for one run) and number of the finished runs."""
        values = self.values(name, metric)
        if len(values) == 0:
            return math.nan, math.nan, 0
        return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else math.nan, len(values)

    def paired_difference(self, name: str, metric: str, baseline: str = "baseline") -> tuple[float, float, int]:
        """Mean and sample standard deviation of ``name`` minus ``baseline``, seed by seed (the runs are paired), over
        the seeds where both finished."""
        pairs = {run.seed: run.scores[metric] for run in self.runs[baseline] if run.scores is not None}
        differences = np.array([run.scores[metric] - pairs[run.seed] for run in self.runs[name]
                                if run.scores is not None and run.seed in pairs], dtype=np.float64)
        if len(differences) == 0:
            return math.nan, math.nan, 0
        spread = float(differences.std(ddof=1)) if len(differences) > 1 else math.nan
        return float(differences.mean()), spread, len(differences)

    def _cell(self, metric: str, mean: float, std: float, count: int) -> str:
        if count == 0:
            return "—"
        spec, scale = (".1f", 1.0) if metric in ("modes_covered", "fcd") else (".2f", 1.0)
        text = format(scale * mean, spec)
        return text if count == 1 else f"{text} ± {format(scale * std, spec)}"

    def rows(self) -> list[list[str]]:
        """The table's cells as text, header first; the real data's row last."""
        rows = [["tip", *(LABELS[metric] for metric in self.metrics), "runs"]]
        for name, runs in self.runs.items():
            finished = sum(run.scores is not None for run in runs)
            rows.append([name, *(self._cell(metric, *self.summary(name, metric)) for metric in self.metrics),
                         f"{finished}/{len(runs)}"])
        if self.reference is not None:
            rows.append(["real data", *(self._cell(metric, self.reference[metric], math.nan, 1)
                                        for metric in self.metrics), ""])
        return rows

    def caption(self) -> str:
        return (f"{self.problem}: {self.steps} iterations, seeds {', '.join(map(str, self.seeds))}; mean ± sample "
                f"std (ddof = 1) over the finished runs")


def _cost(tip: Tip) -> int:
    """Network updates per iteration, to start the longest runs first."""
    step = tip.step()
    return (getattr(step, "d_steps", None) or tip.objective.d_steps) + getattr(step, "g_steps", 1)


def measure_tips(
    tips: dict[str, Tip],
    problem: str | Problem,
    seeds: Sequence[int],
    steps: int,
    device: torch.device | None = None,
    progress: bool = True,
    workers: int | str = 1,
) -> TipsTable:
    """Train every tip of ``tips`` on ``problem`` (``"ring"``, ``"grid"``, ``"MNIST"`` or a :class:`Problem`) once per
    seed for ``steps`` iterations and measure each run's generator; see the module's docstring for the protocol. A
    diverged run stays in the table as such. ``workers`` trains runs at once in worker processes on the CPU
    (:func:`~gan_course.training.parallel.run_parallel`); every run seeds itself, so the table is the same."""
    if not tips or not all(isinstance(tip, Tip) for tip in tips.values()):
        raise ValueError("tips must be a non-empty dict of name -> Tip, e.g. {'baseline': Tip()}")
    if isinstance(problem, str):
        if problem not in PROBLEMS:
            raise ValueError(f"problem must be one of {tuple(PROBLEMS)} or a Problem, got {problem!r}")
        problem = PROBLEMS[problem]
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps (iterations per run) must be a positive integer, got {steps!r}")
    seeds = tuple(seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be a non-empty sequence of distinct integers, got {seeds}")
    device = default_device() if device is None else torch.device(device)
    workers = worker_count(workers, len(tips) * len(seeds), device)
    if workers > 1:
        for name, tip in tips.items():
            try:
                pickle.dumps(tip)
            except (pickle.PicklingError, AttributeError, TypeError) as error:
                raise ValueError(f"tip {name!r} cannot be sent to a worker process ({error}); build it from "
                                 f"module-level functions (or functools.partial of them), or use workers=1") from None
    jobs = sorted(((name, tip, seed) for name, tip in tips.items() for seed in seeds), key=lambda job: -_cost(job[1]))
    run = partial(_measured_run, problem=problem, steps=steps, device=device)
    runs = run_parallel(run, jobs, workers, device, f"tips on {problem.name}", progress)
    table = TipsTable(problem.name, problem.metrics, steps, seeds, reference=problem.reference())
    for name in tips:
        table.runs[name] = sorted((result for result in runs if result.name == name), key=lambda r: seeds.index(r.seed))
    return table


def classic_tips() -> dict[str, Tip]:
    """The tips the chapter measures, each with one setting (the paper's where it gives one), and two controls:
    batch norm in G for virtual batch norm, both learning rates raised for TTUR."""
    return {
        "baseline": Tip(),
        "label smoothing": Tip(objective=OneSidedLabelSmoothing(0.9)),
        "feature matching": Tip(objective=FeatureMatching("net.3")),
        "minibatch discr.": Tip(discriminator=minibatch_discriminator),
        "historical avg.": Tip(hooks=partial(historical_averaging, weight=0.01)),
        "virtual BN in G": Tip(generator=virtual_batch_norm_generator),
        "batch norm in G": Tip(generator=batch_norm_generator),
        "instance noise": Tip(discriminator=noisy_discriminator, hooks=partial(annealed_instance_noise, sigma=0.1)),
        "replay": Tip(step=partial(ReplayStep, size=1000)),
        "TTUR (D lr ×4)": Tip(d_lr=4.0),
        "both lr ×4": Tip(g_lr=4.0, d_lr=4.0),
        "k = 5": Tip(step=partial(AlternatingStep, d_steps=5)),
        "G twice": Tip(step=partial(AlternatingStep, g_steps=2)),
    }


@dataclass(eq=False)
class PairedSummary(ResultTable):
    """Each tip's change from the baseline, seed by seed, in one metric per problem: mean ± sample std of the
    paired differences (:meth:`TipsTable.paired_difference`), the table the chapter's summary cites."""

    tables: dict[str, TipsTable]
    metrics: dict[str, str]

    def __post_init__(self) -> None:
        for problem, metric in self.metrics.items():
            if problem not in self.tables:
                raise KeyError(f"no table for {problem!r}; there are {', '.join(self.tables)}")
            if metric not in self.tables[problem].metrics:
                raise ValueError(f"{problem}'s table has no metric {metric!r}; it has {self.tables[problem].metrics}")

    def rows(self) -> list[list[str]]:
        names = [name for name in next(iter(self.tables.values())).runs if name != "baseline"]
        header = ["tip", *(f"{problem}: Δ {LABELS[metric]}" for problem, metric in self.metrics.items())]
        rows = [header]
        for name in names:
            cells = [name]
            for problem, metric in self.metrics.items():
                mean, std, count = self.tables[problem].paired_difference(name, metric)
                spec = ".1f" if metric in ("modes_covered", "fcd") else ".2f"
                cells.append("—" if count == 0 else f"{mean:+{spec}}" + ("" if count == 1 else f" ± {std:{spec}}"))
            rows.append(cells)
        return rows

    def caption(self) -> str:
        return ("each tip minus the baseline, seed by seed (the same initial weights and data): mean ± sample std "
                "(ddof = 1) of the differences over the seeds where both runs finished")
