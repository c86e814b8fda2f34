"""The tools of the DCGAN chapter: the architecture table, latent interpolation and arithmetic, the linear probe on
discriminator features, and the DCGAN recipe."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from gan_course.latent import Normal, Uniform, interpolate, latent_arithmetic, lerp, slerp
from gan_course.losses import NonSaturating
from gan_course.metrics import discriminator_features, labelled_subset, linear_probe
from gan_course.models import DCGANDiscriminator, DCGANGenerator
from gan_course.models.architecture import layer_table, size_rule
from gan_course.recipes import dcgan_trainer
from gan_course.seed import seed_everything


def test_the_architecture_table_follows_the_forward_pass_and_counts_every_parameter():
    generator = DCGANGenerator(100, 64, 3, 64)
    table = layer_table(generator, torch.randn(2, 100))
    assert table.parameters == sum(p.numel() for p in generator.parameters()) == 3_576_704
    convs = [layer for layer in table.layers if layer.layer.startswith("ConvTranspose2d")]
    assert [layer.output_shape for layer in convs] == [(512, 4, 4), (256, 8, 8), (128, 16, 16), (64, 32, 32), (3, 64, 64)]
    assert convs[1].size_rule == "2·(4 − 1) + 4 − 2·1 = 8"
    assert convs[1].layer == "ConvTranspose2d(512→256, k4, s2, p1)"
    assert "3,576,704" in str(table) and "<table>" in table._repr_html_()
    assert generator.training  # the table's eval-mode pass leaves the model as it found it


def test_size_rule_checks_the_arithmetic_against_the_shape_pytorch_produced():
    conv = nn.Conv2d(1, 1, 3, stride=2, padding=1, dilation=2)
    assert size_rule(conv, 9, 4) == "⌊(9 + 2·1 − (3 + 2·1)) / 2⌋ + 1 = 4"
    with pytest.raises(RuntimeError, match="where the arithmetic gives 4"):
        size_rule(conv, 9, 5)
    assert size_rule(nn.ReLU(), 9, 9) == ""


def test_interpolations_start_and_end_at_their_ends_and_slerp_keeps_the_norm():
    seed_everything(0)
    z0, z1 = torch.randn(100), torch.randn(100)
    for method in ("linear", "spherical"):
        path = interpolate(z0, z1, 7, method)
        assert path.shape == (7, 100)
        torch.testing.assert_close(path[0], z0)
        torch.testing.assert_close(path[-1], z1, rtol=1e-5, atol=1e-5)
    middle_linear, middle_spherical = lerp(z0, z1, 3)[1].norm(), slerp(z0, z1, 3)[1].norm()
    # Nearly orthogonal Gaussian vectors: the chord's middle has norm ~ |z| / sqrt(2), the arc's ~ |z|.
    assert float(middle_linear) < 0.8 * float(z0.norm())
    assert float(middle_spherical) == pytest.approx(float((z0.norm() + z1.norm()) / 2), rel=0.05)
    e0, e1 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    torch.testing.assert_close(slerp(e0, e1, 3)[1], torch.tensor([math.sqrt(0.5)] * 2))


def test_interpolation_and_arithmetic_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match="same length"):
        lerp(torch.zeros(3), torch.zeros(4), 5)
    with pytest.raises(ValueError, match="steps must be an integer >= 2"):
        slerp(torch.zeros(3), torch.ones(3), 1)
    with pytest.raises(ValueError, match="method must be one of"):
        interpolate(torch.zeros(3), torch.ones(3), 3, "cubic")
    a, b, c = torch.ones(3, 2), torch.zeros(2, 2), torch.full((4, 2), 2.0)
    torch.testing.assert_close(latent_arithmetic(a, b, c), torch.full((2,), 3.0))
    with pytest.raises(ValueError, match="shape \\(N, d\\)"):
        latent_arithmetic(torch.ones(2), b, c)


def test_discriminator_features_pool_every_activation_to_the_grid():
    seed_everything(0)
    discriminator = DCGANDiscriminator(28, 1, width=8)
    images = torch.rand(10, 1, 28, 28) * 2 - 1
    features = discriminator_features(discriminator, images, grid=4, batch_size=4)
    assert features.shape == (10, (8 + 16) * 16)
    assert discriminator.training
    torch.testing.assert_close(features[:4], discriminator_features(discriminator, images[:4], grid=4))
    with pytest.raises(ValueError, match="no ReLU or LeakyReLU"):
        discriminator_features(nn.Sequential(nn.Flatten(), nn.Linear(784, 1)), images)


def test_the_linear_probe_separates_separable_classes_and_not_noise():
    generator = torch.Generator().manual_seed(0)
    centres = torch.randn(3, 20, generator=generator) * 3
    labels = torch.arange(3).repeat(100)
    features = centres[labels] + torch.randn(300, 20, generator=generator)
    train = labelled_subset(labels, 20, seed=0)
    test = torch.ones(300, dtype=torch.bool)
    test[train] = False
    result = linear_probe(features[train], labels[train], features[test], labels[test])
    assert result.accuracy > 0.95 and result.n_train == 60 and result.n_features == 20
    noise = torch.randn(300, 20, generator=generator)
    chance = linear_probe(noise[train], labels[train], noise[test], labels[test])
    assert chance.accuracy < 0.55
    assert sorted(labels[train].tolist()) == [0] * 20 + [1] * 20 + [2] * 20
    with pytest.raises(ValueError, match="fewer than per_class"):
        labelled_subset(labels, 101)


def test_the_dcgan_recipe_uses_the_papers_settings_and_checks_the_images():
    seed_everything(0)
    trainer = dcgan_trainer(torch.rand(256, 1, 28, 28) * 2 - 1, width=8, batch_size=32, prior=Uniform(100))
    group = trainer.g_optimizer.param_groups[0]
    assert group["lr"] == 2e-4 and group["betas"] == (0.5, 0.999)
    assert isinstance(trainer.objective, NonSaturating) and isinstance(dcgan_trainer(torch.zeros(8, 1, 28, 28), batch_size=8).prior, Normal)
    assert isinstance(trainer.prior, Uniform) and trainer.data.batch_size == 32
    assert trainer.generator(torch.zeros(2, 100)).shape == (2, 1, 28, 28)
    trainer.fit(2)
    with pytest.raises(ValueError, match="must lie in \\[-1, 1\\]"):
        dcgan_trainer(torch.rand(8, 1, 28, 28) * 255)
    with pytest.raises(ValueError, match="square batch"):
        dcgan_trainer(torch.rand(8, 1, 28, 32))
