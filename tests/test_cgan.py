"""Conditional GAN models (Mirza & Osindero 2014): shapes, dependence on the label, label checks, training signal."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from gan_course.losses import discriminator_loss
from gan_course.models import (
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
    ConditionalMLPDiscriminator,
    ConditionalMLPGenerator,
)


def n_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_mlp_shapes_range_and_parameter_count_by_hand():
    torch.manual_seed(0)
    g = ConditionalMLPGenerator(100, 10, (1, 28, 28))
    d = ConditionalMLPDiscriminator(10, (1, 28, 28))
    labels = torch.arange(8) % 10
    x = g(torch.randn(8, 100), labels)
    assert x.shape == (8, 1, 28, 28) and x.abs().max() <= 1
    assert d(x, labels).shape == (8,)
    # Linear(110, 256), Linear(256, 512), Linear(512, 784); Linear(794, 512), Linear(512, 256), Linear(256, 1)
    assert n_parameters(g) == (110 * 256 + 256) + (256 * 512 + 512) + (512 * 784 + 784)
    assert n_parameters(d) == (794 * 512 + 512) + (512 * 256 + 256) + (256 * 1 + 1)


def test_mlp_generator_for_toy_data_is_linear():
    g = ConditionalMLPGenerator(2, 3, (2,), hidden=(16,), output="linear")
    with torch.no_grad():
        g.body.net[-1].bias.fill_(5.0)
        g.body.net[-1].weight.zero_()
    assert torch.equal(g(torch.randn(4, 2), torch.tensor([0, 1, 2, 0])), torch.full((4, 2), 5.0))


@pytest.mark.parametrize("image_size, channels", [(28, 1), (32, 3), (64, 3)])
def test_dcgan_shapes(image_size, channels):
    torch.manual_seed(0)
    g = ConditionalDCGANGenerator(16, 10, image_size, channels, width=8)
    d = ConditionalDCGANDiscriminator(10, image_size, channels, width=8)
    labels = torch.tensor([0, 3, 9])
    x = g(torch.randn(3, 16), labels)
    assert x.shape == (3, channels, image_size, image_size) and x.abs().max() <= 1
    assert d(x, labels).shape == (3,)
    first_g = next(m for m in g.modules() if isinstance(m, nn.ConvTranspose2d))
    first_d = next(m for m in d.modules() if isinstance(m, nn.Conv2d))
    assert first_g.in_channels == 16 + 10 and first_d.in_channels == channels + 10


def test_dcgan_weights_are_drawn_from_n_0_002():
    torch.manual_seed(0)
    g = ConditionalDCGANGenerator(100, 10, 64, 3, width=32)
    weights = torch.cat([m.weight.flatten() for m in g.modules() if isinstance(m, nn.ConvTranspose2d)])
    assert weights.mean().abs() < 1e-3 and weights.std().item() == pytest.approx(0.02, rel=0.02)


@pytest.mark.parametrize(
    "make, input_shape",
    [
        (lambda: ConditionalMLPGenerator(4, 5, (2, 3)), (4, 4)),
        (lambda: ConditionalMLPDiscriminator(5, (2, 3)), (4, 2, 3)),
        (lambda: ConditionalDCGANGenerator(4, 5, 28, 1, width=4), (4, 4)),
        (lambda: ConditionalDCGANDiscriminator(5, 28, 1, width=4), (4, 1, 28, 28)),
    ],
)
def test_each_sample_depends_on_its_own_label_only(make, input_shape):
    torch.manual_seed(0)
    model = make().eval()  # batch norm with running statistics: samples do not see each other
    inputs, labels, changed = torch.randn(input_shape), torch.tensor([0, 1, 2, 3]), torch.tensor([4, 1, 2, 3])
    with torch.no_grad():
        before, after = model(inputs, labels), model(inputs, changed)
    assert not torch.allclose(before[0], after[0])
    assert torch.equal(before[1:], after[1:])


def test_labels_are_checked_with_helpful_messages():
    g = ConditionalMLPGenerator(8, 10, (2,), hidden=(4,))
    z = torch.randn(64, 8)
    with pytest.raises(ValueError, match=r"labels must have shape \(64,\).*got \(64, 1\); pass labels.flatten\(\)"):
        g(z, torch.zeros(64, 1, dtype=torch.long))
    with pytest.raises(ValueError, match=r"labels must have shape \(64,\).*got \(32,\)"):
        g(z, torch.zeros(32, dtype=torch.long))
    with pytest.raises(ValueError, match=r"label 10 is outside the class range 0..9: this model was built with n_cl"):
        g(z, torch.full((64,), 10))
    with pytest.raises(ValueError, match=r"label -1 is outside the class range 0..9"):
        g(z, torch.full((64,), -1))
    with pytest.raises(ValueError, match=r"class indices \(torch.long\), got torch.float32; pass labels.long\(\)"):
        g(z, torch.zeros(64))
    with pytest.raises(ValueError, match=r"integer class indices \(torch.long\), got torch.bool"):
        g(z, torch.zeros(64, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"looks one-hot; pass labels.argmax\(1\)"):
        g(z, torch.eye(10)[torch.zeros(64, dtype=torch.long)])
    with pytest.raises(ValueError, match="labels must be a tensor of class indices, got list"):
        g(z, [0] * 64)
    d = ConditionalDCGANDiscriminator(10, 28, 1, width=4)
    with pytest.raises(ValueError, match=r"label 12 is outside the class range 0..9"):
        d(torch.zeros(2, 1, 28, 28), torch.tensor([3, 12]))


def test_integer_labels_of_any_width_are_accepted():
    g = ConditionalMLPGenerator(8, 10, (2,), hidden=(4,)).eval()
    z, labels = torch.randn(3, 8), torch.tensor([1, 5, 9])
    assert torch.equal(g(z, labels), g(z, labels.to(torch.int32)))


def test_constructors_and_inputs_are_checked():
    with pytest.raises(ValueError, match="n_classes must be a positive integer"):
        ConditionalMLPGenerator(8, 0, (2,))
    with pytest.raises(ValueError, match="latent_dim must be positive"):
        ConditionalDCGANGenerator(0, 10, 28, 1)
    with pytest.raises(ValueError, match=r"noise must have shape \(N, 8\), got \(3, 10\)"):
        ConditionalMLPGenerator(8, 10, (2,))(torch.zeros(3, 10), torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match=r"images must have shape \(N, 1, 28, 28\), got \(2, 11, 28, 28\)"):
        ConditionalDCGANDiscriminator(10, 28, 1, width=4)(torch.zeros(2, 11, 28, 28), torch.zeros(2, dtype=torch.long))
    with pytest.raises(ValueError, match="image_size 30 is not supported"):
        ConditionalDCGANDiscriminator(10, 30, 1)


@pytest.mark.parametrize(
    "make, input_shape, label_weights",
    [
        (lambda: ConditionalMLPGenerator(4, 6, (3,), hidden=(8,)), (3, 4), lambda w: w[:, 4:].T),
        (lambda: ConditionalDCGANGenerator(4, 6, 28, 1, width=4), (3, 4), lambda w: w[4:]),
        (lambda: ConditionalDCGANDiscriminator(6, 28, 1, width=4), (3, 1, 28, 28), lambda w: w[:, 1:].transpose(0, 1)),
    ],
)
def test_only_the_given_classes_receive_gradient_through_the_label_path(make, input_shape, label_weights):
    """The first layer's weights that read one-hot entry k get gradient exactly when class k is in the batch."""
    torch.manual_seed(0)
    model = make()
    model(torch.randn(input_shape), torch.tensor([2, 5, 2])).square().sum().backward()
    per_class = label_weights(model.body.net[0].weight.grad).flatten(1).abs().sum(1)
    assert per_class[2] > 0 and per_class[5] > 0
    assert torch.equal(per_class[[0, 1, 3, 4]], torch.zeros(4))


def test_a_conditional_discriminator_learns_what_only_the_labels_tell():
    """Real pairs (x_k, k) and fakes (x_k, k + 1 mod 4) share their samples, so a label-blind D stays at log 4."""
    torch.manual_seed(0)
    d = ConditionalMLPDiscriminator(4, (2,), hidden=(32,))
    optimizer = torch.optim.Adam(d.parameters(), lr=1e-2)
    x, labels = torch.randn(4, 2), torch.arange(4)
    losses = []
    for _ in range(60):
        loss = discriminator_loss(d(x, labels), d(x, (labels + 1) % 4))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(math.log(4), abs=0.1)
    assert losses[-1] < 0.5  # a label-blind discriminator cannot go below log 4 ~ 1.39
