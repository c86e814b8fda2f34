"""The training loop reproduces, number for number, the 25-step trajectories that the loop before the objective /
prior / hook design produced (``tests/fixtures/trajectories.json``, recorded at commit 3ad7233 by
``tests/fixtures/record_trajectories.py`` of that commit): NS-GAN, minimax, LSGAN, WGAN with clipping, WGAN-GP, k = 3,
G first, uniform noise, a conditional GAN, and a DCGAN with batch norm in channels-last. One thread, so the sums in
the matrix products are made in the same order as when they were recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from gan_course.data import SamplerStream, TensorStream, ring
from gan_course.latent import Labelled, Normal, Uniform
from gan_course.losses import LSGAN, WGAN, WGANGP, Minimax, NonSaturating
from gan_course.models import (
    ConditionalMLPDiscriminator,
    ConditionalMLPGenerator,
    DCGANDiscriminator,
    DCGANGenerator,
    MLPDiscriminator,
    MLPGenerator,
)
from gan_course.seed import seed_everything
from gan_course.training import Acceleration, AlternatingStep, GANTrainer, Snapshots

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "trajectories.json").read_text())
LATENT = 4


def adam(lr=1e-3, betas=(0.5, 0.999)):
    return lambda parameters: torch.optim.Adam(parameters, lr=lr, betas=betas)


def toy_run(objective, optimizer=adam(), prior=Normal(LATENT), step=None):
    seed_everything(0)
    generator = MLPGenerator(LATENT, (2,), hidden=(16, 16), output="linear")
    discriminator = MLPDiscriminator((2,), hidden=(16, 16))
    snapshots = Snapshots(every=10)
    trainer = GANTrainer(generator, discriminator, optimizer(generator.parameters()),
                         optimizer(discriminator.parameters()), SamplerStream(ring(), 32, seed=0), objective, prior,
                         step=step, hooks=[snapshots], n_fixed=16, log_every=7)
    return trainer, snapshots


def conditional_run():
    seed_everything(0)
    points = ring().sample(256, generator=torch.Generator().manual_seed(3))
    labels = torch.arange(256) % 8
    generator = ConditionalMLPGenerator(LATENT, 8, (2,), hidden=(16, 16), output="linear")
    discriminator = ConditionalMLPDiscriminator(8, (2,), hidden=(16, 16))
    snapshots = Snapshots(every=10)
    trainer = GANTrainer(generator, discriminator, adam()(generator.parameters()), adam()(discriminator.parameters()),
                         TensorStream(points, 32, seed=0, labels=labels), NonSaturating(), Labelled(Normal(LATENT), 8),
                         hooks=[snapshots], n_fixed=16)
    return trainer, snapshots


def dcgan_run():
    seed_everything(0)
    images = torch.rand(64, 1, 16, 16, generator=torch.Generator().manual_seed(4)) * 2 - 1
    generator, discriminator = DCGANGenerator(8, 16, 1, 4), DCGANDiscriminator(16, 1, 4)
    snapshots = Snapshots(every=10)
    trainer = GANTrainer(generator, discriminator, adam(2e-4)(generator.parameters()),
                         adam(2e-4)(discriminator.parameters()), TensorStream(images, 16, seed=0), NonSaturating(),
                         Normal(8), hooks=[snapshots], n_fixed=4, acceleration=Acceleration(channels_last=True))
    return trainer, snapshots


RUNS = {
    "nonsaturating": lambda: toy_run(NonSaturating()),
    "minimax": lambda: toy_run(Minimax()),
    "lsgan": lambda: toy_run(LSGAN()),
    "wgan_clip": lambda: toy_run(WGAN(clip=0.01), lambda p: torch.optim.RMSprop(p, lr=5e-5)),
    "wgan_gp": lambda: toy_run(WGANGP(), adam(1e-4, (0.5, 0.9))),
    "k3": lambda: toy_run(NonSaturating(), step=AlternatingStep(d_steps=3)),
    "g_first": lambda: toy_run(NonSaturating(), step=AlternatingStep(order="g_first")),
    "uniform_noise": lambda: toy_run(NonSaturating(), prior=Uniform(LATENT)),
    "conditional": conditional_run,
    "dcgan_batchnorm": dcgan_run,
}
SCORE_NAMES = {"lsgan", "wgan_clip", "wgan_gp"}  # the old loop's d_real/d_fake held raw scores for these


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_every_recorded_run_has_a_configuration():
    assert set(RUNS) == set(FIXTURES)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_the_loop_reproduces_the_recorded_trajectory_exactly(name, one_thread):
    expected = FIXTURES[name]
    trainer, snapshots = RUNS[name]()
    history = trainer.fit(len(expected["step"]))
    real, fake = ("score_real", "score_fake") if name in SCORE_NAMES else ("d_real", "d_fake")
    assert history.step == expected["step"]
    assert history["d_loss"] == expected["d_loss"]
    assert history["g_loss"] == expected["g_loss"]
    assert history[real] == expected["d_real"]
    assert history[fake] == expected["d_fake"]
    assert [step for step, _ in snapshots.samples] == expected["snapshot_steps"]
    assert [samples.double().sum().item() for _, samples in snapshots.samples] == expected["snapshot_sums"]
    assert trainer.sample(latent=trainer.fixed_latent).double().sum().item() == expected["fixed_sample_sum"]
