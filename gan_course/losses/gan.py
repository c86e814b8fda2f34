r"""The objective of the original GAN (Goodfellow et al. 2014), on the discriminator's logits.

Goodfellow et al. (2014), "Generative Adversarial Nets", Eq. 1, define the value function

$$V(D, G) = \mathbb{E}_{x \sim p_\text{data}}[\log D(x)] + \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z)))],$$

which D maximises and G minimises. The discriminator here outputs a logit $\ell$ with $D = \sigma(\ell)$; the logs are
then softplus functions, $-\log\sigma(\ell) = \operatorname{softplus}(-\ell)$ and
$-\log(1-\sigma(\ell)) = \operatorname{softplus}(\ell)$, which stay finite where $\log$ of a rounded $\sigma$ would
give $-\infty$. Each loss is a mean over the batch, to be minimised.

The functions are the losses on logits (the theory chapters use them directly); :class:`Minimax` and
:class:`NonSaturating` are the objectives the training loop takes.
"""

from __future__ import annotations

from typing import Callable

import torch.nn.functional as F
from torch import Tensor

from gan_course.losses.objective import Objective, StepContext, Terms, output_means

DiscriminatorLoss = Callable[[Tensor, Tensor], Tensor]
GeneratorLoss = Callable[[Tensor], Tensor]


def discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    r"""The discriminator's loss, $-V(D, G)$ estimated on a batch (Goodfellow et al. 2014, Eq. 1 and Algorithm 1).

    $$L_D = -\tfrac1m \sum_i \left[\log D(x_i) + \log(1 - D(G(z_i)))\right]$$
    """
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def minimax_generator_loss(fake_logits: Tensor) -> Tensor:
    r"""The generator's term of $V$, minimised as in the minimax game (Goodfellow et al. 2014, Eq. 1).

    $$L_G = \tfrac1m \sum_i \log(1 - D(G(z_i)))$$

    It *saturates*: where D rejects the fakes confidently ($D(G(z)) \to 0$), its gradient vanishes.
    """
    return -F.softplus(fake_logits).mean()


def nonsaturating_generator_loss(fake_logits: Tensor) -> Tensor:
    r"""The "non-saturating" generator loss that Goodfellow et al. (2014, Section 3) recommend in practice.

    $$L_G = -\tfrac1m \sum_i \log D(G(z_i))$$

    It has the same fixed point as the minimax loss but strong gradients early in training, when $D(G(z)) \approx 0$.
    """
    return F.softplus(-fake_logits).mean()


GENERATOR_LOSSES: dict[str, GeneratorLoss] = {
    "minimax": minimax_generator_loss,
    "nonsaturating": nonsaturating_generator_loss,
}


class Minimax(Objective):
    r"""The minimax game of Goodfellow et al. (2014, Eq. 1): D minimises $-V(D, G)$, G minimises $V$'s second term.

    Records ``d_loss``, ``d_real`` $= \overline{D(x)}$, ``d_fake`` $= \overline{D(G(z))}$ and ``g_loss``.
    """

    d_output = "logit"

    def discriminator_loss(self, step: StepContext) -> Terms:
        return {"d_loss": discriminator_loss(step.d_real, step.d_fake), **output_means(step, self.d_output)}

    def generator_loss(self, step: StepContext) -> Terms:
        return {"g_loss": minimax_generator_loss(step.d_fake)}


class NonSaturating(Minimax):
    r"""The GAN as Goodfellow et al. (2014, Section 3) train it: the same D, and G maximises $\log D(G(z))$."""

    def generator_loss(self, step: StepContext) -> Terms:
        return {"g_loss": nonsaturating_generator_loss(step.d_fake)}
