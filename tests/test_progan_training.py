"""ProGAN's training through the one loop (Karras et al. 2018, their released train.py): the schedule by images shown,
the faded real stream, the growth hook with Adam resets, the generator's moving average, and a run resumed
mid-transition bit for bit."""

from __future__ import annotations

import copy
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from gan_course.data import TensorStream
from gan_course.latent import Normal
from gan_course.losses import WGANGP
from gan_course.models import ProGANDiscriminator, ProGANGenerator
from gan_course.seed import seed_everything
from gan_course.training import (
    growth_cost,
    AlternatingStep,
    Checkpoint,
    GANTrainer,
    GeneratorEMA,
    ProgressiveGrowing,
    ProgressiveReals,
    ProgressiveSchedule,
    Snapshots,
    fade_reals,
)
from test_extensions import same_run


# The schedule: the code's TrainingSchedule.

def official_schedule(cur_nimg: int, resolution_log2: int, lod_initial_resolution: int = 4,
                      lod_training_kimg: float = 600, lod_transition_kimg: float = 600, minibatch_base: int = 16,
                      minibatch_dict: dict | None = None) -> tuple[float, int, int]:
    """train.py's TrainingSchedule (one GPU), transcribed: (lod, resolution, minibatch)."""
    kimg = cur_nimg / 1000.0
    phase_dur = lod_training_kimg + lod_transition_kimg
    phase_idx = int(np.floor(kimg / phase_dur)) if phase_dur > 0 else 0
    phase_kimg = kimg - phase_idx * phase_dur
    lod = resolution_log2
    lod -= np.floor(np.log2(lod_initial_resolution))
    lod -= phase_idx
    if lod_transition_kimg > 0:
        lod -= max(phase_kimg - lod_training_kimg, 0.0) / lod_transition_kimg
    lod = max(lod, 0.0)
    resolution = 2 ** (resolution_log2 - int(np.floor(lod)))
    return lod, resolution, (minibatch_dict or {}).get(resolution, minibatch_base)


def test_the_schedule_stabilises_then_fades_in_each_resolution_by_images_shown():
    schedule = ProgressiveSchedule(32)  # the code's defaults: 600k images per phase, minibatch 16
    stages = {n: schedule(n) for n in (0, 600_000, 900_000, 1_200_000, 1_800_000, 2_100_000, 4_200_000, 10**7)}
    assert [(s.lod, s.resolution, s.alpha) for s in stages.values()] == [
        (3.0, 4, 1.0), (3.0, 4, 1.0), (2.5, 8, 0.5), (2.0, 8, 1.0), (2.0, 8, 1.0), (1.5, 16, 0.5), (0.0, 32, 1.0),
        (0.0, 32, 1.0)]
    assert {s.minibatch for s in stages.values()} == {16}
    custom = ProgressiveSchedule(32, minibatch_dict={4: 64, 8: 32})
    assert [custom(n).minibatch for n in (0, 600_000, 900_000, 1_200_000, 2_100_000)] == [64, 64, 32, 32, 16]


@pytest.mark.parametrize("settings", [
    dict(),
    dict(lod_initial_resolution=8, lod_training_kimg=2, lod_transition_kimg=3, minibatch_base=4,
         minibatch_dict={8: 12, 64: 2}),
    dict(lod_training_kimg=0.016, lod_transition_kimg=0.032, minibatch_base=4, minibatch_dict={4: 8}),
    dict(lod_training_kimg=5, lod_transition_kimg=0),
])
def test_the_schedule_is_the_codes_at_every_count(settings):
    names = dict(lod_initial_resolution="initial_resolution", lod_training_kimg="training_kimg",
                 lod_transition_kimg="transition_kimg")
    schedule = ProgressiveSchedule(64, **{names.get(key, key): value for key, value in settings.items()})
    counts = [*range(0, 50_000, 7), *range(0, 30_000_000, 99_991), 600_000, 1_200_000, 15_000_000]
    for n in counts:
        stage = schedule(n)
        assert (stage.lod, stage.resolution, stage.minibatch) == official_schedule(n, 6, **settings), n
        assert stage.alpha == 1 - (stage.lod - math.floor(stage.lod))


