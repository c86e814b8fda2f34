r"""The losses of the original GAN, computed from the discriminator's logits, and of LSGAN and WGAN(-GP).

Goodfellow et al. (2014), "Generative Adversarial Nets", Eq. 1, define the value function

$$V(D, G) = \mathbb{E}_{x \sim p_\text{data}}[\log D(x)] + \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z)))],$$

which D maximises and G minimises. The discriminator here outputs a logit $\ell$ with $D = \sigma(\ell)$; the logs are
then softplus functions, $-\log\sigma(\ell) = \operatorname{softplus}(-\ell)$ and
$-\log(1-\sigma(\ell)) = \operatorname{softplus}(\ell)$, which stay finite where $\log$ of a rounded $\sigma$ would
give $-\infty$. Each loss is a mean over the batch, to be minimised.

The least-squares GAN of Mao et al. (2017) replaces the logs by squares of D's raw output; the Wasserstein GAN of
Arjovsky, Chintala & Bottou (2017) uses a *critic* with unbounded scores, kept Lipschitz by clipping its weights or,
in WGAN-GP (Gulrajani et al. 2017), by a penalty on its gradient; Karras et al. (2018) add a small drift term.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


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


GENERATOR_LOSSES = {"minimax": minimax_generator_loss, "nonsaturating": nonsaturating_generator_loss}
BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)


def lsgan_discriminator_loss(real_out: Tensor, fake_out: Tensor, *, a: float = 0.0, b: float = 1.0) -> Tensor:
    r"""The least-squares discriminator loss (Mao et al. 2017, Eq. 2), on D's raw (unbounded) outputs.

    D regresses real data onto ``b`` and fakes onto ``a``. The defaults are the 0-1 coding used in practice
    (:data:`gan_course.objectives.LSGAN_BINARY_CODING`); ``a=-1, b=1`` with ``c=0`` in :func:`lsgan_generator_loss`
    is the coding under which G minimises a Pearson $\chi^2$ divergence (their Section 3.2:
    $b - c = 1$ and $b - a = 2$; :data:`gan_course.objectives.LSGAN_CHI2_CODING`).

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


def wasserstein_critic_loss(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    r"""The critic's loss of WGAN (Arjovsky, Chintala & Bottou 2017, Eq. 3 and Algorithm 1, line 5), to be minimised.

    The critic $f$ maximises $\mathbb{E}_{x \sim p_\text{data}}[f(x)] - \mathbb{E}_{z \sim p_z}[f(G(z))]$, an
    estimate of the Wasserstein-1 distance when $f$ is 1-Lipschitz (keep it so with :func:`clip_weights_` or
    :func:`gradient_penalty`); minimising the negative:

    $$L_f = \tfrac1m \sum_i f(G(z_i)) - \tfrac1m \sum_i f(x_i)$$
    """
    return fake_scores.mean() - real_scores.mean()


def wasserstein_generator_loss(fake_scores: Tensor) -> Tensor:
    r"""The generator's loss of WGAN (Arjovsky et al. 2017, Algorithm 1, line 10): raise the critic's scores.

    $$L_G = -\tfrac1m \sum_i f(G(z_i))$$
    """
    return -fake_scores.mean()


def clip_weights_(critic: nn.Module, clip: float = 0.01) -> None:
    r"""Clip every parameter of the critic into $[-c, c]$ in place (Arjovsky et al. 2017, Algorithm 1, line 7).

    Call it after each critic update (the paper uses $c = 0.01$), so that the critic's parameters stay in a compact
    set and the critic is $K$-Lipschitz for some $K$. Parameters already inside $[-c, c]$ are left unchanged.
    """
    if not (math.isfinite(clip) and clip > 0):
        raise ValueError(f"clip must be a positive finite number (the paper uses 0.01), got {clip}")
    with torch.no_grad():
        for parameter in critic.parameters():
            # w <- clip(w, -c, c)
            parameter.clamp_(-clip, clip)


def gradient_penalty(
    critic: nn.Module, real: Tensor, fake: Tensor, weight: float = 10.0, generator: torch.Generator | None = None
) -> Tensor:
    r"""The gradient penalty of WGAN-GP (Gulrajani et al. 2017, Eq. 3 and Algorithm 1, lines 6-7), $\lambda = 10$.

    Each sample gets its own $\epsilon \sim U[0, 1]$ (drawn with ``generator`` if given, which must live on the
    samples' device), shared by all its entries; $\hat x = \epsilon x + (1 - \epsilon)\tilde x$ lies on the segment
    between a real sample $x$ and a fake $\tilde x$. The norm of $\nabla_{\hat x} f(\hat x)$ is taken per sample over
    *all* its entries (channels and pixels alike). The result keeps its graph (``create_graph=True``), so adding it
    to :func:`wasserstein_critic_loss` before ``backward()`` trains the critic towards unit gradient norm.

    ``fake`` must not require grad (pass ``fake.detach()``): the penalty is part of the critic's update only. The
    critic must score each sample independently: batch normalisation in training mode mixes the samples of a batch,
    which is why Gulrajani et al. (Section 4) use no batch norm in the critic.

    $$L_\text{GP} = \lambda\, \mathbb{E}_{\hat x}\left[(\|\nabla_{\hat x} f(\hat x)\|_2 - 1)^2\right]$$
    """
    if real.shape != fake.shape or real.ndim < 2:
        raise ValueError(
            f"real and fake must have the same shape (N, ...) with a batch dimension and at least one more, got "
            f"{tuple(real.shape)} and {tuple(fake.shape)}"
        )
    for name, samples in (("real", real), ("fake", fake)):
        if samples.requires_grad:
            raise ValueError(f"{name} requires grad: pass {name}.detach(), the penalty only trains the critic")
    if not (math.isfinite(weight) and weight > 0):
        raise ValueError(f"weight (lambda) must be a positive finite number (the paper uses 10), got {weight}")
    batch_norms = [m for m in critic.modules() if isinstance(m, BATCH_NORMS) and m.training]
    if batch_norms:
        raise ValueError(
            f"the critic has batch normalisation in training mode ({type(batch_norms[0]).__name__}), which makes each "
            f"score depend on the whole batch, so the per-sample gradient is not the critic's; use a critic without "
            f"batch norm (layer norm or none, Gulrajani et al. 2017, Section 4)"
        )
    shape = (len(real),) + (1,) * (real.ndim - 1)
    epsilon = torch.rand(shape, generator=generator, device=real.device, dtype=real.dtype)
    # x_hat = epsilon x + (1 - epsilon) x_tilde
    interpolates = (epsilon * real + (1 - epsilon) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(interpolates).sum(), interpolates, create_graph=True)
    # lambda (||grad_x_hat f(x_hat)||_2 - 1)^2, averaged over the batch
    return weight * ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def drift_penalty(real_scores: Tensor, weight: float = 0.001) -> Tensor:
    r"""The drift term of Karras et al. (2018, Appendix A.1) for the critic's loss; $\epsilon_\text{drift} = 0.001$.

    It keeps the critic's scores on real data from drifting far from zero, which the WGAN losses alone leave free
    (they are unchanged by adding a constant to $f$).

    $$L_\text{drift} = \epsilon_\text{drift}\, \mathbb{E}_{x \sim p_\text{data}}[f(x)^2]$$
    """
    if not (math.isfinite(weight) and weight > 0):
        raise ValueError(
            f"weight (epsilon_drift) must be a positive finite number (the paper uses 0.001), got {weight}"
        )
    return weight * (real_scores**2).mean()
