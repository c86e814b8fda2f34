"""The command line: the dry run smoke test, resuming by re-running, and clear errors for bad arguments."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import pytest
import torch

from gan_course.cli import _mnist, build_trainer, main, parse_args, resolve_defaults
from gan_course.data import load_mnist_split
from gan_course.data.fashion_mnist import CONTENT_SHA256, DEBIAN_FOLDER
from conftest import ROOT


def _rows(path):
    with open(path) as file:
        return list(csv.DictReader(file))


def test_dry_run_on_mnist_as_a_user_types_it(tmp_path, mnist_test_split):
    out = tmp_path / "run"
    env = {**os.environ, "GAN_COURSE_DATA": str(mnist_test_split)}
    result = subprocess.run(
        [sys.executable, "-m", "gan_course", "train", "mlp", "--dry-run", "--out", str(out)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Training the mlp recipe (fast profile) on mnist" in result.stdout and "step 2:" in result.stdout
    assert "TEST split" in result.stderr and f"Looked in {mnist_test_split / 'MNIST' / 'raw'}: " in result.stderr
    assert "a checkpoint of step 2 saves and loads" in result.stdout
    assert {p.name for p in out.iterdir()} == {"history.csv", "history.png", "samples.png"}  # nothing to resume from
    assert [row["step"] for row in _rows(out / "history.csv")] == ["1", "2"]


def test_a_real_run_after_a_dry_run_starts_fresh(tmp_path, capsys):
    arguments = ["train", "mlp", "--dataset", "ring", "--steps", "3", "--batch-size", "16", "--out", str(tmp_path)]
    main(arguments + ["--dry-run"])
    history = main(arguments)
    output = capsys.readouterr().out
    assert "Resumed" not in output and history.step == [1, 2, 3]
    assert torch.load(tmp_path / "checkpoint.pt", weights_only=True)["step"] == 3


def test_rerunning_a_command_resumes_its_checkpoint(tmp_path, capsys):
    arguments = ["train", "mlp", "--dataset", "ring", "--steps", "6", "--batch-size", "16", "--out", str(tmp_path)]
    main(arguments[:4] + ["--steps", "3"] + arguments[6:])
    main(arguments)
    output = capsys.readouterr().out
    assert "Resumed from" in output and "at step 3" in output
    assert torch.load(tmp_path / "checkpoint.pt", weights_only=True)["step"] == 6
    assert len(_rows(tmp_path / "history.csv")) == 6


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["train", "mlp", "--dataset", "ring", "--steps", "0"], "--steps must be a positive integer"),
        (["train", "mlp", "--dataset", "ring", "--lr", "-1"], "--lr must be a positive finite number"),
        (["train", "mlp", "--dataset", "cifar"], "invalid choice: 'cifar'"),
        (["train", "vae", "--dataset", "ring"], "invalid choice: 'vae'"),
        (["train", "dcgan", "--dataset", "ring"], "the dcgan recipe trains on images (mnist, fashion-mnist): the toy "
                                                  "distributions go with the mlp recipe"),
        (["train", "cgan", "--sync-batch-norm"], "the cgan recipe has no batch norm to synchronise; --sync-batch-norm "
                                                 "goes with dcgan, wgan, wgan-gp"),
        (["train", "dcgan", "--images", "1000"], "--images counts the real images of ProGAN's schedule"),
        (["train", "progan", "--batch-size", "8"], "the progan recipe takes its batch sizes from its schedule"),
    ],
)
def test_bad_arguments_are_explained(arguments, message, capsys):
    with pytest.raises(SystemExit):
        parse_args(arguments)
    assert message in capsys.readouterr().err


def test_dcgan_dry_run_on_mnist(tmp_path, mnist_test_split, monkeypatch, capsys):
    monkeypatch.setenv("GAN_COURSE_DATA", str(mnist_test_split))
    history = main(["train", "dcgan", "--dry-run", "--out", str(tmp_path)])
    assert "warning: MNIST's training split is not in the data folder" in capsys.readouterr().err
    assert history.step == [1, 2] and not (tmp_path / "checkpoint.pt").exists()
    args = parse_args(["train", "dcgan", "--dry-run", "--out", str(tmp_path)])
    resolve_defaults(args)
    generator = build_trainer(args, _mnist(), torch.device("cpu")).generator
    assert generator.net[0].weight.shape == (100, 64, 7, 7)  # the fast profile's width 32 for 28x28 digits: 7x7 base


def test_dcgan_dry_run_on_fashion_mnist(tmp_path, capsys):
    if not all((DEBIAN_FOLDER / f"{name}.gz").is_file() for name in CONTENT_SHA256):
        pytest.skip("apt install dataset-fashion-mnist to train on Fashion-MNIST")
    history = main(["train", "dcgan", "--dataset", "fashion-mnist", "--dry-run", "--out", str(tmp_path)])
    assert "on fashion-mnist on cpu to step 2" in capsys.readouterr().out and history.step == [1, 2]


def test_sync_batch_norm_on_the_cpu_ends_in_one_line_saying_what_to_do(tmp_path, mnist_test_split):
    result = subprocess.run([sys.executable, "-m", "gan_course", "train", "wgan-gp", "--sync-batch-norm", "--dry-run",
                             "--out", str(tmp_path / "run")], capture_output=True, text=True, cwd=ROOT, timeout=120,
                            env={**os.environ, "GAN_COURSE_DEVICE": "cpu", "GAN_COURSE_DATA": str(mnist_test_split)})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "error: sync_batch_norm needs CUDA" in result.stderr and "leave it off" in result.stderr


def test_help_reads_as_plain_text_in_a_terminal():
    result = subprocess.run([sys.executable, "-m", "gan_course", "--help"], capture_output=True, text=True, cwd=ROOT,
                            timeout=120)
    assert result.returncode == 0 and "'python -m gan_course train <recipe>'" in " ".join(result.stdout.split())
    assert "``" not in result.stdout and ":class:" not in result.stdout and ":mod:" not in result.stdout


def _damage_idx_header(root):
    """Extract the test split beside its .gz files, then overwrite the images file's magic number."""
    load_mnist_split("test", root, download=False)
    images = root / "MNIST" / "raw" / "t10k-images-idx3-ubyte"
    images.write_bytes(b"\xff\xff\xff\xff" + images.read_bytes()[4:])
    return images