def test_the_schedule_counts_the_iterations_of_a_run():
    schedule = ProgressiveSchedule(8, training_kimg=0.01, transition_kimg=0.01, minibatch_base=4,
                                   minibatch_dict={4: 5})
    # 4x4 (minibatch 5) while at most 10 images are shown: at 0, 5 and 10; then 8x8 (4): at 15, 19, ..., 39
    assert schedule.iterations(0.04) == 3 + 7
    assert schedule.iterations(0) == 0


@pytest.mark.parametrize("kwargs, message", [
    (dict(image_size=48), "power of two"),
    (dict(image_size=32, initial_resolution=64), "initial_resolution"),
    (dict(image_size=32, training_kimg=-1), "training_kimg"),
    (dict(image_size=32, training_kimg=0, transition_kimg=0), "never grow"),
    (dict(image_size=32, minibatch_base=0), "positive integers"),
    (dict(image_size=32, minibatch_dict={6: 8}), "not such resolutions"),
])
def test_bad_schedules_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ProgressiveSchedule(**kwargs)
    with pytest.raises(ValueError, match="images_shown"):
        ProgressiveSchedule(32)(-1)


# The real images: a stream faded to the stage, counting the images it gives.

def test_the_real_stream_fades_counts_and_resumes():
    images = torch.rand(20, 1, 8, 8) * 2 - 1
    reals = ProgressiveReals(TensorStream(images, 4, seed=0))
    with pytest.raises(RuntimeError, match="set_stage"):
        next(reals)
    reals.set_stage(8, 0.5)
    reals.batch_size = 6
    state = reals.state_dict()
    batch = next(reals)
    assert batch.shape == (6, 1, 8, 8) and reals.images_shown == 6
    assert torch.equal(batch, fade_reals(images[torch.randperm(20, generator=torch.Generator().manual_seed(0))[:6]],
                                         8, 0.5))
    reals.load_state_dict(state)
    assert reals.images_shown == 0 and torch.equal(next(reals), batch)
    reals.batch_size = 30
    with pytest.raises(ValueError, match="at least as many images"):
        next(reals)
    with pytest.raises(TypeError, match="batch_size"):
        ProgressiveReals(iter([images]))


# The growth hook and the moving average through the loop.

SCHEDULE = ProgressiveSchedule(8, training_kimg=0.016, transition_kimg=0.032, minibatch_base=4, minibatch_dict={4: 8})
STEPS = 14


def adam(network: nn.Module) -> torch.optim.Optimizer:
    """Karras et al.'s (2018) Adam: learning rate 0.001, beta = (0, 0.99), epsilon 1e-8."""
    return torch.optim.Adam(network.parameters(), lr=1e-3, betas=(0.0, 0.99), eps=1e-8)


def progan_trainer(seed: int = 0, hooks=(), reset_optimizers: bool = True, beta: float = 0.9) -> GANTrainer:
    seed_everything(seed)
    generator = ProGANGenerator(image_size=8, fmap_base=16, fmap_max=8)
    discriminator = ProGANDiscriminator(image_size=8, fmap_base=16, fmap_max=8)
    images = torch.rand(64, 1, 8, 8, generator=torch.Generator().manual_seed(1)) * 2 - 1
    return GANTrainer(generator, discriminator, adam(generator), adam(discriminator),
                      ProgressiveReals(TensorStream(images, 4, seed=0)), WGANGP(lam=10, drift=0.001),
                      Normal(generator.latent_dim), step=AlternatingStep(d_steps=1),
                      hooks=[ProgressiveGrowing(SCHEDULE, reset_optimizers), GeneratorEMA(beta), *hooks],
                      n_fixed=4, log_every=5)


def hook(trainer: GANTrainer, kind: type):
    return next(h for h in trainer.hooks if isinstance(h, kind))


def planned_counts(steps: int) -> list[int]:
    counts = [0]
    for _ in range(steps - 1):
        counts.append(counts[-1] + SCHEDULE(counts[-1]).minibatch)
    return counts


