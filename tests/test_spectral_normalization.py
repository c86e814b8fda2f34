"""SN-GAN's pieces against hand computations and closed forms: the power iteration on a diagonal matrix, the estimate
PyTorch's parametrisation divides by, the Table 3 networks, the warm start's error, the Lipschitz bound of a composed
normalised network along segments, the norm of a convolution as a linear map, and where normalisation must come."""

import math

import pytest
import torch
from torch import nn

from gan_course.experiments.losses.comparison import LossSetup, train_toy_gan
from gan_course.experiments.losses.critic import train_critic
from gan_course.experiments.losses.spectral_normalization import (
    SigmaTracker,
    conv_operator_norm,
    normalized_layers,
    power_iteration,
    segment_slopes,
)
from gan_course.data import GaussianMixture2D, SamplerStream, ring
from gan_course.latent import Normal
from gan_course.losses import Hinge
from gan_course.models import MLPDiscriminator, SNGANDiscriminator, SNGANGenerator, spectrally_normalize
from gan_course.training import GANTrainer


def test_power_iteration_on_a_diagonal_matrix_matches_its_closed_form():
    # W = diag(d), v0 = c: after k steps v_k ~ d^(2k) c and u_k ~ d^(2k-1) c, so
    # sigma_k = u_k^T W v_k = sqrt(sum d^(4k) c^2 / sum d^(4k-2) c^2)
    d = torch.tensor([3.0, 2.0, 1.0, 0.5], dtype=torch.float64)
    c = torch.tensor([0.1, 0.7, 0.5, 0.5], dtype=torch.float64)
    c = c / c.norm()
    for k in (1, 2, 5, 20):
        estimate, u, v = power_iteration(torch.diag(d), c, k)
        closed = math.sqrt(float((d ** (4 * k) * c**2).sum() / (d ** (4 * k - 2) * c**2).sum()))
        assert estimate == pytest.approx(closed, rel=1e-12)
        assert float(u.norm()) == pytest.approx(1.0) and float(v.norm()) == pytest.approx(1.0)
    assert power_iteration(torch.diag(d), c, 60)[0] == pytest.approx(3.0, rel=1e-12)  # sigma of diag(3, 2, 1, .5)
    with pytest.raises(ValueError, match="positive integer"):
        power_iteration(torch.diag(d), c, 0)
    with pytest.raises(ValueError, match="matrix"):
        power_iteration(torch.diag(d), c[:3])


def test_power_iteration_reproduces_the_sigma_pytorch_divides_by():
    torch.manual_seed(0)
    layer = nn.Linear(12, 7)
    spectrally_normalize(layer)
    sn = layer.parametrizations.weight[0]
    original = layer.parametrizations.weight.original.detach()
    with torch.no_grad():
        sn._v.copy_(nn.functional.normalize(torch.randn(12), dim=0))  # a cold start: one iteration is far off
    expected, _, _ = power_iteration(original.double(), sn._v.detach().double())
    layer(torch.zeros(1, 12))  # one iteration in training mode, from the stored vector
    layer.eval()  # reading layer.weight in training mode would iterate again
    sigma = float((original / layer.weight.detach()).mean())
    assert sigma == pytest.approx(expected, rel=1e-5)
    assert abs(expected - float(torch.linalg.svdvals(original)[0])) > 1e-3  # the check can tell one step from many


def test_sngan_networks_follow_table_3_scaled_to_28():
    torch.manual_seed(0)
    d = SNGANDiscriminator(28, 1, 8)
    convs = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    assert [(c.kernel_size[0], c.stride[0], c.out_channels) for c in convs] == [(3, 1, 8), (4, 2, 8), (3, 1, 16),
                                                                                 (4, 2, 16), (3, 1, 32)]
    assert all(m.negative_slope == 0.1 for m in d.modules() if isinstance(m, nn.LeakyReLU))
    assert len(normalized_layers(d)) == 6  # every layer, the dense one included
    assert not normalized_layers(SNGANDiscriminator(28, 1, 8, spectral=False))
    assert not any(isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) for m in d.modules())
    g = SNGANGenerator(16, 28, 1, 8)
    images = g(torch.randn(5, 16))
    assert images.shape == (5, 1, 28, 28) and float(images.detach().abs().max()) <= 1
    assert d(images).shape == (5,)
    assert sum(isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) for m in g.modules()) == 3
    d32 = SNGANDiscriminator(32, 3, 64)  # the paper's own CIFAR-10 network: 64, 64, 128, 128, 256, 256, 512
    assert [m.out_channels for m in d32.modules() if isinstance(m, nn.Conv2d)] == [64, 64, 128, 128, 256, 256, 512]
    with pytest.raises(ValueError, match="shape"):
        d(torch.zeros(2, 1, 32, 32))


def test_initialising_after_normalisation_is_silently_lost():
    torch.manual_seed(0)
    layer = spectrally_normalize(nn.Linear(20, 10))
    before = layer.parametrizations.weight.original.detach().clone()
    nn.init.normal_(layer.weight, 0.0, 5.0)  # writes into a freshly computed tensor, not the parameter
    assert torch.equal(layer.parametrizations.weight.original, before)
    # the Table 3 network initialises before normalising: its stored weights have the N(0, 0.02) scale
    d = SNGANDiscriminator(28, 1, 16)
    stds = [float(m.parametrizations.weight.original.std()) for _, m in normalized_layers(d)]
    assert all(abs(s - 0.02) < 0.004 for s in stds)


