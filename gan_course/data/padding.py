"""Images padded to a power of two, and generators cropped back: ProGAN doubles 4×4 up to its image size, so MNIST's
28×28 digits are trained at 32×32 (Karras et al. 2018 train on power-of-two sizes only), while the course's
evaluation protocol scores 28×28 digits.

The border is the background, $-1$ in the networks' range $[-1, 1]$: two pixels on each side of a 28×28 digit.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

BACKGROUND = -1.0


def margins(size: int, target: int) -> tuple[int, int]:
    """The pixels added before and after an image of ``size`` to reach ``target`` (the extra one after, if odd)."""
    if target < size:
        raise ValueError(f"cannot pad images of size {size} to the smaller size {target}")
    before = (target - size) // 2
    return before, target - size - before


def pad_images(images: Tensor, size: int, value: float = BACKGROUND) -> Tensor:
    """Square images (N, C, S, S) centred on a ``size`` × ``size`` canvas of ``value`` (the background)."""
    if images.ndim != 4 or images.shape[-1] != images.shape[-2]:
        raise ValueError(f"images must be a batch of square images (N, C, S, S), got shape {tuple(images.shape)}")
    before, after = margins(images.shape[-1], size)
    return F.pad(images, (before, after, before, after), value=value)


class Cropped(nn.Module):
    """``generator`` with its square output cropped to the centre ``size`` × ``size`` (the inverse of
    :func:`pad_images`); it keeps the generator's ``latent_dim``, so the metrics draw its noise as they would.

    ``clamp=True`` also clips the values to the image range $[-1, 1]$, for a generator with a linear output such as
    ProGAN's: its released code does the same when it turns samples into 8-bit images for viewing and for its
    metrics (``misc.convert_to_uint8``). Without it, values outside the range reach the metrics, which refuse them.
    """

    def __init__(self, generator: nn.Module, size: int, clamp: bool = False):
        super().__init__()
        self.generator = generator
        self.size = size
        self.clamp = clamp
        if hasattr(generator, "latent_dim"):
            self.latent_dim = generator.latent_dim

    def forward(self, z: Tensor) -> Tensor:
        images = self.generator(z)
        before, _ = margins(self.size, images.shape[-1])
        images = images[..., before : before + self.size, before : before + self.size]
        return images.clamp(-1.0, 1.0) if self.clamp else images
