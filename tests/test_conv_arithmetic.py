"""Convolution arithmetic against PyTorch: output sizes over random configurations, and C, C^T against the ops."""

from __future__ import annotations

import random

import pytest
import torch
import torch.nn.functional as F

from gan_course.models.convolution_arithmetic import (
    conv_input_sizes,
    conv_matrix,
    conv_output_size,
    conv_transpose_output_size,
    effective_kernel_size,
    output_padding,
)


def test_the_guides_named_cases():
    assert conv_output_size(5, 3) == 3  # no padding, unit strides: i - k + 1
    assert conv_output_size(5, 4, padding=2) == 6  # padding: i - k + 2p + 1
    assert conv_output_size(5, 3, padding=1) == 5  # half padding keeps the size
    assert conv_output_size(5, 3, padding=2) == 7  # full padding: i + k - 1
    assert conv_output_size(5, 3, stride=2) == 2  # strides
    assert conv_output_size(5, 3, stride=2, padding=1) == 3
    assert conv_output_size(6, 3, stride=2, padding=1) == 3  # ... and 6 gives 3 too: the need for `a`
    assert conv_input_sizes(3, 3, stride=2, padding=1) == [5, 6]
    assert output_padding(6, 3, stride=2, padding=1) == 1
    assert effective_kernel_size(3, dilation=2) == 5 and conv_output_size(7, 3, dilation=2) == 3


def test_a_thousand_random_configurations_match_pytorch():
    rng = random.Random(0)
    checked = transposed = 0
    while checked < 1000:
        k, s, d = rng.randint(1, 5), rng.randint(1, 4), rng.randint(1, 3)
        p, i = rng.randint(0, 3), rng.randint(1, 16)
        if i + 2 * p < effective_kernel_size(k, d):
            continue
        o = conv_output_size(i, k, s, p, d)
        y = F.conv2d(torch.zeros(1, 1, i, i), torch.zeros(1, 1, k, k), stride=s, padding=p, dilation=d)
        assert y.shape[-1] == o, (i, k, s, p, d)
        a = output_padding(i, k, s, p, d)
        if a < max(s, d) and conv_transpose_output_size(o, k, s, 0, 0, d) > 2 * p:
            x = F.conv_transpose2d(y, torch.zeros(1, 1, k, k), stride=s, padding=p, output_padding=a, dilation=d)
            assert x.shape[-1] == conv_transpose_output_size(o, k, s, p, a, d) == i, (i, k, s, p, d, a)
            transposed += 1
        assert i in conv_input_sizes(o, k, s, p, d)
        checked += 1
    assert transposed > 700  # most configurations also check the transposed relation


@pytest.mark.parametrize("i, k, s, p, d", [(4, 3, 1, 0, 1), (5, 3, 2, 1, 1), (6, 3, 2, 1, 1), (7, 2, 3, 2, 1), (7, 3, 1, 1, 2)])
def test_the_convolution_matrix_and_its_transpose_are_the_two_ops(i, k, s, p, d):
    generator = torch.Generator().manual_seed(i * 100 + k)
    kernel = torch.randn(k, k, generator=generator, dtype=torch.float64)
    x = torch.randn(i, i, generator=generator, dtype=torch.float64)
    C = conv_matrix((i, i), kernel, s, p, d)
    y = F.conv2d(x[None, None], kernel[None, None], stride=s, padding=p, dilation=d)
    torch.testing.assert_close(C @ x.flatten(), y.flatten(), rtol=0, atol=1e-12)
    a = output_padding(i, k, s, p, d)
    x_back = F.conv_transpose2d(y, kernel[None, None], stride=s, padding=p, output_padding=a, dilation=d)
    assert x_back.shape[-2:] == (i, i)
    torch.testing.assert_close(C.T @ y.flatten(), x_back.flatten(), rtol=0, atol=1e-12)


def test_bad_sizes_are_explained():
    with pytest.raises(ValueError, match="does not fit in the padded input"):
        conv_output_size(2, 5)
    with pytest.raises(ValueError, match="stride must be an integer >= 1"):
        conv_output_size(5, 3, stride=0)
    with pytest.raises(ValueError, match="output_padding .* must be smaller than the stride"):
        conv_transpose_output_size(3, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="kernel must be a 2-D tensor"):
        conv_matrix((4, 4), torch.ones(1, 1, 3, 3))
