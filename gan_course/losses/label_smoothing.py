r"""One-sided label smoothing (Salimans et al. 2016, Section 3.4): D is trained towards $\alpha < 1$ on real data, and
towards 0 on fakes, as before.

Smoothing both targets, to $\alpha$ and $\beta$, moves the optimal discriminator to
$D^*(x) = \frac{\alpha\, p_\text{data}(x) + \beta\, p_g(x)}{p_\text{data}(x) + p_g(x)}$, which keeps rewarding G's
samples where the data has no mass when $\beta > 0$; with $\beta = 0$ only the confidence on real data is capped
(their Section 3.4; the optimal-discriminator chapter derives it in an exercise). The generator's loss is unchanged.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from gan_course.losses.gan import NonSaturating
from gan_course.losses.objective import StepContext, Terms, output_means


def smoothed_discriminator_loss(real_logits: Tensor, fake_logits: Tensor, alpha: float = 0.9) -> Tensor:
    r"""D's loss with real targets $\alpha$ (Salimans et al. 2016, Section 3.4), on logits:

    $$L_D = -\tfrac1m \sum_i \left[\alpha \log D(x_i) + (1 - \alpha) \log(1 - D(x_i)) + \log(1 - D(G(z_i)))\right]$$

    With $\alpha = 1$ it is the GAN's loss (:func:`gan_course.losses.gan.discriminator_loss`).
    """
    targets = torch.full_like(real_logits, alpha)
    return F.binary_cross_entropy_with_logits(real_logits, targets) + F.softplus(fake_logits).mean()


class OneSidedLabelSmoothing(NonSaturating):
    r"""The non-saturating GAN whose D is trained towards ``alpha`` (0.9 in Salimans et al. 2016 and their released
    code, ``improved-gan``) on real data; G's loss is unchanged."""

    def __init__(self, alpha: float = 0.9):
        if not (isinstance(alpha, (int, float)) and math.isfinite(alpha) and 0.5 < alpha <= 1):
            raise ValueError(f"alpha (D's target on real data) must be in (0.5, 1], Salimans et al. use 0.9; got "
                             f"{alpha!r}")
        self.alpha = float(alpha)

    def discriminator_loss(self, step: StepContext) -> Terms:
        return {"d_loss": smoothed_discriminator_loss(step.d_real, step.d_fake, self.alpha),
                **output_means(step, self.d_output)}

    def __repr__(self) -> str:
        return f"OneSidedLabelSmoothing(alpha={self.alpha:g})"
