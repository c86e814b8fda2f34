"""The training loop: which parameters each update touches, k and the order, the open history and snapshots, hooks,
resume, the divergence guard, and the acceleration options."""

from __future__ import annotations

import pytest
import torch

from gan_course.data import SamplerStream, TensorStream, ring
from gan_course.latent import Labelled, Latent, Normal
from gan_course.losses import WGAN, WGANGP, NonSaturating, Objective
from gan_course.losses.gan import discriminator_loss
from gan_course.models import (
    ConditionalMLPDiscriminator,
    ConditionalMLPGenerator,
    DCGANDiscriminator,
    DCGANGenerator,
    MLPDiscriminator,
    MLPGenerator,
)
from gan_course.seed import seed_everything
from gan_course.training import (
    Acceleration,
    AlternatingStep,
    Checkpoint,
    CheckpointError,
    DivergenceGuard,
    GANTrainer,
    Hook,
    Snapshots,
    TrainingDiverged,
)


def make_trainer(data=None, objective=None, seed: int = 0, **kwargs) -> GANTrainer:
    seed_everything(seed)
    generator = MLPGenerator(4, (2,), hidden=(16, 16), output="linear")
    discriminator = MLPDiscriminator((2,), hidden=(16, 16))
    return GANTrainer(
        generator,
        discriminator,
        torch.optim.Adam(generator.parameters(), lr=1e-3, betas=(0.5, 0.999)),
        torch.optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999)),
        data if data is not None else SamplerStream(ring(), batch_size=32, seed=seed),
        objective or NonSaturating(),
        Normal(4),
        **kwargs,
    )


