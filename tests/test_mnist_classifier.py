"""The MNIST classifier behind the image metrics: its shipped weights (checked against their SHA-256), its deterministic
training, the digits it trains and is checked on."""

from __future__ import annotations

from importlib import resources

import pytest
import torch
from torch import nn

from gan_course.data import ROLE_SIZES, LabeledImages, load_mnist_role
from gan_course.metrics import classifier as classifier_module
from gan_course.metrics.classifier import (
    MNISTClassifier,
    augment,
    confusions,
    heldout_digits,
    load_classifier,
    main,
    save_classifier,
    train_classifier,
)

SHIPPED = resources.files("gan_course.metrics") / "weights" / "mnist_classifier.pt"


def test_the_shipped_weights_are_small_and_load_with_weights_only():
    assert SHIPPED.is_file() and SHIPPED.stat().st_size < 400 * 1024
    checkpoint = torch.load(SHIPPED, map_location="cpu", weights_only=True)
    assert set(checkpoint) == {"state_dict", "meta"}
    classifier = load_classifier(device=torch.device("cpu"))
    assert not classifier.training
    assert classifier.meta["heldout_accuracy"] >= 0.99 and classifier.meta["seed"] == 0
    meta = classifier.meta
    assert (meta["data"], meta["train_role"], meta["heldout_role"], meta["n_train"]) == ("mnist", "classifier",
                                                                                        "reference", 3000)
    x = torch.zeros(3, 1, 28, 28)
    assert classifier.features(x).shape == (3, 64) and classifier(x).shape == (3, 10)
    with pytest.raises(ValueError, match=r"digits must have shape \(N, 1, 28, 28\)"):
        classifier(torch.zeros(3, 28, 28))


def test_loading_the_classifier_draws_no_random_number():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    classifier = load_classifier(device=torch.device("cpu"))
    assert torch.equal(torch.rand(3), expected)  # building the metrics after seed_everything leaves a run unchanged
    reference = torch.load(SHIPPED, map_location="cpu", weights_only=True)["state_dict"]
    assert all(torch.equal(value, reference[key]) for key, value in classifier.state_dict().items())
    assert all(p.device.type == "cpu" and p.dtype == torch.float32 for p in classifier.parameters())


def test_missing_weights_say_how_to_make_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m gan_course.metrics.classifier --data mnist --out"):
        load_classifier(tmp_path / "none.pt")


def test_augmentation_is_seeded_keeps_the_background_and_is_the_identity_without_motion():
    images = -torch.ones(4, 1, 28, 28)
    images[:, :, 10:18, 12:16] = 1.0
    same = augment(images, torch.Generator().manual_seed(0), degrees=0, shift=0, scale=(1.0, 1.0))
    torch.testing.assert_close(same, images, atol=1e-5, rtol=0)
    first = augment(images, torch.Generator().manual_seed(1))
    assert torch.equal(first, augment(images, torch.Generator().manual_seed(1)))
    assert not torch.allclose(first, images)
    assert first.min() >= -1 - 1e-6 and first.max() <= 1 + 1e-6
    assert torch.allclose(first[:, :, 0, :], torch.tensor(-1.0))  # the moved-in border is background


def test_it_trains_on_the_classifier_digits_and_is_checked_on_the_reference(mnist_test_split):
    digits = heldout_digits(mnist_test_split)
    assert digits.role == "reference" and len(digits) == ROLE_SIZES["reference"]
    trained_on = load_mnist_role("classifier", mnist_test_split)
    assert torch.cdist(digits.images[:300].flatten(1), trained_on.images.flatten(1)).min() > 0


def test_training_is_deterministic_and_records_its_roles(mnist_test_split, tmp_path):
    def train():
        return train_classifier(mnist_test_split, epochs=1, batch_size=100, download=False, progress=False,
                                device=torch.device("cpu"))

    first, second = train(), train()
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))
    meta = first.meta
    assert meta["train_role"] == "classifier" and meta["n_train"] == 3000 and meta["role_sizes"] == ROLE_SIZES
    assert meta["heldout_accuracy"] == second.meta["heldout_accuracy"] > 0.5  # 30 steps: far better than chance
    assert isinstance(first, MNISTClassifier) and not first.training
    first.meta["role_sizes"] = {"classifier": 8000, "reference": 2000}
    save_classifier(first, tmp_path / "old.pt")
    with pytest.raises(ValueError, match="trained on other images than the course's roles"):
        load_classifier(tmp_path / "old.pt")
    first.meta["data"] = "fashion-mnist"
    save_classifier(first, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="are for 'fashion-mnist', not 'mnist': load them with data='fashion-mnist'"):
        load_classifier(tmp_path / "other.pt")


def test_shipped_weights_that_are_not_the_recorded_file_are_refused(monkeypatch):
    monkeypatch.setitem(classifier_module.WEIGHTS_SHA256, "mnist", "0" * 64)
    with pytest.raises(ValueError, match="do not have their recorded SHA-256 0{64}: the file is damaged"):
        load_classifier(device=torch.device("cpu"))
    with pytest.raises(ValueError, match="no image data set named 'cifar'"):
        load_classifier(data="cifar")


def test_the_command_line_prints_the_held_out_accuracy_of_the_shipped_weights(mnist_test_split, capsys):
    with resources.as_file(SHIPPED) as path:
        main(["--evaluate", str(path), "--root", str(mnist_test_split)])
    output = capsys.readouterr().out
    assert "held-out accuracy: 99." in output and "on the 2,000 images of the mnist reference role" in output
    assert "most frequent errors: " in output and output.count(" read as ") == 3


def test_confusions_count_each_error_once_most_frequent_first():
    class Fixed(nn.Module):  # predicts the class written in the image's first pixel
        def __init__(self):
            super().__init__()
            self.where = nn.Parameter(torch.zeros(1))  # predict() reads the device from a parameter

        def forward(self, x):
            return nn.functional.one_hot(x[:, 0, 0, 0].long(), 10).float()

    images = torch.zeros(6, 1, 28, 28)
    images[:, 0, 0, 0] = torch.tensor([1.0, 1, 2, 3, 3, 3])
    labels = torch.tensor([0, 0, 2, 4, 4, 5])
    found = confusions(Fixed(), LabeledImages(images, labels, "test", None))
    assert found == [(2, 0, 1), (2, 4, 3), (1, 5, 3)]
