"""The training tips of Salimans et al. (2016) as package pieces, each against a hand computation: one-sided label
smoothing (an objective) and minibatch discrimination (a layer)."""

from __future__ import annotations

import math

import pytest
import torch

from gan_course.losses import OneSidedLabelSmoothing, discriminator_loss, smoothed_discriminator_loss
from gan_course.models import MinibatchDiscrimination


def test_label_smoothing_by_hand():
    real, fake = torch.tensor([0.0, 2.0]), torch.tensor([-1.0])
    sigma = torch.sigmoid(real)
    # -[alpha log D(x) + (1 - alpha) log(1 - D(x))] averaged, plus -log(1 - D(G(z)))
    expected = -(0.9 * sigma.log() + 0.1 * (1 - sigma).log()).mean() - torch.log(1 - torch.sigmoid(fake)).mean()
    assert smoothed_discriminator_loss(real, fake, 0.9).item() == pytest.approx(expected.item())
    assert smoothed_discriminator_loss(real, fake, 1.0).item() == pytest.approx(discriminator_loss(real, fake).item())


def test_smoothing_caps_the_optimal_real_logit_at_log_odds_alpha():
    """Minimised over a free real logit, the smoothed loss settles at D(x) = alpha, logit log(alpha / (1 - alpha))."""
    logit = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([logit], lr=1.0)
    for _ in range(2000):
        optimizer.zero_grad()
        smoothed_discriminator_loss(logit, torch.zeros(1), 0.9).backward()
        optimizer.step()
    assert logit.item() == pytest.approx(math.log(0.9 / 0.1), abs=1e-3)


def test_the_smoothed_objective_is_the_gan_but_for_d_on_real_data():
    objective = OneSidedLabelSmoothing(0.8)
    assert repr(objective) == "OneSidedLabelSmoothing(alpha=0.8)"
    with pytest.raises(ValueError, match=r"alpha .* must be in \(0.5, 1\]"):
        OneSidedLabelSmoothing(0.3)


def test_minibatch_discrimination_by_hand():
    layer = MinibatchDiscrimination(2, kernels=1, kernel_dim=2)
    with torch.no_grad():
        layer.T.copy_(torch.eye(2))  # M_i = f(x_i)
        layer.bias.zero_()
    features = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 3.0]])
    out = layer(features)
    # L1 distances: d01 = 1, d02 = 3, d12 = 4; o_i = sum over j != i of exp(-d_ij)
    expected = torch.tensor([math.exp(-1) + math.exp(-3), math.exp(-1) + math.exp(-4), math.exp(-3) + math.exp(-4)])
    assert torch.equal(out[:, :2], features)
    assert torch.allclose(out[:, 2], expected)


def test_a_collapsed_batch_stands_out():
    torch.manual_seed(0)
    layer = MinibatchDiscrimination(16, kernels=8, kernel_dim=3)
    diverse, collapsed = torch.randn(32, 16) * 10, torch.randn(1, 16).repeat(32, 1)
    extra = layer(diverse)[:, 16:], layer(collapsed)[:, 16:]
    assert torch.allclose(extra[1], torch.full_like(extra[1], 31 - 1.0))  # 31 identical others, bias -1
    assert extra[0].mean() < 1  # near the bias -1: the diverse samples are far apart in most kernels
    with pytest.raises(ValueError, match="takes a batch of feature vectors"):
        layer(torch.zeros(2, 4, 4))
