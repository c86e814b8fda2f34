"""The LSGAN, WGAN, WGAN-GP and drift losses against hand-computed values, and their errors."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from gan_course.latent import Normal
from gan_course.losses import (
    WGAN,
    WGANGP,
    clip_weights_,
    drift_penalty,
    gradient_penalty,
    lsgan_discriminator_loss,
    lsgan_generator_loss,
    wasserstein_critic_loss,
    wasserstein_generator_loss,
)
from gan_course.training import GANTrainer


class LinearCritic(nn.Module):
    """f(x) = <w, x> + b over images (N, C, H, W): its gradient is w at every point."""

    def __init__(self, w: Tensor):
        super().__init__()
        self.w = nn.Parameter(w.clone())
        self.b = nn.Parameter(torch.tensor(0.3, dtype=w.dtype))

    def forward(self, x: Tensor) -> Tensor:
        return (x * self.w).flatten(1).sum(1) + self.b


class RecordingQuadraticCritic(nn.Module):
    """f(x) = |x|^2 / 2 per sample, so grad f(x) = x; remembers the points it was evaluated at."""

    def forward(self, x: Tensor) -> Tensor:
        self.seen = x.detach().clone()
        return 0.5 * (x**2).flatten(1).sum(1)


def images(seed: int, shape=(4, 3, 2, 2)) -> Tensor:
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


# LSGAN (Mao et al. 2017, Eq. 2)


def test_lsgan_losses_by_hand_for_both_codings():
    real, fake = torch.tensor([0.5, 2.0]), torch.tensor([-1.0, 0.25])
    # 0-1 coding a=0, b=1, c=1
    d01 = 0.5 * ((0.5 - 1) ** 2 + (2 - 1) ** 2) / 2 + 0.5 * ((-1 - 0) ** 2 + (0.25 - 0) ** 2) / 2
    assert lsgan_discriminator_loss(real, fake).item() == pytest.approx(d01, rel=1e-6)
    assert lsgan_generator_loss(fake).item() == pytest.approx(0.5 * ((-1 - 1) ** 2 + (0.25 - 1) ** 2) / 2, rel=1e-6)
    # chi-squared coding a=-1, b=1, c=0
    dchi = 0.5 * ((0.5 - 1) ** 2 + (2 - 1) ** 2) / 2 + 0.5 * ((-1 + 1) ** 2 + (0.25 + 1) ** 2) / 2
    assert lsgan_discriminator_loss(real, fake, a=-1.0, b=1.0).item() == pytest.approx(dchi, rel=1e-6)
    assert lsgan_generator_loss(fake, c=0.0).item() == pytest.approx(0.5 * (1 + 0.25**2) / 2, rel=1e-6)


def test_lsgan_discriminator_is_optimal_at_the_weighted_mean_of_its_targets():
    """With real mass p_d and fake mass p_g at a point, D* = (b p_d + a p_g) / (p_d + p_g) (Mao et al., Section 3.2)."""
    a, b = -1.0, 1.0
    p_d, p_g = torch.tensor([3.0, 1.0, 2.0]), torch.tensor([1.0, 3.0, 2.0])  # counts of each point in the batches
    d_star = (b * p_d + a * p_g) / (p_d + p_g)
    d = d_star.clone().requires_grad_(True)
    real_out = torch.repeat_interleave(d, p_d.long())
    fake_out = torch.repeat_interleave(d, p_g.long())
    (grad,) = torch.autograd.grad(lsgan_discriminator_loss(real_out, fake_out, a=a, b=b), d)
    assert torch.allclose(grad, torch.zeros(3), atol=1e-7)
    assert torch.allclose(d_star, torch.tensor([0.5, -0.5, 0.0]))


def test_lsgan_generator_gradient_grows_with_the_distance_to_c_instead_of_saturating():
    fake = torch.tensor([-50.0, 0.0, 1.0, 3.0], requires_grad=True)
    (grad,) = torch.autograd.grad(lsgan_generator_loss(fake), fake)
    assert torch.allclose(grad, (fake.detach() - 1) / 4)


def test_lsgan_rejects_equal_targets():
    with pytest.raises(ValueError, match="a .* and b .* must differ, got a = b = 1.0"):
        lsgan_discriminator_loss(torch.zeros(2), torch.zeros(2), a=1.0, b=1.0)


# WGAN (Arjovsky, Chintala & Bottou 2017)


def test_wasserstein_losses_signs_by_hand():
    real, fake = torch.tensor([2.0, 4.0]), torch.tensor([-1.0, 0.0, 1.5])
    assert wasserstein_critic_loss(real, fake).item() == pytest.approx(0.5 / 3 - 3.0)
    assert wasserstein_generator_loss(fake).item() == pytest.approx(-0.5 / 3)
    fake = fake.requires_grad_(True)
    (grad,) = torch.autograd.grad(wasserstein_generator_loss(fake), fake)
    assert torch.allclose(grad, torch.full((3,), -1 / 3))  # the generator pushes every fake score up


def test_critic_loss_ignores_a_constant_shift_that_the_drift_term_penalises():
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([0.0, -2.0])
    shifted = wasserstein_critic_loss(real + 100, fake + 100)
    assert shifted.item() == pytest.approx(wasserstein_critic_loss(real, fake).item())
    assert drift_penalty(real).item() == pytest.approx(0.001 * (1 + 9) / 2)
    assert drift_penalty(real + 100, weight=0.01).item() == pytest.approx(0.01 * (101**2 + 103**2) / 2)


def test_clip_weights_clamps_large_parameters_and_leaves_small_ones_alone():
    critic = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    with torch.no_grad():
        critic[0].weight.copy_(torch.tensor([[0.5, -0.005, 0.01], [-0.02, 0.0, 0.003]]))
        critic[0].bias.copy_(torch.tensor([-3.0, 0.007]))
    clip_weights_(critic, clip=0.01)
    assert torch.equal(critic[0].weight, torch.tensor([[0.01, -0.005, 0.01], [-0.01, 0.0, 0.003]]))
    assert torch.equal(critic[0].bias, torch.tensor([-0.01, 0.007]))
    assert torch.equal(critic[1].weight, torch.full((2,), 0.01))  # every parameter, batch-norm scales included
    assert all(p.abs().max() <= 0.01 for p in critic.parameters())


@pytest.mark.parametrize("clip", [0.0, -0.01, float("nan"), float("inf")])
def test_clip_weights_rejects_a_clip_value_that_is_not_positive_and_finite(clip):
    with pytest.raises(ValueError, match="clip must be a positive finite number"):
        clip_weights_(nn.Linear(2, 1), clip)


# WGAN-GP (Gulrajani et al. 2017)


def test_gradient_penalty_of_a_linear_critic_uses_the_norm_over_all_entries():
    w = images(0, (1, 3, 2, 2))[0]
    critic = LinearCritic(w)
    real, fake = images(1), images(2)
    penalty = gradient_penalty(critic, real, fake, weight=10.0)
    assert penalty.item() == pytest.approx(10 * (w.norm().item() - 1) ** 2, rel=1e-12)
    channel_only = 10 * ((w.norm(dim=0) - 1) ** 2).mean().item()  # the known bug: norm over the channels only
    assert abs(channel_only - penalty.item()) > 1.0


def test_gradient_penalty_vanishes_for_a_unit_gradient():
    w = images(3, (1, 3, 2, 2))[0]
    penalty = gradient_penalty(LinearCritic(w / w.norm()), images(4), images(5))
    assert penalty.item() == pytest.approx(0.0, abs=1e-24)


def test_gradient_penalty_trains_the_critic_weights_analytically():
    """d/dw lambda (|w| - 1)^2 = 2 lambda (|w| - 1) w / |w|, through the double backward."""
    w = images(6, (1, 3, 2, 2))[0]
    critic = LinearCritic(w)
    penalty = gradient_penalty(critic, images(7), images(8), weight=7.0)
    assert penalty.grad_fn is not None
    penalty.backward()
    assert torch.allclose(critic.w.grad, 2 * 7.0 * (w.norm() - 1) * w / w.norm(), rtol=1e-12)
    assert critic.b.grad is None  # the gradient of a linear critic does not depend on its bias


def test_gradient_penalty_of_a_zero_gradient_is_lambda_with_finite_gradients():
    critic = LinearCritic(torch.zeros(3, 2, 2, dtype=torch.float64))
    penalty = gradient_penalty(critic, images(9), images(10), weight=10.0)
    penalty.backward()
    assert penalty.item() == pytest.approx(10.0)
    assert torch.isfinite(critic.w.grad).all()


def test_gradient_penalty_interpolates_on_segments_with_one_uniform_per_sample():
    real, fake = images(11, (6, 3, 4, 4)), images(12, (6, 3, 4, 4))
    critic = RecordingQuadraticCritic()
    penalty = gradient_penalty(critic, real, fake, weight=2.0, generator=torch.Generator().manual_seed(5))
    alpha = (critic.seen - fake) / (real - fake)  # x_hat = alpha real + (1 - alpha) fake, entry by entry
    per_sample = alpha.flatten(1)
    assert torch.allclose(per_sample, per_sample[:, :1].expand_as(per_sample), atol=1e-9)  # one alpha per sample
    assert ((per_sample >= 0) & (per_sample <= 1)).all()
    assert per_sample[:, 0].unique().numel() == 6  # different samples, different alphas
    expected_alpha = torch.rand((6, 1, 1, 1), generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    assert torch.allclose(per_sample[:, 0], expected_alpha.flatten())
    # grad f(x_hat) = x_hat, so the penalty is 2 mean((|x_hat_i| - 1)^2)
    assert penalty.item() == pytest.approx(2 * ((critic.seen.flatten(1).norm(dim=1) - 1) ** 2).mean().item())


def test_gradient_penalty_is_reproducible_with_a_seeded_generator():
    real, fake, critic = images(13), images(14), RecordingQuadraticCritic()
    first = gradient_penalty(critic, real, fake, generator=torch.Generator().manual_seed(1))
    again = gradient_penalty(critic, real, fake, generator=torch.Generator().manual_seed(1))
    other = gradient_penalty(critic, real, fake, generator=torch.Generator().manual_seed(2))
    assert first.item() == again.item() != other.item()


def test_gradient_penalty_explains_bad_input():
    critic, real = RecordingQuadraticCritic(), images(15)
    with pytest.raises(ValueError, match=r"same shape .* got \(4, 3, 2, 2\) and \(4, 3, 2\)"):
        gradient_penalty(critic, real, real[..., 0])
    with pytest.raises(ValueError, match=r"fake requires grad: pass fake.detach\(\)"):
        gradient_penalty(critic, real, images(16).requires_grad_(True))
    with pytest.raises(ValueError, match=r"weight \(lambda\) must be a positive finite number"):
        gradient_penalty(critic, real, images(16), weight=0.0)
    with pytest.raises(ValueError, match="batch dimension and at least one more"):
        gradient_penalty(critic, real.flatten(), images(16).flatten())


def test_gradient_penalty_refuses_a_critic_with_batch_norm_in_training_mode():
    critic = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)).double()
    real, fake = torch.randn(8, 2, dtype=torch.float64), torch.randn(8, 2, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"batch normalisation in training mode \(BatchNorm1d\)"):
        gradient_penalty(critic, real, fake)
    assert torch.isfinite(gradient_penalty(critic.eval(), real, fake))  # in eval mode it is a per-sample affine map


def test_drift_penalty_rejects_a_weight_that_is_not_positive():
    with pytest.raises(ValueError, match=r"weight \(epsilon_drift\) must be a positive finite number"):
        drift_penalty(torch.ones(3), weight=-1e-3)


# n_critic: the critic updates per generator update, carried by the objective


@pytest.mark.parametrize("make", [lambda n: WGANGP(lam=0.1, n_critic=n), lambda n: WGAN(clip=0.05, n_critic=n)])
@pytest.mark.parametrize("n_critic", [1, 5, 7])
def test_n_critic_sets_how_many_critic_updates_the_trainer_makes_per_generator_update(make, n_critic):
    torch.manual_seed(0)
    generator = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
    critic = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1), nn.Flatten(0))
    g_opt, d_opt = torch.optim.Adam(generator.parameters()), torch.optim.Adam(critic.parameters())
    trainer = GANTrainer(generator, critic, g_opt, d_opt, iter(lambda: torch.randn(16, 2), None), make(n_critic),
                         Normal(2))
    trainer.fit(3)
    # Adam counts its own updates: 3 of G, 3 n_critic of the critic
    assert g_opt.state[next(generator.parameters())]["step"].item() == 3
    assert d_opt.state[next(critic.parameters())]["step"].item() == 3 * n_critic


def test_n_critic_is_checked_and_shown_when_it_is_not_the_papers_five():
    assert WGANGP().d_steps == WGAN().d_steps == 5
    assert repr(WGANGP(lam=0.1)) == "WGANGP(lam=0.1)" and repr(WGAN()) == "WGAN(clip=0.01)"
    assert repr(WGANGP(lam=1, n_critic=20)) == "WGANGP(lam=1, n_critic=20)"
    assert repr(WGAN(n_critic=2)) == "WGAN(clip=0.01, n_critic=2)"
    for bad in (0, -1, 2.5, True, "5"):
        with pytest.raises(ValueError, match="n_critic"):
            WGANGP(n_critic=bad)
        with pytest.raises(ValueError, match="n_critic"):
            WGAN(n_critic=bad)
