r"""Measurable properties of a digit image, for asking what a unit of a network encodes.

Each function takes images ``(N, 1, H, W)`` in $[-1, 1]$ (ink bright, background $-1$, as the course's MNIST) and
returns one number per image. A pixel is ink when its value is above 0 (half-way between background and full ink).

* ``ink`` — the share of ink pixels;
* ``stroke_width`` — $2 \times$ ink area over boundary length, in pixels: a stroke of width $w$ and length $L \gg w$
  has area $wL$ and boundary $\approx 2L$ (the boundary is counted as the ink pixels with a background 4-neighbour,
  so a stroke one or two pixels wide reads as about 2);
* ``loops`` — the number of holes: background regions (4-connected) that do not reach the border, so 0 for a 1,
  1 for a 0, 6 or 9, 2 for an 8.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import ndimage
from torch import Tensor


def _ink(images: Tensor) -> np.ndarray:
    if images.ndim != 4 or images.shape[1] != 1:
        raise ValueError(f"images must have shape (N, 1, H, W), got {tuple(images.shape)}")
    return images[:, 0].detach().cpu().numpy() > 0


def ink(images: Tensor) -> np.ndarray:
    """The share of each image's pixels that are ink."""
    return _ink(images).mean(axis=(1, 2))


def stroke_width(images: Tensor) -> np.ndarray:
    """2 × ink area / boundary pixels: the mean stroke width in pixels (0 for an image without ink)."""
    widths = []
    for mask in _ink(images):
        boundary = mask & ~ndimage.binary_erosion(mask, structure=ndimage.generate_binary_structure(2, 1))
        widths.append(2.0 * mask.sum() / boundary.sum() if boundary.any() else 0.0)
    return np.asarray(widths)


def loops(images: Tensor) -> np.ndarray:
    """The number of holes in each digit: enclosed background regions."""
    counts = []
    for mask in _ink(images):
        regions, n = ndimage.label(~mask)  # 4-connected background regions
        border = set(np.unique(np.concatenate([regions[0], regions[-1], regions[:, 0], regions[:, -1]]))) - {0}
        counts.append(n - len(border))
    return np.asarray(counts)


PROPERTIES: dict[str, Callable[[Tensor], np.ndarray]] = {"ink": ink, "stroke width": stroke_width, "loops": loops}


def digit_properties(images: Tensor) -> dict[str, np.ndarray]:
    """Every property of :data:`PROPERTIES` for each image."""
    return {name: measure(images) for name, measure in PROPERTIES.items()}
