"""BEGAN (Berthelot, Schumm & Metz 2017): the reconstruction loss, the control of k_t and its clipping, the measure of
convergence, the objective's state, and the auto-encoder's shapes, each against a hand computation."""

import pytest
import torch
from torch import nn

from gan_course import seed_everything
from gan_course.latent import Latent, Uniform
from gan_course.losses import BEGAN, StepContext, convergence_measure, equilibrium_update, reconstruction_loss
from gan_course.models import BEGANDecoder, BEGANDiscriminator, BEGANEncoder, BEGANGenerator
from gan_course.models.began import began_plan
from gan_course.recipes.trainers import began_trainer

V = torch.tensor([[0.0, 1.0], [2.0, -1.0]])
RECONSTRUCTION = torch.tensor([[0.5, 1.0], [0.0, 0.0]])  # |v - D(v)| = 0.5, 0, 2, 1


def test_reconstruction_loss_with_eta_one_and_two_by_hand():
    assert reconstruction_loss(V, RECONSTRUCTION).item() == pytest.approx((0.5 + 0 + 2 + 1) / 4)
    assert reconstruction_loss(V, RECONSTRUCTION, eta=2).item() == pytest.approx((0.25 + 0 + 4 + 1) / 4)
    assert reconstruction_loss(V, V).item() == 0


def test_reconstruction_loss_refuses_bad_input():
    with pytest.raises(ValueError, match="auto-encoder"):
        reconstruction_loss(V, torch.zeros(4))
    with pytest.raises(ValueError, match="eta"):
        reconstruction_loss(V, RECONSTRUCTION, eta=0)


def test_equilibrium_update_by_hand_and_its_clipping():
    k = equilibrium_update(torch.tensor(0.2), torch.tensor(0.4), torch.tensor(0.1), gamma=0.5, lambda_k=0.001)
    assert k.item() == pytest.approx(0.2 + 0.001 * (0.5 * 0.4 - 0.1))
    k = equilibrium_update(torch.tensor(0.2), torch.tensor(0.4), torch.tensor(0.5), gamma=0.5, lambda_k=0.001)
    assert k.item() == pytest.approx(0.2 - 0.001 * 0.3)  # fakes reconstructed worse than gamma L(x): k falls
    assert equilibrium_update(torch.tensor(0.0), torch.tensor(0.1), torch.tensor(0.9), 0.5, 0.001).item() == 0.0
    assert equilibrium_update(torch.tensor(0.9995), torch.tensor(1.0), torch.tensor(0.0), 0.7, 0.001).item() == 1.0
    assert equilibrium_update(torch.tensor(0.5), torch.tensor(10.0), torch.tensor(0.0), 0.5, 1.0).item() == 1.0


def test_convergence_measure_by_hand():
    assert convergence_measure(torch.tensor(0.4), torch.tensor(0.3), 0.5).item() == pytest.approx(0.4 + 0.1)
    assert convergence_measure(torch.tensor(0.4), torch.tensor(0.1), 0.5).item() == pytest.approx(0.4 + 0.1)
    assert convergence_measure(torch.tensor(0.4), torch.tensor(0.2), 0.5).item() == pytest.approx(0.4)


def _context(real, fake, autoencoder, with_real=True):
    return StepContext(latent=Latent(torch.zeros(len(fake), 2)), fake=fake, d_fake=autoencoder(fake),
                       discriminator=autoencoder, discriminate=lambda x, labels: autoencoder(x),
                       real=real if with_real else None, d_real=autoencoder(real) if with_real else None)


def test_objective_losses_and_k_trajectory_by_hand():
    halve = lambda x: 0.5 * x  # an "auto-encoder" with |v - D(v)| = |v| / 2
    real, fake = torch.full((3, 1, 2, 2), 0.8), torch.full((3, 1, 2, 2), -0.2)  # L(x) = 0.4, L(G(z)) = 0.1
    objective = BEGAN(gamma=0.5, lambda_k=0.01)
    k = 0.0
    for _ in range(4):
        terms = objective.discriminator_loss(_context(real, fake, halve))
        assert terms["d_loss"].item() == pytest.approx(0.4 - k * 0.1)
        assert terms["k"].item() == pytest.approx(k)
        assert terms["m_global"].item() == pytest.approx(0.4 + abs(0.5 * 0.4 - 0.1))
        k = min(max(k + 0.01 * (0.5 * 0.4 - 0.1), 0.0), 1.0)
        assert objective.k == pytest.approx(k)
    assert objective.generator_loss(_context(real, fake, halve, with_real=False))["g_loss"].item() == pytest.approx(0.1)


