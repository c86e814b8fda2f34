r"""Convolution arithmetic: output sizes and the explicit matrix of a convolution.

Dumoulin & Visin (2016), "A guide to convolution arithmetic for deep learning", treat each axis independently; every
relation below is for one axis with input size $i$, kernel size $k$, stride $s$, zero padding $p$ and dilation $d$.
The effective size of a dilated kernel is $\hat k = k + (k-1)(d-1)$ (their Relationship 15), and the general
convolution output size is

$$o = \left\lfloor \frac{i + 2p - \hat k}{s} \right\rfloor + 1,$$

which contains all the guide's special cases: no padding, unit strides, $o = i - k + 1$ (Relationship 1); padding,
$o = i - k + 2p + 1$ (R2); half ("same") padding, $p = \lfloor k/2 \rfloor$ with odd $k$, $o = i$ (R3); full padding,
$p = k - 1$, $o = i + k - 1$ (R4); strides (R5, R6).

A transposed convolution with the same $k, s, p$ maps size $o$ back to a size $i$ (R13 and R14):

$$i = s(o - 1) + \hat k - 2p + a, \qquad a = (i + 2p - \hat k) \bmod s,$$

where $a$ (PyTorch's ``output_padding``) picks one of the $s$ input sizes that the strided convolution maps to the same
$o$. It restores the *shape*, not the values: with :func:`conv_matrix` $C$, the convolution is $y = Cx$ and the
transposed convolution is $x' = C^\top y$.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor


def _check(**sizes: int) -> None:
    for name, value in sizes.items():
        lowest = 0 if name in ("padding", "output_padding") else 1
        if not isinstance(value, int) or value < lowest:
            raise ValueError(f"{name} must be an integer >= {lowest}, got {value!r}")


def effective_kernel_size(kernel_size: int, dilation: int = 1) -> int:
    r"""$\hat k = k + (k - 1)(d - 1)$ (Dumoulin & Visin 2016, Relationship 15)."""
    _check(kernel_size=kernel_size, dilation=dilation)
    return kernel_size + (kernel_size - 1) * (dilation - 1)


def conv_output_size(input_size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    r"""$o = \lfloor (i + 2p - \hat k) / s \rfloor + 1$ (Dumoulin & Visin 2016, Relationships 1–6 and 15)."""
    _check(input_size=input_size, stride=stride, padding=padding)
    span = input_size + 2 * padding - effective_kernel_size(kernel_size, dilation)
    if span < 0:
        raise ValueError(
            f"the (dilated) kernel of size {effective_kernel_size(kernel_size, dilation)} does not fit in the padded "
            f"input of size {input_size + 2 * padding}: use a smaller kernel or dilation, or more padding"
        )
    return span // stride + 1


def output_padding(input_size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    r"""$a = (i + 2p - \hat k) \bmod s$: the ``output_padding`` with which the transposed convolution restores $i$."""
    conv_output_size(input_size, kernel_size, stride, padding, dilation)
    return (input_size + 2 * padding - effective_kernel_size(kernel_size, dilation)) % stride


def conv_transpose_output_size(
    input_size: int, kernel_size: int, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> int:
    r"""$o' = s(i' - 1) + \hat k - 2p + a$ (Dumoulin & Visin 2016, Relationship 14, with dilation).

    PyTorch requires $a < s$ or $a < d$ (``output_padding`` must be smaller than either stride or dilation).
    """
    _check(input_size=input_size, stride=stride, padding=padding, output_padding=output_padding)
    if output_padding >= max(stride, dilation):
        raise ValueError(f"output_padding ({output_padding}) must be smaller than the stride ({stride}) or the dilation ({dilation})")
    size = stride * (input_size - 1) + effective_kernel_size(kernel_size, dilation) - 2 * padding + output_padding
    if size < 1:
        raise ValueError(f"the padding {padding} removes the whole output (size {size}); use less padding")
    return size


def conv_input_sizes(output_size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> list[int]:
    r"""All input sizes that a convolution maps to ``output_size``: $i_0, ..., i_0 + s - 1$ with
    $i_0 = s(o - 1) + \hat k - 2p$, less those too small to hold the kernel."""
    _check(output_size=output_size, stride=stride, padding=padding)
    k_hat = effective_kernel_size(kernel_size, dilation)
    smallest = stride * (output_size - 1) + k_hat - 2 * padding
    return [i for i in range(smallest, smallest + stride) if i >= 1 and i + 2 * padding >= k_hat]


def conv_matrix(
    input_shape: tuple[int, int], kernel: Tensor, stride: int = 1, padding: int = 0, dilation: int = 1
) -> Tensor:
    r"""The matrix $C$ with ``conv2d(x).flatten() == C @ x.flatten()`` for one channel and a 2-D ``kernel``.

    Row $(r, c)$ of $C$ holds the kernel weight $K_{uv}$ at column $(rs - p + ud,\ cs - p + vd)$ wherever that input
    position exists (positions in the zero padding contribute nothing). ``C.T`` is then the transposed convolution:
    ``conv_transpose2d(y).flatten() == C.T @ y.flatten()`` (with the ``output_padding`` that restores the input size).
    """
    if kernel.ndim != 2:
        raise ValueError(f"kernel must be a 2-D tensor (one input and one output channel), got shape {tuple(kernel.shape)}")
    height, width = input_shape
    k_h, k_w = kernel.shape
    out_h = conv_output_size(height, k_h, stride, padding, dilation)
    out_w = conv_output_size(width, k_w, stride, padding, dilation)
    matrix = torch.zeros(out_h * out_w, height * width, dtype=kernel.dtype)
    for r in range(out_h):
        for c in range(out_w):
            for u in range(k_h):
                for v in range(k_w):
                    row, col = r * stride - padding + u * dilation, c * stride - padding + v * dilation
                    if 0 <= row < height and 0 <= col < width:
                        matrix[r * out_w + c, row * width + col] += kernel[u, v]
    return matrix


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify_against_pytorch`: how many configurations matched, and the largest difference."""

    configs: int
    conv_shapes: int
    transposed_shapes: int
    input_sizes: int
    max_conv_error: float
    max_transposed_error: float


