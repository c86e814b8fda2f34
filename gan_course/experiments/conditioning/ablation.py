r"""Does a piece help at this scale? A recipe's run beside the same run with one setting changed, on paired seeds.

Each variant is the recipe with some settings replaced (``{"attention": False}``); every variant is trained from each
seed with the same number of steps: :func:`~gan_course.seed.seed_everything` is called before each run is built, so
for one seed the runs share their data order and draw their weights and latents from the same random stream (the
same draws where the networks are the same; a variant with fewer layers draws fewer numbers, and the draws after
them shift). Each run is scored by the course's protocol: the Fréchet classifier
distance of its marginal samples, its label accuracy, and the Fréchet distance of its samples with $z$ truncated at
$\tau$ = :data:`TRUNCATION` (BigGAN's claim for orthogonal regularisation is that it makes G amenable to
truncation). The table gives mean ± sample standard deviation (ddof = 1) over the seeds, and the change from the
baseline seed by seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import torch

from gan_course.conditioning import marginal_sampler
from gan_course.data import LabeledImages
from gan_course.latent import TruncatedNormal
from gan_course.metrics.protocol import Evaluation
from gan_course.recipes import Recipe
from gan_course.seed import seed_everything
from gan_course.tables import ResultTable

TRUNCATION = 0.5
METRICS = {"fcd": "FCD", "label_accuracy": "label acc.", "fcd_truncated": f"FCD at τ = {TRUNCATION:g}"}


@dataclass(frozen=True)
class AblationTable(ResultTable):
    """``scores[variant][seed]`` = the protocol's numbers of that run (:data:`METRICS`); ``steps`` each."""

    scores: Mapping[str, Mapping[int, Mapping[str, float]]]
    seeds: tuple[int, ...]
    steps: int
    baseline: str = "baseline"

    def __post_init__(self) -> None:
        if self.baseline not in self.scores:
            raise ValueError(f"no run called {self.baseline!r}; there are {', '.join(self.scores)}")

    def values(self, variant: str, metric: str) -> np.ndarray:
        """The metric of each seed's run, in the order of :attr:`seeds`."""
        return np.array([self.scores[variant][seed][metric] for seed in self.seeds])

    def summary(self, variant: str, metric: str) -> tuple[float, float, int]:
        """Mean, sample std (ddof = 1; NaN for one seed) and number of seeds."""
        values = self.values(variant, metric)
        return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else float("nan"), len(values)

    def paired_difference(self, variant: str, metric: str) -> tuple[float, float, int]:
        """The variant minus the baseline, seed by seed: mean, sample std (ddof = 1) and number of seeds."""
        differences = self.values(variant, metric) - self.values(self.baseline, metric)
        std = float(differences.std(ddof=1)) if len(differences) > 1 else float("nan")
        return float(differences.mean()), std, len(differences)

    def rows(self) -> list[list[str]]:
        rows = [["run", *METRICS.values()]]
        for variant in self.scores:
            cells = [variant]
            for metric in METRICS:
                mean, std, _ = self.summary(variant, metric)
                spec = ".3f" if metric == "label_accuracy" else ".1f"
                cells.append(f"{mean:{spec}} ± {std:{spec}}")
            rows.append(cells)
        for variant in self.scores:
            if variant == self.baseline:
                continue
            cells = [f"Δ {variant}"]
            for metric in METRICS:
                mean, std, _ = self.paired_difference(variant, metric)
                spec = ".3f" if metric == "label_accuracy" else ".1f"
                cells.append(f"{mean:+{spec}} ± {std:{spec}}")
            rows.append(cells)
        return rows

    def caption(self) -> str:
        return (f"mean ± sample std (ddof = 1) over n = {len(self.seeds)} seeds, {self.steps} steps each; "
                f"Δ: the run minus the {self.baseline}, seed by seed")


def protocol_scores(generator: torch.nn.Module, evaluation: Evaluation) -> dict[str, float]:
    """A conditional generator's numbers under the protocol (:data:`METRICS`): the Fréchet distance of its marginal
    samples, its label accuracy, and the Fréchet distance of its marginal samples with z truncated at
    :data:`TRUNCATION`."""
    truncated = TruncatedNormal(generator.latent_dim, TRUNCATION)
    return {"fcd": evaluation(marginal_sampler(generator), progress=False).fcd,
            "label_accuracy": evaluation.label_accuracy(generator, progress=False).accuracy,
            "fcd_truncated": evaluation(marginal_sampler(generator, prior=truncated), progress=False).fcd}


def measure_ablation(recipe: Recipe, data: LabeledImages, variants: Mapping[str, Mapping[str, Any]],
                     seeds: Sequence[int], steps: int, evaluation: Evaluation, profile: str | None = None,
                     device: torch.device | None = None) -> AblationTable:
    """Train ``recipe`` (at ``profile``) with each variant's settings replaced, from each seed (the recipe's data
    order and everything random: :func:`~gan_course.seed.seed_everything` before each run), for ``steps`` steps, and
    score each run. ``variants`` maps names to changes, the baseline's being ``{}``; the seeds must be distinct."""
    if "baseline" not in variants or dict(variants["baseline"]):
        raise ValueError("variants must hold the unchanged run as 'baseline': {}")
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct and at least one, got {list(seeds)}")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    scores: dict[str, dict[int, dict[str, float]]] = {name: {} for name in variants}
    for seed in seeds:
        for name, changes in variants.items():
            seed_everything(seed)
            trainer = recipe.trainer(data, profile, device, seed=seed, **changes)
            trainer.fit(steps)
            scores[name][seed] = protocol_scores(trainer.generator, evaluation)
    return AblationTable(scores, tuple(seeds), steps)
