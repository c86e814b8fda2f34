"""The latent priors: the distributions they claim, seeded draws, labels and InfoGAN codes, and clear errors."""

from __future__ import annotations

import math

import pytest
import torch

from gan_course.latent import InfoGANCodes, Labelled, Latent, Normal, Uniform
from gan_course.metrics import class_histogram, frechet_classifier_distance
from gan_course.metrics.samples import batches
from gan_course.models import MLPGenerator


def test_normal_and_uniform_draw_what_they_say():
    z = Normal(3).sample(20_000, torch.Generator().manual_seed(0)).z
    assert z.shape == (20_000, 3) and z.mean().abs() < 0.02 and (z.std(0) - 1).abs().max() < 0.02
    u = Uniform(4).sample(20_000, torch.Generator().manual_seed(0)).z
    assert u.min() >= -1 and u.max() < 1 and u.min() < -0.99 and (u.var(0) - 1 / 3).abs().max() < 0.01
    wide = Uniform(1, low=2.0, high=5.0).sample(1000).z
    assert wide.min() >= 2 and wide.max() < 5
    again = Normal(3).sample(5, torch.Generator().manual_seed(0)).z
    assert torch.equal(again, torch.randn(5, 3, generator=torch.Generator().manual_seed(0)))  # torch.randn, seeded


def test_labelled_draws_labels_first_and_cycles_them_in_the_fixed_batch():
    prior = Labelled(Normal(2), 3)
    latent = prior.sample(6, torch.Generator().manual_seed(1))
    rng = torch.Generator().manual_seed(1)
    labels = torch.randint(3, (6,), generator=rng)
    assert torch.equal(latent.labels, labels) and torch.equal(latent.z, torch.randn(6, 2, generator=rng))
    fixed = prior.fixed(7, torch.Generator().manual_seed(2))
    assert fixed.labels.tolist() == [0, 1, 2, 0, 1, 2, 0]
    assert torch.equal(fixed.z, torch.randn(7, 2, generator=torch.Generator().manual_seed(2)))
    assert prior.n_classes == 3 and prior.dim == 2


def test_infogan_codes_are_concatenated_one_hot_and_kept_for_the_objective():
    prior = InfoGANCodes(Uniform(5), categorical=(10, 3), continuous=2)
    assert prior.dim == 5 + 10 + 3 + 2 and prior.n_classes is None
    latent = prior.sample(4000, torch.Generator().manual_seed(0))
    codes, values = latent.codes["categorical"], latent.codes["continuous"]
    assert codes.shape == (4000, 2) and values.shape == (4000, 2)
    assert torch.equal(latent.z[:, 5:15].argmax(1), codes[:, 0]) and torch.equal(latent.z[:, 15:18].argmax(1), codes[:, 1])
    assert torch.equal(latent.z[:, 5:18].sum(1), torch.full((4000,), 2.0))  # one hot per code
    assert torch.equal(latent.z[:, 18:], values) and values.min() >= -1 and values.max() < 1
    counts = torch.bincount(codes[:, 0], minlength=10).float() / 4000
    assert (counts - 0.1).abs().max() < 0.02  # uniform over the ten values
    fixed = prior.fixed(12)
    assert fixed.codes["categorical"][:, 0].tolist() == [i % 10 for i in range(12)]
    assert fixed.codes["categorical"][:, 1].tolist() == [i % 3 for i in range(12)]
    assert torch.equal(fixed.z[:, 5:15].argmax(1), fixed.codes["categorical"][:, 0])


def test_a_latent_batch_moves_and_survives_a_checkpoint_round_trip():
    latent = InfoGANCodes(Normal(2), categorical=(4,), continuous=1).sample(3)
    copy = Latent.from_state_dict(latent.state_dict())
    assert torch.equal(copy.z, latent.z) and copy.labels is None and torch.equal(
        copy.codes["categorical"], latent.codes["categorical"])
    labelled = Labelled(Normal(2), 5).sample(3).to("cpu")
    assert len(labelled) == 3 and labelled.labels.dtype == torch.int64


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Normal(0), "dim"),
        (lambda: Uniform(2, low=1.0, high=1.0), "low < high"),
        (lambda: Labelled(Normal(2), 1), "n_classes"),
        (lambda: Labelled(Labelled(Normal(2), 3), 3), "already draws labels"),
        (lambda: InfoGANCodes(Normal(2), categorical=(), continuous=0), "at least one code"),
        (lambda: InfoGANCodes(Normal(2), categorical=(1,)), "number of values"),
        (lambda: Normal(2).sample(0), "positive integer"),
    ],
)
def test_bad_priors_are_explained(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_the_metrics_draw_z_from_the_prior_they_are_given():
    torch.manual_seed(0)
    generator = MLPGenerator(4, (2,), hidden=(8,), output="linear")
    uniform = torch.cat(list(batches(generator, 10, seed=3, prior=Uniform(4), progress=False)))
    with torch.no_grad():
        expected = generator(Uniform(4).sample(10, torch.Generator().manual_seed(3)).z)
    assert torch.equal(uniform, expected)
    default = torch.cat(list(batches(generator, 10, seed=3, progress=False)))
    with torch.no_grad():
        assert torch.equal(default, generator(torch.randn(10, 4, generator=torch.Generator().manual_seed(3))))
    images = MLPGenerator(4, (1, 28, 28))
    with pytest.raises(ValueError, match="takes the prior of z alone"):
        class_histogram(images, n=10, prior=Labelled(Normal(4), 10))
    with pytest.raises(TypeError, match="gan_course.latent.Prior"):
        frechet_classifier_distance(images, images, n=10, prior="uniform")
    assert math.isfinite(frechet_classifier_distance(images, images, n=100, prior=Uniform(4), progress=False))
