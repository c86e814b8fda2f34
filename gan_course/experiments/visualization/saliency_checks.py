r"""Sanity checks for saliency maps (Adebayo, Gilmer, Muelly, Goodfellow, Hardt & Kim 2018): does a map say anything
about what the network *learned*?

A saliency method that explains a trained network must give different maps for a network that learned nothing.
Adebayo et al.'s **model parameter randomisation test** computes the same maps with the network's weights re-drawn
from their initialisation, *cascading* from the top layer down (one more layer re-initialised at each stage), and
measures how similar each stage's maps are to the trained network's, by the Spearman rank correlation of the maps'
magnitudes (their Section 3 and Figure 2). Maps that stay the same reflect the architecture and the input — guided
backpropagation's, they found, largely do: it reconstructs the image's edges whatever the weights are (their
Section 4; Nie, Zhang & Patel 2018 explain why).

:func:`cascading_randomisation` runs the test for units of a convolutional D (the units of
:func:`~gan_course.experiments.visualization.discriminator_features.unit_saliency`, each at its own strongest position
in each network, as the procedure defines it), and records for every stage and both maps the ink share of the most
salient pixels (:func:`~gan_course.experiments.visualization.discriminator_features.share_on_ink`) and the rank
correlation with the trained D's map. Its last stage, every layer up to the unit re-initialised, is a randomly
initialised D of the same architecture (layers above the unit do not change it).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from scipy.stats import spearmanr
from torch import Tensor, nn

from gan_course.models.dcgan import init_weights
from gan_course.experiments.visualization.discriminator_features import receptive_field_ink, share_on_ink, unit_saliency

METHODS = ("gradient", "guided")


def reinitialise(network: nn.Module, names: Sequence[str], seed: int = 0,
                 init: Callable[[nn.Module], None] = init_weights) -> nn.Module:
    """A copy of ``network`` whose submodules ``names`` (e.g. ``"net.2"``) have their weights drawn again by ``init``
    (default: DCGAN's, Radford et al. 2016: N(0, 0.02)) from a generator seeded with ``seed``, and their batch-norm
    running statistics reset to the initial mean 0 and variance 1; ``network`` is not changed."""
    copied = copy.deepcopy(network)
    modules = dict(copied.named_modules())
    missing = [name for name in names if name not in modules]
    if missing:
        raise ValueError(f"no submodule named {missing} in {type(network).__name__}; its modules with parameters are "
                         f"{[n for n, m in modules.items() if n and list(m.parameters(recurse=False))]}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for name in names:
            module = modules[name]
            if hasattr(module, "reset_running_stats"):
                module.reset_running_stats()
            init(module)
    return copied


def cascade_layers(discriminator: nn.Module, layer: int) -> list[str]:
    """The modules with parameters among ``discriminator.net[: layer + 1]`` (those a unit of layer ``layer``
    depends on), from the top down: the order in which the cascade re-initialises them."""
    return [f"net.{index}" for index in reversed(range(layer + 1))
            if list(discriminator.net[index].parameters(recurse=False))]


def rank_correlation(a: np.ndarray, b: np.ndarray, where: np.ndarray | None = None) -> float:
    """Spearman's rank correlation of two maps' magnitudes $|a|$, $|b|$ over the pixels ``where`` is true (default:
    all; ties get their mean rank); NaN where one map is constant there (no ranking to compare)."""
    a, b = np.abs(np.asarray(a, dtype=np.float64)).reshape(-1), np.abs(np.asarray(b, dtype=np.float64)).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f"the maps must have one shape, got {a.shape} and {b.shape} values")
    if where is not None:
        keep = np.asarray(where, dtype=bool).reshape(-1)
        a, b = a[keep], b[keep]
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


@dataclass(frozen=True, eq=False)
class Cascade:
    """The randomisation test's results: ``stages`` (``"trained"``, then each layer re-initialised in turn, named by
    the module), and per method (``"gradient"``, ``"guided"``) an array ``(stages, maps)``, maps being digit x unit
    in that order: ``ink`` (share of ink among the top pixels), ``correlation`` (rank correlation with the trained
    map over the unit's receptive field), ``empty`` (the map is 0 everywhere: ink and correlation are NaN); and
    ``field_ink`` per map (the ink in the unit's receptive field: what a map pointing anywhere inside it scores).
    ``examples`` holds both maps of the first digit's first unit at every stage."""

    stages: list[str]
    ink: dict[str, np.ndarray]
    correlation: dict[str, np.ndarray]
    empty: dict[str, np.ndarray]
    field_ink: np.ndarray
    examples: list[dict[str, np.ndarray]]

    @staticmethod
    def mean(values: np.ndarray) -> np.ndarray:
        """The mean over maps at each stage, leaving out undefined (NaN) values."""
        return np.array([np.nan if np.isnan(row).all() else np.nanmean(row) for row in np.atleast_2d(values)])


def cascading_randomisation(discriminator: nn.Module, images: Tensor, layer: int, units: Sequence[int],
                            seed: int = 0, top: float = 0.05) -> Cascade:
    """Adebayo et al.'s (2018) cascading randomisation for ``units`` (channels) of ``discriminator.net[layer]`` on
    ``images`` ``(N, C, H, W)``: the trained D, then D with one more layer re-initialised at each stage, from the top
    down (:func:`cascade_layers`; stage ``i`` re-draws its layer with seed ``seed + i``). Every stage maps the *same*
    unit — the channel at the trained D's strongest position for that digit — so that the receptive field stays the
    same and the rank correlation, taken over it, compares how the two maps order the pixels the unit sees."""
    if not units:
        raise ValueError("units must name at least one channel of the layer")
    names = cascade_layers(discriminator, layer)
    networks, stages = [discriminator], ["trained"]
    for stage, name in enumerate(names, start=1):
        networks.append(reinitialise(networks[-1], [name], seed + stage))
        stages.append(f"{name} {type(discriminator.get_submodule(name)).__name__}")
    shape = (len(networks), len(images) * len(units))
    ink = {method: np.full(shape, np.nan) for method in METHODS}
    correlation = {method: np.full(shape, np.nan) for method in METHODS}
    empty = {method: np.zeros(shape, dtype=bool) for method in METHODS}
    field_ink = np.zeros(shape[1])
    examples: list[dict[str, np.ndarray]] = []
    for column, (image, unit) in enumerate((image, unit) for image in images for unit in units):
        trained = unit_saliency(discriminator, image, layer, unit)
        field = trained.gradient != 0
        field_ink[column] = receptive_field_ink(trained, image)
        for row, network in enumerate(networks):
            saliency = trained if row == 0 else unit_saliency(network, image, layer, unit, trained.position)
            maps = {method: getattr(saliency, method) for method in METHODS}
            for method in METHODS:
                empty[method][row, column] = not np.any(maps[method])
                if not empty[method][row, column]:
                    ink[method][row, column] = share_on_ink(maps[method], image, top)
                    correlation[method][row, column] = rank_correlation(maps[method], getattr(trained, method), field)
            if column == 0:
                examples.append(maps)
    return Cascade(stages, ink, correlation, empty, field_ink, examples)
