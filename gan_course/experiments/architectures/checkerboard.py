r"""Checkerboard artifacts of transposed convolutions (Odena, Dumoulin & Olah 2016, "Deconvolution and Checkerboard
Artifacts", Distill).

A transposed convolution with kernel size $k$ and stride $s$ paints each input value into a $k \times k$ patch of the
output, the patches $s$ apart. When $s$ does not divide $k$ the patches overlap unevenly: some output pixels receive
more contributions than their neighbours, in a pattern of period $s$ that stacked layers compound. Resizing first
(nearest-neighbour upsampling) and then convolving with stride 1 covers every pixel equally ("resize-convolution",
their Section "Better Upsampling").
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from gan_course.models.convolution_arithmetic import conv_transpose_output_size

_TRANSPOSED = {1: F.conv_transpose1d, 2: F.conv_transpose2d}
_DIRECT = {1: F.conv1d, 2: F.conv2d}


def _ones(input_size: int, ndim: int) -> Tensor:
    if ndim not in (1, 2):
        raise ValueError(f"ndim must be 1 or 2, got {ndim!r}")
    if not isinstance(input_size, int) or input_size < 1:
        raise ValueError(f"input_size must be an integer >= 1, got {input_size!r}")
    return torch.ones((1, 1) + (input_size,) * ndim, dtype=torch.float64)


def _check_layers(layers: int) -> None:
    if not isinstance(layers, int) or layers < 1:
        raise ValueError(f"layers must be an integer >= 1, got {layers!r}")


def overlap_count(input_size: int, kernel_size: int, stride: int, padding: int = 0, layers: int = 1, ndim: int = 2) -> Tensor:
    """How many kernel placements cover each output pixel of ``layers`` stacked transposed convolutions.

    The transposed convolution of an all-ones input with an all-ones kernel (Odena et al. 2016, the overlap figures);
    after several layers, the number of paths from the input to each pixel. Returns a tensor of shape
    ``(size,) * ndim``; it is even away from the border exactly when ``stride`` divides ``kernel_size``.
    """
    _check_layers(layers)
    counts = _ones(input_size, ndim)
    kernel = torch.ones((1, 1) + (kernel_size,) * ndim, dtype=torch.float64)
    for _ in range(layers):
        conv_transpose_output_size(counts.shape[-1], kernel_size, stride, padding)
        counts = _TRANSPOSED[ndim](counts, kernel, stride=stride, padding=padding)
    return counts[0, 0]


def resize_overlap_count(input_size: int, kernel_size: int = 3, scale_factor: int = 2, layers: int = 1, ndim: int = 2) -> Tensor:
    """The same count for resize-convolution (Odena et al. 2016): nearest upsampling by ``scale_factor`` then a
    stride-1 convolution with an odd ``kernel_size`` and "same" zero padding. Uniform away from the border."""
    _check_layers(layers)
    if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be an odd integer >= 1 so that the padding keeps the size, got {kernel_size!r}")
    if not isinstance(scale_factor, int) or scale_factor < 1:
        raise ValueError(f"scale_factor must be an integer >= 1, got {scale_factor!r}")
    counts = _ones(input_size, ndim)
    kernel = torch.ones((1, 1) + (kernel_size,) * ndim, dtype=torch.float64)
    for _ in range(layers):
        counts = F.interpolate(counts, scale_factor=scale_factor, mode="nearest")
        counts = _DIRECT[ndim](counts, kernel, padding=kernel_size // 2)
    return counts[0, 0]


def checkerboard_score(images: Tensor) -> Tensor:
    r"""The share of each image's variance in period-2 patterns: the power of the 2-D DFT at the three Nyquist
    frequencies $(H/2, 0)$, $(0, W/2)$, $(H/2, W/2)$ over all power but the mean's.

    For images of shape ``(..., H, W)`` with even ``H`` and ``W``; returns shape ``(...)``. A pure checkerboard scores 1,
    white noise about $3 / (HW)$, a constant image 0.
    """
    if images.ndim < 2 or images.shape[-1] % 2 or images.shape[-2] % 2:
        raise ValueError(f"images must have shape (..., H, W) with even H and W, got {tuple(images.shape)}")
    centred = images.double() - images.double().mean(dim=(-2, -1), keepdim=True)
    power = torch.fft.fft2(centred).abs() ** 2
    h, w = images.shape[-2] // 2, images.shape[-1] // 2
    nyquist = power[..., h, 0] + power[..., 0, w] + power[..., h, w]
    total = power.sum(dim=(-2, -1))
    return torch.where(total > 0, nyquist / total.clamp_min(torch.finfo(total.dtype).tiny), torch.zeros_like(total))



def period_two_shares(images: Tensor) -> tuple[Tensor, Tensor]:
    r"""Each image's share of variance at the three period-2 (Nyquist) frequencies $(H/2, 0)$, $(0, W/2)$,
    $(H/2, W/2)$, and at their lower neighbours $(H/2 - 1, 0)$, $(0, W/2 - 1)$, $(H/2 - 1, W/2 - 1)$.

    ``images`` has shape ``(N, H, W)`` with even ``H, W >= 4``; images with no variance are left out, and a batch with
    none left is an error. Returns two tensors of shape ``(M,)``, ``M <= N``; :func:`checkerboard_peak` compares them.
    """
    if images.ndim != 3 or images.shape[-1] % 2 or images.shape[-2] % 2 or min(images.shape[-2:]) < 4:
        raise ValueError(f"images must have shape (N, H, W) with even H, W >= 4, got {tuple(images.shape)}")
    centred = images.double() - images.double().mean(dim=(-2, -1), keepdim=True)
    power = torch.fft.fft2(centred).abs() ** 2
    total = power.sum(dim=(-2, -1))
    keep = total > 0
    if not keep.any():
        raise ValueError("every image is constant: there is no spectrum to compare")
    share = power[keep] / total[keep, None, None]
    h, w = images.shape[-2] // 2, images.shape[-1] // 2
    return share[:, h, 0] + share[:, 0, w] + share[:, h, w], share[:, h - 1, 0] + share[:, 0, w - 1] + share[:, h - 1, w - 1]


def checkerboard_peak(images: Tensor) -> float:
    r"""How much the period-2 frequencies stand out of a batch's spectrum: the mean share of variance at the three
    Nyquist frequencies over the mean share at their lower neighbours (:func:`period_two_shares`).

    A checkerboard artifact (Odena, Dumoulin & Olah 2016) is a *peak* at period 2, which :func:`checkerboard_score`
    alone cannot tell from broadband high-frequency noise: white noise gives a ratio near 1, a spectrum that falls
    with frequency (a smooth image) less than 1, a checkerboard much more. ``images`` as for
    :func:`period_two_shares`.
    """
    nyquist, neighbours = period_two_shares(images)
    return float(nyquist.mean() / neighbours.mean())