def parameters(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def changed(before: list[torch.Tensor], module: torch.nn.Module) -> list[bool]:
    return [not torch.equal(b, p) for b, p in zip(before, module.parameters())]


def test_a_discriminator_update_changes_only_the_discriminator():
    trainer = make_trainer()
    g_before, d_before = parameters(trainer.generator), parameters(trainer.discriminator)
    terms = AlternatingStep().discriminator_update(trainer.view, *trainer.next_real())
    assert set(terms) == {"d_loss", "d_real", "d_fake"}
    assert not any(changed(g_before, trainer.generator))
    assert all(changed(d_before, trainer.discriminator))


def test_a_generator_update_changes_only_the_generator_and_leaves_d_trainable():
    trainer = make_trainer()
    g_before, d_before = parameters(trainer.generator), parameters(trainer.discriminator)
    terms = AlternatingStep().generator_update(trainer.view, 32)
    assert set(terms) == {"g_loss"}
    assert all(changed(g_before, trainer.generator))
    assert not any(changed(d_before, trainer.discriminator))
    assert all(p.requires_grad for p in trainer.discriminator.parameters())
    assert all(p.grad is None for p in trainer.discriminator.parameters())  # D's gradients were not even computed


class CountingStream(SamplerStream):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.batches = 0

    def __next__(self):
        self.batches += 1
        return super().__next__()


@pytest.mark.parametrize("k", [1, 3])
def test_k_discriminator_updates_per_generator_update(k):
    stream = CountingStream(ring(), batch_size=8, seed=0)
    trainer = make_trainer(data=stream, step=AlternatingStep(d_steps=k))
    history = trainer.fit(5)
    assert stream.batches == 5 * k
    d_adam_steps = {int(s["step"]) for s in trainer.d_optimizer.state.values()}
    g_adam_steps = {int(s["step"]) for s in trainer.g_optimizer.state.values()}
    assert d_adam_steps == {5 * k} and g_adam_steps == {5}
    assert history.step == [1, 2, 3, 4, 5] and len(history["d_loss"]) == len(history["d_fake"]) == 5


@pytest.mark.parametrize("g_steps", [1, 3])
def test_g_steps_generator_updates_per_iteration_each_with_fresh_latents(g_steps, monkeypatch):
    stream = CountingStream(ring(), batch_size=8, seed=0)
    step = AlternatingStep(d_steps=2, g_steps=g_steps)
    trainer = make_trainer(data=stream, step=step)
    latents = []
    update = step.generator_update
    monkeypatch.setattr(step, "generator_update",
                        lambda view, n: latents.append(view.sample_latent(n).z.clone()) or update(view, n))
    trainer.fit(4)
    assert stream.batches == 4 * 2
    assert {int(s["step"]) for s in trainer.g_optimizer.state.values()} == {4 * g_steps}
    assert {int(s["step"]) for s in trainer.d_optimizer.state.values()} == {4 * 2}
    assert len(latents) == 4 * g_steps and all(not torch.equal(a, b) for a, b in zip(latents, latents[1:]))
    with pytest.raises(ValueError, match="g_steps"):
        AlternatingStep(g_steps=0)


def test_k_defaults_to_the_objectives():
    stream = CountingStream(ring(), batch_size=8, seed=0)
    make_trainer(data=stream, objective=WGANGP()).fit(2)
    assert stream.batches == 2 * WGANGP.d_steps == 10


@pytest.mark.parametrize("order, expected", [("d_first", "DDG" * 2), ("g_first", "GDD" * 2)])
def test_order_decides_which_network_an_iteration_updates_first(order, expected, monkeypatch):
    step = AlternatingStep(d_steps=2, order=order)
    trainer = make_trainer(step=step)
    calls = []
    for name, letter in (("discriminator_update", "D"), ("generator_update", "G")):
        method = getattr(step, name)
        monkeypatch.setattr(step, name, lambda *args, method=method, letter=letter: calls.append(letter) or method(*args))
    trainer.fit(2)
    assert "".join(calls) == expected
    assert len(trainer.history) == 2


def test_history_records_probabilities_and_snapshots_from_the_fixed_latents():
    snapshots = Snapshots(every=4)
    trainer = make_trainer(hooks=[snapshots], n_fixed=10, log_every=3)
    trainer.fit(0)  # training in stages from step 0 keeps a single step-0 snapshot
    history = trainer.fit(10)
    assert history.names == ("d_loss", "d_real", "d_fake", "g_loss")
    assert [step for step, _ in snapshots.samples] == [0, 4, 8]
    assert all(samples.shape == (10, 2) for _, samples in snapshots.samples)
    assert all(0 < p < 1 for p in history["d_real"] + history["d_fake"])
    trainer.fit(12)
    assert [step for step, _ in snapshots.samples] == [0, 4, 8, 12]
    assert torch.equal(snapshots.samples[-1][1], trainer.sample(latent=trainer.fixed_latent))
    assert trainer.generator.training  # sampling switched to eval mode and back


def test_fit_trains_until_a_total_and_refuses_to_go_back():
    trainer = make_trainer()
    trainer.fit(3)
    trainer.fit(7)
    assert trainer.step == 7 and trainer.history.step == list(range(1, 8))
    with pytest.raises(ValueError, match="fit trains \\*until\\* steps"):
        trainer.fit(5)


class Recorder(Hook):
    """Logs the events it sees and reports a scalar that follows the step (a schedule's value)."""

    def __init__(self, name: str, log: list, order: int = 0):
        self.name, self.log, self.order = name, log, order

    def on_fit_start(self, trainer, steps):
        self.log.append((self.name, "start"))

    def before_step(self, trainer):
        self.log.append((self.name, "before"))
        trainer.record(**{f"{self.name}_schedule": 0.5 * trainer.step})

    def after_step(self, trainer):
        self.log.append((self.name, "after"))

    def on_log(self, trainer, steps, records):
        self.log.append((self.name, f"log {steps.start}-{steps.stop - 1}"))

    def on_fit_end(self, trainer, error):
        self.log.append((self.name, "end" if error is None else f"end {type(error).__name__}"))


def test_hooks_wrap_the_steps_like_nested_blocks_and_their_scalars_join_the_history():
    log = []
    trainer = make_trainer(hooks=[Recorder("b", log), Recorder("a", log, order=-1)], log_every=2)
    history = trainer.fit(2)
    assert log == [("a", "start"), ("b", "start"),
                   ("a", "before"), ("b", "before"), ("b", "after"), ("a", "after"),
                   ("a", "before"), ("b", "before"), ("a", "log 1-2"), ("b", "log 1-2"), ("b", "after"), ("a", "after"),
                   ("b", "end"), ("a", "end")]
    assert isinstance(trainer.hooks[0], DivergenceGuard)
    assert history["a_schedule"] == history["b_schedule"] == [0.0, 0.5]


def test_a_scalar_reported_at_some_steps_only_is_refused():
    class Sometimes(Hook):
        def before_step(self, trainer):
            if trainer.step == 1:
                trainer.record(lr=0.1)

    with pytest.raises(ValueError, match="must report the same scalars at every step"):
        make_trainer(hooks=[Sometimes()]).fit(3)


def test_a_hook_sees_the_error_that_stops_a_run():
    log = []

    class Exploding(Objective):
        def discriminator_loss(self, step):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        make_trainer(objective=Exploding(), hooks=[Recorder("r", log)]).fit(3)
    assert log[-1] == ("r", "end RuntimeError")


def test_an_objective_without_the_loss_to_minimise_is_explained():
    class Unnamed(NonSaturating):
        def discriminator_loss(self, step):
            return {"loss": super().discriminator_loss(step)["d_loss"]}

    with pytest.raises(KeyError, match="minimises the scalar named 'd_loss'"):
        make_trainer(objective=Unnamed()).fit(1)


def _state(trainer: GANTrainer) -> list[torch.Tensor]:
    tensors = parameters(trainer.generator) + parameters(trainer.discriminator)
    for optimizer in (trainer.g_optimizer, trainer.d_optimizer):
        for state in optimizer.state.values():
            tensors += [state["exp_avg"], state["exp_avg_sq"]]
    return tensors


@pytest.mark.parametrize("stream", ["sampler", "tensor"])
def test_resuming_from_a_checkpoint_is_bit_exact(tmp_path, stream):
    def data():
        if stream == "sampler":
            return SamplerStream(ring(), batch_size=16, seed=1)
        return TensorStream(ring().sample(100, generator=torch.Generator().manual_seed(2)), batch_size=16, seed=1)

    def run(seed=0):
        snapshots = Snapshots(every=5)
        return make_trainer(data(), step=AlternatingStep(d_steps=2), hooks=[snapshots], seed=seed), snapshots

    straight, straight_snapshots = run()
    straight.fit(20)

    interrupted, _ = run()
    interrupted.fit(8)
    interrupted.save_checkpoint(tmp_path / "run.pt")
    torch.randn(1000)  # anything drawn in between must not matter

    resumed, resumed_snapshots = run(seed=12345)
    resumed.load_checkpoint(tmp_path / "run.pt")
    resumed.fit(20)

    assert resumed.step == 20
    assert all(torch.equal(a, b) for a, b in zip(_state(straight), _state(resumed)))
    assert resumed.history["d_loss"] == straight.history["d_loss"]
    assert resumed.history["g_loss"] == straight.history["g_loss"]
    steps = [s for s, _ in resumed_snapshots.samples]
    assert steps == [s for s, _ in straight_snapshots.samples] == [0, 5, 10, 15, 20]
    assert all(torch.equal(a, b) for (_, a), (_, b) in zip(straight_snapshots.samples, resumed_snapshots.samples))


def test_the_checkpoint_hook_resumes_an_interrupted_run(tmp_path, capsys):
    path = tmp_path / "ckpt" / "run.pt"
    straight = make_trainer()
    straight.fit(12)

    first = make_trainer(hooks=[Checkpoint(path, every=3)])
    first.fit(6)
    assert path.is_file() and not path.with_name("run.pt.tmp").exists()
    second = make_trainer(seed=99, hooks=[Checkpoint(path)])  # a fresh process re-running the same cell
    second.fit(12)
    assert "Resumed from" in capsys.readouterr().out
    assert all(torch.equal(a, b) for a, b in zip(_state(straight), _state(second)))
    assert torch.load(path, weights_only=True)["step"] == 12


def test_the_checkpoint_is_saved_after_the_snapshot_of_the_same_step(tmp_path):
    path = tmp_path / "run.pt"
    make_trainer(hooks=[Checkpoint(path, every=4), Snapshots(every=4)]).fit(4)  # listed first, saves last
    saved = torch.load(path, weights_only=True)["hooks"]["Snapshots"]["samples"]
    assert [step for step, _ in saved] == [0, 4]


def test_resuming_without_a_stateful_hook_of_the_checkpoint_is_explained(tmp_path):
    trainer = make_trainer()
    trainer.fit(2)
    trainer.save_checkpoint(tmp_path / "run.pt")
    with pytest.raises(ValueError, match="no state for the hook Snapshots"):
        make_trainer(hooks=[Snapshots(every=1)]).load_checkpoint(tmp_path / "run.pt")


def test_a_checkpoint_of_other_networks_names_the_parameter_that_differs(tmp_path):
    trainer = make_trainer()
    trainer.fit(1)
    trainer.save_checkpoint(tmp_path / "run.pt")

    def trainer_of(generator, discriminator):
        return GANTrainer(generator, discriminator, torch.optim.Adam(generator.parameters()),
                          torch.optim.Adam(discriminator.parameters()), SamplerStream(ring(), batch_size=32, seed=0),
                          NonSaturating(), Normal(4))

    wider = trainer_of(MLPGenerator(4, (2,), hidden=(32, 16), output="linear"), MLPDiscriminator((2,), hidden=(16, 16)))
    with pytest.raises(CheckpointError, match="its generator was made with other settings: net.0.weight has shape "
                       "\\(16, 4\\) in the checkpoint and \\(32, 4\\) in this run"):
        wider.load_checkpoint(tmp_path / "run.pt")
    deeper = trainer_of(MLPGenerator(4, (2,), hidden=(16, 16), output="linear"),
                        MLPDiscriminator((2,), hidden=(16, 16, 16)))
    with pytest.raises(CheckpointError, match="net.4.weight has shape \\(1, 16\\) in the checkpoint and \\(16, 16\\)"):
        deeper.load_checkpoint(tmp_path / "run.pt")
    other = trainer_of(MLPGenerator(4, (2,), hidden=(16, 16), output="linear"), torch.nn.Sequential(torch.nn.Linear(2, 1)))
    with pytest.raises(CheckpointError, match="its discriminator is another network: the checkpoint has net.0.bias, "
                       "net.0.weight, net.2.bias …; this run has 0.bias, 0.weight"):
        other.load_checkpoint(tmp_path / "run.pt")


def test_a_file_that_is_no_checkpoint_is_named(tmp_path):
    torch.save(torch.zeros(3), tmp_path / "tensor.pt")
    with pytest.raises(CheckpointError, match="tensor.pt holds no GANTrainer checkpoint"):
        make_trainer().load_checkpoint(tmp_path / "tensor.pt")
    (tmp_path / "text.pt").write_text("hello")
    with pytest.raises(CheckpointError, match="text.pt cannot be read as a checkpoint \\(.+\\): it was cut short"):
        make_trainer().load_checkpoint(tmp_path / "text.pt")


def test_the_checkpoint_hook_refuses_other_settings_and_can_start_over(tmp_path, capsys):
    path = tmp_path / "run.pt"
    make_trainer(hooks=[Checkpoint(path, settings={"lr": 0.001, "name": "ring"})]).fit(2)
    with pytest.raises(CheckpointError, match="lr is 0.001 there and 0.01 in this run; name is 'ring' there and not set"):
        make_trainer(hooks=[Checkpoint(path, settings={"lr": 0.01})]).fit(4)
    assert torch.load(path, weights_only=True)["step"] == 2  # refused before any step: nothing was written
    make_trainer(hooks=[Checkpoint(path, settings={"lr": 0.01}, resume=False)]).fit(1)
    assert "Starting over" in capsys.readouterr().out and torch.load(path, weights_only=True)["step"] == 1
    with pytest.raises(TypeError, match="a setting is a str, int, float or bool"):
        Checkpoint(path, settings={"betas": (0.5, 0.999)})


def test_a_checkpoint_is_not_written_when_the_run_fails(tmp_path):
    path = tmp_path / "run.pt"
    trainer = make_trainer(hooks=[Checkpoint(path, every=100)])
    trainer.fit(2)
    saved = torch.load(path, weights_only=True)["step"]
    with torch.no_grad():
        next(trainer.generator.parameters()).fill_(float("nan"))
    with pytest.raises(TrainingDiverged):
        trainer.fit(4)
    assert torch.load(path, weights_only=True)["step"] == saved == 2


def test_a_nan_loss_stops_training_and_names_the_step():
    calls = {"n": 0}

    class Poisoned(NonSaturating):
        def discriminator_loss(self, step):
            calls["n"] += 1
            terms = super().discriminator_loss(step)
            if calls["n"] == 7:
                terms["d_loss"] = terms["d_loss"] * float("nan")
            return terms

    trainer = make_trainer(objective=Poisoned(), log_every=5)
    with pytest.raises(TrainingDiverged, match=r"d_loss became nan at step 7\."):
        trainer.fit(20)
    assert trainer.history.step == [1, 2, 3, 4, 5]  # nothing after the last finite check was recorded


def test_non_finite_weights_stop_training_at_the_next_check():
    trainer = make_trainer(log_every=1)
    trainer.fit(2)
    with torch.no_grad():
        next(trainer.generator.parameters()).fill_(float("inf"))
    with pytest.raises(TrainingDiverged, match="at step 3"):
        trainer.fit(10)
    quiet = make_trainer(log_every=2)  # a weight no loss sees: only the weight check can catch it
    quiet.generator.register_parameter("unused", torch.nn.Parameter(torch.tensor([float("inf")])))
    with pytest.raises(TrainingDiverged, match="generator's weight 'unused' became non-finite by step 2"):
        quiet.fit(10)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(step=None, log_every=0), ValueError, "log_every >= 1"),
        (dict(n_fixed=0), ValueError, "n_fixed >= 1"),
        (dict(hooks=[lambda trainer: None]), TypeError, "hooks must be gan_course.training.Hook instances"),
        (dict(objective=discriminator_loss), TypeError, "objective must be a gan_course.losses.Objective"),
    ],
)
def test_bad_trainer_settings_are_explained(kwargs, error, message):
    with pytest.raises(error, match=message):
        make_trainer(**kwargs)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: AlternatingStep(d_steps=0), "d_steps"),
        (lambda: AlternatingStep(order="together"), "order must be one of"),
        (lambda: Acceleration(amp="fp8"), "amp must be None"),
        (lambda: Snapshots(every=0), "every"),
        (lambda: Checkpoint("x.pt", every=0), "every"),
    ],
)
def test_bad_step_hook_and_acceleration_settings_are_explained(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_prior_that_is_not_a_prior_is_explained():
    seed_everything(0)
    generator, discriminator = MLPGenerator(4, (2,), hidden=(8,)), MLPDiscriminator((2,), hidden=(8,))
    with pytest.raises(TypeError, match="prior must be a gan_course.latent.Prior"):
        GANTrainer(generator, discriminator, torch.optim.Adam(generator.parameters()),
                   torch.optim.Adam(discriminator.parameters()), SamplerStream(ring(), 8), NonSaturating(), 4)


def fitted_dcgan_trainer(steps: int, seed: int = 0, **acceleration) -> GANTrainer:
    """A small DCGAN trainer made and trained from ``seed_everything(seed)`` (so two calls see the same noise)."""
    seed_everything(seed)
    generator, discriminator = DCGANGenerator(8, 28, 1, width=4), DCGANDiscriminator(28, 1, width=4)
    images = torch.rand(64, 1, 28, 28) * 2 - 1
    trainer = GANTrainer(
        generator,
        discriminator,
        torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999)),
        torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999)),
        TensorStream(images, batch_size=16, seed=seed),
        NonSaturating(),
        Normal(8),
        acceleration=Acceleration(**acceleration),
    )
    trainer.fit(steps)
    return trainer


