r"""What a GAN objective is to the training loop: one object that turns a step's context into named losses.

An :class:`Objective` computes the discriminator's loss and the generator's loss from a :class:`StepContext` — the
real batch, the fakes, the latent batch they came from (with labels or codes), and D's outputs on them — and returns
*named scalars*: the one each update minimises (``"d_loss"``, ``"g_loss"``) and whatever else is worth recording
(D's mean outputs, a Wasserstein estimate, a penalty's value, a state such as BEGAN's $k_t$). The loop records every
name in its :class:`~gan_course.training.History`. The objective also carries what the loop must know about it:
what D's output means (:attr:`Objective.d_output`), its paper's number of D updates per G update
(:attr:`Objective.d_steps`), what to do after each D update (:meth:`Objective.after_discriminator_update`: WGAN clips
the weights), and its own state (:meth:`Objective.state_dict`), saved in checkpoints.

The functional forms of the losses (e.g. :func:`gan_course.losses.gan.discriminator_loss`) stay beside each
objective for the theory chapters; an objective's methods call them, with the paper's equation in the docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch
from torch import Tensor, nn

from gan_course.latent.priors import Latent

D_OUTPUTS = ("logit", "score", "reconstruction")
Terms = dict[str, Tensor]


@dataclass
class StepContext:
    """What an objective sees in one update.

    In D's update: ``real`` (with ``real_labels`` for a conditional GAN), ``fake = G(latent)`` without a graph, and
    D's raw outputs ``d_real`` and ``d_fake`` (whatever D returns: a logit, a score, a reconstruction, a tuple with a
    Q head's output). In G's update: ``fake`` with its graph and ``d_fake``; ``d_real`` is None, and so are ``real``
    and ``real_labels`` unless the objective's :attr:`~Objective.generator_sees_real` asks for a real batch. ``discriminator`` is the module itself (for a penalty that differentiates through it) and
    ``discriminate(x, labels)`` calls it as the step does (compiled, with labels for a conditional GAN).
    """

    latent: Latent
    fake: Tensor
    d_fake: Any
    discriminator: nn.Module
    discriminate: Callable[[Tensor, Tensor | None], Any]
    real: Tensor | None = None
    real_labels: Tensor | None = None
    d_real: Any = None


class Objective:
    """The base of every objective; subclasses define :meth:`discriminator_loss` and :meth:`generator_loss`.

    ``d_output`` is ``"logit"`` when D's output is a logit $\\ell$ with $D = \\sigma(\\ell)$ (the original GAN) and
    ``"score"`` when it is used raw (an LSGAN discriminator, a WGAN critic), ``"reconstruction"`` when D is an
    auto-encoder that returns its reconstruction of the input (BEGAN). ``d_steps`` is the paper's $k$, the
    default of :class:`~gan_course.training.AlternatingStep`. ``generator_sees_real`` is True for an objective whose
    G loss compares the fakes with real data (feature matching): the step then gives G's update a fresh real batch.
    """

    d_output: str = "logit"
    d_steps: int = 1
    generator_sees_real: bool = False

    def discriminator_loss(self, step: StepContext) -> Terms:
        """D's loss on one batch as ``{"d_loss": ..., other recorded scalars}``."""
        raise NotImplementedError

    def generator_loss(self, step: StepContext) -> Terms:
        """G's loss on one batch as ``{"g_loss": ..., other recorded scalars}``."""
        raise NotImplementedError

    def after_discriminator_update(self, discriminator: nn.Module) -> None:
        """Called after each optimizer step of D (WGAN clips the weights here)."""

    def state_dict(self) -> dict[str, Any]:
        """The objective's state, saved with a run's checkpoint (empty for a stateless objective)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state:
            raise ValueError(f"{type(self).__name__} has no state, but the checkpoint holds {sorted(state)}: it was "
                             f"made with another objective")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def output_means(step: StepContext, d_output: str) -> Terms:
    r"""D's mean outputs in its update, named by what they mean: for a logit, the probabilities ``d_real``
    $= \overline{D(x)}$ and ``d_fake`` $= \overline{D(G(z))}$; for a score, the raw means ``score_real`` and
    ``score_fake``."""
    if d_output == "logit":
        return {"d_real": torch.sigmoid(step.d_real.detach()).mean(), "d_fake": torch.sigmoid(step.d_fake.detach()).mean()}
    return {"score_real": step.d_real.detach().mean(), "score_fake": step.d_fake.detach().mean()}
