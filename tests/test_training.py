"""The training loop: which parameters each update touches, k, history and snapshots, resume, and the NaN guard."""

from __future__ import annotations

import pytest
import torch

from gan_course.data import SamplerStream, TensorStream, ring
from gan_course.losses import discriminator_loss, nonsaturating_generator_loss
from gan_course.models import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator
from gan_course.seed import seed_everything
from gan_course.training import GANTrainer, TrainingDiverged


def make_trainer(data=None, d_loss=discriminator_loss, seed: int = 0, **kwargs) -> GANTrainer:
    seed_everything(seed)
    generator = MLPGenerator(4, (2,), hidden=(16, 16), output="linear")
    discriminator = MLPDiscriminator((2,), hidden=(16, 16))
    kwargs.setdefault("progress", False)
    return GANTrainer(
        generator,
        discriminator,
        torch.optim.Adam(generator.parameters(), lr=1e-3, betas=(0.5, 0.999)),
        torch.optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999)),
        data if data is not None else SamplerStream(ring(), batch_size=32, seed=seed),
        d_loss,
        nonsaturating_generator_loss,
        latent_dim=4,
        **kwargs,
    )


def parameters(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def changed(before: list[torch.Tensor], module: torch.nn.Module) -> list[bool]:
    return [not torch.equal(b, p) for b, p in zip(before, module.parameters())]


def test_a_discriminator_step_changes_only_the_discriminator():
    trainer = make_trainer()
    g_before, d_before = parameters(trainer.generator), parameters(trainer.discriminator)
    trainer.discriminator_step(next(trainer.data))
    assert not any(changed(g_before, trainer.generator))
    assert all(changed(d_before, trainer.discriminator))


def test_a_generator_step_changes_only_the_generator_and_leaves_d_trainable():
    trainer = make_trainer()
    g_before, d_before = parameters(trainer.generator), parameters(trainer.discriminator)
    trainer.generator_step(32)
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
    trainer = make_trainer(data=stream, d_steps=k)
    history = trainer.fit(5)
    assert stream.batches == 5 * k
    d_adam_steps = {int(s["step"]) for s in trainer.d_optimizer.state.values()}
    g_adam_steps = {int(s["step"]) for s in trainer.g_optimizer.state.values()}
    assert d_adam_steps == {5 * k} and g_adam_steps == {5}
    assert history.step == [1, 2, 3, 4, 5] and len(history.d_loss) == len(history.d_fake) == 5


@pytest.mark.parametrize("order, expected", [("d_first", "DDG" * 2), ("g_first", "GDD" * 2)])
def test_order_decides_which_network_an_iteration_updates_first(order, expected, monkeypatch):
    trainer = make_trainer(d_steps=2, order=order)
    calls = []
    for name, letter in (("discriminator_step", "D"), ("generator_step", "G")):
        method = getattr(trainer, name)
        monkeypatch.setattr(trainer, name, lambda *args, method=method, letter=letter: calls.append(letter) or method(*args))
    trainer.fit(2)
    assert "".join(calls) == expected
    assert len(trainer.history) == 2


def test_history_records_probabilities_and_snapshots_from_the_fixed_noise():
    trainer = make_trainer(snapshot_every=4, n_snapshot=10, log_every=3)
    trainer.fit(0)  # training in stages from step 0 keeps a single step-0 snapshot
    history = trainer.fit(10)
    assert [step for step, _ in history.snapshots] == [0, 4, 8]
    assert all(samples.shape == (10, 2) for _, samples in history.snapshots)
    assert all(0 < p < 1 for p in history.d_real + history.d_fake)
    trainer.fit(12)
    assert [step for step, _ in history.snapshots] == [0, 4, 8, 12]
    assert torch.equal(history.snapshots[-1][1], trainer.sample(noise=trainer.fixed_noise))
    assert trainer.generator.training  # sampling switched to eval mode and back


def test_fit_trains_until_a_total_and_refuses_to_go_back():
    trainer = make_trainer()
    trainer.fit(3)
    trainer.fit(7)
    assert trainer.step == 7 and trainer.history.step == list(range(1, 8))
    with pytest.raises(ValueError, match="fit trains \\*until\\* steps"):
        trainer.fit(5)


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

    straight = make_trainer(data(), d_steps=2, snapshot_every=5)
    straight.fit(20)

    interrupted = make_trainer(data(), d_steps=2, snapshot_every=5)
    interrupted.fit(8)
    interrupted.save_checkpoint(tmp_path / "run.pt")
    torch.randn(1000)  # anything drawn in between must not matter

    resumed = make_trainer(data(), d_steps=2, snapshot_every=5, seed=12345)
    resumed.load_checkpoint(tmp_path / "run.pt")
    resumed.fit(20)

    assert resumed.step == 20
    assert all(torch.equal(a, b) for a, b in zip(_state(straight), _state(resumed)))
    assert resumed.history.d_loss == straight.history.d_loss and resumed.history.g_loss == straight.history.g_loss
    assert [s for s, _ in resumed.history.snapshots] == [s for s, _ in straight.history.snapshots] == [0, 5, 10, 15, 20]
    assert all(torch.equal(a, b) for (_, a), (_, b) in zip(straight.history.snapshots, resumed.history.snapshots))


def test_fit_with_a_checkpoint_path_resumes_an_interrupted_run(tmp_path, capsys):
    path = tmp_path / "ckpt" / "run.pt"
    straight = make_trainer()
    straight.fit(12)

    first = make_trainer()
    first.fit(6, checkpoint=path, checkpoint_every=3)
    assert path.is_file() and not path.with_name("run.pt.tmp").exists()
    second = make_trainer(seed=99)  # a fresh process re-running the same cell
    second.fit(12, checkpoint=path)
    assert "Resumed from" in capsys.readouterr().out
    assert all(torch.equal(a, b) for a, b in zip(_state(straight), _state(second)))
    assert torch.load(path, weights_only=True)["step"] == 12


def test_a_nan_loss_stops_training_and_names_the_step():
    calls = {"n": 0}

    def poisoned(real_logits, fake_logits):
        calls["n"] += 1
        loss = discriminator_loss(real_logits, fake_logits)
        return loss * float("nan") if calls["n"] == 7 else loss

    trainer = make_trainer(d_loss=poisoned, log_every=5)
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


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(d_steps=0), "d_steps"),
        (dict(noise="cauchy"), "noise must be one of"),
        (dict(log_every=0), "log_every >= 1"),
        (dict(order="together"), "order must be one of"),
        (dict(amp="fp8"), "amp must be None"),
        (dict(d_output="probability"), "d_output must be one of"),
        (dict(clip_weights=0.0), "clip_weights must be None"),
    ],
)
def test_bad_trainer_settings_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_trainer(**kwargs)


