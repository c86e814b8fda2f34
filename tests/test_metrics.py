"""The metrics against hand-computed values: Fréchet distances of known Gaussians, mode counts of hand-built sample
sets, histogram JS divergences, the Parzen window, the classifier's metrics on real digits; seeds and clear errors."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
import torch
from scipy.linalg import sqrtm
from torch import nn

from conftest import MNIST_SOURCES, MNIST_TEST_FILES
from gan_course.data import gaussian_1d, grid, ring
from gan_course.metrics import (
    ClassHistogram,
    LabelAccuracy,
    ModeCoverage,
    class_histogram,
    classifier_statistics,
    frechet_classifier_distance,
    frechet_distance,
    gaussian_statistics,
    js_divergence_1d,
    label_accuracy,
    mode_coverage,
    parzen_bandwidth,
    parzen_log_likelihood,
)
from gan_course.metrics.classifier import heldout_digits, load_classifier, shipped_classifier
from gan_course.models import MLPGenerator

# ---------------------------------------------------------------------------------------------------------------- Fréchet


def test_frechet_distance_of_diagonal_gaussians_is_the_closed_form():
    # diagonal covariances: d² = ‖μ1 − μ2‖² + Σ_i (σ1_i − σ2_i)²  = (1 + 0 + 4) + ((1-2)² + (2-2)² + (3-1)²) = 10
    mean1, std1 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 2.0, 3.0])
    mean2, std2 = np.array([1.0, 1.0, 0.0]), np.array([2.0, 2.0, 1.0])
    assert frechet_distance(mean1, np.diag(std1**2), mean2, np.diag(std2**2)) == pytest.approx(10.0, abs=1e-12)
    assert frechet_distance(mean1, np.diag(std1**2), mean1, np.diag(std1**2)) == pytest.approx(0.0, abs=1e-12)


def test_frechet_distance_of_commuting_rotated_covariances():
    # Σ1 = R diag(4, 1) Rᵀ, Σ2 = R diag(1, 9) Rᵀ commute, so Tr(Σ1Σ2)^½ = 2·1 + 1·3 and d² = (2-1)² + (1-3)² = 5
    angle = math.pi / 6
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    cov1, cov2 = rotation @ np.diag([4.0, 1.0]) @ rotation.T, rotation @ np.diag([1.0, 9.0]) @ rotation.T
    assert frechet_distance(np.zeros(2), cov1, np.zeros(2), cov2) == pytest.approx(5.0, abs=1e-12)


def test_frechet_distance_of_non_commuting_covariances_by_hand():
    # For 2x2 M with positive eigenvalues, Tr √M = √(Tr M + 2√det M). Σ1Σ2 = [[2, 4], [1, 8]]: Tr 10, det 3·4 = 12.
    cov1, cov2 = np.array([[2.0, 1.0], [1.0, 2.0]]), np.diag([1.0, 4.0])
    mean1, mean2 = np.array([1.0, 0.0]), np.array([0.0, 2.0])
    expected = 5.0 + 4.0 + 5.0 - 2 * math.sqrt(10 + 2 * math.sqrt(12))
    assert frechet_distance(mean1, cov1, mean2, cov2) == pytest.approx(expected, rel=1e-12)
    assert frechet_distance(mean2, cov2, mean1, cov1) == pytest.approx(expected, rel=1e-12)


def test_frechet_distance_agrees_with_the_usual_sqrtm_formula_in_64_dimensions():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(64, 64)), rng.normal(size=(64, 64))
    cov1, cov2 = a @ a.T / 64 + 0.1 * np.eye(64), b @ b.T / 64 + 0.1 * np.eye(64)
    mean1, mean2 = rng.normal(size=64), rng.normal(size=64)
    expected = np.sum((mean1 - mean2) ** 2) + np.trace(cov1 + cov2 - 2 * sqrtm(cov1 @ cov2).real)
    assert frechet_distance(mean1, cov1, mean2, cov2) == pytest.approx(expected, rel=1e-9)


def test_gaussian_statistics_are_the_sample_mean_and_unbiased_covariance():
    x = torch.tensor([[0.0, 1.0], [2.0, 1.0], [4.0, 4.0]])
    statistics = gaussian_statistics(x)
    np.testing.assert_allclose(statistics.mean, [2.0, 2.0])
    np.testing.assert_allclose(statistics.covariance, [[4.0, 3.0], [3.0, 3.0]])  # Σ (x - x̄)(x - x̄)ᵀ / (n - 1)
    assert statistics.n == 3


@pytest.mark.parametrize(
    "arguments, message",
    [
        ((np.zeros(2), np.eye(2), np.zeros(3), np.eye(3)), "different dimensions"),
        ((np.zeros(2), np.array([[1.0, 2.0], [0.0, 1.0]]), np.zeros(2), np.eye(2)), "must be symmetric"),
        ((np.zeros(2), np.diag([1.0, -1.0]), np.zeros(2), np.eye(2)), "positive semi-definite"),
        ((np.zeros(2), np.eye(3), np.zeros(2), np.eye(2)), r"need a mean \(d,\) and a covariance \(d, d\)"),
    ],
)
def test_frechet_distance_rejects_bad_gaussians(arguments, message):
    with pytest.raises(ValueError, match=message):
        frechet_distance(*arguments)


def test_too_few_samples_for_a_covariance_says_how_many_are_needed():
    with pytest.raises(ValueError, match="got n=64, need at least 65"):
        gaussian_statistics(torch.randn(64, 64))
    with pytest.raises(ValueError, match="need at least 65"):
        classifier_statistics(torch.rand(50, 1, 28, 28) * 2 - 1, progress=False)


class FeaturesOf(nn.Module):
    """torchmetrics calls its feature extractor's forward; ours computes features in ``features``."""

    def __init__(self, classifier):
        super().__init__()
        self.classifier = classifier
        self.num_features = classifier.feature_dim

    def forward(self, x):
        return self.classifier.features(x)


