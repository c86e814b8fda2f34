r"""Historical averaging (Salimans et al. 2016, Section 3.3): each player's loss gets the term

$$\lambda \,\Big\lVert \theta - \frac{1}{t} \sum_{i=1}^{t} \theta[i] \Big\rVert^2,$$

which pulls its parameters towards their own average over training. The average of a player circling an equilibrium
sits near its centre, so the pull damps the cycles of gradient play (the paper's motivation: fictitious play, which
converges in games where gradient descent cycles; see :mod:`gan_course.experiments.making_gans_train.game_dynamics`).

The :class:`HistoricalAveraging` hook adds the term's gradient, $2\lambda(\theta - \bar\theta)$, to every gradient a
parameter of the chosen networks receives (a ``register_post_accumulate_grad_hook`` per parameter, so the objective
and the step are unchanged), and records the term's value. Here $\theta[i]$ is the parameters' value at the start of
step $i$, the current step included, so at the first step the term is zero; the averages are saved in checkpoints.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Sequence

import torch
from torch import Tensor, nn

from gan_course.training.hooks import Hook

if TYPE_CHECKING:
    from gan_course.training.trainer import GANTrainer


class HistoricalAveraging(Hook):
    r"""Penalise the distance of the ``networks``' parameters (default G and D) to their historical averages, with
    weight ``weight`` ($\lambda$); records ``historical_averaging``, the term summed over the networks."""

    def __init__(self, weight: float, networks: Sequence[str] = ("generator", "discriminator")):
        if not (isinstance(weight, (int, float)) and math.isfinite(weight) and weight > 0):
            raise ValueError(f"weight (lambda of the historical average's term) must be a positive number, got "
                             f"{weight!r}")
        self.weight, self.networks = float(weight), tuple(networks)
        self.averages: dict[str, list[Tensor]] = {}
        self.count = 0
        self._handles: list[Any] = []

    def _parameters(self, trainer: GANTrainer) -> dict[str, list[nn.Parameter]]:
        return {name: list(trainer.networks[name].parameters()) for name in self.networks}

    def on_fit_start(self, trainer: GANTrainer, steps: int) -> None:
        missing = [name for name in self.networks if name not in trainer.networks]
        if missing:
            raise ValueError(f"HistoricalAveraging: the trainer has no network {missing} (it has "
                             f"{', '.join(trainer.networks)})")
        if trainer.acceleration.amp == "fp16":
            raise ValueError("HistoricalAveraging adds to the gradients, which float16 training scales: use "
                             "amp='bf16' or full precision")
        for name, parameters in self._parameters(trainer).items():
            if name not in self.averages:
                self.averages[name] = [parameter.detach().clone() for parameter in parameters]
            for parameter, average in zip(parameters, self.averages[name]):
                self._handles.append(parameter.register_post_accumulate_grad_hook(self._pull(average)))

    def _pull(self, average: Tensor) -> Any:
        def add(parameter: Tensor) -> None:
            # the gradient of lambda ||theta - theta_bar||^2: 2 lambda (theta - theta_bar)
            parameter.grad.add_(parameter.detach() - average, alpha=2 * self.weight)

        return add

    @torch.no_grad()
    def before_step(self, trainer: GANTrainer) -> None:
        self.count += 1
        total = torch.zeros((), device=trainer.device)
        for name, parameters in self._parameters(trainer).items():
            for parameter, average in zip(parameters, self.averages[name]):
                # theta_bar <- theta_bar + (theta - theta_bar) / t: the mean of theta[1..t]
                average.add_(parameter - average, alpha=1.0 / self.count)
                total += (parameter - average).pow(2).sum()
        trainer.record(historical_averaging=self.weight * total)

    def on_fit_end(self, trainer: GANTrainer, error: BaseException | None) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def state_dict(self) -> dict[str, Any]:
        return {"averages": self.averages, "count": self.count}

    def load_state_dict(self, state: dict[str, Any], trainer: GANTrainer) -> None:
        self.averages = {name: [tensor.to(trainer.device) for tensor in tensors]
                         for name, tensors in state["averages"].items()}
        self.count = int(state["count"])

    def __repr__(self) -> str:
        return f"HistoricalAveraging(weight={self.weight:g}, networks={self.networks})"
