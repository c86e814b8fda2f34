"""Gradient play on two-scalar games: each rule's Jacobian and spectral radius against the hand computation for the
bilinear game, trajectories that do what the radius says, and the Dirac-GAN with and without the R1 penalty."""

from __future__ import annotations

import math

import pytest
import torch

from gan_course.experiments.making_gans_train.game_dynamics import RULES, bilinear, consensus, dirac_gan, trajectory

ETA = 0.1


def test_simultaneous_steps_on_the_bilinear_game_spiral_out_by_the_hand_computed_factor():
    rule, game = RULES["simultaneous"], bilinear()
    # v(x, y) = (y, -x): z <- (x - eta y, y + eta x)
    assert torch.equal(rule.jacobian(game, ETA), torch.tensor([[1.0, -ETA], [ETA, 1.0]], dtype=torch.float64))
    assert rule.spectral_radius(game, ETA) == pytest.approx(math.sqrt(1 + ETA**2))
    norms = trajectory(game, rule, (1.0, 1.0), ETA, 100).norm(dim=1)
    assert norms[-1].item() == pytest.approx(math.sqrt(2) * (1 + ETA**2) ** 50)  # a linear map: exactly


def test_alternating_steps_cycle():
    rule, game = RULES["alternating"], bilinear()
    # x' = x - eta y, y' = y + eta x' = y + eta x - eta^2 y
    expected = torch.tensor([[1.0, -ETA], [ETA, 1 - ETA**2]], dtype=torch.float64)
    assert torch.allclose(rule.jacobian(game, ETA), expected)
    assert rule.spectral_radius(game, ETA) == pytest.approx(1.0)  # determinant 1, complex eigenvalues for eta < 2
    norms = trajectory(game, rule, (1.0, 1.0), ETA, 2000).norm(dim=1)
    assert 0.5 < norms.min() and norms.max() < 2.0  # neither in nor out


@pytest.mark.parametrize("name, radius", [
    ("extragradient", math.sqrt(1 - ETA**2 + ETA**4)),  # z' = (1 - eta^2) z - eta J z: |lambda|^2 = (1-eta^2)^2 + eta^2
    ("consensus (gamma = 1)", math.sqrt((1 - ETA) ** 2 + ETA**2)),  # grad 1/2 |v|^2 = (x, y): z' = (1 - eta) z - eta J z
])
def test_methods_that_converge_have_the_hand_computed_radius_below_one(name, radius):
    rule, game = RULES[name], bilinear()
    assert rule.spectral_radius(game, ETA) == pytest.approx(radius)
    assert trajectory(game, rule, (1.0, 1.0), ETA, 3000)[-1].norm() < 1e-5


def test_the_optimistic_rule_converges_with_its_memory():
    rule, game = RULES["optimistic"], bilinear()
    assert rule.jacobian(game, ETA).shape == (4, 4)  # the point and the last field
    assert rule.spectral_radius(game, ETA) < 1
    assert trajectory(game, rule, (1.0, 1.0), ETA, 3000)[-1].norm() < 1e-5


def test_the_dirac_gan_is_the_bilinear_game_near_its_equilibrium_and_r1_makes_it_attract():
    plain, penalised = dirac_gan(), dirac_gan(r1=1.0)
    # v = (psi f'(psi theta), -theta f'(psi theta)) with f'(0) = 1/2; R1 adds gamma to the psi-psi entry
    assert torch.allclose(plain.field_jacobian(), torch.tensor([[0.0, 0.5], [-0.5, 0.0]], dtype=torch.float64))
    assert torch.allclose(penalised.field_jacobian(), torch.tensor([[0.0, 0.5], [-0.5, 1.0]], dtype=torch.float64))
    assert torch.allclose(torch.linalg.eigvals(plain.field_jacobian()).real, torch.zeros(2, dtype=torch.float64))
    assert (torch.linalg.eigvals(penalised.field_jacobian()).real > 0).all()
    simultaneous = RULES["simultaneous"]
    assert trajectory(plain, simultaneous, (1.0, 1.0), ETA, 500)[-1].norm() > math.sqrt(2)  # spirals away
    assert trajectory(penalised, simultaneous, (1.0, 1.0), ETA, 500)[-1].norm() < 1e-6


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="r1 .* must be a finite number >= 0"):
        dirac_gan(r1=-1.0)
    with pytest.raises(ValueError, match="need steps >= 1 and a positive finite lr"):
        trajectory(bilinear(), consensus(), (1.0, 1.0), 0.0, 10)


def test_the_ttur_loop_by_hand_without_noise():
    from gan_course.experiments.making_gans_train.game_dynamics import ttur_saddle, two_time_scales

    points = two_time_scales(ttur_saddle(), lr_x=0.001, lr_y=0.01, steps=1, sigma=0.0)
    x = 0.5 - 0.001 * 2 * 0.5 * (100 - 0.4**2)  # x <- x - eta_x df/dx, df/dx = 2x(100 - y^2)
    y = -0.4 + 0.01 * (-2 * -0.4 * (1 + x**2))  # then y <- y + eta_y df/dy at the new x, df/dy = -2y(1 + x^2)
    assert points[1].tolist() == pytest.approx([x, y])


def test_equal_rates_keep_moving_where_two_time_scales_settle():
    """The TTUR authors' saddle with gradient noise: with both rates 0.01 the point keeps moving around the saddle; with
    x's rate 100 times smaller it settles near it (2,000 of their 5,000 steps, three seeds)."""
    from gan_course.experiments.making_gans_train.game_dynamics import ttur_saddle, two_time_scales

    def late_distance(lr_x, lr_y, seed):
        return two_time_scales(ttur_saddle(), lr_x, lr_y, steps=2000, seed=seed)[-500:].norm(dim=1).mean().item()

    for seed in range(3):
        assert late_distance(0.01, 0.01, seed) > 3 * late_distance(0.0001, 0.01, seed)
    with pytest.raises(ValueError, match="lr_y must be a finite number >= 0"):
        two_time_scales(ttur_saddle(), 0.01, -1.0)