def test_frechet_classifier_distance_agrees_with_torchmetrics():
    fid_module = pytest.importorskip("torchmetrics.image.fid")
    generator = torch.Generator().manual_seed(0)
    noise = torch.rand(400, 1, 28, 28, generator=generator) * 2 - 1
    blobs = torch.nn.functional.avg_pool2d(torch.rand(400, 1, 28, 28, generator=generator), 5, 1, 2) * 2 - 1
    classifier = load_classifier(device=torch.device("cpu"))
    ours = frechet_classifier_distance(noise, blobs, classifier, progress=False)
    metric = fid_module.FrechetInceptionDistance(feature=FeaturesOf(classifier), normalize=True)
    metric.update(noise, real=True)
    metric.update(blobs, real=False)
    assert ours > 1.0
    assert ours == pytest.approx(float(metric.compute()), rel=1e-4)


# ------------------------------------------------------------------------------------------------------------ modes


def test_samples_on_every_mode_cover_all_modes_with_zero_reverse_kl():
    modes = ring().modes.float()
    result = mode_coverage(modes.repeat(3, 1), ring(), progress=False)
    assert result == ModeCoverage(counts=(3,) * 8, n_samples=24)
    assert result.modes_covered == 8 and result.high_quality == 1.0 and result.reverse_kl == pytest.approx(0, abs=1e-15)
    assert str(result) == "modes 8/8 · high quality 100.0% · reverse KL 0.000"
    grid_modes = grid().modes.float()
    assert mode_coverage(grid_modes, grid(), progress=False).modes_covered == 25


def test_samples_on_one_mode_cover_one_mode_with_reverse_kl_log_k():
    mixture = ring()
    near = mixture.modes[2].float() + torch.tensor([[0.02, 0.0], [0.0, -0.029], [-0.01, 0.01]])  # within 3σ = 0.03
    result = mode_coverage(near, mixture, progress=False)
    assert result.counts == (0, 0, 3, 0, 0, 0, 0, 0)
    assert result.modes_covered == 1 and result.high_quality == 1.0
    assert result.reverse_kl == pytest.approx(math.log(8), rel=1e-12)


