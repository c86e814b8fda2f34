r"""The units of a generator's middle layer: which ones follow a measurable property of the digit, and what changes
when they are switched off.

This is the analogue, on MNIST, of Radford et al.'s (2016, Section 6.3.1) "forgetting to draw windows" — they
dropped the feature maps of G's second-highest layer that a logistic regression tied to windows, and the windows
vanished from the bedrooms — and of Bau et al.'s (2019, "GAN Dissection") interventions on units. The way units are
*found* is only a loose analogue of GAN Dissection's: Bau et al. threshold each unit's upsampled activation map and
score its overlap with a segmentation of the image into objects (intersection over union), a spatial match; here a
unit is scored by the correlation, over many samples, of its channel mean with a global property of the digit.

1. :func:`unit_activations`: the spatial mean of each channel (unit) of one layer, for many latents;
2. :func:`unit_correlations`: Pearson's $r$ between each unit and each property of
   :mod:`~gan_course.experiments.visualization.digit_properties`, over the same samples;
3. :func:`switch_off`: the same latents drawn again with chosen units set to 0 in that layer (a forward hook), and
   :func:`intervention_effect`: what changed — each property's mean, the share of digits the classifier now reads as
   another class, and the mean pixel change — to compare with switching off as many *random* units.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from gan_course.eval_mode import eval_mode
from gan_course.metrics.classifier import MNISTClassifier, predict
from gan_course.experiments.visualization.digit_properties import digit_properties


def _layer(generator: nn.Module, layer: int) -> nn.Module:
    if not 0 <= layer < len(generator.net):
        raise ValueError(f"layer must index generator.net (0..{len(generator.net) - 1}), got {layer}")
    return generator.net[layer]


@contextmanager
def _recorded(module: nn.Module) -> Iterator[list[Tensor]]:
    outputs: list[Tensor] = []
    handle = module.register_forward_hook(lambda mod, inputs, output: outputs.append(output.detach()))
    try:
        yield outputs
    finally:
        handle.remove()


def unit_activations(generator: nn.Module, layer: int, z: Tensor) -> tuple[Tensor, Tensor]:
    """For latents ``z``: each unit's mean activation in ``generator.net[layer]``'s output, ``(N, channels)``, and
    the images, ``(N, C, H, W)``; in eval mode, on the CPU."""
    module = _layer(generator, layer)
    with torch.no_grad(), eval_mode(generator), _recorded(module) as outputs:
        images = generator(z.to(next(generator.parameters()).device))
    if outputs[0].ndim != 4:
        raise ValueError(f"generator.net[{layer}] gives {tuple(outputs[0].shape)}: choose a convolutional layer")
    return outputs[0].mean(dim=(2, 3)).cpu(), images.cpu()


def unit_correlations(activations: Tensor, properties: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Pearson's $r$ of every unit (a column of ``activations``) with every property: ``{name: (channels,)}``; a
    unit that never varies gets $r = 0$."""
    a = activations.double().numpy()
    a = a - a.mean(0)
    correlations = {}
    for name, values in properties.items():
        v = np.asarray(values, dtype=np.float64)
        if len(v) != len(a):
            raise ValueError(f"property {name!r} has {len(v)} values for {len(a)} samples")
        v = v - v.mean()
        scale = np.sqrt((a**2).sum(0) * (v**2).sum())
        correlations[name] = np.divide(a.T @ v, scale, out=np.zeros(a.shape[1]), where=scale > 0)
    return correlations


def switch_off(generator: nn.Module, layer: int, units: Sequence[int], z: Tensor) -> Tensor:
    """The images of ``z`` with ``units`` (channels) of ``generator.net[layer]``'s output set to 0; eval mode, CPU."""
    module = _layer(generator, layer)
    units = list(units)

    def zero(mod: nn.Module, inputs, output: Tensor) -> Tensor:
        if max(units, default=-1) >= output.shape[1] or min(units, default=0) < 0:
            raise ValueError(f"units must be channels of the layer (0..{output.shape[1] - 1}), got {units}")
        output = output.clone()
        output[:, units] = 0
        return output

    handle = module.register_forward_hook(zero)
    try:
        with torch.no_grad(), eval_mode(generator):
            return generator(z.to(next(generator.parameters()).device)).cpu()
    finally:
        handle.remove()


@dataclass(frozen=True)
class InterventionEffect:
    """What switching units off changed, over the same latents: each property's mean ``before`` and ``after``, the
    share of digits whose predicted class ``changed_class``, and the mean absolute ``pixel_change`` (in [0, 2])."""

    before: dict[str, float]
    after: dict[str, float]
    changed_class: float
    pixel_change: float

    def __str__(self) -> str:
        moves = ", ".join(f"{name} {self.before[name]:.3g} -> {self.after[name]:.3g}" for name in self.before)
        return f"{moves}; class changed for {self.changed_class:.1%}; mean pixel change {self.pixel_change:.3f}"


def intervention_effect(before: Tensor, after: Tensor, classifier: MNISTClassifier) -> InterventionEffect:
    """Compare the images of the same latents drawn ``before`` and ``after`` an intervention."""
    if before.shape != after.shape:
        raise ValueError(f"before and after must be the same latents' images, got {tuple(before.shape)} and "
                         f"{tuple(after.shape)}")
    properties = (digit_properties(before), digit_properties(after))
    changed = (predict(classifier, before) != predict(classifier, after)).double().mean().item()
    return InterventionEffect(*({name: float(values.mean()) for name, values in p.items()} for p in properties),
                              changed_class=changed, pixel_change=(after - before).abs().mean().item())
