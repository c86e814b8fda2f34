"""Toy distributions against their definitions, the batch streams, and MNIST loading offline."""

from __future__ import annotations

import math
import re
import shutil
import warnings
from urllib.error import URLError

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from gan_course.data import (
    ROLE_SIZES,
    GaussianMixture1D,
    MNISTFileError,
    MNISTTestSplitWarning,
    SamplerStream,
    SwissRoll,
    TensorStream,
    gaussian_1d,
    grid,
    load_mnist,
    load_mnist_role,
    load_mnist_split,
    ring,
    digit_roles,
)

N = 200_000


def _sample(distribution, n=N, seed=0) -> torch.Tensor:
    return distribution.sample(n, generator=torch.Generator().manual_seed(seed)).double()


def test_gaussian_1d_moments_and_density_match_its_definition():
    p = gaussian_1d(mean=4.0, std=0.5)
    x = _sample(p)
    assert x.shape == (N, 1)
    assert abs(x.mean().item() - 4.0) < 4 * 0.5 / math.sqrt(N)
    assert abs(x.std().item() - 0.5) < 0.005
    xs = np.linspace(1, 7, 41)
    np.testing.assert_allclose(p.density(xs), stats.norm(4.0, 0.5).pdf(xs), rtol=1e-12)


def test_mixture_1d_moments_density_integral_and_types():
    p = GaussianMixture1D(means=[-2.0, 3.0], stds=[0.5, 1.0], weights=[0.3, 0.7])
    assert p.mean() == pytest.approx(0.3 * -2 + 0.7 * 3)
    assert p.variance() == pytest.approx(0.3 * (0.25 + 4) + 0.7 * (1 + 9) - (0.3 * -2 + 0.7 * 3) ** 2)
    x = _sample(p)
    assert abs(x.mean().item() - p.mean()) < 5 * math.sqrt(p.variance() / N)
    assert abs(x.var().item() - p.variance()) < 0.05
    total, _ = integrate.quad(lambda t: float(p.density(t)), -np.inf, np.inf)
    assert total == pytest.approx(1.0, abs=1e-8)
    assert isinstance(p.density(torch.zeros(3)), torch.Tensor) and isinstance(p.density(np.zeros(3)), np.ndarray)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(means=[0.0, 1.0], stds=[1.0]), "one std per mean"),
        (dict(means=[0.0], stds=[0.0]), "every std must be positive"),
        (dict(means=[0.0, 1.0], stds=[1.0, 1.0], weights=[0.5, 0.6]), "summing to 1"),
    ],
)
def test_mixture_1d_rejects_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GaussianMixture1D(**kwargs)


def test_ring_has_evenly_spaced_distinct_modes_and_the_papers_defaults():
    p = ring()
    assert p.modes.shape == (8, 2) and p.std == 0.01
    assert torch.allclose(p.modes.norm(dim=1), torch.ones(8, dtype=torch.float64))
    angles = torch.atan2(p.modes[:, 1], p.modes[:, 0]).remainder(2 * math.pi).sort().values
    assert torch.allclose(angles.diff(), torch.full((7,), 2 * math.pi / 8, dtype=torch.float64))
    assert torch.cdist(p.modes, p.modes).add(torch.eye(8)).min() > 0.7  # no duplicated end point
    q = ring(n_modes=6, radius=2.0, std=0.1)
    assert q.modes.shape == (6, 2) and torch.allclose(q.modes.norm(dim=1), torch.full((6,), 2.0, dtype=torch.float64))


def test_grid_modes_are_the_pacgan_grid():
    p = grid()
    assert p.std == 0.05
    expected = {(float(a), float(b)) for a in (-4, -2, 0, 2, 4) for b in (-4, -2, 0, 2, 4)}
    assert {tuple(m) for m in p.modes.tolist()} == expected


@pytest.mark.parametrize("make", [ring, grid, lambda: ring(n_modes=5, radius=3.0, std=0.3)])
def test_mixture_2d_sample_moments_match_the_definition(make):
    p = make()
    x = _sample(p)
    assert x.shape == (N, 2)
    covariance = p.covariance()
    assert torch.allclose(x.mean(0), p.mean(), atol=5 * math.sqrt(covariance.diagonal().max().item() / N))
    assert torch.allclose(torch.cov(x.T), covariance, atol=0.03 * covariance.diagonal().max().item())
    nearest = torch.cdist(x, p.modes).argmin(1)
    counts = torch.bincount(nearest, minlength=len(p.modes)).double() / N
    assert torch.allclose(counts, torch.full_like(counts, 1 / len(p.modes)), atol=0.01)


def test_mixture_2d_density_integrates_to_one_and_matches_scipy():
    p = ring(n_modes=3, radius=1.0, std=0.3)
    total, _ = integrate.dblquad(lambda y, x: float(p.density(np.array([x, y]))), -4, 4, -4, 4, epsabs=1e-9)
    assert total == pytest.approx(1.0, abs=1e-6)
    point = np.array([0.2, -0.4])
    expected = np.mean([stats.multivariate_normal(m, 0.09 * np.eye(2)).pdf(point) for m in p.modes.numpy()])
    assert p.density(point) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="last dimension of 2"):
        p.density(np.zeros((4, 3)))


