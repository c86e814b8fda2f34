"""DCGANGenerator(upsampling="resize"): Odena et al.'s (2016) resize-convolution in place of transposed convolutions."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_course.experiments.architectures.checkerboard import checkerboard_score
from gan_course.models import DCGANGenerator


@pytest.mark.parametrize("size", [28, 32, 64])
def test_resize_generator_has_the_same_output_shape(size):
    torch.manual_seed(0)
    g = DCGANGenerator(16, size, 3, 8, upsampling="resize")
    images = g(torch.randn(2, 16))
    assert images.shape == (2, 3, size, size) and images.abs().max() <= 1
    transposed = [m for m in g.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert len(transposed) == 1 and transposed[0].stride == (1, 1)  # only the 1x1 -> base x base input layer
    upsamples = [m for m in g.modules() if isinstance(m, nn.Upsample)]
    convs = [m for m in g.modules() if isinstance(m, nn.Conv2d)]
    assert len(upsamples) == len(convs) == {28: 2, 32: 3, 64: 4}[size]
    assert all(u.scale_factor == 2 and u.mode == "nearest" for u in upsamples)
    assert all((c.kernel_size, c.stride, c.padding, c.bias) == ((3, 3), (1, 1), (1, 1), None) for c in convs)


def test_the_default_is_the_transposed_generator_unchanged():
    torch.manual_seed(0)
    default = DCGANGenerator(16, 32, 1, 8)
    torch.manual_seed(0)
    explicit = DCGANGenerator(16, 32, 1, 8, upsampling="transposed")
    assert [type(m) for m in default.net] == [type(m) for m in explicit.net]
    assert all(torch.equal(a, b) for a, b in zip(default.state_dict().values(), explicit.state_dict().values()))
    assert sum(isinstance(m, nn.ConvTranspose2d) for m in default.modules()) == 4


def test_resize_convolution_removes_the_checkerboard():
    torch.manual_seed(0)
    z = torch.randn(4, 32)
    scores = {}
    for mode in ("transposed", "resize"):
        torch.manual_seed(1)
        with torch.no_grad():
            scores[mode] = checkerboard_score(DCGANGenerator(32, 32, 1, 8, upsampling=mode)(z)[:, 0]).mean().item()
    assert scores["transposed"] > 0.05 and scores["resize"] < 0.01


def test_unknown_upsampling_is_explained():
    with pytest.raises(ValueError, match="upsampling must be one of 'transposed', 'resize', got 'bilinear'"):
        DCGANGenerator(image_size=32, upsampling="bilinear")
