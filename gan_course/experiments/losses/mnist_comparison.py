r"""Several GANs on MNIST from the same seeds at the same budget, scored by the course's protocol: a table of the
Fréchet classifier distance (mean ± sample std over seeds) and each entry's change from a baseline, seed by seed.

Each entry is a set of changes to one :class:`~gan_course.recipes.Recipe` (its objective, its learning rate, its
normalisation...). For a given seed every entry starts from :func:`~gan_course.seed.seed_everything` ``(seed)``,
builds the recipe's networks (so the same architecture gets the same initial weights) and reads the data in the same
order; every entry makes the same number of generator steps. Miyato et al. (2018) compare their methods the same
way, on the same networks; this is that comparison at the course's scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import nn

from gan_course.data import LabeledImages
from gan_course.metrics import MNISTEvaluation
from gan_course.metrics.protocol import Score
from gan_course.progress import progress_bar
from gan_course.recipes import Recipe
from gan_course.seed import seed_everything
from gan_course.tables import ResultTable
from gan_course.training import Hook


@dataclass(eq=False)
class MNISTComparison(ResultTable):
    """The scores of :func:`compare_on_mnist`: ``scores[name]`` over ``seeds``, and each run's trained
    discriminator and generator in ``networks[name, seed]``."""

    steps: int
    seeds: tuple[int, ...]
    baseline: str
    scores: dict[str, list[Score]] = field(default_factory=dict)
    networks: dict[tuple[str, int], tuple[nn.Module, nn.Module]] = field(default_factory=dict)

    def fcd(self, name: str) -> np.ndarray:
        """The Fréchet classifier distances of ``name``'s runs, seed by seed."""
        if name not in self.scores:
            raise KeyError(f"no entry {name!r}; there are {', '.join(self.scores)}")
        return np.array([score.fcd for score in self.scores[name]], dtype=np.float64)

    def summary(self, name: str) -> tuple[float, float]:
        """Mean and sample standard deviation (ddof = 1) of ``name``'s distances over the seeds."""
        values = self.fcd(name)
        return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else math.nan

    def paired(self, name: str) -> tuple[float, float]:
        """Mean and sample std of ``name``'s distance minus the baseline's, seed by seed (paired runs)."""
        differences = self.fcd(name) - self.fcd(self.baseline)
        return float(differences.mean()), float(differences.std(ddof=1)) if len(differences) > 1 else math.nan

    def rows(self) -> list[list[str]]:
        header = ["model", "FCD", f"Δ vs {self.baseline}", "classes", "per seed"]
        rows = [header]
        for name, scores in self.scores.items():
            mean, std = self.summary(name)
            delta = "—" if name == self.baseline else "{:+.1f} ± {:.1f}".format(*self.paired(name))
            classes = np.mean([score.histogram.classes_covered for score in scores])
            rows.append([name, f"{mean:.1f} ± {std:.1f}", delta, f"{classes:.1f}",
                         " ".join(f"{score.fcd:.1f}" for score in scores)])
        return rows

    def caption(self) -> str:
        return (f"{self.steps} G steps, seeds {', '.join(map(str, self.seeds))} (n = {len(self.seeds)}): "
                f"mean ± sample std (ddof = 1); Δ: paired by seed")


def compare_on_mnist(recipe: Recipe, entries: dict[str, dict[str, Any]], data: LabeledImages, seeds: Sequence[int],
                     steps: int, evaluation: MNISTEvaluation, profile: str | None = None,
                     device: torch.device | None = None, progress: bool = True,
                     hooks: Callable[[str, int], list[Hook]] | None = None) -> MNISTComparison:
    """Train ``recipe`` at ``profile`` with each entry's changes (e.g. ``{"lr": 1e-4, "spectral": False}``) once per
    seed for ``steps`` generator steps and score each generator with ``evaluation``; the first entry is the
    baseline of the paired differences. The seed fixes the initial weights and the data order (``seed=`` of the
    recipe's data stream). ``hooks(name, seed)``, if given, returns the hooks of that run (e.g. a
    :class:`~gan_course.experiments.losses.spectral_normalization.SigmaTracker` on one run)."""
    seeds = tuple(seeds)
    if not entries or len(seeds) < 1 or len(set(seeds)) != len(seeds):
        raise ValueError(f"need at least one entry and distinct seeds, got {list(entries)} and {seeds}")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps (generator steps per run) must be a positive integer, got {steps!r}")
    comparison = MNISTComparison(steps, seeds, next(iter(entries)))
    runs = [(name, seed) for name in entries for seed in seeds]
    with progress_bar(len(runs), "MNIST runs", "run", enabled=progress) as bar:
        for name, seed in runs:
            seed_everything(seed)
            extra = {"hooks": hooks(name, seed)} if hooks is not None else {}
            trainer = recipe.trainer(data, profile, device, seed=seed, **entries[name], **extra)
            trainer.fit(steps)
            comparison.scores.setdefault(name, []).append(evaluation(trainer.generator, progress=False))
            comparison.networks[name, seed] = trainer.generator, trainer.discriminator
            bar.update()
    return comparison
