"""Improved precision and recall, density and coverage: a hand computation, toy sets whose answer is known (the same
distribution, disjoint sets, a collapsed and a blurred generator), and the authors' code (clovaai/prdc)."""

from __future__ import annotations

import contextlib
import io

import pytest
import torch

from gan_course.metrics import density_coverage, nearest_neighbour_radii, precision_recall


def gaussians(n: int, centres: list[tuple[float, float]], spread: float, seed: int) -> torch.Tensor:
    """``n`` points of an equal mixture of 2-D Gaussians at ``centres``."""
    generator = torch.Generator().manual_seed(seed)
    which = torch.randint(len(centres), (n,), generator=generator)
    return torch.tensor(centres)[which] + spread * torch.randn(n, 2, generator=generator)


def test_a_hand_computation_on_the_line():
    real = torch.tensor([[0.0], [1.0], [2.0], [10.0]])
    fake = torch.tensor([[0.5], [5.0], [20.0]])
    assert nearest_neighbour_radii(real, 1).tolist() == [1.0, 1.0, 1.0, 8.0]
    scores = precision_recall(real, fake, k=1)
    assert scores.precision == pytest.approx(2 / 3)  # 0.5 in the ball of 0; 5 in the ball of 10 (radius 8); 20 in none
    assert scores.recall == 1.0  # fake radii 4.5, 4.5 and 15: the ball of 20 reaches 10
    spread = density_coverage(real, fake, k=1)
    assert spread.density == pytest.approx((2 + 1 + 0) / 3)  # 0.5 lies in the balls of 0 and 1, 5 in that of 10
    assert spread.coverage == pytest.approx(3 / 4)  # the ball of 2 holds no sample


def test_two_samples_of_one_distribution_score_near_the_maximum():
    real = gaussians(2000, [(0, 0), (6, 0)], 1.0, seed=0)
    fake = gaussians(2000, [(0, 0), (6, 0)], 1.0, seed=1)
    scores, spread = precision_recall(real, fake), density_coverage(real, fake)
    assert scores.precision > 0.9 and scores.recall > 0.9 and spread.coverage > 0.9
    assert spread.density == pytest.approx(1.0, abs=0.1)  # Naeem et al.: its expectation is 1 for equal distributions


def test_disjoint_sets_score_zero():
    real = gaussians(500, [(0, 0)], 1.0, seed=0)
    fake = gaussians(500, [(100, 0)], 1.0, seed=1)
    assert (precision_recall(real, fake).precision, precision_recall(real, fake).recall) == (0.0, 0.0)
    assert (density_coverage(real, fake).density, density_coverage(real, fake).coverage) == (0.0, 0.0)


def test_collapse_and_blur_are_told_apart():
    """A generator that draws one of two modes sharply (a subset of the data) has high precision and half the recall;
    one that draws both modes blurred has low precision and density."""
    real = gaussians(2000, [(0, 0), (20, 0)], 1.0, seed=0)
    collapsed = gaussians(2000, [(0, 0)], 1.0, seed=1)
    blurred = gaussians(2000, [(0, 0), (20, 0)], 4.0, seed=2)
    sharp, half = precision_recall(real, collapsed), density_coverage(real, collapsed)
    assert sharp.precision > 0.95 and 0.4 < sharp.recall < 0.6 and 0.4 < half.coverage < 0.6
    vague, thin = precision_recall(real, blurred), density_coverage(real, blurred)
    assert vague.precision < 0.5 and thin.density < 0.3 and vague.recall > sharp.recall


def test_the_numbers_of_the_authors_code():
    prdc = pytest.importorskip("prdc")
    generator = torch.Generator().manual_seed(3)
    real, fake = torch.randn(300, 8, generator=generator), 1.2 * torch.randn(250, 8, generator=generator) + 0.3
    for k in (3, 5):
        with contextlib.redirect_stdout(io.StringIO()):  # it prints the set sizes
            theirs = prdc.compute_prdc(real.numpy().astype("float64"), fake.numpy().astype("float64"), nearest_k=k)
        scores, spread = precision_recall(real, fake, k), density_coverage(real, fake, k)
        assert scores.precision == pytest.approx(theirs["precision"]) and scores.recall == pytest.approx(theirs["recall"])
        assert spread.density == pytest.approx(theirs["density"]) and spread.coverage == pytest.approx(theirs["coverage"])


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="real must be a 2-D tensor"):
        precision_recall(torch.zeros(10), torch.zeros(10, 2))
    with pytest.raises(ValueError, match="fake has 3 vectors; .* give more than k = 3"):
        precision_recall(torch.zeros(10, 2), torch.zeros(3, 2))
    with pytest.raises(ValueError, match="fake holds NaN"):
        density_coverage(torch.zeros(10, 2), torch.full((10, 2), float("nan")))
    with pytest.raises(ValueError, match="k .* must be a positive integer"):
        precision_recall(torch.zeros(10, 2), torch.zeros(10, 2), k=0)
