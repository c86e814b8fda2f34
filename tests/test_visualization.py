"""The Visualization chapter's tools for looking inside networks: digit properties, D's features and saliency, G's
units and interventions, the latent space, and training statistics — each checked on cases with a known answer."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from gan_course.data import SamplerStream, TensorStream, ring
from gan_course.latent import Normal
from gan_course.losses import NonSaturating
from gan_course.metrics.classifier import load_classifier
from gan_course.models import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator
from gan_course.seed import seed_everything
from gan_course.training import GANTrainer, Snapshots
from gan_course.training.figures import animate_snapshots
from gan_course.experiments.visualization.digit_properties import digit_properties, ink, loops, stroke_width
from gan_course.experiments.visualization.discriminator_features import (
    feature_maps,
    first_layer_filters,
    share_on_ink,
    unit_saliency,
)
from gan_course.experiments.visualization.discriminator_features_figures import (
    plot_feature_maps,
    plot_filters,
    plot_saliency,
)
from gan_course.experiments.visualization.generator_units import (
    intervention_effect,
    switch_off,
    unit_activations,
    unit_correlations,
)
from gan_course.experiments.visualization.generator_units_figures import plot_intervention, plot_unit_correlations
from gan_course.experiments.visualization.latent_space import (
    classifier_features,
    embed,
    neighbour_mixing,
    read_crossfade,
    read_walk,
)
from gan_course.experiments.visualization.latent_space_figures import plot_embedding, plot_walk
from gan_course.experiments.visualization.network_statistics import NetworkStatistics, coverage_over_training
from gan_course.experiments.visualization.network_statistics_figures import (
    plot_coverage,
    plot_gradient_norms,
    plot_histograms,
)


def _canvas(*boxes, size=28):
    """An image in [-1, 1] with ink (1) in each box (top, bottom, left, right), background -1."""
    image = -torch.ones(1, size, size)
    for top, bottom, left, right in boxes:
        image[0, top:bottom, left:right] = 1.0
    return image


def _ring(top, left, side=10, width=2):
    image = _canvas((top, top + side, left, left + side))
    image[0, top + width : top + side - width, left + width : left + side - width] = -1.0
    return image


def test_digit_properties_on_shapes_with_known_answers():
    bar, thick, ring_, eight = (_canvas((4, 24, 13, 14)), _canvas((4, 24, 11, 16)), _ring(9, 9),
                                torch.maximum(_ring(2, 9), _ring(11, 9)))
    images = torch.stack([bar, thick, ring_, eight])
    assert loops(images).tolist() == [0, 0, 1, 2]
    assert ink(images)[0] == pytest.approx(20 / 784)
    widths = stroke_width(images)
    assert widths[0] == pytest.approx(2.0) and widths[1] > widths[0] + 1.5  # a 1-pixel bar reads 2; wider reads wider
    assert set(digit_properties(images)) == {"ink", "stroke width", "loops"}
    with pytest.raises(ValueError, match="images must have shape \\(N, 1, H, W\\)"):
        ink(images[:, 0])


class _Tiny(nn.Module):
    """1x1 convolutions: channel 0 = +x, channel 1 = -x, leaky rectifier, then out = channel 0 - channel 1."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, 2, 1, bias=False), nn.LeakyReLU(0.2), nn.Conv2d(2, 1, 1, bias=False))
        with torch.no_grad():
            self.net[0].weight[:] = torch.tensor([1.0, -1.0]).view(2, 1, 1, 1)
            self.net[2].weight[:] = torch.tensor([1.0, -1.0]).view(1, 2, 1, 1)


def test_guided_backpropagation_passes_only_positive_gradient_through_active_units():
    image = -torch.ones(1, 3, 3)
    image[0, 1, 1] = 1.0
    saliency = unit_saliency(_Tiny(), image, layer=2, channel=0)
    assert saliency.position == (1, 1) and saliency.activation == pytest.approx(1.2)  # 1 + 0.2 * 1
    expected_plain, expected_guided = np.zeros((3, 3)), np.zeros((3, 3))
    expected_plain[1, 1], expected_guided[1, 1] = 1.2, 1.0  # guided: the -1 path through the inactive unit is cut
    assert np.allclose(saliency.gradient, expected_plain) and np.allclose(saliency.guided, expected_guided)
    assert share_on_ink(saliency.guided, image, top=1 / 9) == 1.0
    with pytest.raises(ValueError, match="channel must be below the layer's 1 channels"):
        unit_saliency(_Tiny(), image, layer=2, channel=3)