def test_the_growth_hook_sets_the_stage_and_minibatch_by_images_shown_and_records_them():
    trainer = progan_trainer()
    history = trainer.fit(STEPS)
    counts = planned_counts(STEPS)
    stages = [SCHEDULE(n) for n in counts]
    assert history["images_shown"] == counts
    assert history["lod"] == pytest.approx([s.lod for s in stages])
    assert history["alpha"] == pytest.approx([s.alpha for s in stages])
    assert history["resolution"] == [s.resolution for s in stages]
    assert {s.resolution for s in stages} == {4, 8} and any(0 < s.alpha < 1 for s in stages)
    assert trainer.data.images_shown == counts[-1] + stages[-1].minibatch
    assert {"d_loss", "gradient_penalty", "drift", "g_loss"} <= set(history.names)
    for network in (trainer.generator, trainer.discriminator, hook(trainer, GeneratorEMA).generator):
        assert (network.resolution, network.alpha) == (stages[-1].resolution, stages[-1].alpha)


def test_adam_is_reset_when_floor_or_ceil_of_the_lod_changes():
    lods = [SCHEDULE(n).lod for n in planned_counts(STEPS)]
    ends = [(math.floor(lod), math.ceil(lod)) for lod in lods]
    resets = [t for t in range(STEPS) if t == 0 or ends[t] != ends[t - 1]]
    assert len(resets) == 3  # the start, the start of the fade, its end
    trainer = progan_trainer()
    trainer.fit(STEPS)
    for optimizer in trainer.optimizers.values():
        assert {int(state["step"]) for state in optimizer.state.values()} == {STEPS - resets[-1]}
    assert trainer.generator.to_rgb[0].weight not in trainer.g_optimizer.state  # 4x4's toRGB: unused since
    kept = progan_trainer(reset_optimizers=False)
    kept.fit(STEPS)
    # without resets: the 4x4 path since the start, the 8x8 block since its fade began, 4x4's toRGB until it ended
    assert {int(state["step"]) for state in kept.g_optimizer.state.values()} == {STEPS, STEPS - resets[1], resets[2]}


def test_a_run_resumes_bit_exactly_from_a_checkpoint_taken_mid_transition(tmp_path):
    straight = progan_trainer(hooks=[Snapshots(every=4)])
    straight.fit(STEPS)
    path = tmp_path / "progan.pt"
    stopped = progan_trainer(hooks=[Checkpoint(path), Snapshots(every=4)])
    stopped.fit(6)
    assert 0 < stopped.generator.alpha < 1  # half-way through fading 8x8 in
    saved = torch.load(path, weights_only=True)
    assert saved["hooks"]["ProgressiveGrowing"]["lod"] == hook(stopped, ProgressiveGrowing).lod
    assert saved["data"]["images_shown"] == stopped.data.images_shown
    assert saved["hooks"]["GeneratorEMA"]["generator"]["_extra_state"] == {"resolution": 8,
                                                                          "alpha": stopped.generator.alpha}
    resumed = progan_trainer(seed=3, hooks=[Checkpoint(path), Snapshots(every=4)])
    resumed.fit(STEPS)
    assert same_run(resumed, straight)
    assert hook(resumed, ProgressiveGrowing).lod == hook(straight, ProgressiveGrowing).lod
    averages = [hook(trainer, GeneratorEMA).generator for trainer in (resumed, straight)]
    assert all(torch.equal(p, q) for p, q in zip(averages[0].parameters(), averages[1].parameters()))
    snapshots = [hook(trainer, Snapshots).samples for trainer in (resumed, straight)]
    assert len(snapshots[0]) == len(snapshots[1]) == 1 + STEPS // 4
    assert all(torch.equal(a, b) for (_, a), (_, b) in zip(*snapshots))


def test_the_growth_hook_needs_the_faded_stream_and_networks_of_its_image_size():
    trainer = progan_trainer()
    trainer.data = trainer.data.stream
    with pytest.raises(TypeError, match="ProgressiveReals"):
        trainer.fit(1)
    trainer = progan_trainer()
    trainer.generator = ProGANGenerator(image_size=16, fmap_base=16, fmap_max=8)
    with pytest.raises(ValueError, match="generator must be a ProGAN network for 8x8"):
        trainer.fit(1)


