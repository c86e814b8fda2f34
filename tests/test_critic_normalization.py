"""DCGANDiscriminator's normalization option: batch norm by default (unchanged), layer norm or none for a WGAN-GP
critic (Gulrajani et al. 2017, Section 4)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_course.losses import gradient_penalty
from gan_course.models import DCGANDiscriminator


def _norms(module: nn.Module) -> list[str]:
    return [type(m).__name__ for m in module.modules() if isinstance(m, (nn.BatchNorm2d, nn.GroupNorm))]


@pytest.mark.parametrize("normalization, expected", [("batch", "BatchNorm2d"), ("layer", "GroupNorm"), ("none", None)])
@pytest.mark.parametrize("size", [28, 32])
def test_shapes_and_the_normalization_layers(normalization, expected, size):
    critic = DCGANDiscriminator(size, 1, 8, normalization=normalization)
    hidden_convs = sum(isinstance(m, nn.Conv2d) for m in critic.modules()) - 2  # not the input's or the output's
    assert _norms(critic) == ([expected] * hidden_convs if expected else [])
    assert critic(torch.randn(3, 1, size, size)).shape == (3,)


def test_layer_norm_normalises_over_channels_and_pixels_of_each_sample():
    critic = DCGANDiscriminator(32, 3, 8, normalization="layer")
    groups = [m for m in critic.modules() if isinstance(m, nn.GroupNorm)]
    assert [(g.num_groups, g.num_channels) for g in groups] == [(1, 16), (1, 32)]
    # one sample's score does not depend on the rest of the batch
    x = torch.randn(4, 3, 32, 32)
    assert torch.allclose(critic(x)[:1], critic(x[:1]), atol=1e-6)


@pytest.mark.parametrize("normalization", ["layer", "none"])
def test_gradient_penalty_accepts_layer_norm_and_no_norm(normalization):
    torch.manual_seed(0)
    critic = DCGANDiscriminator(28, 1, 8, normalization=normalization)
    real, fake = torch.randn(4, 1, 28, 28), torch.randn(4, 1, 28, 28)
    penalty = gradient_penalty(critic, real, fake)
    assert penalty.ndim == 0 and penalty.item() > 0
    penalty.backward()
    assert all(p.grad is not None for p in critic.parameters())


def test_gradient_penalty_still_refuses_the_default_batch_norm():
    critic = DCGANDiscriminator(28, 1, 8)
    with pytest.raises(ValueError, match="batch normalisation in training mode"):
        gradient_penalty(critic, torch.randn(4, 1, 28, 28), torch.randn(4, 1, 28, 28))


def test_default_is_unchanged_batch_norm():
    torch.manual_seed(0)
    default = DCGANDiscriminator(64, 3, 64)
    torch.manual_seed(0)
    explicit = DCGANDiscriminator(64, 3, 64, normalization="batch")
    assert str(default) == str(explicit)
    assert sum(p.numel() for p in default.parameters()) == 2_765_568
    for (name, a), (other, b) in zip(default.state_dict().items(), explicit.state_dict().items()):
        assert name == other and torch.equal(a, b)


def test_unknown_normalization_is_refused_even_without_a_hidden_layer():
    with pytest.raises(ValueError, match="normalization must be one of 'batch', 'layer', 'none', got 'instance'"):
        DCGANDiscriminator(28, 1, 8, normalization="instance")
    with pytest.raises(ValueError, match="normalization must be one of"):
        DCGANDiscriminator(8, 1, 8, normalization="spectral")  # 8 = 4 * 2: a single convolution, nothing to normalise
