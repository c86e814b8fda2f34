r"""Has a GAN memorised its training digits? Two measurements: the discriminator's verdict on digits it trained on
against digits it never saw, and how close the generator's samples lie to training digits against unseen ones.

A discriminator that memorises its training set says "real" more confidently on those digits than on unseen digits
of the same distribution (Arpit et al. 2017 measure memorisation by such gaps; Webster et al. 2019 look for it in the
generator through nearest neighbours). The verdict must be read as D computes it in training: on all-real batches of
the training batch size, with batch normalisation on each batch's statistics (:class:`gan_course.batch_statistics.
batch_statistics`) — in eval mode its running statistics, averaged over all-real *and* all-fake batches, make it a
different network.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gan_course.batch_statistics import batch_norm_mode


def discriminator_probabilities(discriminator: nn.Module, images: Tensor, batch_size: int = 64,
                                batch_norm: str = "batch") -> Tensor:
    r"""$D(x) = \sigma(\text{logit})$ for each image, on the CPU, computed on batches of ``batch_size`` images in order.

    ``batch_norm="batch"`` (the default) normalises each batch by its own statistics, as D saw real digits in
    training (use the training batch size); ``"running"`` uses eval mode's running statistics. Neither changes D.
    """
    mode = batch_norm_mode(batch_norm)
    minimum = 2 if batch_norm == "batch" else 1
    if not isinstance(batch_size, int) or batch_size < minimum:
        raise ValueError(f"batch_size must be an integer of at least {minimum} (batch statistics need two images), "
                         f"got {batch_size!r}")
    device = next(discriminator.parameters()).device
    with torch.no_grad(), mode(discriminator):
        return torch.cat([torch.sigmoid(discriminator(batch.to(device))).cpu() for batch in images.split(batch_size)])


def nearest_distances(samples: Tensor, digits: Tensor, batch_size: int = 500) -> Tensor:
    """For each sample, the Euclidean (pixel) distance to its nearest digit in ``digits``."""
    if samples.shape[1:] != digits.shape[1:]:
        raise ValueError(f"samples and digits must have the same shape per item, got {tuple(samples.shape[1:])} and "
                         f"{tuple(digits.shape[1:])}")
    flat = digits.flatten(1).float()
    return torch.cat([torch.cdist(chunk.flatten(1).float(), flat).min(1).values for chunk in samples.split(batch_size)])
