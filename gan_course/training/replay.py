r"""Experience replay of past fakes (Shrivastava et al. 2017, Section 2.3): D is shown fakes of earlier generators
as well as the current one's, so that it does not forget the modes G has left and G cannot return to them unpunished.

Their rule, kept here: half of the fakes of each of D's updates are drawn at random from a buffer of earlier fakes,
the other half are fresh, and then half the fresh ones replace random entries of the buffer (filling it first).
CycleGAN's image pool (Zhu et al. 2017, after Shrivastava et al.) is the same idea with a buffer of 50 and a
coin flip per image.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from gan_course.latent.priors import Latent
from gan_course.training.step_view import StepView
from gan_course.training.steps import AlternatingStep


class ReplayStep(AlternatingStep):
    """:class:`~gan_course.training.AlternatingStep` whose D updates see half fresh fakes and half fakes drawn from a
    buffer of ``size`` earlier ones (once it holds half a batch); G's update is unchanged. The buffer is saved in
    checkpoints. A conditional GAN's fakes carry labels, which a replayed fake would not match: refused."""

    def __init__(self, size: int = 1000, d_steps: int | None = None, order: str = "d_first"):
        super().__init__(d_steps, order)
        if not isinstance(size, int) or size < 1:
            raise ValueError(f"size (fakes the buffer holds) must be a positive integer, got {size!r}")
        self.size = size
        self.buffer: Tensor | None = None

    def discriminator_fakes(self, trainer: StepView, latent: Latent) -> Tensor:
        if latent.labels is not None:
            raise ValueError("ReplayStep replays fakes without their labels, so it cannot train a conditional GAN: use "
                             "AlternatingStep")
        fresh = trainer.generate(latent)
        half = len(fresh) // 2
        if self.buffer is not None and len(self.buffer) >= half:
            replayed = self.buffer[torch.randperm(len(self.buffer))[:half]].to(fresh.device, fresh.dtype)
            shown = torch.cat([fresh[: len(fresh) - half], replayed])
        else:
            shown = fresh
        self._store(fresh[len(fresh) - half :].detach().cpu())
        return shown

    def _store(self, fakes: Tensor) -> None:
        """Add ``fakes`` to the buffer; once it is full, each replaces a random entry."""
        if self.buffer is None:
            self.buffer = fakes[: self.size].clone()
            fakes = fakes[self.size :]
        room = self.size - len(self.buffer)
        if room > 0:
            self.buffer = torch.cat([self.buffer, fakes[:room]])
            fakes = fakes[room:]
        if len(fakes):
            self.buffer[torch.randperm(self.size)[: len(fakes)]] = fakes

    def state_dict(self) -> dict[str, Any]:
        return {"buffer": self.buffer}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.buffer = state["buffer"]

    def __repr__(self) -> str:
        return f"ReplayStep(size={self.size}, d_steps={self.d_steps}, order={self.order!r})"
