r"""An exponential moving average of the generator's weights (Karras et al. 2018, Appendix A.1: "an exponential
running average for the weights of the generator with decay 0.999"), the released code's ``Gs`` and ``G_smoothing``.

:class:`GeneratorEMA` keeps an averaged copy of G for samples and metrics, while G itself trains. Its parameters
follow the code's ``setup_as_moving_average_of``; everything else in G's ``state_dict`` — buffers, and the stage of a
:class:`~gan_course.models.ProGANGenerator` — is copied (the code's ``beta_nontrainable = 0``):

$$\bar\theta \leftarrow \beta\, \bar\theta + (1 - \beta)\, \theta$$
"""

from __future__ import annotations

import copy
import math
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from gan_course.training.hooks import Hook

if TYPE_CHECKING:
    from gan_course.training.trainer import GANTrainer


class GeneratorEMA(Hook):
    r"""Keep :attr:`generator`, an exponential moving average of the trainer's generator with decay ``beta``.

    The copy is made from G when ``fit`` starts (the code's ``Gs = G.clone()``), without gradients, and updated at
    the start of every iteration, before that iteration's updates: the code runs the average together with D's
    update, before G's, so after step $t$ the average includes G up to step $t - 1$. Its weights are saved in the
    run's checkpoint. Sample from it with ``hook.generator(z)`` (under ``torch.no_grad()``) or give it to a metric.
    """

    def __init__(self, beta: float = 0.999):
        if not isinstance(beta, (int, float)) or not (math.isfinite(beta) and 0 <= beta < 1):
            raise ValueError(f"beta (the decay of the average) must be in [0, 1), the code uses 0.999; got {beta!r}")
        self.beta = float(beta)
        self.generator: nn.Module | None = None

    def _copy(self, generator: nn.Module) -> None:
        self.generator = copy.deepcopy(generator).requires_grad_(False)

    @torch.no_grad()
    def update(self, generator: nn.Module) -> None:
        """One step of the average towards ``generator``'s weights; its buffers and extra state copied."""
        for average, parameter in zip(self.generator.parameters(), generator.parameters()):
            # theta_bar <- beta theta_bar + (1 - beta) theta
            average.lerp_(parameter, 1 - self.beta)
        names = {name for name, _ in generator.named_parameters()}
        rest = {name: value for name, value in generator.state_dict().items() if name not in names}
        self.generator.load_state_dict(rest, strict=False)

    def on_fit_start(self, trainer: GANTrainer, steps: int) -> None:
        if self.generator is None:
            self._copy(trainer.generator)

    def before_step(self, trainer: GANTrainer) -> None:
        self.update(trainer.generator)

    def state_dict(self) -> dict[str, Any]:
        return {} if self.generator is None else {"generator": self.generator.state_dict()}

    def load_state_dict(self, state: dict[str, Any], trainer: GANTrainer) -> None:
        if state:
            self._copy(trainer.generator)
            self.generator.load_state_dict(state["generator"])

    def __repr__(self) -> str:
        return f"GeneratorEMA(beta={self.beta:g})"


def ema_of(trainer: GANTrainer, beta: float | None = None) -> GeneratorEMA:
    """The trainer's :class:`GeneratorEMA` hook (its ``generator`` is the averaged G); the one of decay ``beta`` when
    the trainer has several."""
    found = [hook for hook in trainer.hooks if isinstance(hook, GeneratorEMA) and beta in (None, hook.beta)]
    if len(found) != 1:
        wanted = "GeneratorEMA hooks" if beta is None else f"GeneratorEMA hooks of decay {beta:g}"
        raise ValueError(f"the trainer has {len(found)} {wanted}, not one: add one to its hooks, or name its beta")
    return found[0]