def test_off_mode_noise_is_not_high_quality_and_not_in_the_histogram():
    mixture = ring()
    modes = mixture.modes.float()
    off = torch.tensor([[0.0, 0.0], [0.5, 0.5], [1.0 + 0.031, 0.0], [5.0, 5.0]])  # the third: 3.1σ from mode 0
    result = mode_coverage(torch.cat([modes[:2], modes[:1], off]), mixture, progress=False)
    assert result.counts == (2, 1, 0, 0, 0, 0, 0, 0) and result.n_samples == 7
    assert result.high_quality == pytest.approx(3 / 7) and result.modes_covered == 2
    # p̂ = (2/3, 1/3): KL(p̂ ‖ u) = 2/3 log(8·2/3) + 1/3 log(8/3)
    assert result.reverse_kl == pytest.approx(2 / 3 * math.log(16 / 3) + 1 / 3 * math.log(8 / 3), rel=1e-12)
    nothing = mode_coverage(off, mixture, progress=False)
    assert nothing.modes_covered == 0 and nothing.high_quality == 0 and math.isnan(nothing.reverse_kl)
    assert "undefined" in str(nothing)


def test_real_ring_samples_are_high_quality_at_the_chi_square_rate():
    # ‖x - m‖²/σ² ~ χ²₂ for data samples, so P(‖x - m‖ ≤ 3σ) = 1 - exp(-9/2) = 0.98889
    mixture = ring()
    result = mode_coverage(mixture.sample(2500, generator=torch.Generator().manual_seed(0)), mixture, progress=False)
    assert result.n_samples == 2500 and result.modes_covered == 8
    assert abs(result.high_quality - (1 - math.exp(-4.5))) < 4 * math.sqrt(0.0111 * 0.9889 / 2500)
    assert result.reverse_kl < 0.01


def test_a_generator_module_is_sampled_reproducibly_and_left_in_its_mode():
    torch.manual_seed(0)
    generator = MLPGenerator(4, (2,), hidden=(16,), output="linear")
    first = mode_coverage(generator, ring(), n=1000, batch_size=300, seed=3, progress=False)
    second = mode_coverage(generator, ring(), n=1000, batch_size=300, seed=3, progress=False)
    assert first == second and first.n_samples == 1000
    assert generator.training
    other = mode_coverage(generator, grid(side=9, spacing=0.25, std=0.05), n=1000, seed=4, progress=False)
    same = mode_coverage(generator, grid(side=9, spacing=0.25, std=0.05), n=1000, seed=3, progress=False)
    assert other.counts != same.counts  # another seed, other noise


def test_a_sampling_function_is_seeded_and_the_global_generator_restored():
    mixture = ring()
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    first = mode_coverage(mixture.sample, mixture, n=600, batch_size=250, seed=7, progress=False)
    assert torch.equal(torch.rand(3), expected_next)
    assert first == mode_coverage(mixture.sample, mixture, n=600, batch_size=250, seed=7, progress=False)
    assert first.n_samples == 600 and first.modes_covered == 8


def test_a_progress_bar_appears_for_much_work_and_never_because_of_the_clock(capsys):
    import time

    from gan_course.progress import AUTO_MIN_SAMPLES

    def slow(k: int) -> torch.Tensor:  # three batches, 2.4 s in all: a loaded machine's pace
        time.sleep(0.8)
        return ring().sample(k)

    mode_coverage(slow, ring(), n=30, batch_size=10)
    assert "mode coverage" not in capsys.readouterr().err  # little work, however slow: no bar
    points = ring().modes.float().repeat(10, 1)
    assert mode_coverage(points, ring(), batch_size=8, progress=True) == mode_coverage(points, ring(), progress=False)
    err = capsys.readouterr().err
    assert "mode coverage:" in err and "/10 [" in err  # asked for: 80 points in batches of 8, a bar over 10 batches
    mode_coverage(ring().sample, ring(), n=AUTO_MIN_SAMPLES)
    assert "mode coverage:" in capsys.readouterr().err  # much work: a bar without asking