def test_discriminator_loss_pushes_fakes_with_weight_k():
    real, fake = torch.randn(4, 1, 2, 2), torch.randn(4, 1, 2, 2)
    objective = BEGAN(k=0.25)
    context = _context(real, fake, lambda x: torch.zeros_like(x).requires_grad_())
    context.d_fake.requires_grad_()
    objective.discriminator_loss(context)["d_loss"].backward()
    # d/dD(G(z)) of -k mean|G(z) - D(G(z))| = k sign(G(z) - D(G(z))) / N P
    assert torch.allclose(context.d_fake.grad, 0.25 * torch.sign(fake) / fake.numel())


def test_state_round_trip_continues_the_same_trajectory():
    real, fake = torch.rand(3, 1, 2, 2), 0.2 * torch.rand(3, 1, 2, 2)  # fakes reconstructed better: k rises
    identity_ish = lambda x: 0.9 * x
    objective = BEGAN(gamma=0.7, lambda_k=0.05)
    for _ in range(3):
        objective.discriminator_loss(_context(real, fake, identity_ish))
    state = objective.state_dict()
    assert state == {"k": objective.k} and state["k"] > 0
    restored = BEGAN(gamma=0.7, lambda_k=0.05)
    restored.load_state_dict(state)
    assert restored.k == objective.k
    for twin in (objective, restored):
        twin.discriminator_loss(_context(real, fake, identity_ish))
    assert restored.k == objective.k
    with pytest.raises(ValueError, match="another objective"):
        restored.load_state_dict({})
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        restored.load_state_dict({"k": 1.5})


@pytest.mark.parametrize("bad", [dict(gamma=0), dict(gamma=1.5), dict(lambda_k=0), dict(eta=-1), dict(k=-0.1)])
def test_objective_refuses_bad_settings(bad):
    with pytest.raises(ValueError):
        BEGAN(**bad)


def test_plan_of_image_sizes():
    assert began_plan(28) == (7, 3) and began_plan(32) == (8, 3) and began_plan(64) == (8, 4)
    with pytest.raises(ValueError, match="image_size"):
        began_plan(30)


@pytest.mark.parametrize("size, channels", [(28, 1), (32, 3)])
def test_autoencoder_and_generator_shapes(size, channels):
    x = torch.rand(5, channels, size, size) * 2 - 1
    encoder = BEGANEncoder(12, size, channels, width=4)
    assert encoder(x).shape == (5, 12)
    assert BEGANDecoder(12, size, channels, width=4)(torch.randn(5, 12)).shape == x.shape
    assert BEGANDiscriminator(12, size, channels, width=4)(x).shape == x.shape
    fakes = BEGANGenerator(12, size, channels, width=4)(Uniform(12).sample(5).z)
    assert fakes.shape == x.shape and fakes.abs().max() <= 1
    convs = [m.out_channels for m in encoder.body if isinstance(m, nn.Conv2d)]
    _, repeat = began_plan(size)
    assert max(convs) == 4 * repeat  # n, 2n, ..., repeat * n filters: linear growth per downsampling
    assert sum(isinstance(m, nn.Conv2d) and m.stride == (2, 2) for m in encoder.body) == repeat - 1


def test_trainer_records_k_and_checkpoints_it():
    seed_everything(0)
    images = torch.rand(64, 1, 28, 28) * 2 - 1
    trainer = began_trainer(images, latent_dim=8, width=4, lambda_k=0.01, device=torch.device("cpu"), log_every=1)
    trainer.fit(5)
    ks = trainer.history["k"]
    assert ks[0] == 0 and all(0 <= k <= 1 for k in ks) and len(set(ks)) > 1
    # each recorded k is the previous one moved by lambda_k (gamma L(x) - L(G(z))), clipped
    for before, after, real, fake in zip(ks, ks[1:], trainer.history["loss_real"], trainer.history["loss_fake"]):
        assert after == pytest.approx(min(max(before + 0.01 * (0.5 * real - fake), 0), 1), abs=1e-6)
    assert trainer.state_dict()["objective"] == {"k": trainer.objective.k}