def test_uniform_noise_lies_in_minus_one_one():
    z = make_trainer(noise="uniform").noise(10_000)
    assert z.shape == (10_000, 4) and z.min() >= -1 and z.max() < 1 and z.min() < -0.99


def fitted_dcgan_trainer(steps: int, seed: int = 0, **kwargs) -> GANTrainer:
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
        discriminator_loss,
        nonsaturating_generator_loss,
        latent_dim=8,
        progress=False,
        **kwargs,
    )
    trainer.fit(steps)
    return trainer


def test_channels_last_changes_the_layout_not_the_mathematics():
    plain, nhwc = fitted_dcgan_trainer(5), fitted_dcgan_trainer(5, channels_last=True)
    weight = nhwc.discriminator.net[2].weight  # (8, 4, 4, 4): its layouts differ
    assert weight.is_contiguous(memory_format=torch.channels_last) and not weight.is_contiguous()
    for a, b in zip(_state(plain), _state(nhwc)):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
    assert plain.history.d_loss == pytest.approx(nhwc.history.d_loss, rel=1e-4)


@pytest.mark.parametrize("amp", ["bf16", "fp16"])
def test_mixed_precision_trains_float32_weights_close_to_full_precision(amp):
    full, mixed = fitted_dcgan_trainer(3), fitted_dcgan_trainer(3, amp=amp)
    assert all(p.dtype == torch.float32 for p in mixed.generator.parameters())
    assert mixed.history.d_loss[0] != full.history.d_loss[0]  # the networks really ran in lower precision
    assert mixed.history.d_loss == pytest.approx(full.history.d_loss, abs=0.05)
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
    assert all(not key.startswith("_orig_mod") for key in trainer.state_dict()["generator"])
    torch.testing.assert_close(_state(trainer), _state(fitted_dcgan_trainer(2)))


@pytest.mark.parametrize("d_output", ["logit", "score"])
def test_score_outputs_are_recorded_raw_and_logits_as_probabilities(d_output):
    trainer = make_trainer(d_output=d_output)
    real = next(SamplerStream(ring(), batch_size=32, seed=5))
    with torch.no_grad():
        outputs = trainer.discriminator(real)
    _, recorded, _ = trainer.discriminator_step(real)
    expected = torch.sigmoid(outputs).mean() if d_output == "logit" else outputs.mean()
    assert float(recorded) == pytest.approx(float(expected), rel=1e-6)