@pytest.mark.parametrize(
    "samples, error, message",
    [
        (torch.zeros(5, 3), ValueError, r"samples must have shape \(N, 2\)"),
        (torch.tensor([[0.0, float("nan")]]), ValueError, "NaN or infinite"),
        (torch.zeros(0, 2), ValueError, "empty"),
        (nn.Linear(2, 2), TypeError, "latent_dim"),
        (lambda k: torch.zeros(k + 1, 2), ValueError, "must return a tensor of"),
        ("ring", TypeError, "samples must be a Tensor"),
    ],
)
def test_mode_coverage_rejects_bad_samples(samples, error, message):
    with pytest.raises(error, match=message):
        mode_coverage(samples, ring(), n=10, progress=False)


def test_mode_coverage_rejects_a_bad_mixture_count_or_threshold():
    with pytest.raises(TypeError, match="GaussianMixture2D"):
        mode_coverage(torch.zeros(3, 2), gaussian_1d(), progress=False)
    with pytest.raises(ValueError, match="n \\(the number of samples to draw\\) must be a positive integer"):
        mode_coverage(ring().sample, ring(), n=0, progress=False)
    with pytest.raises(ValueError, match="threshold"):
        mode_coverage(torch.zeros(3, 2), ring(), threshold=0, progress=False)


# -------------------------------------------------------------------------------------------------------------- 1-D JS


def test_js_1d_is_zero_for_equal_histograms_and_log_2_for_disjoint_ones():
    data = torch.linspace(0.05, 0.95, 10).unsqueeze(1)
    assert js_divergence_1d(data, data.clone(), bins=10, range=(0, 1), progress=False) == 0.0
    far = torch.full((7, 1), 5.0)  # every sample beyond the range: all in the upper tail bin, none dropped
    assert js_divergence_1d(data, far, bins=10, range=(0, 1), progress=False) == pytest.approx(math.log(2), rel=1e-12)


def test_js_1d_by_hand_on_two_bins():
    data = torch.tensor([[0.1], [0.2], [0.7], [0.8]])  # p = (1/2, 1/2) on [0, 0.5), [0.5, 1]
    generated = torch.tensor([[0.1], [0.6], [0.7], [0.9]])  # q = (1/4, 3/4)
    m = np.array([0.375, 0.625])
    expected = 0.5 * np.sum([0.5, 0.5] * np.log(np.array([0.5, 0.5]) / m)) + 0.5 * np.sum(
        [0.25, 0.75] * np.log(np.array([0.25, 0.75]) / m)
    )
    assert js_divergence_1d(data, generated, bins=2, range=(0, 1), progress=False) == pytest.approx(expected, rel=1e-12)


def test_js_1d_sampling_bias_matches_the_g_test_approximation():
    # for p_g = p_data, 4n·JSD ≈ χ²_{B-1}: E[JSD] ≈ (B - 1) / (4n) = 9 / 4000 for B = 10 bins and n = 1000
    generator = torch.Generator().manual_seed(0)
    values = [
        js_divergence_1d(torch.rand(1000, 1, generator=generator), torch.rand(1000, 1, generator=generator),
                         bins=10, range=(0, 1), progress=False)
        for _ in range(300)
    ]
    assert np.mean(values) == pytest.approx(9 / 4000, rel=0.1)


def test_js_1d_against_an_exact_mixture_is_small_for_its_samples_and_large_when_shifted():
    data = gaussian_1d(4.0, 0.5)
    own = js_divergence_1d(data, data.sample, seed=0, progress=False)
    assert 0 < own < 0.005 and own == js_divergence_1d(data, data.sample, seed=0, progress=False)
    shifted = js_divergence_1d(data, lambda k: data.sample(k) + 1.0, seed=0, progress=False)  # 2σ to the right
    assert 0.2 < shifted < math.log(2)


@pytest.mark.parametrize(
    "kwargs, message",
    [(dict(bins=0), "bins must be a positive integer"), (dict(range=(1.0, 1.0)), "a < b"),
     (dict(samples=torch.zeros(4, 2)), r"samples must have shape \(N, 1\)")],
)
def test_js_1d_rejects_bad_settings(kwargs, message):
    arguments = dict(data=gaussian_1d(), samples=torch.zeros(4, 1), progress=False) | kwargs
    with pytest.raises(ValueError, match=message):
        js_divergence_1d(**arguments)


