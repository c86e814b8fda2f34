"""Measuring a discriminator as it ran in training: batch statistics without side effects; nearest digits."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_course.batch_statistics import batch_statistics
from gan_course.metrics import discriminator_features, discriminator_probabilities, nearest_distances
from gan_course.models import DCGANDiscriminator


def trained_like_a_gan() -> DCGANDiscriminator:
    """A DCGAN discriminator whose running statistics come from all-real and all-fake batches, as in training."""
    torch.manual_seed(0)
    discriminator = DCGANDiscriminator(28, 1, 4)
    with torch.no_grad():
        for _ in range(20):
            discriminator(torch.rand(16, 1, 28, 28) * 2 - 1)  # "real" batches
            discriminator(torch.zeros(16, 1, 28, 28))  # "fake" batches: another distribution
    return discriminator


def test_batch_statistics_normalise_each_batch_and_leave_the_network_as_it_was():
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5)).eval()
    with torch.no_grad():
        net[1].running_mean.fill_(5.0)
    before = [b.clone() for b in net.buffers()]
    x = torch.randn(32, 3)
    with torch.no_grad(), batch_statistics(net):
        assert net[1].training and not net[2].training and not net.training  # batch norm only; no dropout
        out = net(x)
    assert out.mean(0).abs().max() < 1e-5  # normalised by the batch's own mean
    assert all(torch.equal(a, b) for a, b in zip(before, net.buffers())) and not net[1].training
    with torch.no_grad():
        assert not torch.allclose(net(x), out)  # eval mode: the running statistics, another network


def test_discriminator_probabilities_as_in_training_differ_from_eval_mode_and_change_nothing():
    discriminator = trained_like_a_gan()
    real = torch.rand(64, 1, 28, 28) * 2 - 1
    state = {k: v.clone() for k, v in discriminator.state_dict().items()}
    batch = discriminator_probabilities(discriminator, real, batch_size=32)
    running = discriminator_probabilities(discriminator, real, batch_norm="running")
    assert batch.shape == running.shape == (64,) and ((0 < batch) & (batch < 1)).all()
    assert not torch.allclose(batch, running, atol=1e-3)
    assert all(torch.equal(state[k], v) for k, v in discriminator.state_dict().items())
    discriminator.train()  # what training computes (and, unlike the measurement, updates the running statistics)
    with torch.no_grad():
        expected = torch.cat([torch.sigmoid(discriminator(half)) for half in real.split(32)])
    torch.testing.assert_close(batch, expected)
    for bad in (dict(batch_norm="train"), dict(batch_size=1)):
        with pytest.raises(ValueError):
            discriminator_probabilities(discriminator, real, **bad)


def test_probe_features_in_both_modes_and_nearest_distances():
    discriminator = trained_like_a_gan()
    images = torch.rand(40, 1, 28, 28) * 2 - 1
    running = discriminator_features(discriminator, images)
    batch = discriminator_features(discriminator, images, batch_size=20, batch_norm="batch")
    assert running.shape == batch.shape and not torch.allclose(running, batch)
    with pytest.raises(ValueError, match="batch_norm must be"):
        discriminator_features(discriminator, images, batch_norm="train")
    digits = torch.zeros(3, 1, 2, 2)
    digits[1] += 1.0
    samples = torch.stack([digits[1] + 0.5, digits[0]])
    torch.testing.assert_close(nearest_distances(samples, digits), torch.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match="same shape per item"):
        nearest_distances(torch.zeros(2, 4), digits)
