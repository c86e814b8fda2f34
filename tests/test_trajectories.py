"""The training loop reproduces, number for number, the 25-step trajectories that the loop before the objective /
prior / hook design produced (``tests/fixtures/trajectories.json``, recorded at commit 3ad7233 by
``tests/fixtures/record_trajectories.py`` of that commit): NS-GAN, minimax, LSGAN, WGAN with clipping, WGAN-GP, k = 3,
G first, uniform noise, a conditional GAN, and a DCGAN with batch norm in channels-last. One thread, so the sums in
the matrix products are made in the same order as when they were recorded.

How exactly depends on the instruction set the CPU's kernels use (PyTorch picks them at run time; the fixtures were
recorded with AVX-512). The MLP runs are exact on AVX-512 and on AVX2, every x86-64 CPU since 2013: their matrix
products and reductions give the same bits on both. Convolutions do not (oneDNN blocks and sums the channels and taps
of a kernel in another order per instruction set), and a CPU without AVX2 uses plain loops everywhere. There the
numbers may differ in the last bits, and 25 steps of Adam carry the difference on: measured on the three kernel
families (``ATEN_CPU_CAPABILITY`` / ``ONEDNN_MAX_CPU_ISA`` / ``MKL_ENABLE_INSTRUCTIONS`` set to AVX2 and to the
no-vector default on an AVX-512 machine, ``test_the_trajectories_hold_on_the_other_instruction_sets``), the largest
relative difference is 2.8e-6 (a DCGAN snapshot sum; 2.2e-6 for an MLP run without AVX2), about 23 float32 ulps.
``RELATIVE`` allows 1e-5, under 4 times that: tight enough that raising both learning rates of the DCGAN run by 0.1 %
(which moves G's losses by up to 7.9e-5) still fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
RELATIVE, ABSOLUTE = 1e-5, 1e-8  # see the module's docstring; ABSOLUTE for scores near 0 (LSGAN's D(x) ~ 4e-3)
CONVOLUTIONAL = {"dcgan_batchnorm"}
OTHER_INSTRUCTION_SETS = {  # what a CPU with AVX2 only, or without AVX2, runs (on an AVX-512 machine)
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
    "no vector units": {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "SSE41",
                        "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"},
}


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


def exact_here(name: str) -> bool:
    """Whether this CPU's kernels reproduce run ``name`` bit for bit (the module's docstring says when)."""
    return name not in CONVOLUTIONAL and torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512")


@pytest.mark.parametrize("name", sorted(RUNS))
def test_the_loop_reproduces_the_recorded_trajectory(name, one_thread):
    expected = FIXTURES[name]
    trainer, snapshots = RUNS[name]()
    history = trainer.fit(len(expected["step"]))
    real, fake = ("score_real", "score_fake") if name in SCORE_NAMES else ("d_real", "d_fake")
    assert history.step == expected["step"]
    assert [step for step, _ in snapshots.samples] == expected["snapshot_steps"]
    same = (lambda x: x) if exact_here(name) else (lambda x: pytest.approx(x, rel=RELATIVE, abs=ABSOLUTE))
    assert history["d_loss"] == same(expected["d_loss"])
    assert history["g_loss"] == same(expected["g_loss"])
    assert history[real] == same(expected["d_real"])
    assert history[fake] == same(expected["d_fake"])
    assert [samples.double().sum().item() for _, samples in snapshots.samples] == same(expected["snapshot_sums"])
    assert trainer.sample(latent=trainer.fixed_latent).double().sum().item() == same(expected["fixed_sample_sum"])


@pytest.mark.parametrize("instruction_set", sorted(OTHER_INSTRUCTION_SETS))
def test_the_trajectories_hold_on_the_other_instruction_sets(instruction_set):
    """The test above, run again with the kernels of a CPU that has AVX2 only, or no vector units."""
    env = os.environ | OTHER_INSTRUCTION_SETS[instruction_set]
    test = f"{__file__}::test_the_loop_reproduces_the_recorded_trajectory"
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test], env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:]
    assert f"{len(RUNS)} passed" in run.stdout


def test_the_tolerance_still_catches_a_small_change(one_thread):
    """The DCGAN run with both learning rates 0.1 % higher ends outside the tolerance: it is not loose enough to hide a
    change of the loop."""
    expected = FIXTURES["dcgan_batchnorm"]
    trainer, _ = RUNS["dcgan_batchnorm"]()
    for optimizer in (trainer.g_optimizer, trainer.d_optimizer):
        for group in optimizer.param_groups:
            group["lr"] *= 1.001
    history = trainer.fit(len(expected["step"]))
    assert history["g_loss"] != pytest.approx(expected["g_loss"], rel=RELATIVE, abs=ABSOLUTE)
