"""The GAN losses against hand-computed values, and the MLP models' shapes and ranges."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from gan_course.losses import discriminator_loss, minimax_generator_loss, nonsaturating_generator_loss
from gan_course.models import MLPDiscriminator, MLPGenerator


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_discriminator_loss_is_minus_the_value_function_by_hand():
    real = torch.tensor([logit(0.9), logit(0.6)])
    fake = torch.tensor([logit(0.2), logit(0.5)])
    by_hand = -((math.log(0.9) + math.log(0.6)) / 2 + (math.log(0.8) + math.log(0.5)) / 2)
    assert discriminator_loss(real, fake).item() == pytest.approx(by_hand, rel=1e-6)


def test_at_the_equilibrium_d_is_one_half_and_the_loss_is_log_4():
    half = torch.zeros(5)
    assert discriminator_loss(half, half).item() == pytest.approx(math.log(4), rel=1e-7)
    assert minimax_generator_loss(half).item() == pytest.approx(math.log(0.5), rel=1e-7)
    assert nonsaturating_generator_loss(half).item() == pytest.approx(math.log(2), rel=1e-7)


def test_generator_losses_by_hand():
    fake = torch.tensor([logit(0.1), logit(0.7)])
    assert minimax_generator_loss(fake).item() == pytest.approx((math.log(0.9) + math.log(0.3)) / 2, rel=1e-6)
    assert nonsaturating_generator_loss(fake).item() == pytest.approx(-(math.log(0.1) + math.log(0.7)) / 2, rel=1e-6)


def test_minimax_loss_saturates_where_the_nonsaturating_loss_does_not():
    """d/dl log(1 - sigmoid(l)) = -sigmoid(l) -> 0 as D(G(z)) -> 0; d/dl -log sigmoid(l) = sigmoid(l) - 1 -> -1."""
    fake = torch.tensor([logit(1e-4)], requires_grad=True)
    (grad_minimax,) = torch.autograd.grad(minimax_generator_loss(fake), fake)
    (grad_ns,) = torch.autograd.grad(nonsaturating_generator_loss(fake), fake)
    assert grad_minimax.item() == pytest.approx(-1e-4, rel=1e-3)
    assert grad_ns.item() == pytest.approx(-(1 - 1e-4), rel=1e-3)


def test_losses_stay_finite_for_extreme_logits():
    extreme = torch.tensor([-200.0, 200.0], requires_grad=True)
    for value in (discriminator_loss(extreme, extreme), minimax_generator_loss(extreme), nonsaturating_generator_loss(extreme)):
        (grad,) = torch.autograd.grad(value, extreme)
        assert torch.isfinite(value) and torch.isfinite(grad).all()
    assert discriminator_loss(torch.tensor([200.0]), torch.tensor([-200.0])).item() == pytest.approx(0.0, abs=1e-12)


def test_image_generator_shape_and_tanh_range():
    torch.manual_seed(0)
    g = MLPGenerator(100, (1, 28, 28))
    x = g(torch.randn(16, 100) * 50)
    assert x.shape == (16, 1, 28, 28)
    assert x.min() >= -1 and x.max() <= 1 and x.abs().max() > 0.99  # saturates at large inputs, never beyond


def test_toy_generator_is_unbounded_and_discriminator_gives_one_logit_per_sample():
    torch.manual_seed(0)
    g = MLPGenerator(2, (2,), hidden=(16,), output="linear")
    with torch.no_grad():
        g.net[-1].weight.zero_()
        g.net[-1].bias.fill_(5.0)
    assert torch.equal(g(torch.randn(4, 2)), torch.full((4, 2), 5.0))
    d = MLPDiscriminator((1, 28, 28))
    assert d(torch.rand(7, 1, 28, 28)).shape == (7,)
    assert [m.out_features for m in d.net if isinstance(m, torch.nn.Linear)] == [512, 256, 1]
    assert [m.out_features for m in MLPGenerator(100, (1, 28, 28)).net if isinstance(m, torch.nn.Linear)] == [256, 512, 784]


def test_models_explain_wrong_shapes():
    with pytest.raises(ValueError, match=r"noise must have shape \(N, 100\), got \(3, 10\)"):
        MLPGenerator(100, (1, 28, 28))(torch.zeros(3, 10))
    with pytest.raises(ValueError, match=r"samples must have shape \(N, 2\), got \(3, 1\)"):
        MLPDiscriminator((2,))(torch.zeros(3, 1))
    with pytest.raises(ValueError, match="output must be 'tanh'"):
        MLPGenerator(2, (2,), output="sigmoid")
    with pytest.raises(ValueError, match="at least one hidden layer"):
        MLPDiscriminator((2,), hidden=())


def test_generator_normalization_sits_between_each_hidden_linear_layer_and_its_activation():
    torch.manual_seed(0)
    plain = MLPGenerator(4, (2,), hidden=(8, 6), output="linear")
    torch.manual_seed(0)
    normed = MLPGenerator(4, (2,), hidden=(8, 6), output="linear", normalization=nn.BatchNorm1d)
    kinds = [type(layer).__name__ for layer in normed.net]
    assert kinds == ["Linear", "BatchNorm1d", "LeakyReLU", "Linear", "BatchNorm1d", "LeakyReLU", "Linear"]
    assert [m.num_features for m in normed.net if isinstance(m, nn.BatchNorm1d)] == [8, 6]
    # the same linear weights, so normalising the hidden features by hand reproduces its training-mode output
    z = torch.randn(32, 4)
    h = z
    for layer in plain.net:
        h = layer(h)
        if isinstance(layer, nn.Linear) and layer.out_features != 2:
            h = (h - h.mean(0)) / torch.sqrt(h.var(0, unbiased=False) + 1e-5)
    assert torch.allclose(normed(z), h, atol=1e-5)