def test_the_penalty_is_added_to_the_discriminator_loss_with_the_samples_it_saw():
    seen = []

    def penalty(critic, real, fake):
        seen.append((critic, real.shape, fake.shape, fake.requires_grad))
        return torch.tensor(100.0)

    with_penalty = make_trainer(d_penalty=penalty)
    with_penalty.fit(1)
    plain = make_trainer()
    plain.fit(1)
    assert seen == [(with_penalty.discriminator, (32, 2), (32, 2), False)]
    assert with_penalty.history.d_loss[0] == pytest.approx(plain.history.d_loss[0] + 100.0)


def test_wgan_gp_and_weight_clipping_train_a_critic():
    from gan_course.losses import gradient_penalty, wasserstein_critic_loss, wasserstein_generator_loss

    gp = make_trainer(d_loss=wasserstein_critic_loss, d_penalty=gradient_penalty, d_output="score", d_steps=5)
    gp.g_loss = wasserstein_generator_loss
    gp.fit(20)
    assert all(torch.isfinite(torch.tensor(gp.history.d_loss)))
    clipped = make_trainer(d_loss=wasserstein_critic_loss, clip_weights=0.01, d_output="score")
    clipped.g_loss = wasserstein_generator_loss
    clipped.fit(3)
    weights = torch.cat([p.detach().flatten() for p in clipped.discriminator.parameters()])
    assert float(weights.abs().max()) == pytest.approx(0.01)  # clipped: some weights sit on the bound, none beyond


def test_a_conditional_gan_feeds_labels_to_both_networks_and_snapshots_fixed_labels(tmp_path):
    from gan_course.models import ConditionalMLPDiscriminator, ConditionalMLPGenerator

    seed_everything(0)
    generator = ConditionalMLPGenerator(4, 3, (2,), hidden=(16,), output="linear")
    discriminator = ConditionalMLPDiscriminator(3, (2,), hidden=(16,))
    seen = []
    forward = discriminator.forward
    discriminator.forward = lambda x, y: seen.append(y.clone()) or forward(x, y)
    points = torch.randn(60, 2)
    labels = torch.arange(60) % 3
    trainer = GANTrainer(
        generator, discriminator, torch.optim.Adam(generator.parameters()), torch.optim.Adam(discriminator.parameters()),
        TensorStream(points, batch_size=12, labels=labels), discriminator_loss, nonsaturating_generator_loss,
        latent_dim=4, n_classes=3, snapshot_every=2, n_snapshot=6, progress=False,
    )
    trainer.fit(2)
    assert len(seen) == 3 * 2 and all(len(y) == 12 for y in seen)  # per step: real, fake (D step) and fake (G step)
    order = torch.randperm(60, generator=torch.Generator().manual_seed(0))
    assert torch.equal(seen[0], labels[order[:12]])  # the real batch's own labels
    assert trainer.fixed_labels.tolist() == [0, 1, 2, 0, 1, 2] and len(trainer.history.snapshots) == 2
    with pytest.raises(ValueError, match="pass labels="):
        trainer.sample(noise=torch.zeros(2, 4))
    assert trainer.sample(noise=torch.zeros(2, 4), labels=torch.tensor([0, 2])).shape == (2, 2)
    trainer.save_checkpoint(tmp_path / "c.pt")
    assert torch.load(tmp_path / "c.pt", weights_only=True)["fixed_labels"].tolist() == [0, 1, 2, 0, 1, 2]


def test_a_conditional_gan_needs_labelled_data():
    from gan_course.models import ConditionalMLPDiscriminator, ConditionalMLPGenerator

    generator = ConditionalMLPGenerator(4, 3, (2,), hidden=(16,), output="linear")
    discriminator = ConditionalMLPDiscriminator(3, (2,), hidden=(16,))
    trainer = GANTrainer(
        generator, discriminator, torch.optim.Adam(generator.parameters()), torch.optim.Adam(discriminator.parameters()),
        TensorStream(torch.randn(60, 2), batch_size=12), discriminator_loss, nonsaturating_generator_loss,
        latent_dim=4, n_classes=3, progress=False,
    )
    with pytest.raises(ValueError, match="yields \\(examples, labels\\) pairs"):
        trainer.fit(1)
