"""The controls of the Visualization chapter's interpretations: saliency maps against re-initialised weights (Adebayo
et al. 2018), a discriminator frozen in train or in eval mode through a hook, and the roughness of a memorised path —
each checked on cases with a known answer."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from gan_course.batch_statistics import batch_statistics
from gan_course.data import TensorStream
from gan_course.latent import Normal
from gan_course.losses import NonSaturating
from gan_course.losses.gan import discriminator_loss, nonsaturating_generator_loss
from gan_course.metrics.classifier import load_classifier
from gan_course.models import DCGANDiscriminator, DCGANGenerator
from gan_course.seed import seed_everything
from gan_course.training import GANTrainer
from gan_course.experiments.visualization.discriminator_features import receptive_field_ink, share_on_ink, unit_saliency
from gan_course.experiments.visualization.frozen_discriminator import (
    FreezeDiscriminator,
    mode_switch,
    total_gradient_norm,
)
from gan_course.experiments.visualization.latent_space import read_crossfade, read_memorised_path
from gan_course.experiments.visualization.saliency_checks import (
    cascade_layers,
    cascading_randomisation,
    rank_correlation,
    reinitialise,
)
from gan_course.experiments.visualization.saliency_checks_figures import plot_cascade


def _digits(n=6, seed=0):
    generator = torch.Generator().manual_seed(seed)
    images = -torch.ones(n, 1, 28, 28)
    for i in range(n):
        top, left = torch.randint(2, 14, (2,), generator=generator).tolist()
        images[i, 0, top : top + 12, left + 4 : left + 7] = 1.0  # a vertical stroke
        images[i, 0, top : top + 3, left : left + 10] = 1.0  # and a bar
    return images


def test_both_maps_are_ranked_by_magnitude():
    image = -torch.ones(1, 2, 2)
    image[0, 0, 0] = 1.0  # one ink pixel
    saliency = np.array([[-5.0, 1.0], [2.0, 0.5]])  # the largest magnitude is negative, on the ink
    assert share_on_ink(saliency, image, top=0.25) == 1.0
    assert share_on_ink(-saliency, image, top=0.25) == 1.0  # the sign does not matter
    assert share_on_ink(saliency, image, top=0.5) == 0.5


def test_a_unit_at_a_given_position_and_its_receptive_field():
    seed_everything(0)
    discriminator = DCGANDiscriminator(28, 1, 8).eval()
    image = _digits(1)[0]
    strongest = unit_saliency(discriminator, image, layer=4, channel=2)
    corner = unit_saliency(discriminator, image, layer=4, channel=2, position=(0, 0))
    with torch.no_grad():
        out = discriminator.net[:5](image[None])[0, 2]
    assert strongest.activation == pytest.approx(float(out.max()))
    assert corner.position == (0, 0) and corner.activation == pytest.approx(float(out[0, 0]))
    # two stride-2, kernel-4, padding-1 convolutions: unit (0, 0) sees layer-1 positions 0..2, that is input rows and
    # columns 2 * 0 - 1 .. 2 * 2 + 2, clipped to 0..6 (a 7 x 7 corner)
    seen = corner.gradient != 0
    assert seen[:7, :7].all() and not seen[7:].any() and not seen[:, 7:].any()
    assert receptive_field_ink(corner, image) == pytest.approx(float((image[0, :7, :7] > 0).double().mean()))
    with pytest.raises(ValueError, match="position must lie in the layer's 7 x 7 map"):
        unit_saliency(discriminator, image, layer=4, channel=2, position=(7, 0))


def test_reinitialise_redraws_only_the_named_layers():
    seed_everything(0)
    discriminator = DCGANDiscriminator(28, 1, 8)
    with torch.no_grad():
        discriminator.net[3].running_mean.fill_(3.0)
        for parameter in discriminator.parameters():
            parameter.add_(1.0)  # far from the N(0, 0.02) initialisation
    before = {name: value.clone() for name, value in discriminator.state_dict().items()}
    copied = reinitialise(discriminator, ["net.2", "net.3"], seed=5)
    assert all(torch.equal(value, discriminator.state_dict()[name]) for name, value in before.items())  # unchanged
    after = copied.state_dict()
    assert torch.equal(after["net.0.weight"], before["net.0.weight"])
    assert after["net.2.weight"].abs().mean() < 0.1 and after["net.3.running_mean"].abs().max() == 0
    assert after["net.3.running_var"].eq(1).all() and after["net.3.bias"].abs().max() == 0
    again = reinitialise(discriminator, ["net.2"], seed=5)
    assert torch.equal(again.state_dict()["net.2.weight"], after["net.2.weight"])  # the seed fixes the draw
    assert cascade_layers(discriminator, 4) == ["net.3", "net.2", "net.0"]
    assert cascade_layers(discriminator, 2) == ["net.2", "net.0"]
    with pytest.raises(ValueError, match="no submodule named \\['net.9'\\]"):
        reinitialise(discriminator, ["net.9"])


def test_rank_correlation_of_magnitudes():
    a = np.arange(10.0)
    assert rank_correlation(a, a ** 3) == pytest.approx(1.0)
    assert rank_correlation(a, -a) == pytest.approx(1.0)  # magnitudes
    assert rank_correlation(a, 10 - a) == pytest.approx(-1.0)
    assert np.isnan(rank_correlation(a, np.zeros(10)))
    assert rank_correlation(a, np.r_[a[:5], -a[5:] * 0], where=np.arange(10) < 5) == pytest.approx(1.0)


def test_the_cascade_tells_a_trained_map_from_a_random_one():
    seed_everything(0)
    discriminator = DCGANDiscriminator(28, 1, 8).eval()
    images = _digits(4)
    cascade = cascading_randomisation(discriminator, images, layer=2, units=[0, 1, 2], seed=3)
    assert cascade.stages == ["trained", "net.2 Conv2d", "net.0 Conv2d"]
    assert cascade.ink["gradient"].shape == (3, 12) and cascade.field_ink.shape == (12,)
    assert np.allclose(cascade.correlation["gradient"][0], 1.0)  # the trained map against itself
    # a different draw of the weights orders the pixels the unit sees differently
    assert cascade.mean(cascade.correlation["gradient"])[-1] < 0.9
    assert np.all((cascade.field_ink >= 0) & (cascade.field_ink <= 1))
    # stage 0 is the unit's own map: the same numbers as unit_saliency gives
    first = unit_saliency(discriminator, images[0], 2, 0)
    assert cascade.ink["guided"][0, 0] == pytest.approx(share_on_ink(first.guided, images[0]))
    assert np.array_equal(cascade.examples[0]["gradient"], first.gradient)
    assert np.isnan(cascade.ink["guided"][cascade.empty["guided"]]).all()
    assert len(plot_cascade(images[0], cascade).axes) == 1 + 2 * 3 + 2
    with pytest.raises(ValueError, match="units must name at least one channel"):
        cascading_randomisation(discriminator, images, 2, [])


def _tiny_trainer(hooks):
    seed_everything(0)
    generator, discriminator = DCGANGenerator(8, 28, 1, 4), DCGANDiscriminator(28, 1, 4)
    return GANTrainer(generator, discriminator, torch.optim.Adam(generator.parameters(), 1e-3),
                      torch.optim.Adam(discriminator.parameters(), 1e-3), TensorStream(_digits(32), 8, 0),
                      NonSaturating(), Normal(8), hooks=hooks)


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_freezing_the_discriminator_through_a_hook(mode, tmp_path):
    trainer = _tiny_trainer([FreezeDiscriminator(3, mode)])
    start = [p.detach().clone() for p in trainer.discriminator.parameters()]
    trainer.fit(3)
    at_freeze = [p.detach().clone() for p in trainer.discriminator.parameters()]
    assert not all(torch.equal(a, b) for a, b in zip(start, at_freeze))  # D learns before step 3
    g_before = [p.detach().clone() for p in trainer.generator.parameters()]
    running = trainer.discriminator.net[3].running_mean.clone()
    trainer.fit(6)
    assert all(torch.equal(a, b) for a, b in zip(at_freeze, trainer.discriminator.parameters()))  # and not after
    assert not all(torch.equal(a, b) for a, b in zip(g_before, trainer.generator.parameters()))  # G still learns
    assert trainer.discriminator.training == (mode == "train")
    # in train mode batch norm still sees each batch (and updates its unused running statistics); in eval mode not
    assert torch.equal(trainer.discriminator.net[3].running_mean, running) == (mode == "eval")
    assert len(trainer.history["d_real"]) == 6  # D's verdicts are still recorded every step
    trainer.save_checkpoint(tmp_path / "run.pt")
    resumed = _tiny_trainer([FreezeDiscriminator(3, mode)])
    resumed.load_checkpoint(tmp_path / "run.pt")
    frozen = [p.detach().clone() for p in resumed.discriminator.parameters()]
    resumed.fit(8)
    assert all(torch.equal(a, b) for a, b in zip(frozen, resumed.discriminator.parameters()))
    with pytest.raises(ValueError, match="mode must be one of"):
        FreezeDiscriminator(3, "frozen")
    with pytest.raises(ValueError, match="at \\(the step from which D is frozen\\)"):
        FreezeDiscriminator(-1)


def test_mode_switch_measures_the_switch_alone():
    trainer = _tiny_trainer([])
    trainer.fit(5)
    generator, discriminator = trainer.generator, trainer.discriminator
    buffers = [b.clone() for b in [*generator.buffers(), *discriminator.buffers()]]
    real, z = _digits(8, seed=1), torch.randn(8, 8)
    readings = mode_switch(generator, discriminator, real, z)
    assert all(torch.equal(a, b) for a, b in zip(buffers, [*generator.buffers(), *discriminator.buffers()]))
    assert generator.training and discriminator.training  # modes restored
    discriminator.eval()
    with torch.no_grad():
        expected = torch.sigmoid(discriminator(real)).mean()
    assert readings["eval"].d_real == pytest.approx(float(expected), rel=1e-5)
    assert readings["train"].d_real != pytest.approx(readings["eval"].d_real)  # batch norm: two different functions
    without = DCGANDiscriminator(28, 1, 4, normalization="none")
    plain = mode_switch(generator, without, real, z)
    assert plain["train"] == plain["eval"]  # no batch norm: the switch changes nothing
    fake = generator(z).detach()
    d_weights = [p for p in without.parameters() if p.ndim > 1]
    d_grads = torch.autograd.grad(discriminator_loss(without(real), without(fake)), d_weights)
    assert plain["eval"].d_gradient == pytest.approx(float(torch.sqrt(sum((g ** 2).sum() for g in d_grads))), rel=1e-5)
    with batch_statistics(generator):
        g_weights = [p for p in generator.parameters() if p.ndim > 1]
        g_grads = torch.autograd.grad(nonsaturating_generator_loss(without(generator(z))), g_weights)
    assert plain["eval"].g_gradient == pytest.approx(float(torch.sqrt(sum((g ** 2).sum() for g in g_grads))), rel=1e-5)
    assert plain["train"].d_gradient > 0 and plain["train"].g_gradient > 0


def test_a_memorised_path_jumps_once():
    classifier = load_classifier(device=torch.device("cpu"))
    real = _digits(2)
    path = read_memorised_path(classifier, real[0], real[1], real, steps=9)
    assert torch.equal(path.images[0], real[0]) and torch.equal(path.images[-1], real[1])
    assert (path.change > 0).sum() == 1 and path.roughness == pytest.approx(8.0)  # one jump: steps - 1
    assert read_crossfade(classifier, real[0], real[1], steps=9).roughness == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ValueError, match="real_images must be images"):
        read_memorised_path(classifier, real[0], real[1], real[:, 0], steps=9)


def test_total_gradient_norm_and_the_frozen_runs_figure():
    from gan_course.experiments.visualization.frozen_discriminator_figures import plot_frozen_runs
    from gan_course.experiments.visualization.network_statistics import NetworkStatistics

    statistics = NetworkStatistics(every=2)
    trainer = _tiny_trainer([statistics, FreezeDiscriminator(2, "eval")])
    trainer.fit(4)
    norms = total_gradient_norm(statistics, "discriminator")
    layers = [float(p.grad.norm()) for name, p in trainer.discriminator.named_parameters() if p.ndim > 1]
    assert np.isnan(norms[0]) and norms[-1] == pytest.approx(float(np.sqrt(np.sum(np.square(layers)))))
    with pytest.raises(ValueError, match="network must be one of"):
        total_gradient_norm(statistics, "critic")
    assert len(plot_frozen_runs({"eval": [(trainer.history, statistics)]}, at=2, window=2).axes) == 3