def test_filters_and_feature_maps_of_a_dcgan_discriminator():
    seed_everything(0)
    discriminator = DCGANDiscriminator(28, 1, 8)
    assert torch.equal(first_layer_filters(discriminator), discriminator.net[0].weight.detach())
    maps = feature_maps(discriminator, torch.zeros(1, 28, 28))
    assert list(maps)[0] == "net.0 Conv2d" and maps["net.0 Conv2d"].shape == (8, 14, 14)
    assert list(maps.values())[-1].shape == (1, 1, 1)
    saliency = unit_saliency(discriminator, _canvas((4, 24, 12, 16))[None][0], layer=1, channel=0)
    assert saliency.gradient.shape == saliency.guided.shape == (28, 28)
    assert len(plot_filters(first_layer_filters(discriminator)).axes) == 8
    assert plot_feature_maps(torch.zeros(1, 28, 28), maps).axes and plot_saliency(torch.zeros(1, 28, 28), [saliency])
    with pytest.raises(ValueError, match="has no convolution"):
        first_layer_filters(MLPDiscriminator((2,)))


def test_switching_units_off_and_measuring_what_changed():
    seed_everything(0)
    generator = DCGANGenerator(16, 28, 1, 8).eval()
    z = torch.randn(20, 16)
    activations, images = unit_activations(generator, 5, z)
    assert activations.shape == (20, 8) and torch.allclose(images, generator(z))
    assert torch.allclose(switch_off(generator, 5, [], z), images)
    assert torch.allclose(switch_off(generator, 5, list(range(8)), z), torch.zeros(20, 1, 28, 28))  # tanh(0), no bias
    properties = {"ink": np.arange(20.0), "constant": np.ones(20)}
    correlations = unit_correlations(activations, properties)
    expected = [np.corrcoef(activations[:, unit].double().numpy(), np.arange(20.0))[0, 1] for unit in range(8)]
    assert np.allclose(correlations["ink"], expected) and np.all(correlations["constant"] == 0)
    classifier = load_classifier(device=torch.device("cpu"))
    same = intervention_effect(images, images, classifier)
    assert same.changed_class == 0 and same.pixel_change == 0 and same.before == same.after
    blank = intervention_effect(images, switch_off(generator, 5, list(range(8)), z), classifier)
    assert blank.after["ink"] == 0 and blank.pixel_change > 0
    assert plot_unit_correlations(correlations, "net.5").axes and plot_intervention(images, {"off": images}).axes
    with pytest.raises(ValueError, match="units must be channels of the layer \\(0..7\\)"):
        switch_off(generator, 5, [8], z)


def test_embeddings_and_latent_walks():
    line = torch.linspace(0, 1, 30)[:, None] * torch.tensor([[3.0, 4.0, 0.0]])  # points on a line in 3-D
    coordinates = embed(line, "pca")
    assert np.allclose(np.abs(coordinates[:, 0] - coordinates[0, 0]), np.linspace(0, 5, 30), atol=1e-5)
    assert np.allclose(coordinates[:, 1], 0, atol=1e-5)
    assert embed(torch.randn(40, 5), "tsne").shape == (40, 2)
    with pytest.raises(ValueError, match="method must be one of"):
        embed(line, "umap")
    seed_everything(0)
    generator, classifier = DCGANGenerator(16, 28, 1, 8).eval(), load_classifier(device=torch.device("cpu"))
    z = torch.randn(16)
    still = read_walk(generator, classifier, z, z, steps=5)
    assert np.all(still.change == 0) and still.roughness == 1.0 and still.switches == 0
    walk = read_walk(generator, classifier, z, torch.randn(16), steps=8)
    assert walk.images.shape == (8, 1, 28, 28) and np.allclose(walk.probabilities.sum(1), 1, atol=1e-5)
    assert walk.roughness >= 1 and walk.change.shape == (7,)
    features = classifier_features(classifier, walk.images)
    assert features.shape == (8, 64)
    fade = read_crossfade(classifier, walk.images[0], walk.images[-1], steps=9)
    assert np.allclose(fade.change, fade.change[0], rtol=1e-5) and fade.roughness == pytest.approx(1.0, abs=1e-5)
    assert torch.allclose(fade.images[4], (walk.images[0] + walk.images[-1]) / 2)
    points = torch.randn(200, 3)
    assert neighbour_mixing(points[:100], points[100:]) == pytest.approx(0.5, abs=0.1)  # one cloud: mixed
    assert neighbour_mixing(points[:100], points[100:] + 100) == 0.0  # apart: no real neighbour
    with pytest.raises(ValueError, match="k must be between 1 and 199"):
        neighbour_mixing(points[:100], points[100:], k=200)
    assert plot_walk(walk, "walk").axes and plot_embedding(np.random.rand(8, 2), walk.labels, np.ones(8), "t").axes


