"""Sampling conditional generators: the label grid (Mirza & Osindero 2014, Figure 2) and the marginal sampler."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from gan_course.conditioning.sampling import label_grid, marginal_sampler
from gan_course.metrics import class_histogram
from gan_course.metrics.samples import batches
from gan_course.models import ConditionalMLPGenerator


class Echo(nn.Module):
    """A 'generator' whose sample records its input: value 100·y + z[0] in every entry of a (1, 2, 2) image."""

    def __init__(self, latent_dim: int = 3, n_classes: int = 4):
        super().__init__()
        self.latent_dim = latent_dim
        self.n_classes = n_classes
        self.scale = nn.Parameter(torch.ones(()))
        self.modes_seen: list[bool] = []

    def forward(self, z: Tensor, labels: Tensor) -> Tensor:
        self.modes_seen.append(self.training)
        values = self.scale * (100 * labels.float() + z[:, 0])
        return values[:, None, None, None].expand(-1, 1, 2, 2)


def test_label_grid_is_label_major_with_the_noise_shared_across_rows():
    generator = Echo(n_classes=4)
    noise = torch.tensor([[0.1, 9.0, 9.0], [0.2, 9.0, 9.0], [0.3, 9.0, 9.0]])
    grid = label_grid(generator, noise)
    assert grid.shape == (12, 1, 2, 2)
    expected = torch.tensor([100 * y + z for y in range(4) for z in (0.1, 0.2, 0.3)])
    torch.testing.assert_close(grid[:, 0, 0, 0], expected)
    assert not grid.requires_grad


def test_label_grid_runs_in_eval_mode_and_restores_the_mode():
    generator = Echo()
    generator.train()
    label_grid(generator, torch.zeros(2, 3))
    assert generator.modes_seen == [False] and generator.training


def test_label_grid_matches_the_generator_and_the_label_changes_the_image():
    torch.manual_seed(0)
    generator = ConditionalMLPGenerator(8, 10, (1, 28, 28), hidden=(16,))
    noise = torch.randn(5, 8)
    grid = label_grid(generator, noise)
    assert grid.shape == (50, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(grid[3 * 5 + 2], generator(noise[2:3], torch.tensor([3]))[0])
    assert not torch.allclose(grid[0], grid[5])  # same z, labels 0 and 1


def test_label_grid_n_classes_argument_overrides_and_bad_input_is_refused():
    generator = Echo(n_classes=4)
    assert label_grid(generator, torch.zeros(2, 3), n_classes=2).shape == (4, 1, 2, 2)
    with pytest.raises(ValueError, match="shape \\(k, latent_dim\\)"):
        label_grid(generator, torch.zeros(3))
    with pytest.raises(ValueError, match="shape \\(k, latent_dim\\)"):
        label_grid(generator, torch.zeros(0, 3))
    with pytest.raises(ValueError, match="n_classes must be a positive integer"):
        label_grid(generator, torch.zeros(2, 3), n_classes=0)
    del generator.n_classes
    with pytest.raises(ValueError, match="no attribute n_classes"):
        label_grid(generator, torch.zeros(2, 3))


def test_marginal_sampler_draws_labels_from_the_given_distribution():
    generator = Echo(n_classes=4)
    torch.manual_seed(0)
    only_two = marginal_sampler(generator, torch.tensor([0.0, 0.0, 1.0, 0.0]))(50)
    assert torch.all(only_two[:, 0, 0, 0].div(100).round() == 2)
    uniform = marginal_sampler(generator)(4000)[:, 0, 0, 0].div(100).round().long()
    counts = torch.bincount(uniform, minlength=4)
    assert counts.min() > 900 and counts.max() < 1100


def test_marginal_sampler_is_seeded_by_the_metrics_and_feeds_them():
    torch.manual_seed(0)
    generator = ConditionalMLPGenerator(8, 10, (1, 28, 28), hidden=(16,))
    sample = marginal_sampler(generator)
    first = torch.cat(list(batches(sample, 30, batch_size=10, seed=3)))
    second = torch.cat(list(batches(sample, 30, batch_size=10, seed=3)))
    other = torch.cat(list(batches(sample, 30, batch_size=10, seed=4)))
    assert first.shape == (30, 1, 28, 28) and torch.equal(first, second) and not torch.equal(first, other)
    histogram = class_histogram(sample, n=40, progress=False)
    assert histogram.n_samples == 40


@pytest.mark.parametrize(
    "probabilities, message",
    [
        (torch.tensor([0.5, 0.6, 0.0, -0.1]), "non-negative"),
        (torch.tensor([0.5, 0.4, 0.0, 0.0]), "sum to 1"),
        (torch.tensor([0.5, 0.5]), "has 2 entries but the generator has 4"),
        (torch.ones(2, 2) / 4, "1-D tensor"),
    ],
)
def test_marginal_sampler_refuses_bad_class_probabilities(probabilities, message):
    with pytest.raises(ValueError, match=message):
        marginal_sampler(Echo(n_classes=4), probabilities)


def test_marginal_sampler_needs_latent_dim():
    generator = Echo()
    del generator.latent_dim
    with pytest.raises(TypeError, match="latent_dim"):
        marginal_sampler(generator)