def test_channels_last_changes_the_layout_not_the_mathematics():
    plain, nhwc = fitted_dcgan_trainer(5), fitted_dcgan_trainer(5, channels_last=True)
    weight = nhwc.discriminator.net[2].weight  # (8, 4, 4, 4): its layouts differ
    assert weight.is_contiguous(memory_format=torch.channels_last) and not weight.is_contiguous()
    for a, b in zip(_state(plain), _state(nhwc)):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
    assert plain.history["d_loss"] == pytest.approx(nhwc.history["d_loss"], rel=1e-4)


@pytest.mark.parametrize("amp", ["bf16", "fp16"])
def test_mixed_precision_trains_float32_weights_close_to_full_precision(amp):
    full, mixed = fitted_dcgan_trainer(3), fitted_dcgan_trainer(3, amp=amp)
    assert all(p.dtype == torch.float32 for p in mixed.generator.parameters())
    assert mixed.history["d_loss"][0] != full.history["d_loss"][0]  # the networks really ran in lower precision
    assert mixed.history["d_loss"] == pytest.approx(full.history["d_loss"], abs=0.05)
    state = mixed.state_dict()
    assert bool(state["scalers"]["generator"]) == (amp == "fp16")  # float16 keeps a gradient scale to resume


def test_compile_uses_compiled_networks_for_training_and_plain_ones_for_checkpoints(monkeypatch):
    compiled, compile = [], torch.compile

    def fake_compile(module):
        compiled.append(module)
        return compile(module, backend="eager")

    monkeypatch.setattr(torch, "compile", fake_compile)
    trainer = fitted_dcgan_trainer(2, compile=True)
    assert compiled == [trainer.generator, trainer.discriminator]
    assert all(not key.startswith("_orig_mod") for key in trainer.state_dict()["networks"]["generator"])
    torch.testing.assert_close(_state(trainer), _state(fitted_dcgan_trainer(2)))