def test_network_statistics_record_histograms_and_layer_gradients(tmp_path):
    seed_everything(0)
    generator, discriminator = MLPGenerator(2, (2,), hidden=(8, 8), output="linear"), MLPDiscriminator((2,), (8, 8))
    statistics = NetworkStatistics(every=2, bins=np.linspace(-1, 1, 11))
    trainer = GANTrainer(generator, discriminator, torch.optim.Adam(generator.parameters()),
                         torch.optim.Adam(discriminator.parameters()), SamplerStream(ring(), 16, 0), NonSaturating(),
                         Normal(2), hooks=[statistics])
    trainer.fit(4)
    assert statistics.steps == [0, 2, 4]
    weights = sum(p.numel() for p in generator.parameters())
    assert all(h.sum() == weights for h in statistics.histograms["generator"])  # out-of-range weights in end bins
    assert statistics.gradient_histograms["generator"][0].sum() == 0  # no update yet at step 0: no gradient
    assert statistics.gradient_histograms["generator"][-1].sum() == weights
    magnitudes = torch.cat([p.grad.flatten() for p in generator.parameters()]).abs().double().numpy()
    expected = np.histogram(np.clip(np.log10(np.maximum(magnitudes, 1e-10)), -10, 0), np.linspace(-10, 0, 51))[0]
    assert np.array_equal(statistics.gradient_histograms["generator"][-1], expected)
    norms = statistics.gradient_norms["discriminator"]
    assert list(norms) == ["net.0.weight", "net.2.weight", "net.4.weight"] and np.isnan(norms["net.0.weight"][0])
    assert norms["net.0.weight"][-1] == pytest.approx(float(discriminator.net[0].weight.grad.norm()))
    trainer.save_checkpoint(tmp_path / "run.pt")
    again = NetworkStatistics(every=2, bins=np.linspace(-1, 1, 11))
    resumed = GANTrainer(generator, discriminator, torch.optim.Adam(generator.parameters()),
                         torch.optim.Adam(discriminator.parameters()), SamplerStream(ring(), 16, 0), NonSaturating(),
                         Normal(2), hooks=[again])
    resumed.load_checkpoint(tmp_path / "run.pt")
    assert again.steps == statistics.steps and np.array_equal(again.histograms["generator"][1],
                                                              statistics.histograms["generator"][1])
    assert np.array_equal(again.gradient_histograms["discriminator"][2], statistics.gradient_histograms["discriminator"][2])
    assert plot_histograms(statistics).axes and plot_gradient_norms(statistics)
    with pytest.raises(ValueError, match="gradient_bins must be at least two increasing"):
        NetworkStatistics(2, gradient_bins=[0.0, -1.0])
    with pytest.raises(ValueError, match="bins must be at least two increasing"):
        NetworkStatistics(2, bins=[0.0])


def test_coverage_reads_snapshots_and_finds_the_collapse(mnist_test_split):
    from gan_course.data import load_mnist_role

    digits = load_mnist_role("reference", mnist_test_split, download=False)
    classifier = load_classifier(device=torch.device("cpu"))
    varied = digits.images[:200]
    ones = digits.images[digits.labels == 1][:200]
    coverage = coverage_over_training([(0, varied), (10, varied), (20, ones)], classifier)
    assert coverage.steps == [0, 10, 20] and coverage.classes[:2] == [10, 10] and coverage.classes[2] <= 3
    assert coverage.first_collapse(5) == 20 and coverage_over_training([(0, varied)], classifier).first_collapse() is None
    not_yet_learned = coverage_over_training([(0, ones), (10, varied), (20, varied)], classifier)
    assert not_yet_learned.first_collapse(5) is None  # one class at the start is not a collapse
    assert coverage.kl_to_uniform[2] > coverage.kl_to_uniform[0]
    assert plot_coverage({"run": coverage})
    snapshots = Snapshots(every=1)
    snapshots.samples = [(0, varied[:16]), (5, ones[:16])]
    assert animate_snapshots(snapshots).to_jshtml().count("data:image/png;base64") == 2