def test_swiss_roll_follows_the_sklearn_definition():
    noiseless = SwissRoll(noise=0.0, scale=1.0)
    x = _sample(noiseless, n=5000)
    radius = x.norm(dim=1)  # |(t cos t, t sin t)| = t
    assert radius.min() >= 1.5 * math.pi - 1e-9 and radius.max() <= 4.5 * math.pi + 1e-9
    angle = torch.atan2(x[:, 1], x[:, 0])
    assert torch.allclose(torch.cos(radius), torch.cos(angle), atol=1e-6)
    t_uniform = stats.kstest(((radius / (1.5 * math.pi)) - 1) / 2, "uniform")
    assert t_uniform.pvalue > 1e-3
    scaled = _sample(SwissRoll(), n=5000)
    assert scaled.abs().max() < 16 / 7.5
    with pytest.raises(ValueError, match="noise >= 0 and scale > 0"):
        SwissRoll(noise=-1)


def test_sampler_stream_resumes_the_same_batches():
    stream = SamplerStream(ring(), batch_size=16, seed=3)
    next(stream)
    state = stream.state_dict()
    expected = [next(stream) for _ in range(3)]
    other = SamplerStream(ring(), batch_size=16, seed=99)
    other.load_state_dict(state)
    assert all(torch.equal(a, next(other)) for a in expected)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        SamplerStream(ring(), batch_size=0)


def test_tensor_stream_visits_every_row_once_per_epoch_and_resumes():
    data = torch.arange(10).float().unsqueeze(1)
    stream = TensorStream(data, batch_size=3, seed=0)
    epoch = torch.cat([next(stream) for _ in range(3)])  # 9 of 10 rows; the incomplete last batch is dropped
    assert len(set(epoch.flatten().tolist())) == 9
    state = stream.state_dict()
    expected = [next(stream) for _ in range(5)]
    assert stream.epoch == 2
    other = TensorStream(data, batch_size=3, seed=0)
    other.load_state_dict(state)
    assert all(torch.equal(a, next(other)) for a in expected)
    with pytest.raises(ValueError, match="larger than the 10 examples"):
        TensorStream(data, batch_size=11)


