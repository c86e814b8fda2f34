r"""The hinge loss of the geometric GAN (Lim & Ye 2017), as SN-GAN (Miyato et al. 2018, Section 4), SAGAN (Zhang
et al. 2019) and BigGAN (Brock et al. 2019) train with it.

D's raw score is pushed above $+1$ on real data and below $-1$ on fakes, and stops being pushed once it is there
(a margin, as in a support vector machine); G raises D's score on its fakes, as a WGAN generator does:

$$L_D = \mathbb{E}_{x \sim p_\text{data}}[\max(0, 1 - D(x))] + \mathbb{E}_{z \sim p_z}[\max(0, 1 + D(G(z)))],
\qquad L_G = -\mathbb{E}_{z \sim p_z}[D(G(z))].$$
"""

from __future__ import annotations

import torch
from torch import Tensor

from gan_course.losses.objective import Objective, StepContext, Terms, output_means


def hinge_discriminator_loss(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    r"""D's hinge loss (Lim & Ye 2017; Miyato et al. 2018, Section 4), on D's raw scores, to be minimised.

    A real sample scored above 1 and a fake scored below −1 contribute nothing (and no gradient).

    $$L_D = \tfrac1m \sum_i \max(0, 1 - D(x_i)) + \tfrac1m \sum_i \max(0, 1 + D(G(z_i)))$$
    """
    return torch.relu(1 - real_scores).mean() + torch.relu(1 + fake_scores).mean()


def hinge_generator_loss(fake_scores: Tensor) -> Tensor:
    r"""G's loss with the hinge discriminator (Miyato et al. 2018, Section 4): raise D's scores on the fakes.

    $$L_G = -\tfrac1m \sum_i D(G(z_i))$$
    """
    return -fake_scores.mean()


class Hinge(Objective):
    r"""The hinge loss (Lim & Ye 2017) with ``d_steps`` D updates per G update: one as SAGAN trains (with TTUR),
    $n_\text{dis} = 5$ as SN-GAN's hinge-loss runs do (the authors' pfnet-research/sngan_projection configs).

    D's output is a raw score; records ``d_loss``, ``score_real``, ``score_fake`` and ``g_loss``.
    """

    d_output = "score"

    def __init__(self, d_steps: int = 1):
        if isinstance(d_steps, bool) or not isinstance(d_steps, int) or d_steps < 1:
            raise ValueError(f"d_steps (D updates per G update) must be a positive integer (SAGAN uses 1, SN-GAN 5), "
                             f"got {d_steps!r}")
        self.d_steps = d_steps

    def discriminator_loss(self, step: StepContext) -> Terms:
        return {"d_loss": hinge_discriminator_loss(step.d_real, step.d_fake), **output_means(step, self.d_output)}

    def generator_loss(self, step: StepContext) -> Terms:
        return {"g_loss": hinge_generator_loss(step.d_fake)}

    def __repr__(self) -> str:
        return "Hinge()" if self.d_steps == 1 else f"Hinge(d_steps={self.d_steps})"
