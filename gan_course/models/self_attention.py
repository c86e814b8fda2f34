r"""The self-attention block of SAGAN (Zhang et al. 2019), as the authors' released code computes it.

A convolution sees a 3 x 3 neighbourhood; self-attention lets every position of a feature map read every other.
For a feature map $x$ of $C$ channels and $N = H W$ positions, Zhang et al. (2019, Section 3) compute keys, queries
and values by 1 x 1 convolutions and

$$\beta_{j,i} = \frac{\exp(s_{ij})}{\sum_{i=1}^{N} \exp(s_{ij})}, \quad s_{ij} = f(x_i)^\top g(x_j), \qquad
o_j = v\Big(\sum_{i} \beta_{j,i}\, h(x_i)\Big), \qquad y_i = \gamma\, o_i + x_i$$

(their Eqs. 1–3), with $\gamma$ a learnable scalar **initialised to 0**, so that the block starts as the identity
and the network "first relies on the cues in the local neighbourhood" before it learns to use the attention.

Sizes follow the released code rather than the paper's text (BigGAN-PyTorch's ``layers.Attention``, by Brock, and
brain-research/self-attention-gan): query and key have $C/8$ channels, the value $C/2$, and the keys and values are
max-pooled 2 x 2 before the product, so each of the $N$ positions attends over $N/4$ pooled positions; the output
convolution maps the $C/2$ value channels back to $C$. No convolution has a bias.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class SelfAttention(nn.Module):
    r"""SAGAN's self-attention on maps of ``channels`` channels (a multiple of 8), even height and width.

    ``forward(x)`` returns $\gamma\, o(x) + x$; :meth:`attention` returns the map $\beta$ of shape (N, HW, HW/4),
    each row a softmax over the pooled positions.
    """

    def __init__(self, channels: int):
        super().__init__()
        if not isinstance(channels, int) or channels < 8 or channels % 8:
            raise ValueError(f"channels must be a positive multiple of 8 (query and key have channels / 8), got "
                             f"{channels!r}")
        self.channels = channels
        self.query = nn.Conv2d(channels, channels // 8, 1, bias=False)  # the code's theta, the paper's f
        self.key = nn.Conv2d(channels, channels // 8, 1, bias=False)  # phi, the paper's g
        self.value = nn.Conv2d(channels, channels // 2, 1, bias=False)  # g, the paper's h
        self.out = nn.Conv2d(channels // 2, channels, 1, bias=False)  # o, the paper's v
        self.gamma = nn.Parameter(torch.tensor(0.0))

    def _check(self, x: Tensor) -> None:
        if x.ndim != 4 or x.shape[1] != self.channels:
            raise ValueError(f"x must be a batch of feature maps (N, {self.channels}, H, W), got {tuple(x.shape)}")
        if x.shape[2] % 2 or x.shape[3] % 2:
            raise ValueError(f"height and width must be even (keys and values are max-pooled 2 x 2), got "
                             f"{tuple(x.shape[2:])}")

    def attention(self, x: Tensor) -> Tensor:
        r"""$\beta$ (N, HW, HW/4): row $j$ is the softmax over pooled positions $i$ of $s_{ij} = f(x_j)^\top
        g(\bar x_i)$ (Zhang et al. 2019, Eq. 1, with the code's pooled keys)."""
        self._check(x)
        query = self.query(x).flatten(2)  # (N, C/8, HW)
        key = F.max_pool2d(self.key(x), 2).flatten(2)  # (N, C/8, HW/4)
        # beta_{j,i} = softmax_i(f(x_j)^T g(x_i))
        return torch.softmax(torch.bmm(query.transpose(1, 2), key), dim=-1)

    def forward(self, x: Tensor) -> Tensor:
        beta = self.attention(x)
        value = F.max_pool2d(self.value(x), 2).flatten(2)  # (N, C/2, HW/4)
        # o_j = v(sum_i beta_{j,i} h(x_i)),  y = gamma o + x
        attended = torch.bmm(value, beta.transpose(1, 2)).view(len(x), self.channels // 2, *x.shape[2:])
        return self.gamma * self.out(attended) + x
