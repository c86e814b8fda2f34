"""ProGAN as a chapter runs it: MNIST padded to 32x32 and cropped back for the protocol, the paper's settings in one
recipe (each ablation one argument), the features G keeps at unit RMS, and the figures of growth."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch

from gan_course.data import Cropped, pad_images
from gan_course.losses import WGANGP
from gan_course.models import PixelNorm, ProGANGenerator, feature_rms, relative_adam_step
from gan_course.recipes import progan_trainer
from gan_course.seed import seed_everything
from gan_course.training import GeneratorEMA, ProgressiveGrowing, ProgressiveSchedule, Snapshots, ema_of
from gan_course.experiments.architectures.progressive_figures import (
    animate_growth,
    plot_generator_fade,
    plot_real_fade,
    plot_schedule,
    stage_axis,
)

SMALL = dict(fmap_base=32, fmap_max=8, device=torch.device("cpu"))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def digits(n: int = 64) -> torch.Tensor:
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1


def test_padding_centres_the_digits_on_background_and_cropping_undoes_it():
    images = digits(4)
    padded = pad_images(images, 32)
    assert padded.shape == (4, 1, 32, 32)
    assert torch.equal(padded[..., 2:30, 2:30], images)
    border = torch.ones(32, 32, dtype=torch.bool)
    border[2:30, 2:30] = False
    assert (padded[..., border] == -1).all()
    generator = lambda z: pad_images(z.view(-1, 1, 28, 28), 32)  # noqa: E731 - a stand-in generator
    cropped = Cropped(generator, 28)
    z = torch.randn(3, 784)
    assert torch.equal(cropped(z), z.view(-1, 1, 28, 28))
    assert torch.equal(Cropped(generator, 28, clamp=True)(3 * z), (3 * z).clamp(-1, 1).view(-1, 1, 28, 28))
    with pytest.raises(ValueError, match="smaller size"):
        pad_images(images, 16)
    with pytest.raises(ValueError, match="square images"):
        pad_images(torch.zeros(2, 1, 28, 30), 32)


def test_the_recipe_has_the_papers_settings_and_each_ablation_is_one_argument():
    schedule = ProgressiveSchedule(32, training_kimg=0.05, transition_kimg=0.05, minibatch_base=8)
    trainer = progan_trainer(pad_images(digits(), 32), schedule, **SMALL)
    for optimizer in trainer.optimizers.values():
        group = optimizer.param_groups[0]
        assert (group["lr"], group["betas"], group["eps"]) == (1e-3, (0.0, 0.99), 1e-8)
    assert isinstance(trainer.objective, WGANGP) and trainer.objective.lam == 10 and trainer.objective.drift == 0.001
    assert trainer.step_function.d_steps == 1
    assert ema_of(trainer).beta == 0.999 and any(isinstance(h, ProgressiveGrowing) for h in trainer.hooks)
    assert trainer.prior.dim == trainer.generator.latent_dim
    assert trainer.discriminator.blocks[0][0].group_size == 4
    plain = progan_trainer(pad_images(digits(), 32), schedule, equalized_lr=False, pixel_norm=False,
                           mbstd_group_size=0, **SMALL)
    assert not any(isinstance(m, PixelNorm) for m in plain.generator.modules() if m is not
                   plain.generator.blocks[0].normalize_latents)
    assert not any(getattr(m, "equalized", False) for net in plain.networks.values() for m in net.modules())
    assert not isinstance(plain.discriminator.blocks[0][0], type(trainer.discriminator.blocks[0][0]))
    faster = progan_trainer(pad_images(digits(), 32), schedule, lr=0.01, **SMALL)
    assert all(opt.param_groups[0]["lr"] == 0.01 for opt in faster.optimizers.values())
    for bad in (0, -1e-3, float("nan"), "0.001"):
        with pytest.raises(ValueError, match="Adam's learning rate"):
            progan_trainer(pad_images(digits(), 32), schedule, lr=bad, **SMALL)
    with pytest.raises(ValueError, match="pad them"):
        progan_trainer(digits(), schedule, **SMALL)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        progan_trainer(pad_images(digits(), 32) * 3, schedule, **SMALL)
    second = GeneratorEMA(0.9)
    trainer.hooks.append(second)
    assert ema_of(trainer, 0.9) is second and ema_of(trainer, 0.999).beta == 0.999
    with pytest.raises(ValueError, match="2 GeneratorEMA hooks, not one"):
        ema_of(trainer)
    with pytest.raises(ValueError, match="0 GeneratorEMA hooks of decay 0.5"):
        ema_of(trainer, 0.5)


def test_a_small_run_grows_to_full_size_and_its_average_scores_cropped_digits():
    seed_everything(0)
    schedule = ProgressiveSchedule(32, training_kimg=0.04, transition_kimg=0.04, minibatch_base=8)
    snapshots = Snapshots(every=5)
    trainer = progan_trainer(pad_images(digits(), 32), schedule, hooks=[snapshots], n_fixed=4, **SMALL)
    trainer.fit(schedule.iterations(0.3))
    assert trainer.history["resolution"][0] == 4 and trainer.history["resolution"][-1] == 32
    assert set(trainer.history["resolution"]) == {4, 8, 16, 32}
    average = Cropped(ema_of(trainer).generator, 28)
    assert average(torch.randn(2, average.latent_dim)).shape == (2, 1, 28, 28)
    assert ema_of(trainer).generator.resolution == 32
    animation = animate_growth(snapshots.samples, trainer.history, nrow=2)
    assert animation.to_jshtml().count("data:image/png;base64") == len(snapshots.samples) > 4  # a frame a snapshot
    fig, ax = plt.subplots()
    stage_axis(ax, trainer.history)
    assert len(ax.patches) == 3  # one shaded transition per doubling: 8, 16 and 32
    with pytest.raises(ValueError, match="ProgressiveGrowing"):
        animate_growth(snapshots.samples, type(trainer.history)())


def test_pixel_norm_holds_every_blocks_features_at_unit_rms():
    torch.manual_seed(0)
    generator = ProGANGenerator(32, 1, fmap_base=32, fmap_max=8)
    rms = feature_rms(generator, 5 * torch.randn(16, generator.latent_dim))
    assert len(rms) == 4 and rms == pytest.approx([1.0] * 4, abs=1e-4)
    generator.set_stage(8)
    assert len(feature_rms(generator, torch.randn(4, generator.latent_dim))) == 2
    plain = ProGANGenerator(32, 1, fmap_base=32, fmap_max=8, pixel_norm=False)
    assert feature_rms(plain, 5 * torch.randn(16, plain.latent_dim)) != pytest.approx([1.0] * 4, abs=1e-2)


def test_the_schedule_and_fade_figures_draw_what_they_say_and_leave_g_as_it_was():
    schedule = ProgressiveSchedule(32, training_kimg=1, transition_kimg=1, minibatch_dict={32: 8})
    fig = plot_schedule(schedule, 7)
    lod_line = fig.axes[0].get_lines()[0]
    assert lod_line.get_ydata()[0] == 3 and lod_line.get_ydata()[-1] == 0
    assert max(fig.axes[3].get_lines()[0].get_ydata()) == 16 and min(fig.axes[3].get_lines()[0].get_ydata()) == 8
    torch.manual_seed(0)
    generator = ProGANGenerator(32, 1, fmap_base=32, fmap_max=8)
    generator.set_stage(32, 1.0)
    fig = plot_generator_fade(generator, torch.randn(4, generator.latent_dim), 16, alphas=(0, 1))
    assert [ax.get_title() for ax in fig.axes] == [r"$\alpha$ = 0", r"$\alpha$ = 1"]
    assert (generator.resolution, generator.alpha) == (32, 1.0)
    fig = plot_real_fade(pad_images(digits(4), 32), 8)
    assert len(fig.axes) == 3
    with pytest.raises(ValueError, match="kimg"):
        plot_schedule(schedule, 0)


def test_with_the_equalized_learning_rate_one_adam_step_changes_every_layer_alike():
    torch.manual_seed(0)
    z = torch.randn(32, 64)
    changes = {}
    for equalized in (True, False):
        generator = ProGANGenerator(32, 1, fmap_base=256, fmap_max=64, equalized_lr=equalized)
        rows = relative_adam_step(generator, lambda net: net(z).square().mean(), lr=1e-3)
        assert [name for name, _, _ in rows][:2] == ["blocks.0.dense", "blocks.0.conv.0"]
        changes[equalized] = {fan_in: change for _, fan_in, change in rows if fan_in >= 64}
    assert all(change == pytest.approx(1e-3, rel=0.1) for change in changes[True].values())
    plain = changes[False]  # He's weights of size sqrt(2 / fan_in): the step is relatively larger where it is wide
    assert plain[576] > plain[288] > plain[144] > 5e-3
