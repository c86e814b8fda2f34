r"""The least-squares GAN (Mao et al. 2017): squares of D's raw output replace the logs of the original GAN.

Mao et al. (2017), Eq. 2, with targets $a$ (fakes) and $b$ (real data) for D and $c$ for G's fakes:

$$\min_D \tfrac12 \mathbb{E}_{x \sim p_\text{data}}[(D(x) - b)^2] + \tfrac12 \mathbb{E}_{z \sim p_z}[(D(G(z)) - a)^2],
\qquad \min_G \tfrac12 \mathbb{E}_{z \sim p_z}[(D(G(z)) - c)^2].$$
"""

from __future__ import annotations

from torch import Tensor

from gan_course.losses.objective import Objective, StepContext, Terms, output_means


def lsgan_discriminator_loss(real_out: Tensor, fake_out: Tensor, *, a: float = 0.0, b: float = 1.0) -> Tensor:
    r"""The least-squares discriminator loss (Mao et al. 2017, Eq. 2), on D's raw (unbounded) outputs.

    D regresses real data onto ``b`` and fakes onto ``a``. The defaults are the 0-1 coding used in practice
    (:data:`gan_course.experiments.theory.optimal_discriminator.LSGAN_BINARY_CODING`); ``a=-1, b=1`` with ``c=0`` in
    :func:`lsgan_generator_loss` is the coding under which G minimises a Pearson $\chi^2$ divergence (their
    Section 3.2: $b - c = 1$ and $b - a = 2$;
    :data:`gan_course.experiments.theory.optimal_discriminator.LSGAN_CHI2_CODING`).

    $$L_D = \tfrac12 \mathbb{E}_{x \sim p_\text{data}}[(D(x) - b)^2]
    + \tfrac12 \mathbb{E}_{z \sim p_z}[(D(G(z)) - a)^2]$$
    """
    if a == b:
        raise ValueError(
            f"the LSGAN targets a (fakes) and b (real data) must differ, got a = b = {a}; use the 0-1 coding "
            f"a=0, b=1 or the chi-squared coding a=-1, b=1 (Mao et al. 2017, Section 3.2)"
        )
    return 0.5 * ((real_out - b) ** 2).mean() + 0.5 * ((fake_out - a) ** 2).mean()


def lsgan_generator_loss(fake_out: Tensor, *, c: float = 1.0) -> Tensor:
    r"""The least-squares generator loss (Mao et al. 2017, Eq. 2): G wants D to give its fakes the value ``c``.

    The default ``c=1`` pairs with the 0-1 coding ($c = b$: G asks D to call its fakes real); ``c=0`` pairs with
    ``a=-1, b=1`` for the Pearson $\chi^2$ link (see :func:`lsgan_discriminator_loss`).

    $$L_G = \tfrac12 \mathbb{E}_{z \sim p_z}[(D(G(z)) - c)^2]$$
    """
    return 0.5 * ((fake_out - c) ** 2).mean()


class LSGAN(Objective):
    r"""The least-squares GAN with targets $a$, $b$, $c$ (Mao et al. 2017, Eq. 2); the default is the 0-1 coding.

    D's output is a raw score; records ``d_loss``, ``score_real``, ``score_fake`` and ``g_loss``.
    """

    d_output = "score"

    def __init__(self, a: float = 0.0, b: float = 1.0, c: float = 1.0):
        if a == b:
            raise ValueError(f"the LSGAN targets a (fakes) and b (real data) must differ, got a = b = {a}")
        self.a, self.b, self.c = float(a), float(b), float(c)

    def discriminator_loss(self, step: StepContext) -> Terms:
        loss = lsgan_discriminator_loss(step.d_real, step.d_fake, a=self.a, b=self.b)
        return {"d_loss": loss, **output_means(step, self.d_output)}

    def generator_loss(self, step: StepContext) -> Terms:
        return {"g_loss": lsgan_generator_loss(step.d_fake, c=self.c)}

    def __repr__(self) -> str:
        return f"LSGAN(a={self.a:g}, b={self.b:g}, c={self.c:g})"