def verify_against_pytorch(n_configs: int = 1000, seed: int = 0, max_input: int = 12) -> Verification:
    r"""Check every relation of this module against PyTorch on ``n_configs`` random configurations.

    Each draws $i \le$ ``max_input``, $k \le 5$, $s \le 4$, $p \le 3$, $d \le 3$ (redrawn until the dilated kernel fits
    the padded input) and counts: the output shape of ``conv2d`` equals :func:`conv_output_size`; ``conv_transpose2d``
    with the :func:`output_padding` $a$ restores the shape $i$ that :func:`conv_transpose_output_size` predicts; $i$ is
    among :func:`conv_input_sizes`. It also records the largest differences $|Cx - \mathrm{conv}(x)|$ and
    $|C^\top y - \mathrm{conv}^\top(y)|$ in double precision, with $C$ from :func:`conv_matrix` and random $x$, kernel.
    """
    if not isinstance(n_configs, int) or n_configs < 1:
        raise ValueError(f"n_configs must be an integer >= 1, got {n_configs!r}")
    _check(max_input=max_input)
    rng = random.Random(seed)
    generator = torch.Generator().manual_seed(seed)
    counts = dict(configs=0, conv_shapes=0, transposed_shapes=0, input_sizes=0)
    errors = dict(max_conv_error=0.0, max_transposed_error=0.0)
    while counts["configs"] < n_configs:
        i, k, s = rng.randint(1, max_input), rng.randint(1, 5), rng.randint(1, 4)
        p, d = rng.randint(0, 3), rng.randint(1, 3)
        if i + 2 * p < effective_kernel_size(k, d):
            continue
        o, a = conv_output_size(i, k, s, p, d), output_padding(i, k, s, p, d)
        kernel = torch.randn(k, k, generator=generator, dtype=torch.float64)
        x = torch.randn(i, i, generator=generator, dtype=torch.float64)
        y = F.conv2d(x[None, None], kernel[None, None], stride=s, padding=p, dilation=d)
        x_back = F.conv_transpose2d(y, kernel[None, None], stride=s, padding=p, output_padding=a, dilation=d)
        matrix = conv_matrix((i, i), kernel, s, p, d)
        counts["configs"] += 1
        counts["conv_shapes"] += y.shape[-2:] == (o, o)
        counts["transposed_shapes"] += x_back.shape[-2:] == (i, i) and conv_transpose_output_size(o, k, s, p, a, d) == i
        counts["input_sizes"] += i in conv_input_sizes(o, k, s, p, d)
        errors["max_conv_error"] = max(errors["max_conv_error"], (matrix @ x.flatten() - y.flatten()).abs().max().item())
        errors["max_transposed_error"] = max(
            errors["max_transposed_error"], (matrix.T @ y.flatten() - x_back.flatten()).abs().max().item()
        )
    return Verification(**counts, **errors)
