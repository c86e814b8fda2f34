"""DCGAN models: the layer stack derived from the image size, Radford et al.'s rules, and shapes."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_course.models import DCGANDiscriminator, DCGANGenerator
from gan_course.models.dcgan import layer_plan


def _convs(module: nn.Module) -> list[tuple]:
    return [
        (type(m).__name__, m.in_channels, m.out_channels, m.kernel_size[0], m.stride[0], m.padding[0])
        for m in module.modules()
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))
    ]


def test_64x64_matches_the_pytorch_examples_dcgan():
    g, d = DCGANGenerator(100, 64, 3, 64), DCGANDiscriminator(64, 3, 64)
    assert _convs(g) == [
        ("ConvTranspose2d", 100, 512, 4, 1, 0),
        ("ConvTranspose2d", 512, 256, 4, 2, 1),
        ("ConvTranspose2d", 256, 128, 4, 2, 1),
        ("ConvTranspose2d", 128, 64, 4, 2, 1),
        ("ConvTranspose2d", 64, 3, 4, 2, 1),
    ]
    assert _convs(d) == [
        ("Conv2d", 3, 64, 4, 2, 1),
        ("Conv2d", 64, 128, 4, 2, 1),
        ("Conv2d", 128, 256, 4, 2, 1),
        ("Conv2d", 256, 512, 4, 2, 1),
        ("Conv2d", 512, 1, 4, 1, 0),
    ]
    assert sum(p.numel() for p in g.parameters()) == 3_576_704
    assert sum(p.numel() for p in d.parameters()) == 2_765_568


def test_batch_norm_everywhere_but_the_generator_output_and_the_discriminator_input():
    g, d = DCGANGenerator(100, 32, 1, 16), DCGANDiscriminator(32, 1, 16)
    g_layers, d_layers = list(g.net), list(d.net)
    assert isinstance(g_layers[-1], nn.Tanh) and isinstance(g_layers[-2], nn.ConvTranspose2d)
    assert isinstance(d_layers[1], nn.LeakyReLU) and d_layers[1].negative_slope == 0.2
    assert sum(isinstance(m, nn.BatchNorm2d) for m in g_layers) == 3  # after each hidden transposed conv
    assert sum(isinstance(m, nn.BatchNorm2d) for m in d_layers) == 2  # not after the input conv
    assert not any(isinstance(m, (nn.Linear, nn.MaxPool2d, nn.AvgPool2d)) for m in [*g_layers, *d_layers])
    assert all(isinstance(m, nn.ReLU) for m in g_layers if isinstance(m, (nn.ReLU, nn.LeakyReLU)))


@pytest.mark.parametrize("size, plan", [(28, (7, 2)), (32, (4, 3)), (64, (4, 4)), (128, (4, 5)), (56, (7, 3))])
def test_shapes_for_each_supported_size(size, plan):
    assert layer_plan(size) == plan
    torch.manual_seed(0)
    g, d = DCGANGenerator(16, size, 1, 8), DCGANDiscriminator(size, 1, 8)
    images = g(torch.randn(3, 16))
    assert images.shape == (3, 1, size, size) and images.abs().max() <= 1
    assert d(images).shape == (3,)


def test_weights_are_drawn_from_n_0_002():
    torch.manual_seed(0)
    weights = torch.cat([m.weight.flatten() for m in DCGANGenerator().modules() if isinstance(m, nn.ConvTranspose2d)])
    assert abs(weights.mean().item()) < 1e-3 and weights.std().item() == pytest.approx(0.02, rel=0.01)


@pytest.mark.parametrize("size", [16 * 3, 20, 4, 7, 100])
def test_unsupported_sizes_are_explained(size):
    with pytest.raises(ValueError, match=f"image_size {size} is not supported.*e.g. 28, 32, 64"):
        DCGANGenerator(image_size=size)


def test_wrong_input_shapes_are_explained():
    with pytest.raises(ValueError, match=r"noise must have shape \(N, 100\)"):
        DCGANGenerator(image_size=28, channels=1)(torch.zeros(2, 100, 1, 1))
    with pytest.raises(ValueError, match=r"images must have shape \(N, 1, 28, 28\)"):
        DCGANDiscriminator(image_size=28, channels=1)(torch.zeros(2, 1, 32, 32))
