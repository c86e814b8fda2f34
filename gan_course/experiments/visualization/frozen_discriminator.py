r"""A discriminator that stops learning, and what "stops" means with batch norm.

Against a *fixed* D the best generator maps every latent to whatever D likes most (Goodfellow 2016, Section 5.1.1),
so a GAN whose D no longer learns is the textbook way into mode collapse. With batch norm, "fixed" has two readings:

* D's **weights** frozen, D still in train mode: each batch is normalised by its own statistics, so D judges a fake
  batch relative to itself, and its verdict on one sample depends on the rest of the batch;
* D's weights frozen **and** D in eval mode: batch norm uses the running averages of past batches, and D is one fixed
  function of each sample — but not the function it was trained as (it learnt on all-real and all-fake batches
  normalised by their own statistics; see :mod:`gan_course.batch_statistics`).

:class:`FreezeDiscriminator` is a hook that does either from a given step on; the loop is unchanged: D's update still
runs — its loss, outputs and gradients are computed and recorded — but with learning rate 0 Adam (or SGD) moves no
weight. :func:`mode_switch` measures, for the same weights and the same batches and before any step is taken, what
the switch to eval mode alone changes: D's mean outputs and the gradient norms of both networks' losses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import Tensor

from gan_course.batch_statistics import batch_norm_mode
from gan_course.eval_mode import eval_mode
from gan_course.losses.gan import discriminator_loss, nonsaturating_generator_loss
from gan_course.training.hooks import Hook
from gan_course.experiments.visualization.network_statistics import NetworkStatistics

if TYPE_CHECKING:
    from gan_course.training.trainer import GANTrainer

MODES = ("train", "eval")


class FreezeDiscriminator(Hook):
    """From step ``at`` on (before the iteration that makes step ``at + 1``), D's learning rate is 0 in every parameter
    group, and with ``mode="eval"`` D is put in eval mode (batch norm on its running statistics); ``mode="train"``
    leaves it in train mode (batch norm on each batch's statistics). Applied again before every later step and at the
    start of a resumed ``fit``, so a checkpoint needs no state for it."""

    def __init__(self, at: int, mode: str = "train"):
        if not isinstance(at, int) or at < 0:
            raise ValueError(f"at (the step from which D is frozen) must be a non-negative integer, got {at!r}")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES} ('train': batch norm on each batch's statistics; 'eval': on "
                             f"its running statistics), got {mode!r}")
        self.at, self.mode = at, mode

    def before_step(self, trainer: GANTrainer) -> None:
        if trainer.step >= self.at:
            for group in trainer.optimizers["discriminator"].param_groups:
                group["lr"] = 0.0
            trainer.discriminator.train(self.mode == "train")

    def __repr__(self) -> str:
        return f"FreezeDiscriminator(at={self.at}, mode={self.mode!r})"


@dataclass(frozen=True)
class ModeReading:
    r"""D in one mode on fixed batches: the mean ``d_real`` $= \overline{D(x)}$ and ``d_fake`` $= \overline{D(G(z))}$,
    and the 2-norms of the gradients of D's loss with respect to D's weights (``d_gradient``) and of G's
    non-saturating loss with respect to G's weights (``g_gradient``), each over all their weight tensors together."""

    d_real: float
    d_fake: float
    d_gradient: float
    g_gradient: float


def _norm(loss: Tensor, parameters: list[Tensor]) -> float:
    gradients = torch.autograd.grad(loss, parameters, retain_graph=True)
    return float(torch.sqrt(sum((g.double() ** 2).sum() for g in gradients)))


def mode_switch(generator: torch.nn.Module, discriminator: torch.nn.Module, real: Tensor, z: Tensor
                ) -> dict[str, ModeReading]:
    r"""D's verdicts and both gradient norms on the real batch ``real`` and the fakes $G(z)$, with D's batch norm on
    each batch's statistics (``"train"``, as in training: the real and the fake batch normalised separately, as
    :class:`~gan_course.training.AlternatingStep` feeds them) and on its running statistics (``"eval"``). The same
    weights and batches in both: a difference is the switch alone. G runs in train mode, as in its update; no running
    statistic or weight is changed. D's loss is $-\log D(x) - \log(1 - D(G(z)))$, G's $-\log D(G(z))$."""
    weights = {name: [p for p in network.parameters() if p.ndim > 1]
               for name, network in (("generator", generator), ("discriminator", discriminator))}
    readings = {}
    for mode, context in (("train", batch_norm_mode("batch")), ("eval", eval_mode)):
        with batch_norm_mode("batch")(generator), context(discriminator):
            fake = generator(z)
            d_real, d_fake = discriminator(real), discriminator(fake)
            readings[mode] = ModeReading(float(torch.sigmoid(d_real.detach()).mean()),
                                         float(torch.sigmoid(d_fake.detach()).mean()),
                                         _norm(discriminator_loss(d_real, d_fake), weights["discriminator"]),
                                         _norm(nonsaturating_generator_loss(d_fake), weights["generator"]))
    return readings


def total_gradient_norm(statistics: NetworkStatistics, network: str) -> np.ndarray:
    """The 2-norm of all of ``network``'s weight gradients together at each of ``statistics.steps`` — the root of the
    sum of the squared layer norms :class:`~gan_course.experiments.visualization.network_statistics.NetworkStatistics`
    recorded (NaN before the first update)."""
    if network not in statistics.gradient_norms:
        raise ValueError(f"network must be one of {sorted(statistics.gradient_norms)}, got {network!r}")
    layers = np.array(list(statistics.gradient_norms[network].values()), dtype=np.float64)
    return np.sqrt((layers ** 2).sum(0))
