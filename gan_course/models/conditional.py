r"""Conditional GANs: generator and discriminator both see a class label $y$ (Mirza & Osindero 2014).

Mirza & Osindero (2014), Eq. 2, condition both players of the game on extra information $y$:

$$\min_G \max_D V(D, G) = \mathbb{E}_{x \sim p_\text{data}}[\log D(x \mid y)]
+ \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z \mid y)))],$$

feeding $y$ "into both the discriminator and generator as additional input layer" (their Section 3.2). Here $y$ is a
class index, turned into a one-hot vector, so a conditional model is the unconditional model of
:mod:`gan_course.models.mlp` or :mod:`gan_course.models.dcgan` with wider inputs: the MLPs concatenate the one-hot
vector to the noise or to the flattened sample; the DCGAN generator appends it to the noise as extra channels of its
1 x 1 input map, and the DCGAN discriminator appends it to the image as ``n_classes`` constant maps of size
H x W, as common conditional DCGAN implementations do. The losses of :mod:`gan_course.losses` apply unchanged.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_course.models.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_course.models.mlp import MLPDiscriminator, MLPGenerator


def _check_n_classes(n_classes: int) -> None:
    if not isinstance(n_classes, int) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer (e.g. 10 for MNIST), got {n_classes!r}")


def _one_hot(labels: Tensor, n_classes: int, like: Tensor) -> Tensor:
    """Check that ``labels`` are ``len(like)`` class indices in ``0..n_classes-1``; return them one-hot, like ``like``."""
    batch = len(like)
    if not isinstance(labels, Tensor):
        raise ValueError(
            f"labels must be a tensor of class indices, got {type(labels).__name__}; use torch.tensor(...)"
        )
    if labels.shape == (batch, n_classes):
        raise ValueError(
            f"labels must be class indices of shape ({batch},), got shape {tuple(labels.shape)}, which looks one-hot; "
            f"pass labels.argmax(1)"
        )
    if labels.shape != (batch,):
        hint = "; pass labels.flatten()" if labels.numel() == batch else ""
        raise ValueError(
            f"labels must have shape ({batch},), one class index per sample of the batch, got {tuple(labels.shape)}"
            f"{hint}"
        )
    if labels.dtype == torch.bool or labels.is_floating_point() or labels.is_complex():
        raise ValueError(f"labels must be integer class indices (torch.long), got {labels.dtype}; pass labels.long()")
    if labels.device != like.device:
        raise ValueError(f"labels are on {labels.device} but the batch is on {like.device}; move them with labels.to()")
    if batch:
        low, high = int(labels.min()), int(labels.max())
        if low < 0 or high >= n_classes:
            raise ValueError(
                f"label {low if low < 0 else high} is outside the class range 0..{n_classes - 1}: this model was built "
                f"with n_classes={n_classes}"
            )
    return F.one_hot(labels.long(), n_classes).to(like.dtype)


class ConditionalMLPGenerator(nn.Module):
    """G(z | y): noise (N, latent_dim) and labels (N,) to samples (N, *data_shape) (Mirza & Osindero 2014, Section 3.2).

    An :class:`~gan_course.models.mlp.MLPGenerator` on ``[z, one_hot(y)]``; ``output`` as there.
    """

    def __init__(
        self,
        latent_dim: int,
        n_classes: int,
        data_shape: Sequence[int],
        hidden: Sequence[int] = (256, 512),
        output: str = "tanh",
        negative_slope: float = 0.2,
    ):
        super().__init__()
        _check_n_classes(n_classes)
        if latent_dim < 1:
            raise ValueError(f"latent_dim must be positive, got {latent_dim}")
        self.body = MLPGenerator(latent_dim + n_classes, data_shape, hidden, output, negative_slope)
        self.latent_dim = latent_dim
        self.n_classes = n_classes
        self.data_shape = tuple(data_shape)

    def forward(self, z: Tensor, labels: Tensor) -> Tensor:
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"noise must have shape (N, {self.latent_dim}), got {tuple(z.shape)}")
        return self.body(torch.cat([z, _one_hot(labels, self.n_classes, z)], dim=1))


class ConditionalMLPDiscriminator(nn.Module):
    """D(x | y): samples (N, *data_shape) and labels (N,) to one logit each, shape (N,) (Mirza & Osindero 2014).

    An :class:`~gan_course.models.mlp.MLPDiscriminator` on ``[flatten(x), one_hot(y)]``.
    """

    def __init__(
        self, n_classes: int, data_shape: Sequence[int], hidden: Sequence[int] = (512, 256), negative_slope: float = 0.2
    ):
        super().__init__()
        _check_n_classes(n_classes)
        if not data_shape or min(data_shape) < 1:
            raise ValueError(f"data_shape must be non-empty and positive, got {tuple(data_shape)}")
        self.body = MLPDiscriminator((math.prod(data_shape) + n_classes,), hidden, negative_slope)
        self.n_classes = n_classes
        self.data_shape = tuple(data_shape)

    def forward(self, x: Tensor, labels: Tensor) -> Tensor:
        if tuple(x.shape[1:]) != self.data_shape:
            raise ValueError(f"samples must have shape (N, {', '.join(map(str, self.data_shape))}), got {tuple(x.shape)}")
        return self.body(torch.cat([x.flatten(1), _one_hot(labels, self.n_classes, x)], dim=1))


class ConditionalDCGANGenerator(nn.Module):
    """G(z | y): noise (N, latent_dim) and labels (N,) to images (N, channels, image_size, image_size) in [-1, 1].

    A :class:`~gan_course.models.dcgan.DCGANGenerator` whose 1 x 1 input map has ``latent_dim + n_classes`` channels:
    the noise and the one-hot label. Weights from N(0, 0.02) (Radford et al. 2016).
    """

    def __init__(self, latent_dim: int, n_classes: int, image_size: int = 64, channels: int = 3, width: int = 64):
        super().__init__()
        _check_n_classes(n_classes)
        if latent_dim < 1:
            raise ValueError(f"latent_dim must be positive, got {latent_dim}")
        self.body = DCGANGenerator(latent_dim + n_classes, image_size, channels, width)
        self.latent_dim = latent_dim
        self.n_classes = n_classes

    def forward(self, z: Tensor, labels: Tensor) -> Tensor:
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"noise must have shape (N, {self.latent_dim}), got {tuple(z.shape)}")
        return self.body(torch.cat([z, _one_hot(labels, self.n_classes, z)], dim=1))


class ConditionalDCGANDiscriminator(nn.Module):
    """D(x | y): images (N, channels, image_size, image_size) and labels (N,) to one logit each, shape (N,).

    A :class:`~gan_course.models.dcgan.DCGANDiscriminator` on ``channels + n_classes`` input channels: the image and,
    for each class, a constant H x W map that is 1 for the sample's class and 0 otherwise. Weights from N(0, 0.02).
    """

    def __init__(self, n_classes: int, image_size: int = 64, channels: int = 3, width: int = 64):
        super().__init__()
        _check_n_classes(n_classes)
        if channels < 1:
            raise ValueError(f"channels must be positive, got {channels}")
        self.body = DCGANDiscriminator(image_size, channels + n_classes, width)
        self.n_classes = n_classes
        self.image_shape = (channels, image_size, image_size)

    def forward(self, x: Tensor, labels: Tensor) -> Tensor:
        if tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(f"images must have shape (N, {', '.join(map(str, self.image_shape))}), got {tuple(x.shape)}")
        maps = _one_hot(labels, self.n_classes, x)[:, :, None, None].expand(-1, -1, *self.image_shape[1:])
        return self.body(torch.cat([x, maps], dim=1))
