"""Proof that the loop extends without changing: the objectives, hooks and steps of the coming chapters, in miniature,
run through the unchanged :class:`GANTrainer` — (a) an objective with a state (BEGAN's k_t) that survives checkpoint
and resume, (b) an objective with a Q head reading a categorical code (InfoGAN), (c) networks that grow during
training with a fade-in hook that rebuilds the optimizers (ProGAN), (d) a step with two generators and two
discriminators (CycleGAN)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gan_course.data import SamplerStream, TensorStream, Unpaired, ring
from gan_course.latent import InfoGANCodes, Normal
from gan_course.losses import LSGAN, NonSaturating, Objective, StepContext
from gan_course.losses.gan import discriminator_loss, nonsaturating_generator_loss
from gan_course.models import MLPDiscriminator, MLPGenerator
from gan_course.seed import seed_everything
from gan_course.training import Checkpoint, GANTrainer, Hook, Snapshots, StepView


def adam(module: nn.Module) -> torch.optim.Optimizer:
    return torch.optim.Adam(module.parameters(), lr=1e-3, betas=(0.5, 0.999))


def same_run(a: GANTrainer, b: GANTrainer) -> bool:
    weights = all(torch.equal(p, q) for net in a.networks
                  for p, q in zip(a.networks[net].parameters(), b.networks[net].parameters()))
    return weights and all(a.history[name] == b.history[name] for name in a.history.names)


# (a) BEGAN: D is an auto-encoder, and a proportional controller k_t balances its two terms (Berthelot et al. 2017).

class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 8), nn.ELU(), nn.Linear(8, 2))

    def forward(self, x):
        return self.net(x)


class MiniBEGAN(Objective):
    """L(v) = |v - D(v)|; L_D = L(x) - k_t L(G(z)), L_G = L(G(z)), k_{t+1} = k_t + lambda_k (gamma L(x) - L(G(z)))."""

    d_output = "score"

    def __init__(self, gamma: float = 0.5, lambda_k: float = 0.05):
        self.gamma, self.lambda_k = gamma, lambda_k
        self.k = torch.tensor(0.0)
        self._real_loss = None

    def discriminator_loss(self, step: StepContext):
        real_loss = (step.real - step.d_real).abs().mean()
        fake_loss = (step.fake - step.d_fake).abs().mean()
        self._real_loss = real_loss.detach()
        return {"d_loss": real_loss - self.k * fake_loss, "k_t": self.k.clone(),
                "convergence": real_loss.detach() + (self.gamma * real_loss.detach() - fake_loss.detach()).abs()}

    def generator_loss(self, step: StepContext):
        fake_loss = (step.fake - step.d_fake).abs().mean()
        self.k = (self.k + self.lambda_k * (self.gamma * self._real_loss - fake_loss.detach())).clamp(0, 1)
        return {"g_loss": fake_loss}

    def state_dict(self):
        return {"k": self.k.clone()}

    def load_state_dict(self, state):
        self.k = state["k"].clone()


def began_trainer(seed: int = 0, hooks=()) -> GANTrainer:
    seed_everything(seed)
    generator, discriminator = MLPGenerator(4, (2,), hidden=(8,), output="linear"), AutoEncoder()
    return GANTrainer(generator, discriminator, adam(generator), adam(discriminator),
                      SamplerStream(ring(), 16, seed=0), MiniBEGAN(), Normal(4), hooks=list(hooks))


def test_an_objective_state_such_as_began_k_t_survives_checkpoint_and_resume(tmp_path):
    straight = began_trainer()
    straight.fit(30)
    assert float(straight.objective.k) > 0 and straight.history.names[-1] == "g_loss"
    assert straight.history["k_t"][-1] > 0  # the controller moved, and the history shows it

    path = tmp_path / "began.pt"
    began_trainer(hooks=[Checkpoint(path)]).fit(12)
    resumed = began_trainer(seed=7, hooks=[Checkpoint(path)])  # a fresh objective with k = 0 until it resumes
    resumed.fit(30)
    assert torch.equal(resumed.objective.k, straight.objective.k)
    assert same_run(resumed, straight)


# (b) InfoGAN: a Q head on D's body recovers the categorical code from G(z, c) (Chen et al. 2016, Eq. 5).

class DiscriminatorWithQ(nn.Module):
    def __init__(self, n_values: int):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2))
        self.d_head, self.q_head = nn.Linear(16, 1), nn.Linear(16, n_values)

    def forward(self, x):
        h = self.body(x)
        return self.d_head(h).squeeze(1), self.q_head(h)


class MiniInfoGAN(NonSaturating):
    """The GAN's losses minus lambda L_I, L_I = E[log Q(c | G(z, c))] + H(c), for D (with Q) and for G."""

    def __init__(self, lam: float = 1.0):
        self.lam = lam

    def _information(self, step: StepContext, q_logits):
        codes = step.latent.codes["categorical"][:, 0]
        entropy = math.log(q_logits.shape[1])
        return entropy - F.cross_entropy(q_logits, codes)

    def discriminator_loss(self, step: StepContext):
        (real_logit, _), (fake_logit, q_logits) = step.d_real, step.d_fake
        information = self._information(step, q_logits)
        loss = discriminator_loss(real_logit, fake_logit) - self.lam * information
        return {"d_loss": loss, "d_real": torch.sigmoid(real_logit.detach()).mean(),
                "d_fake": torch.sigmoid(fake_logit.detach()).mean(), "mutual_information": information.detach()}

    def generator_loss(self, step: StepContext):
        fake_logit, q_logits = step.d_fake
        return {"g_loss": nonsaturating_generator_loss(fake_logit) - self.lam * self._information(step, q_logits)}


