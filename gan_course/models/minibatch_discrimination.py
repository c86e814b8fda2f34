r"""Minibatch discrimination (Salimans et al. 2016, Section 3.2): a layer that lets D compare each sample with the
rest of its batch, so that a generator collapsing onto one mode is easy to tell apart.

The features $f(x_i) \in \mathbb{R}^A$ of each sample are multiplied by a learned tensor $T \in \mathbb{R}^{A \times B
\times C}$ into a matrix $M_i \in \mathbb{R}^{B \times C}$; for each of its $B$ rows the layer sums, over the batch,
a kernel of the L1 distance between the rows of two samples,

$$c_b(x_i, x_j) = \exp\left(-\lVert M_{i,b} - M_{j,b} \rVert_{L_1}\right), \qquad
o(x_i)_b = \sum_{j \ne i} c_b(x_i, x_j) + b_b,$$

and returns $[f(x_i), o(x_i)]$, $A + B$ features (their Eq. 1–4). Samples of a collapsed batch are all close, so
their $o$ is large; in a diverse batch it is near $b$. As in their released code (``improved-gan``,
``nn.MinibatchLayer``), the sum leaves out $j = i$ (the paper's sum includes it, a constant 1), a learned bias $b$
starting at $-1$ is added, and $T$ starts from $N(0, 0.05^2)$; the code's weight normalisation of $T$ and its
data-dependent initialisation are left out.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class MinibatchDiscrimination(nn.Module):
    """``in_features`` ($A$) in, ``in_features + kernels`` out: $B$ = ``kernels`` of dimension $C$ = ``kernel_dim``."""

    def __init__(self, in_features: int, kernels: int = 100, kernel_dim: int = 5):
        super().__init__()
        if min(in_features, kernels, kernel_dim) < 1:
            raise ValueError(f"in_features, kernels and kernel_dim must be positive, got {in_features}, {kernels}, "
                             f"{kernel_dim} (Salimans et al. use B = 100 kernels of dimension C = 5)")
        self.kernels, self.kernel_dim = kernels, kernel_dim
        self.T = nn.Parameter(torch.randn(in_features, kernels * kernel_dim) * 0.05)
        self.bias = nn.Parameter(torch.full((kernels,), -1.0))

    def forward(self, features: Tensor) -> Tensor:
        if features.ndim != 2:
            raise ValueError(f"MinibatchDiscrimination takes a batch of feature vectors (N, A), got shape "
                             f"{tuple(features.shape)}: flatten D's features first")
        # M_i = f(x_i) T, one (B, C) matrix per sample; held as (B, N, C), one N x C matrix per kernel
        matrices = (features @ self.T).view(-1, self.kernels, self.kernel_dim).transpose(0, 1)
        # c_b(x_i, x_j) = exp(-||M_i,b - M_j,b||_1), summed over j != i (the term j = i is exp(0) = 1)
        kernel = torch.exp(-torch.cdist(matrices, matrices, p=1))
        others = kernel.sum(dim=2).T - 1.0
        return torch.cat([features, others + self.bias], dim=1)