def test_weight_clipping_and_the_gradient_penalty_constrain_a_critic():
    gp = make_trainer(objective=WGANGP(), log_every=5)
    gp.fit(20)
    assert all(torch.isfinite(torch.tensor(gp.history["d_loss"])))
    assert gp.history["d_loss"] == pytest.approx(
        [-w + p for w, p in zip(gp.history["wasserstein"], gp.history["gradient_penalty"])], abs=1e-5)
    clipped = make_trainer(objective=WGAN(clip=0.01))
    clipped.fit(3)
    weights = torch.cat([p.detach().flatten() for p in clipped.discriminator.parameters()])
    assert float(weights.abs().max()) == pytest.approx(0.01)  # clipped: some weights sit on the bound, none beyond


def conditional_trainer(data, **kwargs) -> GANTrainer:
    seed_everything(0)
    generator = ConditionalMLPGenerator(4, 3, (2,), hidden=(16,), output="linear")
    discriminator = ConditionalMLPDiscriminator(3, (2,), hidden=(16,))
    return GANTrainer(generator, discriminator, torch.optim.Adam(generator.parameters()),
                      torch.optim.Adam(discriminator.parameters()), data, NonSaturating(), Labelled(Normal(4), 3),
                      **kwargs)


def test_a_conditional_gan_feeds_labels_to_both_networks_and_snapshots_fixed_labels(tmp_path):
    points = torch.randn(60, 2)
    labels = torch.arange(60) % 3
    snapshots = Snapshots(every=2)
    trainer = conditional_trainer(TensorStream(points, batch_size=12, labels=labels), hooks=[snapshots], n_fixed=6)
    seen = []
    forward = trainer.discriminator.forward
    trainer.discriminator.forward = lambda x, y: seen.append(y.clone()) or forward(x, y)
    trainer.fit(2)
    assert len(seen) == 3 * 2 and all(len(y) == 12 for y in seen)  # per step: real, fake (D step) and fake (G step)
    order = torch.randperm(60, generator=torch.Generator().manual_seed(0))
    assert torch.equal(seen[0], labels[order[:12]])  # the real batch's own labels
    assert trainer.fixed_latent.labels.tolist() == [0, 1, 2, 0, 1, 2] and len(snapshots.samples) == 2
    with pytest.raises(ValueError, match="pass latent=Latent\\(z, labels\\)"):
        trainer.sample(latent=torch.zeros(2, 4))
    assert trainer.sample(latent=Latent(torch.zeros(2, 4), torch.tensor([0, 2]))).shape == (2, 2)
    trainer.save_checkpoint(tmp_path / "c.pt")
    assert torch.load(tmp_path / "c.pt", weights_only=True)["fixed_latent"]["labels"].tolist() == [0, 1, 2, 0, 1, 2]


