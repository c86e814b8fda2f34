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


# Instance noise (a wrapper of D and the hook that anneals it) and experience replay (a step).

def toy_trainer(**options):
    from gan_course.data import SamplerStream, ring
    from gan_course.recipes import mlp_trainer
    from gan_course.seed import seed_everything

    seed_everything(0)
    return mlp_trainer(SamplerStream(ring(), 16, seed=0), (2,), latent_dim=4, output="linear",
                       device=torch.device("cpu"), **options)


def test_instance_noise_adds_gaussian_noise_to_d_inputs_in_training_only():
    from gan_course.training import InstanceNoise

    critic = torch.nn.Linear(3, 1)
    noisy = InstanceNoise(critic, sigma=0.5)
    x = torch.randn(4, 3)
    torch.manual_seed(1)
    out = noisy(x)
    torch.manual_seed(1)
    assert torch.equal(out, critic(x + 0.5 * torch.randn(4, 3)))
    assert torch.equal(noisy.eval()(x), critic(x))  # no noise in eval mode
    assert torch.equal(InstanceNoise(critic, sigma=0.0)(x), critic(x))


def test_the_noise_anneals_linearly_to_zero_and_is_recorded():
    from gan_course.training import AnnealedInstanceNoise, InstanceNoise

    from gan_course.data import SamplerStream, ring
    from gan_course.latent import Normal
    from gan_course.losses import NonSaturating
    from gan_course.models import MLPDiscriminator, MLPGenerator
    from gan_course.training import GANTrainer

    torch.manual_seed(0)
    generator, critic = MLPGenerator(4, (2,), hidden=(8,), output="linear"), InstanceNoise(MLPDiscriminator((2,)))
    trainer = GANTrainer(generator, critic, torch.optim.Adam(generator.parameters()),
                         torch.optim.Adam(critic.parameters()), SamplerStream(ring(), 16), NonSaturating(), Normal(4),
                         hooks=[AnnealedInstanceNoise(sigma=0.4, steps=4)], log_every=1)
    trainer.fit(6)
    assert trainer.history["instance_noise"] == pytest.approx([0.4, 0.3, 0.2, 0.1, 0.0, 0.0])
    plain = toy_trainer(hooks=[AnnealedInstanceNoise(sigma=0.4, steps=4)])
    with pytest.raises(TypeError, match=r"wrapped as InstanceNoise\(discriminator\)"):
        plain.fit(1)


def test_replay_shows_half_fresh_and_half_replayed_fakes():
    from gan_course.latent import Latent
    from gan_course.training import ReplayStep

    class IdentityG:  # G(z) = z, so that each fake says where it came from
        def generate(self, latent):
            return latent.z

    step = ReplayStep(size=6)
    first, second = torch.arange(8.0).view(4, 2), 100 + torch.arange(8.0).view(4, 2)
    assert torch.equal(step.discriminator_fakes(IdentityG(), Latent(first)), first)  # nothing to replay yet
    assert torch.equal(step.buffer, first[2:])  # half of the fresh fakes stored
    shown = step.discriminator_fakes(IdentityG(), Latent(second))
    assert torch.equal(shown[:2], second[:2])
    assert all(any(torch.equal(row, kept) for kept in first[2:]) for row in shown[2:])  # two earlier fakes
    assert torch.equal(step.buffer, torch.cat([first[2:], second[2:]]))
    step._store(200 + torch.arange(6.0).view(3, 2))  # full: each replaces a random entry
    assert len(step.buffer) == 6 and (step.buffer >= 200).sum() == 6
    with pytest.raises(ValueError, match="cannot train a conditional GAN"):
        step.discriminator_fakes(IdentityG(), Latent(first, labels=torch.zeros(4, dtype=torch.long)))


def test_a_replay_run_resumes_exactly_from_its_checkpoint(tmp_path):
    from gan_course.training import Checkpoint, ReplayStep

    whole = toy_trainer(step=ReplayStep(size=20))
    whole.fit(6)
    toy_trainer(step=ReplayStep(size=20), hooks=[Checkpoint(tmp_path / "run.pt")]).fit(3)
    resumed = toy_trainer(step=ReplayStep(size=20), hooks=[Checkpoint(tmp_path / "run.pt")])
    resumed.fit(6)
    assert torch.equal(resumed.step_function.buffer, whole.step_function.buffer)
    for name, parameter in whole.generator.named_parameters():
        assert torch.equal(parameter, dict(resumed.generator.named_parameters())[name])


def test_historical_averaging_by_hand():
    from types import SimpleNamespace

    from gan_course.training import HistoricalAveraging

    network = torch.nn.Linear(1, 1, bias=False)
    recorded = {}
    trainer = SimpleNamespace(networks={"generator": network}, acceleration=SimpleNamespace(amp=None),
                              device=torch.device("cpu"), record=lambda **values: recorded.update(values))
    hook = HistoricalAveraging(0.25, networks=("generator",))
    with torch.no_grad():
        network.weight.fill_(1.0)
    hook.on_fit_start(trainer, 2)
    hook.before_step(trainer)  # step 1: the average is theta[1] = 1, the term 0
    assert recorded["historical_averaging"].item() == 0.0
    with torch.no_grad():
        network.weight.fill_(3.0)  # as an update would leave it
    hook.before_step(trainer)  # step 2: the average of 1 and 3 is 2; lambda (3 - 2)^2 = 0.25
    assert recorded["historical_averaging"].item() == pytest.approx(0.25)
    (network.weight * 0.0).sum().backward()
    assert network.weight.grad.item() == pytest.approx(2 * 0.25 * (3 - 2))  # the loss's gradient 0, plus the pull
    hook.on_fit_end(trainer, None)
    network.weight.grad = None
    (network.weight * 0.0).sum().backward()
    assert network.weight.grad.item() == 0.0  # the pull is gone with the fit
    assert hook.state_dict()["count"] == 2