def test_an_objective_with_a_q_head_learns_to_read_the_categorical_code_back():
    seed_everything(0)
    prior = InfoGANCodes(Normal(2), categorical=(4,), continuous=0)
    generator, discriminator = MLPGenerator(prior.dim, (2,), hidden=(16,), output="linear"), DiscriminatorWithQ(4)
    seen = []

    class Watch(MiniInfoGAN):
        def generator_loss(self, step):
            seen.append((step.latent.z[:, 2:].argmax(1), step.latent.codes["categorical"][:, 0]))
            return super().generator_loss(step)

    trainer = GANTrainer(generator, discriminator, adam(generator), adam(discriminator),
                         SamplerStream(ring(), 64, seed=0), Watch(), prior, log_every=50)
    history = trainer.fit(300)
    assert all(torch.equal(onehot, codes) for onehot, codes in seen)  # G saw the codes Q is asked to recover
    information = history["mutual_information"]
    assert sum(information[:10]) / 10 < 0.3 and sum(information[-20:]) / 20 > 0.9 * math.log(4)
    with torch.no_grad():
        latent = prior.sample(400, torch.Generator().manual_seed(1))
        _, q_logits = discriminator(generator(latent.z))
    assert (q_logits.argmax(1) == latent.codes["categorical"][:, 0]).float().mean() > 0.9


# (c) ProGAN: the networks grow, a fade-in weight alpha blends the new layer in, the optimizers are rebuilt.

class Growing(nn.Module):
    """x -> blocks -> head; a new block joins at grow(), blended in as alpha * block(h) + (1 - alpha) * h."""

    def __init__(self, d_in: int, width: int, d_out: int):
        super().__init__()
        self.stem = nn.Sequential(nn.Linear(d_in, width), nn.LeakyReLU(0.2))
        self.blocks = nn.ModuleList()
        self.head = nn.Linear(width, d_out)
        self.width = width
        self.alpha = 1.0

    def grow(self) -> None:
        self.blocks.append(nn.Sequential(nn.Linear(self.width, self.width), nn.LeakyReLU(0.2)))

    def forward(self, x):
        h = self.stem(x)
        for i, block in enumerate(self.blocks):
            h = self.alpha * block(h) + (1 - self.alpha) * h if i == len(self.blocks) - 1 else block(h)
        return self.head(h).squeeze(-1)


class GrowAndFade(Hook):
    """Grow both networks at step ``at`` and fade the new blocks in over ``fade`` steps; new optimizers at growth."""

    def __init__(self, at: int, fade: int):
        self.at, self.fade, self.grown = at, fade, False

    def _grow(self, trainer: GANTrainer) -> None:
        for net in trainer.networks.values():
            net.grow()
        trainer.g_optimizer, trainer.d_optimizer = adam(trainer.generator), adam(trainer.discriminator)
        self.grown = True

    def before_step(self, trainer):
        if trainer.step == self.at and not self.grown:
            self._grow(trainer)
        alpha = min(1.0, (trainer.step - self.at) / self.fade) if self.grown else 1.0
        for net in trainer.networks.values():
            net.alpha = alpha
        trainer.record(alpha=alpha)

    def state_dict(self):
        return {"grown": self.grown}

    def load_state_dict(self, state, trainer):
        if state["grown"] and not self.grown:
            self._grow(trainer)