def test_a_conditional_gan_needs_labelled_data_and_an_unconditional_one_plain_batches():
    with pytest.raises(ValueError, match="yields \\(examples, labels\\) pairs"):
        conditional_trainer(TensorStream(torch.randn(60, 2), batch_size=12)).fit(1)
    labelled = TensorStream(torch.randn(60, 2), batch_size=12, labels=torch.arange(60) % 3)
    with pytest.raises(ValueError, match="an unconditional one needs plain batches"):
        make_trainer(data=labelled).fit(1)


def test_a_conditional_critic_gets_the_real_labels_in_its_gradient_penalty():
    points, labels = torch.randn(60, 2), torch.arange(60) % 3
    trainer = conditional_trainer(TensorStream(points, batch_size=12, labels=labels))
    trainer.objective = WGANGP()
    history = trainer.fit(2)
    assert all(value > 0 for value in history["gradient_penalty"])


def test_the_progress_bar_shows_the_steps_of_a_fit_and_nothing_for_a_fit_with_no_step(capsys):
    from gan_course.training import ProgressBar

    trainer = make_trainer(hooks=[ProgressBar("run")])
    trainer.fit(0)  # a fresh run's first record, as chapters take at stage 0: no step, no bar
    assert "run" not in capsys.readouterr().err
    trainer.fit(3)
    shown = capsys.readouterr().err
    assert "run: 100%" in shown and "3/3" in shown
