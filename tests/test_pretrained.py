"""The pretrained checkpoints: each loads (weights only, its SHA-256 checked), meets the bound its card states under
the course's protocol, and a damaged or missing file is named with the command that re-creates it."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys

import pytest
import torch

from conftest import ROOT
from gan_course.data.fashion_mnist import CONTENT_SHA256, DEBIAN_FOLDER
from gan_course.metrics import EVALUATIONS, Evaluation
from gan_course.pretrained import CARDS, PretrainedError, card, pretrained, read_record, recreate, weights_path
from gan_course.pretrained.recreate import score
from gan_course.pretrained.store import WEIGHTS, checkpoint_bytes


@pytest.fixture(scope="module")
def evaluations() -> dict:
    """The protocol of each data set, built once for the module."""
    return {}


def evaluation_of(data: str, evaluations: dict) -> Evaluation:
    """The protocol of the data set ``data``; skip when its files are not on this machine."""
    from conftest import MNIST_SOURCES, MNIST_TEST_FILES

    if data not in evaluations:
        if data == "mnist" and not any(all((source / name).is_file() for name in MNIST_TEST_FILES)
                                       for source in MNIST_SOURCES):
            pytest.skip("MNIST's test split is not on this machine")
        if data == "fashion-mnist" and not all((DEBIAN_FOLDER / f"{name}.gz").is_file() for name in CONTENT_SHA256):
            pytest.skip("apt install dataset-fashion-mnist to score the Fashion-MNIST model")
        evaluations[data] = EVALUATIONS[data](device=torch.device("cpu"))
    return evaluations[data]


@pytest.mark.parametrize("name", CARDS)
def test_every_shipped_checkpoint_loads_and_meets_its_card(name, evaluations):
    evaluation = evaluation_of(card(name).data, evaluations)
    record = read_record(name)
    path = weights_path(name)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == record["sha256"] and path.stat().st_size == record["bytes"]
    state = torch.load(path, map_location="cpu", weights_only=True)  # plain tensors: loads without running code
    assert set(state) == {"generator", "discriminator"}
    model = pretrained(name, device="cpu")
    assert not model.generator.training and not model.discriminator.training
    assert all(p.dtype == torch.float32 for p in model.generator.parameters())
    measured = score(model.card, model.generator, evaluation)
    assert measured["fcd"] <= record["fcd_bound"], f"{name}: FCD {measured['fcd']:.2f} above its stated bound"
    assert measured["fcd"] == pytest.approx(record["fcd"], abs=0.5) and measured["classes"] == record["classes"]
    assert abs(record["fcd"] - record["fcd_float32"]) < 0.5  # storing the weights in float16 costs nothing measurable
    if model.card.conditional:
        assert measured["label_accuracy"] == pytest.approx(record["label_accuracy"], abs=0.02)
    assert record["command"] == f"python -m gan_course pretrained {name} --recreate" and not record["dry_run"]


def test_the_checkpoints_are_a_few_megabytes_in_all():
    sizes = {name: weights_path(name).stat().st_size for name in CARDS}
    # 6.0 MB for the eight cards (sngan-mnist 1.0 MB: its G projects z by a dense layer); each new card raises it
    assert sum(sizes.values()) < 7e6, sizes


@pytest.fixture
def copied(tmp_path):
    """The shipped checkpoints copied into a folder a test may damage."""
    for path in WEIGHTS.iterdir():
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def test_a_damaged_checkpoint_names_the_file_and_the_command_that_re_creates_it(copied):
    path = weights_path("dcgan-mnist", copied)
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0xFF
    path.write_bytes(bytes(content))
    with pytest.raises(PretrainedError, match="dcgan-mnist.pt has SHA-256 .* not the .* of its record: the file is "
                       "damaged or was replaced. Re-create it with: python -m gan_course pretrained dcgan-mnist "
                       "--recreate"):
        pretrained("dcgan-mnist", device="cpu", folder=copied)
    path.unlink()
    with pytest.raises(PretrainedError, match=f"has no weights at {path}; re-create them with: python -m gan_course"):
        pretrained("dcgan-mnist", device="cpu", folder=copied)
    weights_path("cgan-mnist", copied).with_suffix(".json").unlink()
    with pytest.raises(PretrainedError, match="cgan-mnist.json of the pretrained model 'cgan-mnist' is missing"):
        pretrained("cgan-mnist", device="cpu", folder=copied)
    with pytest.raises(ValueError, match="no pretrained model 'vae-mnist'; there are dcgan-mnist, wgan-gp-mnist"):
        pretrained("vae-mnist")


def test_loading_a_pretrained_model_draws_no_random_number():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    pretrained("progan-mnist", device="cpu")
    assert torch.equal(torch.rand(3), expected)


def test_samples_are_seeded_cropped_to_28_and_labelled_where_the_model_is_conditional():
    progan, cgan = pretrained("progan-mnist", device="cpu"), pretrained("cgan-mnist", device="cpu")
    images = progan.sample(6, seed=1)
    assert images.shape == (6, 1, 28, 28) and images.min() >= -1 and images.max() <= 1
    assert torch.equal(images, progan.sample(6, seed=1)) and not torch.equal(images, progan.sample(6, seed=2))
    labels = torch.tensor([0, 1, 2, 3, 4, 5])
    assert cgan.sample(6, labels=labels, seed=0).shape == (6, 1, 28, 28)
    with pytest.raises(ValueError, match="one class per sample, shape \\(6,\\)"):
        cgan.sample(6, labels=labels[:3])
    with pytest.raises(ValueError, match="progan-mnist is not conditional"):
        progan.sample(6, labels=labels)


def test_the_file_of_the_same_weights_is_the_same_bytes():
    model = pretrained("wgan-gp-mnist", device="cpu")
    first = checkpoint_bytes(model.generator, model.discriminator)
    assert first == checkpoint_bytes(model.generator, model.discriminator)
    assert hashlib.sha256(first).hexdigest() == model.record["sha256"]  # float16 -> float32 -> float16 is exact


@pytest.mark.parametrize("name", ["wgan-gp-mnist", "cgan-mnist"])
def test_a_dry_run_re_creation_writes_a_checkpoint_that_loads_and_is_reproducible(name, tmp_path, mnist_test_split,
                                                                                    monkeypatch):
    monkeypatch.setenv("GAN_COURSE_DATA", str(mnist_test_split))
    records = [recreate(name, tmp_path / run, device=torch.device("cpu"), dry_run=True, progress=False)
               for run in ("a", "b")]
    assert records[0]["sha256"] == records[1]["sha256"] and records[0]["dry_run"]
    assert json.loads(weights_path(name, tmp_path / "a").with_suffix(".json").read_text()) == records[0]
    model = pretrained(name, device="cpu", folder=tmp_path / "a")
    assert model.sample(2, seed=0).shape == (2, 1, 28, 28)
    assert records[0]["sha256"] != read_record(name)["sha256"]  # two steps are not the shipped model


def test_the_command_line_lists_checks_and_shows_the_cards():
    listing = subprocess.run([sys.executable, "-m", "gan_course", "pretrained"], capture_output=True, text=True,
                             cwd=ROOT, timeout=300)
    assert listing.returncode == 0, listing.stderr
    for name in CARDS:
        line = next(line for line in listing.stdout.splitlines() if line.startswith(name))
        assert line.endswith("checked") and f"{read_record(name)['fcd']:.2f}" in line and card(name).chapter in line
    shown = subprocess.run([sys.executable, "-m", "gan_course", "pretrained", "cgan-mnist"], capture_output=True,
                           text=True, cwd=ROOT, timeout=300)
    assert shown.returncode == 0 and read_record("cgan-mnist")["sha256"] in shown.stdout
    assert "label accuracy" in shown.stdout and "re-create it with: python -m gan_course pretrained cgan-mnist" \
        " --recreate" in shown.stdout


def test_a_dry_run_of_the_command_keeps_nothing(mnist_test_split, monkeypatch, capsys):
    from gan_course.cli import main

    monkeypatch.setenv("GAN_COURSE_DATA", str(mnist_test_split))
    before = {path.name: path.read_bytes() for path in WEIGHTS.iterdir()}
    main(["pretrained", "wgan-gp-mnist", "--recreate", "--dry-run"])
    assert "wrote a temporary folder, not kept (dry run)" in capsys.readouterr().out
    assert {path.name: path.read_bytes() for path in WEIGHTS.iterdir()} == before


@pytest.mark.parametrize("name", CARDS)
def test_each_card_is_its_chapters_cpu_run_from_the_same_recipe(name):
    """A card and its chapter build their run from one description: the chapter calls the card's recipe, at the
    profile its outputs come from, and the card trains exactly that recipe's cpu run."""
    import nbformat

    model = card(name)
    chapter = nbformat.read(ROOT / "book" / f"{model.chapter}.ipynb", as_version=4)
    code = "\n".join(cell.source for cell in chapter.cells if cell.cell_type == "code")
    assert f'RECIPES["{model.recipe.name}"]' in code, f"{model.chapter} does not build its run from the recipe"
    assert model.profile == "cpu"  # the profile the book's committed outputs come from