# -------------------------------------------------------------------------------------------------------------- Parzen


def test_parzen_log_likelihood_by_hand():
    # one centre at 0, test point at 1, σ = 1: log N(1; 0, 1) = -1/2 - log(2π)/2
    assert parzen_log_likelihood(torch.zeros(1, 1), torch.ones(1, 1), 1.0) == pytest.approx(-0.5 - 0.5 * math.log(2 * math.pi))
    # two centres at distance 1 from the test point: the same value (a mean of two equal densities)
    assert parzen_log_likelihood(torch.tensor([[0.0], [2.0]]), torch.ones(1, 1), 1.0) == pytest.approx(
        -0.5 - 0.5 * math.log(2 * math.pi)
    )
    # D = 2, centre (0, 0), test point (3, 4), σ = 2: -25/8 - log(2π·4)
    assert parzen_log_likelihood(torch.zeros(1, 2), torch.tensor([[3.0, 4.0]]), 2.0) == pytest.approx(
        -25 / 8 - math.log(8 * math.pi)
    )


def test_parzen_bandwidth_maximises_the_validation_likelihood():
    # one centre, one point at distance r in D dimensions: -r²/2σ² - D log σ is largest at σ = r/√D = 2
    assert parzen_bandwidth(torch.zeros(1, 1), torch.full((1, 1), 2.0), [0.5, 1.0, 2.0, 4.0]) == 2.0
    with pytest.raises(ValueError, match="must be positive"):
        parzen_log_likelihood(torch.zeros(1, 1), torch.zeros(1, 1), 0.0)
    with pytest.raises(ValueError, match="differ in size"):
        parzen_log_likelihood(torch.zeros(1, 2), torch.zeros(1, 3), 1.0)


# ------------------------------------------------------------------------------------------------ classifier metrics


def test_class_histogram_and_label_accuracy_by_hand():
    histogram = ClassHistogram((5, 5, 0, 0, 0, 0, 0, 0, 0, 0))
    assert histogram.classes_covered == 2 and histogram.n_samples == 10
    assert histogram.kl_to_uniform == pytest.approx(math.log(5), rel=1e-12)  # 2 · 1/2 log(10/2)
    assert str(histogram) == "classes 2/10 · KL to uniform 1.609"
    assert ClassHistogram((7,) * 10).kl_to_uniform == pytest.approx(0, abs=1e-15)
    result = LabelAccuracy(correct=(9, 10) + (0,) * 8, total=(10, 10) + (0,) * 8)
    assert result.accuracy == 0.95 and result.per_class[:2] == (0.9, 1.0) and math.isnan(result.per_class[2])
    assert str(result) == "label accuracy 95.0% (lowest: 0, 90.0%)"


@pytest.fixture(scope="module")
def mnist_source():
    """The folder that holds MNIST's test split (as for conftest.mnist_test_split, but once per module)."""
    for source in MNIST_SOURCES:
        if all((source / name).is_file() for name in MNIST_TEST_FILES):
            break
    else:
        pytest.skip("MNIST's test split is not on this machine (expected in data/MNIST/raw or ../shared/data/mnist)")
    return source


