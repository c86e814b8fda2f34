r"""Instance noise (Sønderby et al. 2017, Section 5; Arjovsky & Bottou 2017, Section 3.1): Gaussian noise added to
every input of D, real and fake alike, annealed to zero during training.

Where the data and the generator's distribution lie on low-dimensional manifolds that do not overlap, a perfect
discriminator exists and gives G no useful gradient (Arjovsky & Bottou 2017, Theorems 2.1–2.6). Convolving both
distributions with $N(0, \sigma^2 I)$ makes them overlap everywhere; D then compares

$$p_\text{data} * N(0, \sigma^2 I) \quad\text{with}\quad p_g * N(0, \sigma^2 I),$$

and the noise is annealed, $\sigma_t = \sigma_0 \max(0, 1 - t / T)$ (Sønderby et al. anneal it linearly to zero), so
that late in training D sees the distributions themselves. :class:`InstanceNoise` wraps D; the
:class:`AnnealedInstanceNoise` hook sets its $\sigma$ before every step and records it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor, nn

from gan_course.distributed import local_rows
from gan_course.training.hooks import Hook

if TYPE_CHECKING:
    from gan_course.training.trainer import GANTrainer


class InstanceNoise(nn.Module):
    r"""``discriminator`` whose input gets $N(0, \sigma^2 I)$ noise in training mode (none in eval mode, none at
    ``sigma = 0``); further arguments (a conditional D's labels) pass through."""

    def __init__(self, discriminator: nn.Module, sigma: float = 0.0):
        super().__init__()
        self.discriminator = discriminator
        self.sigma = sigma

    def forward(self, x: Tensor, *args: Any) -> Any:
        if self.training and self.sigma > 0:
            # x + sigma epsilon, epsilon ~ N(0, I); on several processes each rank's rows of the global batch's draw
            noise = local_rows(lambda rows: torch.randn((rows, *x.shape[1:]), device=x.device, dtype=x.dtype), len(x))
            x = x + self.sigma * noise
        return self.discriminator(x, *args)


class AnnealedInstanceNoise(Hook):
    r"""Set the $\sigma$ of the trainer's D (an :class:`InstanceNoise`) to $\sigma_0 \max(0, 1 - t/T)$ before step
    $t$, with $\sigma_0$ = ``sigma`` and $T$ = ``steps``, and record it as ``instance_noise``."""

    def __init__(self, sigma: float, steps: int):
        if not (isinstance(sigma, (int, float)) and math.isfinite(sigma) and sigma > 0):
            raise ValueError(f"sigma (the noise's starting standard deviation) must be a positive number, got {sigma!r}")
        if not isinstance(steps, int) or steps < 1:
            raise ValueError(f"steps (over which the noise anneals to 0) must be a positive integer, got {steps!r}")
        self.sigma, self.steps = float(sigma), steps

    def on_fit_start(self, trainer: GANTrainer, steps: int) -> None:
        if not isinstance(trainer.networks.get("discriminator"), InstanceNoise):
            raise TypeError("AnnealedInstanceNoise needs the discriminator wrapped as InstanceNoise(discriminator); "
                            f"this trainer's is {type(trainer.networks.get('discriminator')).__name__}")

    def before_step(self, trainer: GANTrainer) -> None:
        sigma = self.sigma * max(0.0, 1.0 - trainer.step / self.steps)
        trainer.networks["discriminator"].sigma = sigma
        trainer.record(instance_noise=sigma)

    def __repr__(self) -> str:
        return f"AnnealedInstanceNoise(sigma={self.sigma:g}, steps={self.steps})"
