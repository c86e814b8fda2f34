"""The training recipes of the papers: models, optimizers and settings as each paper prescribes them, in one call.

A recipe returns a :class:`~gan_course.training.GANTrainer`; chapters, the command line and the benchmark build
their runs from it, so an ablation changes exactly one argument.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from gan_course.data import TensorStream
from gan_course.device import default_device
from gan_course.losses import discriminator_loss, nonsaturating_generator_loss
from gan_course.models.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_course.training import GANTrainer


def dcgan_trainer(
    images: Tensor,
    latent_dim: int = 100,
    width: int = 64,
    batch_size: int = 128,
    lr: float = 2e-4,
    beta1: float = 0.5,
    seed: int = 0,
    device: torch.device | None = None,
    **trainer_options: Any,
) -> GANTrainer:
    """DCGAN as Radford, Metz & Chintala (2016, Section 4) train it: mini-batches of 128, weights from N(0, 0.02),
    Adam with learning rate 0.0002 and β1 = 0.5, images scaled to tanh's range [-1, 1], and the non-saturating
    generator loss of their code.

    ``images`` (N, C, H, W) in [-1, 1], square, of a size :func:`~gan_course.models.dcgan.layer_plan` supports.
    ``width`` is the paper's ngf = ndf. Further keyword arguments go to :class:`GANTrainer` (``noise``, ``order``,
    ``d_steps``, ``snapshot_every``, ``channels_last``, ``amp``, ``compile``...). Build the trainer right after
    :func:`~gan_course.seed.seed_everything` for a reproducible run; the data order is seeded with ``seed``.
    """
    if images.ndim != 4 or images.shape[-1] != images.shape[-2]:
        raise ValueError(f"images must be a square batch (N, C, H, W), got shape {tuple(images.shape)}")
    low, high = float(images.min()), float(images.max())
    if low < -1 or high > 1:
        raise ValueError(f"images must lie in [-1, 1] for the tanh generator, got values in [{low:.3g}, {high:.3g}]: "
                         f"scale pixels in [0, 1] with x * 2 - 1")
    device = device or default_device()
    channels, size = images.shape[1], images.shape[-1]
    generator = DCGANGenerator(latent_dim, size, channels, width).to(device)
    discriminator = DCGANDiscriminator(size, channels, width).to(device)
    betas = (beta1, 0.999)
    return GANTrainer(
        generator,
        discriminator,
        torch.optim.Adam(generator.parameters(), lr=lr, betas=betas),
        torch.optim.Adam(discriminator.parameters(), lr=lr, betas=betas),
        TensorStream(images, batch_size, seed),
        discriminator_loss,
        nonsaturating_generator_loss,
        latent_dim=latent_dim,
        **trainer_options,
    )