def _toy_trainer(tracker: SigmaTracker) -> GANTrainer:
    torch.manual_seed(0)
    generator = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2))
    discriminator = spectrally_normalize(MLPDiscriminator((2,), hidden=(32, 32)))
    return GANTrainer(generator, discriminator, torch.optim.Adam(generator.parameters(), 1e-3),
                      torch.optim.Adam(discriminator.parameters(), 1e-3), SamplerStream(ring(), 64, seed=0),
                      Hinge(d_steps=2), Normal(2), hooks=[tracker])


def test_sigma_tracker_measures_the_warm_start_against_svdvals():
    tracker = SigmaTracker(seed=1)
    trainer = _toy_trainer(tracker)
    trainer.fit(30)
    assert tracker.steps == list(range(1, 31)) and set(tracker.warm) == {n for n, _ in normalized_layers(
        trainer.discriminator)}
    for name, layer in normalized_layers(trainer.discriminator):
        assert len(tracker.warm[name]) == 30 and all(0 <= e < 1 for e in tracker.warm[name] + tracker.cold[name])
        if layer.out_features > 1:  # (a one-row matrix is exact after one iteration from anywhere)
            # the warm start has had dozens of iterations: far closer than one iteration from a random vector
            assert sum(tracker.warm[name]) < 0.1 * sum(tracker.cold[name])
    with pytest.raises(ValueError, match="spectrally normalised"):
        GANTrainer(nn.Linear(2, 2), MLPDiscriminator((2,)), torch.optim.SGD(nn.Linear(1, 1).parameters(), 0.1),
                   torch.optim.SGD(nn.Linear(1, 1).parameters(), 0.1), SamplerStream(ring(), 8, seed=0), Hinge(),
                   Normal(2), hooks=[SigmaTracker()]).fit(1)


def test_segment_slopes_of_a_linear_critic_are_its_weight_norm():
    # f(x) = w.x: the gradient is w everywhere, and every slope along x~ -> x is |w.(x - x~)| / |x - x~|
    critic = nn.Linear(3, 1)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[3.0, 4.0, 0.0]]))
    real, fake = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]]), torch.zeros(2, 3)
    measured = segment_slopes(critic, real, fake, points=5)
    assert measured.gradient_norms.shape == (2, 5) and measured.slopes.shape == (2, 4)
    assert measured.max_gradient == pytest.approx(5.0) and measured.mean_gradient == pytest.approx(5.0)
    assert measured.slopes[0].tolist() == pytest.approx([3.0] * 4, rel=1e-5)
    assert measured.slopes[1].tolist() == pytest.approx([0.0] * 4, abs=1e-5)
    with pytest.raises(ValueError, match="same shape"):
        segment_slopes(critic, real, fake[:1])


def test_a_composed_normalised_network_is_1_lipschitz_along_segments():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 64), nn.LeakyReLU(0.2), nn.Linear(64, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1))
    with torch.no_grad():
        for m in net:
            if isinstance(m, nn.Linear):
                m.weight.mul_(10.0)  # a 10^3-Lipschitz network before normalisation
    before = segment_slopes(net, torch.randn(64, 4), torch.randn(64, 4))
    spectrally_normalize(net, n_power_iterations=50)  # converged estimates: each weight has sigma 1
    net(torch.zeros(1, 4))
    after = segment_slopes(net, torch.randn(256, 4), torch.randn(256, 4))
    assert before.max_gradient > 10
    assert after.max_gradient <= 1 + 1e-4 and after.max_slope <= 1 + 1e-4


def test_conv_operator_norm_against_its_dense_matrix():
    torch.manual_seed(0)
    for conv, shape in ((nn.Conv2d(2, 3, 3, 1, 1), (2, 6, 6)), (nn.Conv2d(2, 4, 4, 2, 1), (2, 8, 8))):
        # the convolution's dense matrix, column by column from the unit inputs
        basis = torch.eye(math.prod(shape)).view(-1, *shape)
        dense = nn.functional.conv2d(basis, conv.weight.detach(), None, conv.stride, conv.padding).flatten(1).T
        exact = float(torch.linalg.svdvals(dense)[0])
        assert conv_operator_norm(conv, shape, iterations=300) == pytest.approx(exact, rel=1e-4)
    one = nn.Conv2d(3, 5, 1)  # a 1x1 convolution is its kernel matrix at every pixel
    assert conv_operator_norm(one, (3, 4, 4), 300) == pytest.approx(float(torch.linalg.svdvals(
        one.weight.detach().flatten(1))[0]), rel=1e-4)


def test_spectral_norm_rows_in_the_toy_comparison_and_the_critic_trainer():
    setup = LossSetup(Hinge(d_steps=1), spectral_norm=True)
    trainer = train_toy_gan(setup, ring(), seed=0, steps=2, hidden=(16, 16))
    assert len(normalized_layers(trainer.discriminator)) == 3
    plain = train_toy_gan(LossSetup(Hinge(d_steps=1)), ring(), seed=0, steps=2, hidden=(16, 16))
    assert not normalized_layers(plain.discriminator)
    critic = spectrally_normalize(MLPDiscriminator((1,), hidden=(8, 8)))
    fit = train_critic(critic, GaussianMixture2D([[0.0, 0.0]], 1.0), GaussianMixture2D([[1.0, 0.0]], 1.0), 0)
    assert fit.constraint == "spectral norm"
    with pytest.raises(ValueError, match="spectrally normalised"):
        train_critic(MLPDiscriminator((2,), hidden=(8,)), ring(), ring(), 1)
