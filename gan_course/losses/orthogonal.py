r"""BigGAN's orthogonal regularisation of the generator (Brock et al. 2019, Section 4.1).

Orthogonal regularisation pulls each weight matrix towards $W^\top W = I$. Brock et al. found that too limiting and
keep only the off-diagonal terms: the filters are pushed apart in angle (their pairwise inner products towards 0)
while their norms are left free,

$$R_\beta(W) = \beta\, \big\| W^\top W \odot (\mathbf 1 - I) \big\|_F^2, \qquad \beta = 10^{-4},$$

added to G's loss for every weight matrix of G; with it more of their models are amenable to the truncation trick
(:class:`~gan_course.latent.TruncatedNormal`). As in the authors' BigGAN-PyTorch (``utils.ortho``) a layer's weight
is taken as a matrix with one row per output channel (a kernel flattened to out x (in · kh · kw)), the Gram matrix
is that of the rows, vectors and the shared class embedding are skipped, and the raw weight is regularised, before
spectral normalisation divides it. The code adds the gradient $2\beta\,(W W^\top \odot (\mathbf 1 - I)) W$ directly,
which is the gradient of $\tfrac{\beta}{2} \| W W^\top \odot (\mathbf 1 - I) \|_F^2$: half the paper's penalty.
Here the paper's penalty is the loss term.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from gan_course.losses.objective import Objective, StepContext, Terms


def off_diagonal_gram_penalty(weight: Tensor) -> Tensor:
    r"""$\| W W^\top \odot (\mathbf 1 - I) \|_F^2$ for ``weight`` as a matrix of one row per output channel.

    Computed as $\|W^\top W\|_F^2 - \sum_i \|w_i\|^4$ when $W$ has more rows than columns (the same number:
    $\operatorname{tr}((W W^\top)^2) = \operatorname{tr}((W^\top W)^2)$, and the diagonal of $W W^\top$ holds the
    squared row norms), so a wide linear layer never forms its large Gram matrix.
    """
    if weight.ndim < 2:
        raise ValueError(f"the penalty needs a matrix or a kernel (at least 2 axes), got shape {tuple(weight.shape)}")
    w = weight.flatten(1)
    squared_norms = (w * w).sum(dim=1)
    gram = w.T @ w if w.shape[0] > w.shape[1] else w @ w.T
    # ||W W^T ⊙ (1 - I)||_F^2 = ||W W^T||_F^2 - sum_i ||w_i||^4
    return (gram * gram).sum() - (squared_norms * squared_norms).sum()


def regularised_weights(network: nn.Module) -> list[tuple[str, Tensor]]:
    """The weights BigGAN-PyTorch regularises: every parameter of ``network`` with at least two axes, except those of
    embeddings (its blacklist holds G's shared class embedding). A spectrally normalised layer's raw weight is
    ``parametrizations.weight.original``."""
    embedded = {id(p) for module in network.modules() if isinstance(module, nn.Embedding) for p in module.parameters()}
    return [(name, p) for name, p in network.named_parameters() if p.ndim >= 2 and id(p) not in embedded]


class OrthogonalRegularization(Objective):
    r"""``objective`` with BigGAN's $\sum_W R_\beta(W)$ over ``network``'s weights (:func:`regularised_weights`)
    added to G's loss; D's loss is ``objective``'s. Records ``ortho``, the unweighted sum of the penalties."""

    def __init__(self, objective: Objective, network: nn.Module, beta: float = 1e-4):
        if not isinstance(objective, Objective):
            raise ValueError(f"objective must be a gan_course.losses.Objective, got {type(objective).__name__}")
        if not isinstance(beta, (int, float)) or not math.isfinite(beta) or beta <= 0:
            raise ValueError(f"beta must be a positive number (Brock et al. select 1e-4), got {beta!r}")
        self.weights = regularised_weights(network)
        if not self.weights:
            raise ValueError(f"{type(network).__name__} has no weight matrix to regularise")
        self.objective, self.beta = objective, float(beta)
        self.d_output, self.d_steps = objective.d_output, objective.d_steps
        self.generator_sees_real = objective.generator_sees_real

    def penalty(self) -> Tensor:
        r"""$\sum_W \| W W^\top \odot (\mathbf 1 - I) \|_F^2$ over the regularised weights."""
        return torch.stack([off_diagonal_gram_penalty(weight) for _, weight in self.weights]).sum()

    def discriminator_loss(self, step: StepContext) -> Terms:
        return self.objective.discriminator_loss(step)

    def generator_loss(self, step: StepContext) -> Terms:
        terms = self.objective.generator_loss(step)
        penalty = self.penalty()
        # L_G + sum_W R_beta(W),  R_beta(W) = beta ||W^T W ⊙ (1 - I)||_F^2
        return {**terms, "g_loss": terms["g_loss"] + self.beta * penalty, "ortho": penalty.detach()}

    def after_discriminator_update(self, discriminator: nn.Module) -> None:
        self.objective.after_discriminator_update(discriminator)

    def state_dict(self) -> dict[str, Any]:
        return self.objective.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.objective.load_state_dict(state)

    def __repr__(self) -> str:
        return f"OrthogonalRegularization({self.objective!r}, beta={self.beta:g})"
