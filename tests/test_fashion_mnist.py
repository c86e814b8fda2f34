"""Fashion-MNIST: loaded offline from Debian's package, checked, split into roles that share no image.

The tests that read the real files need Debian's ``dataset-fashion-mnist`` (``.ci/run`` installs it); without it they
skip, unless GAN_COURSE_REQUIRE_FASHION_MNIST=1 (as in CI), where they fail."""

import gzip
import os
import struct

import pytest
import torch

from gan_course.data import fashion_mnist
from gan_course.data.fashion_mnist import (
    CONTENT_SHA256,
    DEBIAN_FOLDER,
    ROLES,
    SPLIT_SIZES,
    FashionMNISTFileError,
    fashion_roles,
    load_fashion_mnist,
    load_fashion_mnist_role,
    load_fashion_mnist_split,
)

INSTALLED = all((DEBIAN_FOLDER / f"{name}.gz").is_file() for name in CONTENT_SHA256)
if not INSTALLED and os.environ.get("GAN_COURSE_REQUIRE_FASHION_MNIST") == "1":
    pytest.fail(f"Debian's dataset-fashion-mnist is not installed ({DEBIAN_FOLDER}); "
                "GAN_COURSE_REQUIRE_FASHION_MNIST=1 requires it", pytrace=False)
needs_package = pytest.mark.skipif(not INSTALLED, reason="apt install dataset-fashion-mnist to run this test")


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """A data folder of its own: the package's files are extracted into it at the first load."""
    return tmp_path_factory.mktemp("data")


def test_roles_share_no_image_and_cover_both_splits():
    roles = fashion_roles()
    assert {role: len(index) for role, index in roles.items()} == {role: size for role, (_, size) in ROLES.items()}
    for split, size in SPLIT_SIZES.items():
        parts = torch.cat([roles[role] for role, (s, _) in ROLES.items() if s == split])
        assert torch.equal(parts.sort().values, torch.arange(size)), split  # disjoint, and every image has a role
    assert torch.equal(fashion_roles()["gan"], roles["gan"])  # seeded: the same split on every machine


@needs_package
def test_both_splits_load_offline_from_debians_package(root):
    train = load_fashion_mnist_split("train", root, download=False)
    test = load_fashion_mnist_split("test", root, download=False)
    for data, n in ((train, 60_000), (test, 10_000)):
        assert data.images.shape == (n, 1, 28, 28) and data.images.dtype == torch.float32
        assert data.images.min() == -1 and data.images.max() == 1
        assert torch.equal(torch.bincount(data.labels), torch.full((10,), n // 10))  # ten balanced classes
    assert sorted(p.name for p in (root / "FashionMNIST" / "raw").iterdir()) == sorted(CONTENT_SHA256)


@needs_package
def test_each_role_holds_its_own_images(root):
    gan, classifier = load_fashion_mnist(root, download=False), load_fashion_mnist_role("classifier", root, download=False)
    reference = load_fashion_mnist_role("reference", root, download=False)
    assert (gan.role, len(gan), classifier.role, len(classifier), reference.split) == ("gan", 50_000, "classifier",
                                                                                      10_000, "test")
    train = load_fashion_mnist_split("train", root, download=False)
    assert torch.equal(gan.images, train.images[fashion_roles()["gan"]])
    flat = {bytes(image.numpy()) for image in classifier.images.to(torch.uint8)}  # exact pixel values, hashed
    shared = sum(bytes(image.numpy()) in flat for image in gan.images[:5000].to(torch.uint8))
    assert shared < 50  # distinct indices; the few equal images are the data set's own duplicates


def _gz(path, payload):
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb") as f:
        f.write(payload)


def test_a_file_that_is_not_fashion_mnist_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "DEBIAN_FOLDER", tmp_path / "none")
    raw = tmp_path / "FashionMNIST" / "raw"
    _gz(raw / "t10k-images-idx3-ubyte.gz", struct.pack(">IIII", 2051, 2, 28, 28) + bytes(2 * 28 * 28))
    _gz(raw / "t10k-labels-idx1-ubyte.gz", struct.pack(">II", 2049, 2) + bytes(2))
    with pytest.raises(FashionMNISTFileError, match=r"t10k-images-idx3-ubyte.gz does not hold Fashion-MNIST's .*"
                                                    r"damaged or another data set"):
        load_fashion_mnist_split("test", tmp_path, download=False)


def test_a_damaged_archive_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "DEBIAN_FOLDER", tmp_path / "none")
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(os.urandom(1000))[:200])  # cut short
    with pytest.raises(FashionMNISTFileError, match="cannot be decompressed .* damaged"):
        load_fashion_mnist_split("test", tmp_path, download=False)


def test_an_extracted_file_of_the_wrong_size_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "DEBIAN_FOLDER", tmp_path / "none")
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "t10k-images-idx3-ubyte").write_bytes(struct.pack(">IIII", 2051, 3, 28, 28) + bytes(3 * 28 * 28))
    (raw / "t10k-labels-idx1-ubyte").write_bytes(struct.pack(">II", 2049, 3) + bytes(3))
    with pytest.raises(FashionMNISTFileError, match=r"hold \(3, 1, 28, 28\) images .* not Fashion-MNIST's 10,000"):
        load_fashion_mnist_split("test", tmp_path, download=False)


def test_missing_files_say_where_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "DEBIAN_FOLDER", tmp_path / "none")
    with pytest.raises(FileNotFoundError, match=r"apt install dataset-fashion-mnist.*download=True"):
        load_fashion_mnist_split("test", tmp_path, download=False)
    with pytest.raises(ValueError, match="split must be one of"):
        load_fashion_mnist_split("valid", tmp_path)
    with pytest.raises(ValueError, match="role must be one of"):
        load_fashion_mnist_role("training", tmp_path)


@pytest.fixture(scope="module")
def evaluation(root):
    from gan_course.metrics import FashionMNISTEvaluation

    if not INSTALLED:
        pytest.skip("apt install dataset-fashion-mnist to run this test")
    return FashionMNISTEvaluation(root, device=torch.device("cpu"))


def test_the_shipped_classifier_was_trained_on_its_role_and_is_checked_on_the_reference(evaluation, root):
    from gan_course.metrics.classifier import accuracy, heldout_digits

    meta = evaluation.classifier.meta
    assert (meta["data"], meta["train_role"], meta["n_train"], meta["heldout_role"]) == ("fashion-mnist", "classifier",
                                                                                      10_000, "reference")
    held_out = heldout_digits(root, "fashion-mnist")
    measured = accuracy(evaluation.classifier, held_out)
    assert measured == pytest.approx(meta["heldout_accuracy"]) and measured > 0.88


def test_one_protocol_scores_fashion_mnist_against_its_test_images(evaluation, root):
    from gan_course.models import MLPGenerator

    assert evaluation.n == 2000 and len(evaluation.reference) == 10_000 and evaluation.reference.split == "test"
    assert repr(evaluation).startswith("FashionMNISTEvaluation(n=2000 samples with seed 0; reference: the 10000 "
                                       "'reference' images of the test split")
    floor = evaluation.floor(load_fashion_mnist(root, download=False).images)
    torch.manual_seed(0)
    untrained = evaluation(MLPGenerator(8, (1, 28, 28), hidden=(32,)), progress=False)
    assert floor.fcd < 2 < 50 < untrained.fcd and floor.histogram.classes_covered == 10