def test_a_damaged_mnist_file_ends_in_one_message_as_a_user_sees_it(tmp_path, mnist_test_split):
    images = _damage_idx_header(mnist_test_split)
    env = {**os.environ, "GAN_COURSE_DATA": str(mnist_test_split)}
    result = subprocess.run(
        [sys.executable, "-m", "gan_course", "train", "mlp", "--dataset", "mnist", "--dry-run", "--out",
         str(tmp_path / "run")], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"python -m gan_course: error: {images} is not a readable MNIST IDX file")
    assert "download them again from https://" in last


@pytest.mark.parametrize("damage, message", [
    ("header", "t10k-images-idx3-ubyte is not a readable MNIST IDX file"),
    ("checksum", "t10k-labels-idx1-ubyte.gz does not have the MD5 checksum"),
    ("empty", "No MNIST files in"),
    ("labels missing", "t10k-images-idx3-ubyte.gz is there but t10k-labels-idx1-ubyte.gz (or its extracted file) "
                       "is missing: the test split needs both"),
])
def test_bad_mnist_data_exits_with_a_message_naming_the_file(damage, message, tmp_path, mnist_test_split,
                                                             monkeypatch, capsys):
    from gan_course.data import mnist

    root = mnist_test_split
    if damage == "header":
        _damage_idx_header(root)
    elif damage == "checksum":
        (root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not mnist")
    elif damage == "labels missing":
        (root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz").unlink()
    else:
        root = tmp_path / "empty"
        root.mkdir()
    monkeypatch.setattr(mnist, "_failed_downloads", {("MNIST", root): "the download failed: offline (test)"})
    monkeypatch.setenv("GAN_COURSE_DATA", str(root))
    with pytest.raises(SystemExit) as exit_:
        main(["train", "mlp", "--dry-run", "--out", str(tmp_path / "run")])
    assert exit_.value.code.startswith("python -m gan_course: error: ") and message in exit_.value.code
    assert str(root / "MNIST" / "raw") in exit_.value.code


def test_a_truncated_checkpoint_is_named_and_never_overwritten_unless_asked(tmp_path, capsys):
    arguments = ["train", "mlp", "--dataset", "ring", "--steps", "2", "--batch-size", "16", "--out", str(tmp_path)]
    main(arguments)
    path = tmp_path / "checkpoint.pt"
    damaged = path.read_bytes()[: path.stat().st_size // 2]
    path.write_bytes(damaged)
    with pytest.raises(SystemExit) as exit_:
        main(arguments[:4] + ["--steps", "4"] + arguments[6:])
    message = exit_.value.code
    assert message.startswith(f"python -m gan_course: error: {path} cannot be read as a checkpoint (")
    assert message.endswith("To start over, add --start-over.") and path.read_bytes() == damaged
    history = main(arguments + ["--start-over"])
    assert "Starting over" in capsys.readouterr().out and history.step == [1, 2]
    assert torch.load(path, weights_only=True)["step"] == 2


@pytest.mark.parametrize("inside", [False, True])
def test_an_output_path_that_is_a_file_is_refused(inside, tmp_path, capsys):
    file = tmp_path / "notes.txt"
    file.write_text("mine")
    out = file / "run" if inside else file
    with pytest.raises(SystemExit) as exit_:
        main(["train", "mlp", "--dataset", "ring", "--dry-run", "--out", str(out)])
    assert exit_.value.code == 2 and f"{file} is a file, not a folder" in capsys.readouterr().err
    assert file.read_text() == "mine"


def test_resuming_with_other_settings_names_them_and_keeps_the_checkpoint(tmp_path, capsys):
    arguments = ["train", "mlp", "--dataset", "ring", "--steps", "2", "--batch-size", "16", "--out", str(tmp_path)]
    main(arguments + ["--seed", "8"])
    saved = (tmp_path / "checkpoint.pt").read_bytes()
    with pytest.raises(SystemExit) as exit_:
        main(arguments + ["--seed", "4", "--lr", "0.001"])
    message = exit_.value.code
    assert "--seed is 8 there and 4 in this run" in message and "--lr is 0.0002 there and 0.001" in message
    assert "--batch-size" not in message and message.endswith("To start over, add --start-over.")
    assert (tmp_path / "checkpoint.pt").read_bytes() == saved
    main(arguments[:4] + ["--steps", "3"] + arguments[6:] + ["--seed", "8"])  # more steps: a resume, not a change
    assert "Resumed from" in capsys.readouterr().out


def test_resuming_with_another_model_is_refused(tmp_path, mnist_test_split, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_DATA", str(mnist_test_split))
    arguments = ["--profile", "fast", "--steps", "1", "--batch-size", "8", "--out", str(tmp_path)]
    main(["train", "mlp", *arguments])
    with pytest.raises(SystemExit) as exit_:
        main(["train", "dcgan", *arguments])
    assert "recipe is 'mlp' there and 'dcgan' in this run" in exit_.value.code


def test_list_names_every_recipe_with_its_chapter_and_paper(capsys):
    from gan_course.recipes import RECIPES

    main(["list"])
    rows = capsys.readouterr().out.splitlines()
    for name, recipe in RECIPES.items():
        row = next(line for line in rows if line.split()[0] == name)
        assert recipe.chapter in row and recipe.paper in row and (ROOT / "book" / f"{recipe.chapter}.ipynb").is_file()


@pytest.mark.parametrize("name", ["mlp", "dcgan", "lsgan", "wgan", "wgan-gp", "sngan", "began", "cgan", "progan",
                                  "biggan"])
def test_every_recipe_the_book_teaches_trains_from_the_command_line(name, tmp_path, mnist_test_split, monkeypatch,
                                                                    capsys):
    from gan_course.recipes import RECIPES

    monkeypatch.setenv("GAN_COURSE_DATA", str(mnist_test_split))
    arguments = ["train", name, "--profile", "fast", "--steps", "3", "--out", str(tmp_path)]
    history = main(arguments)
    output = capsys.readouterr().out
    assert f"Training the {name} recipe (fast profile) on mnist" in output and history.step == [1, 2, 3]
    assert torch.load(tmp_path / "checkpoint.pt", weights_only=True)["step"] == 3
    assert {"history.csv", "history.png", "samples.png"} <= {p.name for p in tmp_path.iterdir()}
    # the run is the recipe's: the same networks as RECIPES[name] builds at that profile
    built = RECIPES[name].trainer(_mnist(), "fast", torch.device("cpu"))
    saved = torch.load(tmp_path / "checkpoint.pt", weights_only=True)["networks"]["generator"]
    shapes = lambda state: {key: value.shape for key, value in state.items() if torch.is_tensor(value)}
    assert shapes(saved) == shapes(built.generator.state_dict())
    main(arguments[:4] + ["--steps", "4"] + arguments[6:])  # and it resumes
    assert "at step 3: 1 step to go to step 4." in capsys.readouterr().out


def test_progan_counts_real_images(tmp_path, mnist_test_split, monkeypatch, capsys):
    from gan_course.recipes import RECIPES

    monkeypatch.setenv("GAN_COURSE_DATA", str(mnist_test_split))
    history = main(["train", "progan", "--profile", "fast", "--images", "100", "--out", str(tmp_path)])
    schedule = RECIPES["progan"].schedule("fast")
    assert history.step[-1] == schedule.iterations(0.1) and history["images_shown"][-1] < 100


def test_an_unknown_profile_in_the_environment_is_refused(monkeypatch, capsys):
    monkeypatch.setenv("GAN_COURSE_PROFILE", "laptop")
    with pytest.raises(SystemExit) as exit_:
        main(["train", "mlp", "--dataset", "ring", "--steps", "2"])
    assert exit_.value.code == 2
    assert "GAN_COURSE_PROFILE='laptop' is not a run profile; use one of fast, cpu, gpu" in capsys.readouterr().err