@pytest.fixture(scope="module")
def digits(mnist_source, tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in MNIST_TEST_FILES:
        shutil.copy(mnist_source / name, raw / name)
    return heldout_digits(root)


def test_the_shipped_classifier_is_at_least_98_percent_accurate_on_held_out_digits(digits):
    classifier = shipped_classifier(torch.device("cpu"))
    meta = classifier.meta
    assert (meta["train_role"], meta["n_train"], meta["heldout_role"]) == ("classifier", 3000, "reference")
    assert digits.role == "reference" and len(digits) == 2000
    result = label_accuracy(digits.images, digits.labels, classifier, progress=False)
    assert result.accuracy >= 0.98
    assert result.accuracy == pytest.approx(meta["heldout_accuracy"], abs=1e-12)
    assert min(result.per_class) >= 0.95
    shuffled = label_accuracy(digits.images, (digits.labels + 1) % 10, classifier, progress=False)
    assert shuffled.accuracy <= 0.02


def test_class_histogram_of_real_digits_and_of_a_collapsed_generator(digits):
    real = class_histogram(digits.images, progress=False, device=torch.device("cpu"))
    assert real.classes_covered == 10 and real.n_samples == 2000
    true_counts = torch.bincount(digits.labels, minlength=10)
    assert np.abs(np.array(real.counts) - true_counts.numpy()).sum() <= 2 * 0.02 * 2000
    seven = digits.images[digits.labels == 7][:1]
    collapsed = class_histogram(lambda k: seven.expand(k, -1, -1, -1), n=300, progress=False)
    assert collapsed.counts == (0,) * 7 + (300,) + (0,) * 2
    assert collapsed.kl_to_uniform == pytest.approx(math.log(10), rel=1e-12)


class BankGenerator(nn.Module):
    """A 'conditional generator' that returns a real digit of the asked label (a random one, chosen by z)."""

    latent_dim = 1

    def __init__(self, digits):
        super().__init__()
        self.banks = [digits.images[digits.labels == y] for y in range(10)]
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, z, y):
        picks = [bank[int(abs(zi) * 1000) % len(bank)] for zi, bank in zip(z[:, 0], (self.banks[int(v)] for v in y))]
        return torch.stack(picks) * self.scale


def test_label_accuracy_of_conditional_generators(digits):
    generator = BankGenerator(digits)
    result = label_accuracy(generator, n_per_class=30, seed=1, progress=False)
    assert result.total == (30,) * 10 and result.accuracy >= 0.95
    assert result == label_accuracy(generator, n_per_class=30, seed=1, progress=False)
    wrong = label_accuracy(lambda y: generator(torch.randn(len(y), 1), (y + 1) % 10), n_per_class=20, progress=False)
    assert wrong.accuracy <= 0.05


def test_frechet_classifier_distance_floor_and_ceiling_are_reproducible(digits):
    first, second = digits.images[:1000], digits.images[1000:]
    real = classifier_statistics(first, progress=False)
    floor = frechet_classifier_distance(real, second, progress=False)
    noise = torch.rand(1000, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    ceiling = frechet_classifier_distance(real, noise, progress=False)
    assert 0 < floor < ceiling / 100
    torch.manual_seed(0)
    generator = MLPGenerator(8, (1, 28, 28), hidden=(32,))
    once = frechet_classifier_distance(real, generator, n=300, seed=5, progress=False)
    assert once == frechet_classifier_distance(real, generator, n=300, seed=5, progress=False)
    assert once != frechet_classifier_distance(real, generator, n=300, seed=6, progress=False)
    assert class_histogram(generator, n=300, seed=5, progress=False) == class_histogram(generator, n=300, seed=5,
                                                                                        progress=False)


@pytest.mark.parametrize(
    "images, message",
    [
        (torch.zeros(4, 28, 28), r"images must have shape \(N, 1, 28, 28\)"),
        (torch.full((4, 1, 28, 28), 255.0), r"must lie in \[-1, 1\].*x / 127.5 - 1"),
        (torch.full((4, 1, 28, 28), float("nan")), "NaN or infinite"),
    ],
)
def test_image_metrics_reject_bad_images(images, message):
    with pytest.raises(ValueError, match=message):
        class_histogram(images, progress=False)


def test_label_accuracy_needs_matching_integer_labels():
    images = torch.zeros(4, 1, 28, 28)
    with pytest.raises(ValueError, match="needs the labels"):
        label_accuracy(images, progress=False)
    with pytest.raises(ValueError, match="1-D integer tensor"):
        label_accuracy(images, torch.zeros(4), progress=False)
    with pytest.raises(ValueError, match="one label per sample"):
        label_accuracy(images, torch.zeros(3, dtype=torch.long), progress=False)
    with pytest.raises(ValueError, match="digits 0..9"):
        label_accuracy(images, torch.tensor([0, 1, 2, 10]), progress=False)