def test_the_average_is_the_hand_formula_with_buffers_and_stage_copied():
    torch.manual_seed(0)
    generator = nn.ModuleDict({"progan": ProGANGenerator(image_size=8, fmap_base=16, fmap_max=8),
                               "norm": nn.BatchNorm1d(3)})
    trainer = SimpleNamespace(generator=generator)
    ema = GeneratorEMA(beta=0.9)
    ema.on_fit_start(trainer, 1)
    assert all(not p.requires_grad for p in ema.generator.parameters())
    with torch.no_grad():
        for parameter in generator.parameters():
            parameter.add_(torch.randn_like(parameter))
        generator["norm"].running_mean.add_(1.0)
    generator["progan"].set_stage(4)
    before = [p.clone() for p in ema.generator.parameters()]
    ema.before_step(trainer)
    for average, old, parameter in zip(ema.generator.parameters(), before, generator.parameters()):
        assert torch.allclose(average, 0.9 * old + 0.1 * parameter, rtol=0, atol=1e-5)
    assert torch.equal(ema.generator["norm"].running_mean, generator["norm"].running_mean)
    assert ema.generator["progan"].resolution == 4
    with pytest.raises(ValueError, match="beta"):
        GeneratorEMA(beta=1.0)


def test_the_average_is_updated_before_each_step_as_in_the_code():
    trainer = progan_trainer(beta=0.0)  # beta = 0: the average is a copy of G as the step found it
    initial = copy.deepcopy(trainer.generator)
    trainer.fit(1)
    average = hook(trainer, GeneratorEMA).generator
    assert all(torch.equal(p, q) for p, q in zip(average.parameters(), initial.parameters()))
    assert not all(torch.equal(p, q) for p, q in zip(trainer.generator.parameters(), initial.parameters()))


def test_stage_flops_counts_what_the_stage_computes_and_leaves_the_stage_alone():
    from gan_course.training.progressive import stage_flops

    generator, discriminator = ProGANGenerator(16, 1, fmap_base=32, fmap_max=8), ProGANDiscriminator(16, 1, fmap_base=32, fmap_max=8)
    generator.set_stage(8, 0.25)
    at_4, at_8, fading, at_16 = (stage_flops(generator, discriminator, *stage) for stage in ((4,), (8,), (8, 0.5), (16,)))
    assert (generator.resolution, generator.alpha, discriminator.resolution) == (8, 0.25, 16)  # restored
    assert at_4 < at_8 < fading < at_16  # a fade computes the new block and the old path's toRGB/fromRGB
    wide = stage_flops(ProGANGenerator(16, 1, fmap_base=64, fmap_max=16), ProGANDiscriminator(16, 1, fmap_base=64, fmap_max=16), 16)
    assert 3.5 < wide / at_16 < 4  # 3x3 convolutions cost in x out channels: twice as wide, four times the work
    with torch.device("meta"):
        shapes_only = (ProGANGenerator(16, 1, fmap_base=32, fmap_max=8), ProGANDiscriminator(16, 1, fmap_base=32, fmap_max=8))
    assert stage_flops(*shapes_only, 16) == at_16


def test_growth_cost_averages_the_stages_over_the_images_shown():
    from gan_course.training.progressive import stage_flops

    generator, discriminator = ProGANGenerator(8, 1, fmap_base=32, fmap_max=8), ProGANDiscriminator(8, 1, fmap_base=32, fmap_max=8)
    schedule = ProgressiveSchedule(8, training_kimg=1, transition_kimg=1)
    cost = growth_cost(schedule, 3, generator, discriminator)  # 4x4, the fade to 8x8, 8x8: a third each
    parts = [stage_flops(generator, discriminator, *stage) for stage in ((4,), (8, 0.5), (8,))]
    assert cost.progressive == pytest.approx(sum(parts) / 3, rel=1e-3) and cost.full_resolution == parts[2]
    assert cost.saving == pytest.approx(3 * parts[2] / sum(parts), rel=1e-3) and cost.saving > 1
    longer = growth_cost(schedule, 300, generator, discriminator)  # the growth is a small part of a long run
    assert 1 < longer.saving < cost.saving and longer.saving == pytest.approx(1, abs=0.02)
    with pytest.raises(ValueError, match="kimg"):
        growth_cost(schedule, 0, generator, discriminator)
    with pytest.raises(ValueError, match="16x16 and 16x16 images, the schedule for 8x8"):
        growth_cost(schedule, 3, ProGANGenerator(16, 1, fmap_base=32, fmap_max=8), ProGANDiscriminator(16, 1, fmap_base=32, fmap_max=8))
