r"""BEGAN, the boundary equilibrium GAN (Berthelot, Schumm & Metz 2017): the discriminator is an auto-encoder, and a
proportional controller $k_t$ keeps the two players in balance.

With the auto-encoder's reconstruction loss $\mathcal{L}(v) = |v - D(v)|^\eta$ (their Eq. 1), D lowers it on real
images and raises it on fakes, weighted by $k_t$, and G lowers it on its fakes (their Eq. 4):

$$\mathcal{L}_D = \mathcal{L}(x) - k_t\,\mathcal{L}(G(z_D)), \qquad \mathcal{L}_G = \mathcal{L}(G(z_G)),$$
$$k_{t+1} = k_t + \lambda_k\,\bigl(\gamma\,\mathcal{L}(x) - \mathcal{L}(G(z_G))\bigr), \quad k_t \in [0, 1].$$

$\gamma = \mathbb{E}[\mathcal{L}(G(z))] / \mathbb{E}[\mathcal{L}(x)]$ at equilibrium is the *diversity ratio* (their
Eq. 3): lower values ask for less diverse, better reconstructed fakes. $\mathcal{M}_\text{global} = \mathcal{L}(x) +
|\gamma\,\mathcal{L}(x) - \mathcal{L}(G(z_G))|$ is their measure of convergence (Section 3.4.1). Settings (Section
3.5 and 4): $\lambda_k = 0.001$, $k_0 = 0$, $\eta = 1$, $\gamma \in \{0.3, 0.5, 0.7\}$ in their figures.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from gan_course.distributed import average
from gan_course.losses.objective import Objective, StepContext, Terms


def reconstruction_loss(v: Tensor, reconstruction: Tensor, eta: float = 1.0) -> Tensor:
    r"""The auto-encoder's loss $\mathcal{L}(v) = |v - D(v)|^\eta$ (Berthelot et al. 2017, Eq. 1), averaged over the
    pixels and the batch, as carpedm20/BEGAN-tensorflow computes it (``reduce_mean(abs(AE_x - x))`` for $\eta = 1$);
    the mean keeps $\mathcal{L}$ on the scale of one pixel, whatever the image size.

    $$\mathcal{L}(v) = \tfrac{1}{N P} \textstyle\sum_{i, p} |v_{ip} - D(v)_{ip}|^\eta$$
    """
    if v.shape != reconstruction.shape:
        raise ValueError(f"the reconstruction D(v) must have the shape of v, got {tuple(reconstruction.shape)} for "
                         f"{tuple(v.shape)}: is the discriminator an auto-encoder (BEGANDiscriminator)?")
    if eta <= 0:
        raise ValueError(f"eta (the norm's exponent) must be positive, the paper uses 1 or 2; got {eta!r}")
    return (v - reconstruction).abs().pow(eta).mean()


def equilibrium_update(k: Tensor, loss_real: Tensor, loss_fake: Tensor, gamma: float, lambda_k: float) -> Tensor:
    r"""One step of the proportional control of $k_t$ (Berthelot et al. 2017, Eq. 4), clipped to $[0, 1]$ as their
    Section 3.4 requires (and carpedm20/BEGAN-tensorflow's ``clip_by_value``); no gradient flows through it.

    $$k_{t+1} = \operatorname{clip}\bigl(k_t + \lambda_k (\gamma\,\mathcal{L}(x) - \mathcal{L}(G(z))),\ 0,\ 1\bigr)$$
    """
    return (k + lambda_k * (gamma * loss_real.detach() - loss_fake.detach())).clamp(0.0, 1.0)


def convergence_measure(loss_real: Tensor, loss_fake: Tensor, gamma: float) -> Tensor:
    r"""BEGAN's global measure of convergence (Berthelot et al. 2017, Section 3.4.1): the real images' reconstruction
    loss plus the distance from the equilibrium $\gamma\,\mathcal{L}(x) = \mathcal{L}(G(z))$.

    $$\mathcal{M}_\text{global} = \mathcal{L}(x) + |\gamma\,\mathcal{L}(x) - \mathcal{L}(G(z))|$$
    """
    return loss_real + (gamma * loss_real - loss_fake).abs()


class BEGAN(Objective):
    r"""The BEGAN objective (Berthelot et al. 2017, Eq. 4) with the diversity ratio ``gamma`` ($\gamma$), the gain
    ``lambda_k`` ($\lambda_k = 0.001$), the exponent ``eta`` ($\eta$) and the initial ``k`` ($k_0 = 0$).

    D is an auto-encoder (:class:`~gan_course.models.BEGANDiscriminator`): its outputs ``d_real`` and ``d_fake`` are
    reconstructions. Records ``d_loss``, ``loss_real`` $= \mathcal{L}(x)$, ``loss_fake`` $= \mathcal{L}(G(z_D))$,
    ``k`` (the $k_t$ of that update), ``m_global`` and ``g_loss``. $k_t$ is the objective's state
    (:meth:`state_dict`), so a resumed run continues from it.

    The update of $k_t$ follows each D loss, with the $\mathcal{L}(x)$ and $\mathcal{L}(G(z_D))$ of D's batch,
    measured before D's update — as carpedm20/BEGAN-tensorflow does, whose one $z$ serves D and G alike and whose
    update reads the losses before both optimizer steps. The paper writes $\mathcal{L}(G(z_G))$, G's batch; the two
    are draws of the same expectation. On several processes both losses are averaged over the ranks before the
    update, so that every rank holds the $k_t$ of the global batch.
    """

    d_output = "reconstruction"

    def __init__(self, gamma: float = 0.5, lambda_k: float = 0.001, eta: float = 1.0, k: float = 0.0):
        if not 0 < gamma <= 1:
            raise ValueError(f"gamma (the diversity ratio L(G(z)) / L(x) at equilibrium) must lie in (0, 1]; the "
                             f"paper uses 0.3 to 0.7; got {gamma!r}")
        if lambda_k <= 0:
            raise ValueError(f"lambda_k (the gain of k's update) must be positive, the paper uses 0.001; got {lambda_k!r}")
        if eta <= 0:
            raise ValueError(f"eta (the norm's exponent) must be positive, the paper uses 1 or 2; got {eta!r}")
        self.gamma, self.lambda_k, self.eta = float(gamma), float(lambda_k), float(eta)
        self._k = self._checked_k(k)

    @staticmethod
    def _checked_k(k: float) -> Tensor:
        k = float(k)
        if not 0.0 <= k <= 1.0:
            raise ValueError(f"k (the weight of the fakes' loss in D's loss) must lie in [0, 1], got {k!r}")
        return torch.tensor(k)

    @property
    def k(self) -> float:
        """The current $k_t$."""
        return float(self._k)

    def discriminator_loss(self, step: StepContext) -> Terms:
        loss_real = reconstruction_loss(step.real, step.d_real, self.eta)
        loss_fake = reconstruction_loss(step.fake, step.d_fake, self.eta)
        k = self._k.to(loss_real.device)
        # L_D = L(x) - k_t L(G(z_D))
        d_loss = loss_real - k * loss_fake
        terms = {"d_loss": d_loss, "loss_real": loss_real.detach(), "loss_fake": loss_fake.detach(), "k": k,
                 "m_global": convergence_measure(loss_real.detach(), loss_fake.detach(), self.gamma)}
        self._k = equilibrium_update(k, average(loss_real.detach()), average(loss_fake.detach()), self.gamma,
                                     self.lambda_k)
        return terms

    def generator_loss(self, step: StepContext) -> Terms:
        # L_G = L(G(z_G))
        return {"g_loss": reconstruction_loss(step.fake, step.d_fake, self.eta)}

    def state_dict(self) -> dict[str, Any]:
        return {"k": self.k}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if set(state) != {"k"}:
            raise ValueError(f"a BEGAN objective's state is {{'k': ...}}, got the keys {sorted(state)}: the "
                             f"checkpoint was made with another objective")
        self._k = self._checked_k(state["k"])

    def __repr__(self) -> str:
        return f"BEGAN(gamma={self.gamma:g}, lambda_k={self.lambda_k:g}, eta={self.eta:g}, k={self.k:.4g})"
