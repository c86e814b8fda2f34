r"""One iteration of training: the *step*, replaceable as a whole.

:class:`AlternatingStep` is Algorithm 1 of Goodfellow et al. (2014): $k$ updates of D, each on a fresh real batch
and fresh fakes, then one update of G through a frozen D; $k$ defaults to the objective's (1 for the GAN, 5 for
WGAN's $n_\text{critic}$), and ``order="g_first"`` makes G's update come first (an ablation of the DCGAN chapter).

A step is any callable ``step(view) -> {name: scalar tensor}`` (with ``state_dict``/``load_state_dict`` if it has
state). It is called with the trainer's :class:`~gan_course.training.step_view.StepView`, which declares everything a
step may use: batches, latents, the networks by name, mixed precision, frozen networks, and ``update(optimizer,
loss)``. A model with other networks than one G and one D — CycleGAN's two generators and two discriminators —
supplies its own step to :meth:`GANTrainer.of_networks <gan_course.training.GANTrainer.of_networks>` and keeps
everything else of the loop: mixed precision, channels-last, compilation, the history, checkpoints and resuming.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import torch
from torch import Tensor

from gan_course.latent.priors import Latent
from gan_course.losses.objective import StepContext, Terms

if TYPE_CHECKING:
    from gan_course.training.step_view import StepView

ORDERS = ("d_first", "g_first")


class Step(Protocol):
    """One training iteration: updates the networks and returns the scalars to record (not yet synchronised)."""

    def __call__(self, trainer: StepView) -> Terms: ...


def as_float(output: Any) -> Any:
    """D's output in float32 (under mixed precision it comes in bfloat16/float16); tuples element by element."""
    if isinstance(output, (tuple, list)):
        return type(output)(as_float(part) for part in output)
    return output.float()


def loss_to_minimise(terms: Terms, name: str, objective: object) -> Tensor:
    """``terms[name]``, or a clear error saying that the objective must return it."""
    if name not in terms:
        raise KeyError(f"{objective!r} returned {sorted(terms)}; the update minimises the scalar named {name!r}")
    return terms[name]


class AlternatingStep:
    r"""Goodfellow et al. (2014), Algorithm 1: ``d_steps`` ($k$) updates of D, then ``g_steps`` (default one) of G.

    ``d_steps=None`` takes the objective's $k$. ``g_steps > 1`` trains D *less*, relative to G: each G update draws
    fresh latents against the same D. The recorded scalars are those of the last D update and of the last G update.
    """

    def __init__(self, d_steps: int | None = None, order: str = "d_first", g_steps: int = 1):
        if d_steps is not None and (not isinstance(d_steps, int) or d_steps < 1):
            raise ValueError(f"d_steps (k discriminator updates per generator update) must be None (the objective's) "
                             f"or a positive integer, got {d_steps!r}")
        if not isinstance(g_steps, int) or g_steps < 1:
            raise ValueError(f"g_steps (generator updates per iteration) must be a positive integer, got {g_steps!r}")
        if order not in ORDERS:
            raise ValueError(f"order must be one of {ORDERS} (which network an iteration updates first), got {order!r}")
        self.d_steps = d_steps
        self.order = order
        self.g_steps = g_steps

    def __call__(self, trainer: StepView) -> Terms:
        k = self.d_steps or trainer.objective.d_steps
        real, labels = trainer.next_real()
        if self.order == "g_first":
            g_terms = self._generator_updates(trainer, len(real))
        for i in range(k):
            if i:
                real, labels = trainer.next_real()
            d_terms = self.discriminator_update(trainer, real, labels)
        if self.order == "d_first":
            g_terms = self._generator_updates(trainer, len(real))
        return {**d_terms, **g_terms}

    def _generator_updates(self, trainer: StepView, batch_size: int) -> Terms:
        for _ in range(self.g_steps):
            terms = self.generator_update(trainer, batch_size)
        return terms

    def discriminator_update(self, trainer: StepView, real: Tensor, labels: Tensor | None = None) -> Terms:
        """One update of D on ``real`` (with their ``labels`` for a conditional GAN) and as many fakes
        (:meth:`discriminator_fakes`)."""
        latent = trainer.sample_latent(len(real))
        with trainer.autocast():
            with torch.no_grad():
                fake = self.discriminator_fakes(trainer, latent)
            d_real = as_float(trainer.discriminate(real, labels))
            d_fake = as_float(trainer.discriminate(fake, latent.labels))
        discriminator = trainer.networks["discriminator"]
        context = StepContext(latent=latent, fake=fake, d_fake=d_fake, discriminator=discriminator,
                              discriminate=trainer.discriminate, real=real, real_labels=labels, d_real=d_real)
        terms = trainer.objective.discriminator_loss(context)
        trainer.update("discriminator", loss_to_minimise(terms, "d_loss", trainer.objective))
        trainer.objective.after_discriminator_update(discriminator)
        return terms

    def discriminator_fakes(self, trainer: StepView, latent: Latent) -> Tensor:
        """The fakes D's update sees: ``G(latent)``, fresh (a step that replays past fakes overrides this)."""
        return trainer.generate(latent)

    def generator_update(self, trainer: StepView, batch_size: int) -> Terms:
        """One update of G on ``batch_size`` fresh fakes, through a frozen D; with a fresh real batch too when the
        objective's G loss compares with real data (:attr:`~gan_course.losses.Objective.generator_sees_real`)."""
        real, labels = trainer.next_real() if trainer.objective.generator_sees_real else (None, None)
        with trainer.frozen("discriminator"):
            with trainer.autocast():
                latent = trainer.sample_latent(batch_size)
                fake = trainer.generate(latent)
                d_fake = as_float(trainer.discriminate(fake, latent.labels))
            context = StepContext(latent=latent, fake=fake, d_fake=d_fake,
                                  discriminator=trainer.networks["discriminator"],
                                  discriminate=trainer.discriminate, real=real, real_labels=labels)
            terms = trainer.objective.generator_loss(context)
            trainer.update("generator", loss_to_minimise(terms, "g_loss", trainer.objective))
        return terms

    def __repr__(self) -> str:
        return f"AlternatingStep(d_steps={self.d_steps}, order={self.order!r}, g_steps={self.g_steps})"
