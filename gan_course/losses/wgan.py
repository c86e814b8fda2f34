r"""The Wasserstein GAN (Arjovsky, Chintala & Bottou 2017) and WGAN-GP (Gulrajani et al. 2017).

A *critic* $f$ with unbounded scores estimates the Wasserstein-1 distance through the Kantorovich–Rubinstein duality,
$W(\mathbb{P}_r, \mathbb{P}_g) = \sup_{\lVert f \rVert_L \le 1} \mathbb{E}_{\mathbb{P}_r} f - \mathbb{E}_{\mathbb{P}_g} f$
(Arjovsky et al. 2017, Eq. 2), kept Lipschitz by clipping its weights or, in WGAN-GP, by a penalty on its gradient;
Karras et al. (2018) add a small drift term. The functions are the losses and constraints; :class:`WGAN` and
:class:`WGANGP` are the objectives the training loop takes.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from gan_course.batch_statistics import BATCH_NORMS
from gan_course.distributed import local_rows
from gan_course.losses.objective import Objective, StepContext, Terms, output_means


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
    critic: nn.Module,
    real: Tensor,
    fake: Tensor,
    weight: float = 10.0,
    generator: torch.Generator | None = None,
    labels: Tensor | None = None,
) -> Tensor:
    r"""The gradient penalty of WGAN-GP (Gulrajani et al. 2017, Eq. 3 and Algorithm 1, lines 6-7), $\lambda = 10$.

    Each sample gets its own $\epsilon \sim U[0, 1]$ (drawn with ``generator`` if given, which must live on the
    samples' device), shared by all its entries; $\hat x = \epsilon x + (1 - \epsilon)\tilde x$ lies on the segment
    between a real sample $x$ and a fake $\tilde x$. The norm of $\nabla_{\hat x} f(\hat x)$ is taken per sample over
    *all* its entries (channels and pixels alike). The result keeps its graph (``create_graph=True``), so adding it
    to :func:`wasserstein_critic_loss` before ``backward()`` trains the critic towards unit gradient norm. A
    conditional critic is called as $f(\hat x, y)$ with the real samples' ``labels``.

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
    # one weight per sample; on several processes this rank's rows of the global batch's draw
    epsilon = local_rows(lambda rows: torch.rand((rows,) + (1,) * (real.ndim - 1), generator=generator,
                                                 device=real.device, dtype=real.dtype), len(real))
    # x_hat = epsilon x + (1 - epsilon) x_tilde
    interpolates = (epsilon * real + (1 - epsilon) * fake).requires_grad_(True)
    scores = critic(interpolates) if labels is None else critic(interpolates, labels)
    (grad,) = torch.autograd.grad(scores.sum(), interpolates, create_graph=True)
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


def _critic_iterations(n_critic: int) -> int:
    """Check ``n_critic``, the critic updates per generator update (Arjovsky et al. 2017, Algorithm 1: 5)."""
    if isinstance(n_critic, bool) or not isinstance(n_critic, int) or n_critic < 1:
        raise ValueError(f"n_critic (critic updates per generator update) must be a positive integer (the papers use "
                         f"5), got {n_critic!r}")
    return n_critic


def _n_critic_repr(n_critic: int) -> str:
    return "" if n_critic == 5 else f", n_critic={n_critic}"


class _Wasserstein(Objective):
    """What WGAN and WGAN-GP share: a critic with raw scores, $n_\text{critic} = 5$ and the generator's loss."""

    d_output = "score"
    d_steps = 5

    def discriminator_loss(self, step: StepContext) -> Terms:
        """The critic's loss and what it measures: the mean scores and their difference, the Wasserstein estimate."""
        means = output_means(step, "score")
        return {"d_loss": wasserstein_critic_loss(step.d_real, step.d_fake), **means,
                "wasserstein": means["score_real"] - means["score_fake"]}

    def generator_loss(self, step: StepContext) -> Terms:
        return {"g_loss": wasserstein_generator_loss(step.d_fake)}


class WGAN(_Wasserstein):
    r"""The Wasserstein GAN with weight clipping (Arjovsky et al. 2017, Algorithm 1): $n_\text{critic} = 5$ critic
    updates per generator update, each followed by clipping the critic's weights into $[-c, c]$, $c = 0.01$.

    Records ``d_loss``, ``score_real``, ``score_fake``, ``wasserstein`` (the critic's estimate
    $\overline{f(x)} - \overline{f(G(z))}$) and ``g_loss``. The paper trains both networks with RMSProp at
    $5 \cdot 10^{-5}$. ``n_critic`` sets the critic updates per generator update (the paper's 5 by default).
    """

    def __init__(self, clip: float = 0.01, n_critic: int = 5):
        if not (math.isfinite(clip) and clip > 0):
            raise ValueError(f"clip must be a positive finite number (the paper uses 0.01), got {clip}")
        self.clip = float(clip)
        self.d_steps = _critic_iterations(n_critic)

    def after_discriminator_update(self, discriminator: nn.Module) -> None:
        clip_weights_(discriminator, self.clip)

    def __repr__(self) -> str:
        return f"WGAN(clip={self.clip:g}{_n_critic_repr(self.d_steps)})"


class WGANGP(_Wasserstein):
    r"""WGAN-GP (Gulrajani et al. 2017, Algorithm 1): the critic's loss plus the gradient penalty of weight
    $\lambda$ (``lam``; 10 in their image experiments, 0.1 in their released toy code), $n_\text{critic} = 5$, no
    clipping. ``drift`` > 0 adds Karras et al.'s (2018) drift term, $\epsilon_\text{drift} = 0.001$ in ProGAN.

    ``d_loss`` includes the penalties; ``gradient_penalty`` (and ``drift``) are also recorded on their own, and
    ``wasserstein`` is the critic's estimate without them. The paper uses Adam($10^{-4}$, $\beta = (0.5, 0.9)$).
    ``n_critic`` sets the critic updates per generator update (5 by default; their toy code's comment: a small
    $\lambda$ "isn't necessary if you increase CRITIC_ITERS enough").
    """

    def __init__(self, lam: float = 10.0, drift: float = 0.0, n_critic: int = 5):
        if not (math.isfinite(lam) and lam > 0):
            raise ValueError(f"lam (the penalty's weight lambda) must be a positive finite number, got {lam}")
        if not (math.isfinite(drift) and drift >= 0):
            raise ValueError(f"drift must be 0 (none) or a positive finite number (ProGAN: 0.001), got {drift}")
        self.lam, self.drift = float(lam), float(drift)
        self.d_steps = _critic_iterations(n_critic)

    def discriminator_loss(self, step: StepContext) -> Terms:
        terms = super().discriminator_loss(step)
        # L = E f(G(z)) - E f(x) + lambda E (||grad f(x_hat)|| - 1)^2
        penalty = gradient_penalty(step.discriminator, step.real, step.fake.float(), self.lam, labels=step.real_labels)
        terms["d_loss"] = terms["d_loss"] + penalty
        terms["gradient_penalty"] = penalty.detach()
        if self.drift:
            # + epsilon_drift E f(x)^2
            drift = drift_penalty(step.d_real, self.drift)
            terms["d_loss"] = terms["d_loss"] + drift
            terms["drift"] = drift.detach()
        return terms

    def __repr__(self) -> str:
        drift = f", drift={self.drift:g}" if self.drift else ""
        return f"WGANGP(lam={self.lam:g}{drift}{_n_critic_repr(self.d_steps)})"
