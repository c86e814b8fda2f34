"""Multilayer-perceptron generator and discriminator for 1-D, 2-D and small-image data.

Goodfellow et al. (2014) trained MLPs (their Section 5); the layer sizes here follow the common
``z -> 256 -> 512 -> data`` layout of PyTorch-GAN's ``gan.py`` and the TensorFlow.js MNIST GAN, with leaky ReLU
(slope 0.2) hidden units and, for images, a tanh output so that samples live in [-1, 1] like the scaled data.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

from torch import Tensor, nn

Normalization = Callable[[int], nn.Module]


def _mlp(sizes: Sequence[int], negative_slope: float, normalization: Normalization | None = None) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for fan_in, fan_out in zip(sizes[:-2], sizes[1:-1]):
        layers.append(nn.Linear(fan_in, fan_out))
        if normalization is not None:
            layers.append(normalization(fan_out))
        layers.append(nn.LeakyReLU(negative_slope))
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    return layers


def _check_sizes(latent_dim: int, hidden: Sequence[int], shape: Sequence[int]) -> None:
    if latent_dim < 1 or not hidden or min(hidden) < 1 or not shape or min(shape) < 1:
        raise ValueError(
            f"need latent_dim >= 1, at least one hidden layer and a non-empty data shape, all positive; "
            f"got latent_dim={latent_dim}, hidden={tuple(hidden)}, shape={tuple(shape)}"
        )


class MLPGenerator(nn.Module):
    """G: noise of shape (N, latent_dim) to samples of shape (N, *data_shape).

    ``output="tanh"`` bounds images to [-1, 1]; ``output="linear"`` leaves toy data unbounded. ``normalization``
    builds a layer for a number of features, put between each hidden linear layer and its activation
    (``nn.BatchNorm1d``, as DCGAN's generator; ``partial(VirtualBatchNorm, reference_size=R)``); none by default.
    """

    def __init__(
        self,
        latent_dim: int,
        data_shape: Sequence[int],
        hidden: Sequence[int] = (256, 512),
        output: str = "tanh",
        negative_slope: float = 0.2,
        normalization: Normalization | None = None,
    ):
        super().__init__()
        _check_sizes(latent_dim, hidden, data_shape)
        if output not in ("tanh", "linear"):
            raise ValueError(f"output must be 'tanh' (images in [-1, 1]) or 'linear' (unbounded), got {output!r}")
        self.latent_dim = latent_dim
        self.data_shape = tuple(data_shape)
        layers = _mlp([latent_dim, *hidden, math.prod(data_shape)], negative_slope, normalization)
        if output == "tanh":
            layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"noise must have shape (N, {self.latent_dim}), got {tuple(z.shape)}")
        return self.net(z).view(len(z), *self.data_shape)


class MLPDiscriminator(nn.Module):
    """D: samples of shape (N, *data_shape) to one logit each, shape (N,); $D(x) = \\sigma(\\text{logit})$."""

    def __init__(self, data_shape: Sequence[int], hidden: Sequence[int] = (512, 256), negative_slope: float = 0.2):
        super().__init__()
        _check_sizes(1, hidden, data_shape)
        self.data_shape = tuple(data_shape)
        self.net = nn.Sequential(*_mlp([math.prod(data_shape), *hidden, 1], negative_slope))

    def forward(self, x: Tensor) -> Tensor:
        if tuple(x.shape[1:]) != self.data_shape:
            raise ValueError(f"samples must have shape (N, {', '.join(map(str, self.data_shape))}), got {tuple(x.shape)}")
        return self.net(x.flatten(1)).squeeze(1)