def growing_trainer(seed: int = 0, hooks=()) -> GANTrainer:
    seed_everything(seed)
    generator, discriminator = Growing(4, 8, 2), Growing(2, 8, 1)
    return GANTrainer(generator, discriminator, adam(generator), adam(discriminator),
                      SamplerStream(ring(), 16, seed=0), NonSaturating(), Normal(4),
                      hooks=[GrowAndFade(at=10, fade=10), *hooks], n_fixed=8)


def test_networks_grow_with_a_fade_in_hook_that_rebuilds_the_optimizers_and_resume_mid_transition(tmp_path):
    straight = growing_trainer()
    straight.fit(10)
    before = sum(p.numel() for p in straight.generator.parameters())
    straight.fit(30)
    assert sum(p.numel() for p in straight.generator.parameters()) == before + 8 * 8 + 8
    assert straight.history["alpha"] == pytest.approx([1.0] * 10 + [i / 10 for i in range(10)] + [1.0] * 10)
    assert {int(s["step"]) for s in straight.g_optimizer.state.values()} == {20}  # a fresh Adam at step 10

    path = tmp_path / "grow.pt"
    growing_trainer(hooks=[Checkpoint(path), Snapshots(every=5)]).fit(15)  # stopped half-way through the fade
    resumed = growing_trainer(seed=3, hooks=[Checkpoint(path), Snapshots(every=5)])
    assert len(resumed.generator.blocks) == 0
    resumed.fit(30)
    assert len(resumed.generator.blocks) == 1
    assert same_run(resumed, straight)


# (d) CycleGAN: two generators, two discriminators and two optimizers by name, unpaired data from two domains, and
# its own step, through the public interface only (GANTrainer.of_networks and the StepView a step is given).

class CycleStep:
    """LSGAN adversarial losses both ways plus the cycle-consistency loss lambda |F(G(a)) - a| + |G(F(b)) - b|
    (Zhu et al. 2017, Eq. 2-3); the two generators share one optimizer, the two discriminators another."""

    def __init__(self, lam: float = 10.0):
        self.lam = lam

    def __call__(self, view: StepView):
        batch = view.next_batch()
        a, b = batch["a"], batch["b"]
        g_ab, g_ba, d_a, d_b = (view.network(name) for name in ("G_ab", "G_ba", "D_a", "D_b"))
        objective = view.objective
        with view.frozen("D_a", "D_b"):
            with view.autocast():
                fake_b, fake_a = g_ab(a), g_ba(b)
                adversarial = (objective.generator_loss(self._context(view, "D_b", fake_b, d_b(fake_b)))["g_loss"]
                               + objective.generator_loss(self._context(view, "D_a", fake_a, d_a(fake_a)))["g_loss"])
                cycle = (g_ba(fake_b) - a).abs().mean() + (g_ab(fake_a) - b).abs().mean()
            g_loss = adversarial + self.lam * cycle
            view.update("generators", g_loss)
        with view.autocast():
            d_loss = sum(objective.discriminator_loss(self._context(view, name, fake.detach(), d(fake.detach()),
                                                                    real, d(real)))["d_loss"]
                         for name, d, real, fake in (("D_a", d_a, a, fake_a), ("D_b", d_b, b, fake_b)))
        view.update("discriminators", d_loss)
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach(), "cycle": cycle.detach()}

    @staticmethod
    def _context(view, name, fake, d_fake, real=None, d_real=None):
        return StepContext(latent=None, fake=fake, d_fake=d_fake, discriminator=view.networks[name],
                           discriminate=view.network(name), real=real, d_real=d_real)


FIXED_A = ring().sample(8, generator=torch.Generator().manual_seed(9))


@torch.no_grad()
def translated(trainer) -> torch.Tensor:
    """G_ab of eight fixed points of domain a, in eval mode: the snapshot of a model with no single G."""
    generator = trainer.networks["G_ab"]
    generator.eval()
    try:
        return generator(FIXED_A.to(trainer.device))
    finally:
        generator.train()