def test_mnist_without_files_offline_names_the_files_the_folder_and_the_source(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        load_mnist(tmp_path, download=False)
    message = str(error.value)
    assert str(tmp_path / "MNIST" / "raw") in message
    assert "t10k-images-idx3-ubyte.gz" in message and "train-images-idx3-ubyte.gz" in message
    assert "https://" in message and "download=False" in message


def test_mnist_offline_trains_on_the_test_splits_gan_digits_and_says_so(mnist_test_split):
    with pytest.warns(MNISTTestSplitWarning, match="Training on 5,000 digits of the TEST split") as caught:
        data = load_mnist(mnist_test_split, download=False)
    message = str(caught[0].message)
    assert str(mnist_test_split) not in message and "/" not in message.replace("MNIST/raw", "")  # no machine path
    assert "train-images-idx3-ubyte.gz" in message and caught[0].message.reason == "download=False"
    assert data.split == "test" and data.role == "gan" and len(data) == 5_000
    assert data.images.shape == (5_000, 1, 28, 28) and data.images.dtype == torch.float32
    assert data.images.min() == -1.0 and data.images.max() == 1.0
    test = load_mnist_split("test", mnist_test_split, download=False)
    assert torch.equal(torch.bincount(test.labels), torch.tensor([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]))
    assert torch.equal(data.images, test.images[digit_roles()["gan"]])


def test_no_digit_of_the_test_split_serves_two_roles(mnist_test_split):
    roles = digit_roles()
    assert {role: len(index) for role, index in roles.items()} == ROLE_SIZES == {"classifier": 3000, "reference": 2000,
                                                                                 "gan": 5000}
    together = torch.cat(list(roles.values()))
    assert torch.equal(together.sort().values, torch.arange(10_000))  # disjoint, and every digit has a role
    assert all(torch.equal(index, index.sort().values) for index in roles.values())
    assert all(torch.equal(roles[role], again) for role, again in digit_roles().items())  # the same every time
    digits = {role: load_mnist_role(role, mnist_test_split, download=False) for role in ROLE_SIZES}
    assert all(digits[role].role == role and len(digits[role]) == ROLE_SIZES[role] for role in ROLE_SIZES)
    counts = {role: torch.bincount(d.labels, minlength=10) for role, d in digits.items()}
    assert all(count.min() >= 0.07 * len(digits[role]) for role, count in counts.items())  # every class in every role
    assert torch.cdist(digits["reference"].images[:300].flatten(1), digits["gan"].images.flatten(1)).min() > 0
    with pytest.raises(ValueError, match="role must be one of"):
        load_mnist_role("validation", mnist_test_split)


def test_mnist_rejects_a_damaged_file(mnist_test_split):
    raw = mnist_test_split / "MNIST" / "raw"
    (raw / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not mnist")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MNISTTestSplitWarning)
        with pytest.raises(RuntimeError, match="does not have the MD5 checksum"):
            load_mnist(mnist_test_split, download=False)


def test_a_tensor_stream_with_labels_yields_matching_pairs_and_checks_them():
    data = torch.arange(20.0)[:, None]
    stream = TensorStream(data, batch_size=5, seed=3, labels=torch.arange(20) * 10)
    for _ in range(6):  # across an epoch boundary
        examples, labels = next(stream)
        assert torch.equal(labels, examples[:, 0].long() * 10)
    with pytest.raises(ValueError, match="one label per example \\(20\\)"):
        TensorStream(data, batch_size=5, labels=torch.arange(19))


def test_one_split_is_loaded_without_falling_back_and_a_bad_split_is_named(mnist_test_split, tmp_path):
    test = load_mnist_split("test", mnist_test_split, download=False)
    assert test.split == "test" and len(test) == 10_000
    with pytest.raises(FileNotFoundError, match="No MNIST train split in .*download=False"):
        load_mnist_split("train", mnist_test_split, download=False)
    with pytest.raises(ValueError, match="split must be one of \\('train', 'test'\\)"):
        load_mnist_split("validation", mnist_test_split)


def test_a_failed_download_is_not_tried_again_in_the_same_process(mnist_test_split, monkeypatch):
    from gan_course.data import mnist

    tries = []

    class Offline:
        resources = mnist.datasets.MNIST.resources  # the MD5 sums the loader checks the files against

        def __init__(self, root, train, download):
            tries.append(root)
            raise URLError("Name or service not known")

    monkeypatch.setattr(mnist.datasets, "MNIST", Offline)
    monkeypatch.setattr(mnist, "_failed_downloads", {})
    with pytest.warns(MNISTTestSplitWarning) as caught:
        assert load_mnist(mnist_test_split).role == "gan"
    assert re.search("the download failed: .*Name or service not known", caught[0].message.reason)
    assert caught[0].message.folder == mnist_test_split / "MNIST" / "raw"
    for _ in range(2):
        assert load_mnist(mnist_test_split).role == "gan"
    assert tries == [str(mnist_test_split)]
    monkeypatch.setattr(mnist, "_warned_fallbacks", set())  # as in a new process, but with the failure remembered
    with pytest.warns(MNISTTestSplitWarning) as caught:
        load_mnist(mnist_test_split)
    assert "not retried in this session" in caught[0].message.reason and tries == [str(mnist_test_split)]


def test_the_fallback_warning_is_given_once_per_process_and_folder(mnist_test_split, tmp_path, monkeypatch):
    from gan_course.data import mnist

    monkeypatch.setattr(mnist, "_warned_fallbacks", set())
    other = tmp_path / "other"
    shutil.copytree(mnist_test_split / "MNIST", other / "MNIST")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # as a notebook that shows every warning: the loader still says it once
        for _ in range(3):
            load_mnist(mnist_test_split, download=False)
        load_mnist(other, download=False)  # another folder: said again
    fallbacks = [w for w in caught if issubclass(w.category, MNISTTestSplitWarning)]
    assert [w.message.folder for w in fallbacks] == [mnist_test_split / "MNIST" / "raw", other / "MNIST" / "raw"]


def test_the_fallback_warning_as_printed_names_no_path_of_the_machine(mnist_test_split, monkeypatch):
    from gan_course.data import mnist

    monkeypatch.setattr(mnist, "_warned_fallbacks", set())
    with pytest.warns(MNISTTestSplitWarning) as caught:
        data = load_mnist(mnist_test_split, download=False)
    shown = warnings.formatwarning(caught[0].message, caught[0].category, caught[0].filename, caught[0].lineno)
    assert shown.startswith("gan_course.data.load_mnist:0: MNISTTestSplitWarning: MNIST's training split")
    assert not re.search(r"(^|\s)/[a-z]", shown) and str(mnist_test_split) not in shown + repr(data)


def test_an_extracted_idx_file_with_a_damaged_header_is_named(mnist_test_split):
    raw = mnist_test_split / "MNIST" / "raw"
    load_mnist_split("test", mnist_test_split, download=False)  # extracts the .gz files beside them
    images = raw / "t10k-images-idx3-ubyte"
    original = images.read_bytes()
    content = bytearray(original)
    content[:4] = b"\xff\xff\xff\xff"  # the IDX magic number
    images.write_bytes(bytes(content))
    with pytest.raises(MNISTFileError, match="t10k-images-idx3-ubyte is not a readable MNIST IDX file") as error:
        load_mnist_split("test", mnist_test_split, download=False)
    assert str(images) in str(error.value) and "download them again from https://" in str(error.value)
    images.write_bytes(original[:1000])  # a valid header but too few bytes
    with pytest.raises(MNISTFileError, match="not a readable MNIST IDX file"):
        load_mnist_split("test", mnist_test_split, download=False)
