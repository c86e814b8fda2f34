"""The command line: the dry run smoke test, resuming by re-running, and clear errors for bad arguments."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import pytest
import torch

from gan_course.cli import DATASETS, build_trainer, main, parse_args
from conftest import ROOT


def _rows(path):
    with open(path) as file:
        return list(csv.DictReader(file))


def test_dry_run_on_mnist_as_a_user_types_it(tmp_path, mnist_test_split):
    out = tmp_path / "run"
    env = {**os.environ, "GAN_COURSE_DATA": str(mnist_test_split)}
    result = subprocess.run(
        [sys.executable, "-m", "gan_course", "train", "mlp", "--dataset", "mnist", "--dry-run", "--out", str(out)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Training mlp on mnist" in result.stdout and "step 2:" in result.stdout
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
        (["train", "mlp", "--dataset", "ring", "--lr", "-1"], "--lr must be positive"),
        (["train", "mlp", "--dataset", "cifar"], "invalid choice: 'cifar'"),
        (["train", "vae", "--dataset", "ring"], "invalid choice: 'vae'"),
        (["train", "dcgan", "--dataset", "ring"], "the dcgan model needs images: use --dataset mnist"),
    ],
)
def test_bad_arguments_are_explained(arguments, message, capsys):
    with pytest.raises(SystemExit):
        parse_args(arguments)
    assert message in capsys.readouterr().err


def test_dcgan_dry_run_on_mnist(tmp_path, mnist_test_split, monkeypatch, capsys):
    monkeypatch.setenv("GAN_COURSE_DATA", str(mnist_test_split))
    history = main(["train", "dcgan", "--dataset", "mnist", "--dry-run", "--out", str(tmp_path)])
    assert "warning: MNIST's training split is not in the data folder" in capsys.readouterr().err
    assert history.step == [1, 2] and not (tmp_path / "checkpoint.pt").exists()
    args = parse_args(["train", "dcgan", "--dataset", "mnist", "--dry-run", "--out", str(tmp_path)])
    generator = build_trainer(args, DATASETS["mnist"](args.batch_size, args.seed), torch.device("cpu")).generator
    assert generator.net[0].weight.shape == (100, 128, 7, 7)  # DCGAN for 28x28 digits: 7x7 base map


def test_help_reads_as_plain_text_in_a_terminal():
    result = subprocess.run([sys.executable, "-m", "gan_course", "--help"], capture_output=True, text=True, cwd=ROOT,
                            timeout=120)
    assert result.returncode == 0 and "python -m gan_course train <model>" in result.stdout
    assert "``" not in result.stdout and ":class:" not in result.stdout and ":mod:" not in result.stdout