def cycle_trainer(seed: int = 0, hooks=()) -> GANTrainer:
    seed_everything(seed)
    networks = {"G_ab": MLPGenerator(2, (2,), hidden=(16,), output="linear"),
                "G_ba": MLPGenerator(2, (2,), hidden=(16,), output="linear"),
                "D_a": MLPDiscriminator((2,), hidden=(16,)), "D_b": MLPDiscriminator((2,), hidden=(16,))}
    optimizers = {"generators": adam(nn.ModuleList([networks["G_ab"], networks["G_ba"]])),
                  "discriminators": adam(nn.ModuleList([networks["D_a"], networks["D_b"]]))}
    domain_a = ring().sample(128, generator=torch.Generator().manual_seed(1))
    domain_b = 2 * ring().sample(128, generator=torch.Generator().manual_seed(2)) + 1  # the ring, scaled and shifted
    data = Unpaired(a=TensorStream(domain_a, 16, seed=0), b=TensorStream(domain_b, 16, seed=1))
    return GANTrainer.of_networks(networks, optimizers, data, CycleStep(), objective=LSGAN(),
                                  hooks=[Snapshots(10, sample=translated), *hooks])


def test_a_step_with_two_generators_and_two_discriminators_trains_all_four_through_the_loop():
    trainer = cycle_trainer()
    before = {name: [p.clone() for p in net.parameters()] for name, net in trainer.networks.items()}
    history = trainer.fit(400)
    after = {name: list(net.parameters()) for name, net in trainer.networks.items()}
    assert all(not torch.equal(p, q) for name in before for p, q in zip(before[name], after[name]))
    assert history.names == ("d_loss", "g_loss", "cycle")
    assert sum(history["cycle"][-10:]) < 0.1 * sum(history["cycle"][:10])  # F(G(a)) comes back to a
    snapshots = next(hook for hook in trainer.hooks if isinstance(hook, Snapshots))
    assert [step for step, _ in snapshots.samples] == list(range(0, 401, 10))
    assert snapshots.samples[-1][1].shape == (8, 2) and not torch.equal(snapshots.samples[0][1],
                                                                       snapshots.samples[-1][1])
    with pytest.raises(AttributeError, match="this trainer has no network named 'generator' \\(it has G_ab, G_ba, "
                                             "D_a, D_b\\)"):
        trainer.sample(4)
    with pytest.raises(ValueError, match="optimizer must be one of \\('generators', 'discriminators'\\)"):
        trainer.update("generator", torch.zeros(()))


def test_a_step_sees_only_the_declared_interface():
    """What a step is given is the StepView: the trainer's internals (its optimizers, hooks, history, data) are not
    reachable from it, so everything a step needs is declared there."""
    seen = []
    trainer = cycle_trainer()
    trainer.step_function = lambda view: seen.append(view) or CycleStep()(view)
    trainer.fit(1)
    view = seen[0]
    assert isinstance(view, StepView) and set(view.networks) == {"G_ab", "G_ba", "D_a", "D_b"}
    for internal in ("optimizers", "hooks", "history", "data", "_optimizers", "g_optimizer", "generator"):
        assert not hasattr(view, internal), internal
    with pytest.raises(TypeError):
        view.networks["G_ab"] = None  # read-only


def test_a_custom_step_is_checkpointed_and_resumed_like_any_other(tmp_path):
    straight = cycle_trainer()
    straight.fit(40)
    path = tmp_path / "cycle.pt"
    cycle_trainer(hooks=[Checkpoint(path)]).fit(20)
    state = torch.load(path, weights_only=True)
    assert set(state["networks"]) == {"G_ab", "G_ba", "D_a", "D_b"}
    assert set(state["optimizers"]) == set(state["scalers"]) == {"generators", "discriminators"}
    assert set(state["data"]) == {"a", "b"}
    resumed = cycle_trainer(seed=5, hooks=[Checkpoint(path)])
    resumed.fit(40)
    assert same_run(resumed, straight) and resumed.step == 40
    snapshots = [next(hook for hook in trainer.hooks if isinstance(hook, Snapshots)).samples
                 for trainer in (resumed, straight)]
    assert all(step == other_step and torch.equal(x, y) for (step, x), (other_step, y) in zip(*snapshots))