def test_historical_averaging_in_the_loop_resumes_exactly(tmp_path):
    from gan_course.training import Checkpoint, HistoricalAveraging

    whole = toy_trainer(hooks=[HistoricalAveraging(0.1)])
    whole.fit(6)
    toy_trainer(hooks=[HistoricalAveraging(0.1), Checkpoint(tmp_path / "run.pt")]).fit(3)
    resumed = toy_trainer(hooks=[HistoricalAveraging(0.1), Checkpoint(tmp_path / "run.pt")])
    resumed.fit(6)
    assert resumed.history["historical_averaging"] == whole.history["historical_averaging"]
    assert whole.history["historical_averaging"][0] == 0.0 and max(whole.history["historical_averaging"]) > 0
    plain = toy_trainer()
    plain.fit(6)
    assert not torch.equal(next(plain.generator.parameters()), next(whole.generator.parameters()))


def test_feature_matching_by_hand():
    from gan_course.latent import Latent
    from gan_course.losses import FeatureMatching, StepContext

    torch.manual_seed(0)
    discriminator = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    real, fake = torch.randn(5, 2), torch.randn(4, 2, requires_grad=True)
    context = StepContext(latent=Latent(torch.zeros(4, 1)), fake=fake, d_fake=None, discriminator=discriminator,
                          discriminate=lambda x, labels: discriminator(x), real=real)
    loss = FeatureMatching("1").generator_loss(context)["g_loss"]
    hidden = lambda x: torch.relu(discriminator[0](x))  # noqa: E731 - the layer "1" by hand
    expected = (hidden(real).mean(0) - hidden(fake).mean(0)).pow(2).sum()
    assert loss.item() == pytest.approx(expected.item())
    loss.backward()
    assert fake.grad is not None and fake.grad.abs().sum() > 0  # G's gradient flows through the fakes' features
    with pytest.raises(ValueError, match="no layer 'head'; its layers are 0, 1, 2"):
        FeatureMatching("head").generator_loss(context)


def test_feature_matching_trains_g_on_a_fresh_real_batch():
    from gan_course.data import TensorStream
    from gan_course.losses import FeatureMatching
    from gan_course.recipes import mlp_trainer
    from gan_course.seed import seed_everything

    seed_everything(0)
    data = TensorStream(torch.randn(64, 2), 8)
    trainer = mlp_trainer(data, (2,), latent_dim=4, output="linear", objective=FeatureMatching("net.3"),
                          device=torch.device("cpu"))
    trainer.fit(2)
    assert data.position == 2 * 2 * 8  # each step: D's real batch, and G's
    assert all(math.isfinite(value) for value in trainer.history["g_loss"])


def test_virtual_batch_norm_by_hand():
    from gan_course.models import VirtualBatchNorm

    layer = VirtualBatchNorm(1, reference_size=2, eps=0.0)
    h = torch.tensor([[1.0], [3.0], [5.0], [-1.0]])  # reference rows 1 and 3, then the batch 5 and -1
    out = layer(h)
    assert out[:2, 0].tolist() == pytest.approx([-1.0, 1.0])  # the reference: mean 2, variance 1
    for row, value in ((2, 5.0), (3, -1.0)):
        mean = (value + 1 + 3) / 3
        var = (value**2 + 1 + 9) / 3 - mean**2
        assert out[row, 0].item() == pytest.approx((value - mean) / math.sqrt(var))


def test_an_example_no_longer_depends_on_its_batch():
    from gan_course.models import VirtualBatchNorm, WithReferenceBatch

    torch.manual_seed(0)
    body = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3, padding=1), VirtualBatchNorm(3, reference_size=4),
                               torch.nn.ReLU(), torch.nn.Conv2d(3, 1, 1))
    body.latent_dim = 7
    network = WithReferenceBatch(body, torch.randn(4, 1, 5, 5))
    batch = torch.randn(3, 1, 5, 5)
    changed = batch.clone()
    changed[1:] = torch.randn(2, 1, 5, 5) * 10
    assert network(batch).shape == (3, 1, 5, 5) and network.latent_dim == 7
    assert torch.allclose(network(batch)[0], network(changed)[0])  # batch norm would change it
    batch_norm = torch.nn.BatchNorm2d(3)
    assert not torch.allclose(batch_norm(batch.repeat(1, 3, 1, 1))[0], batch_norm(changed.repeat(1, 3, 1, 1))[0])
    with pytest.raises(ValueError, match="the reference batch has 2 rows, and the network's VirtualBatchNorm layers "
                                         r"expect \[4\]"):
        WithReferenceBatch(body, torch.randn(2, 1, 5, 5))
