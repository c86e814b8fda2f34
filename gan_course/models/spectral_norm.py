r"""Spectral normalisation (Miyato et al. 2018): every weight divided by an estimate of its largest singular value.

A layer $h \mapsto Wh$ has Lipschitz constant $\sigma(W)$, its spectral norm, and a ReLU or leaky ReLU has at most 1,
so dividing each $W$ by $\sigma(W)$ bounds the whole network's constant by 1 (Miyato et al. 2018, Eq. 7):

$$\bar W_\text{SN}(W) = W / \sigma(W).$$

$\sigma(W)$ is estimated by power iteration with a persistent vector $u$: one iteration per training step, each
starting where the last one ended (their Algorithm 1), as in the authors' pfnet-research/sngan_projection. The
course uses PyTorch's own :func:`torch.nn.utils.parametrizations.spectral_norm`, which does exactly this (and keeps
$u$ fixed in eval mode, and runs 15 iterations when it is applied, so the first estimate is already close); a
convolution's kernel is reshaped to a matrix of (out channels, in channels × kh × kw), as in
the paper and the authors' code — that bounds the kernel's matrix, not the convolution operator's exact norm.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm

NORMALISED_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d, nn.Embedding)


def spectrally_normalize(network: nn.Module, n_power_iterations: int = 1, eps: float = 1e-12) -> nn.Module:
    r"""Spectral normalisation on every linear, convolutional and embedding layer of ``network`` (in place; the
    network is returned). One power iteration per forward pass in training mode (Miyato et al. 2018, Algorithm 1).

    Apply it **after** the weights are initialised: the parametrisation keeps the weight it finds as
    ``parametrizations.weight.original`` and computes ``weight`` from it, so an initialiser run afterwards on
    ``layer.weight`` fails, and the first $u$ is drawn at this call.
    """
    if isinstance(n_power_iterations, bool) or not isinstance(n_power_iterations, int) or n_power_iterations < 1:
        raise ValueError(f"n_power_iterations must be a positive integer (the paper uses 1), got {n_power_iterations!r}")
    layers = [module for module in network.modules() if isinstance(module, NORMALISED_LAYERS)]
    if not layers:
        raise ValueError(f"{type(network).__name__} has no linear, convolutional or embedding layer to normalise")
    for layer in layers:
        if parametrize.is_parametrized(layer, "weight"):
            raise ValueError(f"{type(layer).__name__} in {type(network).__name__} already has a parametrised weight "
                             f"(spectral normalisation applied twice?)")
        spectral_norm(layer, n_power_iterations=n_power_iterations, eps=eps)
    return network


def weight_matrix(layer: nn.Module) -> Tensor:
    """The matrix whose spectral norm the layer's normalisation divides by: the weight before normalisation with the
    output channels as rows, a kernel flattened to (out, in × kh × kw) (a transposed convolution's weight is stored
    (in, out, kh, kw), so its two first axes are swapped, as PyTorch's ``dim=1`` for it does)."""
    weight = layer.parametrizations.weight.original if parametrize.is_parametrized(layer, "weight") else layer.weight
    if isinstance(layer, nn.ConvTranspose2d):
        weight = weight.transpose(0, 1)
    return weight.detach().flatten(1)


def spectral_norms(network: nn.Module) -> list[tuple[str, float, float]]:
    r"""For each normalised layer of ``network``: its name, the power iteration's current estimate
    $\tilde\sigma = u^\top W v$ and the exact $\sigma(W)$ from :func:`torch.linalg.svdvals`."""
    rows = []
    for name, layer in network.named_modules():
        if not parametrize.is_parametrized(layer, "weight"):
            continue
        sn = layer.parametrizations.weight[0]
        matrix = weight_matrix(layer)
        estimate = torch.dot(sn._u, torch.mv(matrix, sn._v))
        rows.append((name, float(estimate), float(torch.linalg.svdvals(matrix)[0])))
    return rows
