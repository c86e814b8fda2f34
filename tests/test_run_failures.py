"""What a user meets when a run cannot go on: Ctrl-C, a diverged run, a folder that cannot be written, a second run
into the same folder, a device the machine does not have. Each ends in one message that says what happened and what
to do, and no work is lost: the checkpoint holds a whole step, the last good one is kept, no temporary file is left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import torch

import gan_course.cli as cli
from gan_course.cli import main
from gan_course.data import SamplerStream, ring
from gan_course.latent import Normal
from gan_course.losses import NonSaturating
from gan_course.models import MLPDiscriminator, MLPGenerator
from gan_course.seed import seed_everything
from gan_course.training import (
    Checkpoint,
    CheckpointLocked,
    CheckpointWriteError,
    GANTrainer,
    Hook,
    TrainingInterrupted,
)
from conftest import ROOT


class CtrlC(Hook):
    """Press Ctrl-C (send this process SIGINT) ``times`` times before step ``at`` + 1 runs: in the middle of a fit."""

    def __init__(self, at: int, times: int = 1):
        self.at, self.times = at, times

    def before_step(self, trainer):
        if trainer.step == self.at:
            for _ in range(self.times):
                signal.raise_signal(signal.SIGINT)


class Poison(Hook):
    """Make a weight of D NaN before step ``at`` + 1: a run that diverges there."""

    def __init__(self, at: int):
        self.at = at

    def before_step(self, trainer):
        if trainer.step == self.at:
            with torch.no_grad():
                next(trainer.discriminator.parameters()).fill_(float("nan"))


def toy_trainer(hooks=()):
    seed_everything(0)
    generator = MLPGenerator(4, (2,), hidden=(16, 16), output="linear")
    discriminator = MLPDiscriminator((2,), hidden=(16, 16))
    adam = lambda net: torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.5, 0.999))
    return GANTrainer(generator, discriminator, adam(generator), adam(discriminator),
                      SamplerStream(ring(), 32, seed=0), NonSaturating(), Normal(4), hooks=list(hooks), n_fixed=8,
                      log_every=3)


# Ctrl-C.

def test_ctrl_c_stops_between_steps_and_the_checkpoint_resumes_into_the_same_run(tmp_path):
    path = tmp_path / "checkpoint.pt"
    trainer = toy_trainer([Checkpoint(path, every=100), CtrlC(at=4)])
    with pytest.raises(TrainingInterrupted) as interrupted:
        trainer.fit(10)
    assert interrupted.value.step == 5 and trainer.step == 5  # the step under way when Ctrl-C came was finished
    assert f"The checkpoint {path} holds step 5: run the same cell or command again to resume." in \
        interrupted.value.__notes__
    assert torch.load(path, weights_only=True)["step"] == 5
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is put back

    whole = toy_trainer().fit(10)["g_loss"]
    assert toy_trainer([Checkpoint(path, every=100)]).fit(10)["g_loss"] == whole  # bit for bit: a whole step saved


def test_a_second_ctrl_c_stops_at_once_and_saves_nothing(tmp_path):
    path = tmp_path / "checkpoint.pt"
    trainer = toy_trainer([Checkpoint(path, every=100), CtrlC(at=4, times=2)])
    with pytest.raises(KeyboardInterrupt) as interrupted:
        trainer.fit(10)
    assert not isinstance(interrupted.value, TrainingInterrupted) and trainer.step == 4
    assert not path.exists()  # a state in the middle of a step is not saved
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_on_the_command_line_saves_and_says_how_to_resume(tmp_path, monkeypatch, capsys):
    build = cli.build_trainer
    monkeypatch.setattr(cli, "build_trainer", lambda *a: _with_hook(build(*a), CtrlC(at=6)))
    arguments = ["train", "mlp", "--dataset", "ring", "--steps", "20", "--batch-size", "16", "--out", str(tmp_path)]
    with pytest.raises(SystemExit) as exit_:
        main(arguments)
    assert exit_.value.code == 130
    error = capsys.readouterr().err
    assert "python -m gan_course: training stopped by Ctrl-C after step 7. The checkpoint " \
           f"{tmp_path / 'checkpoint.pt'} holds step 7: run the same cell or command again to resume." in error
    monkeypatch.setattr(cli, "build_trainer", build)
    history = main(arguments)
    assert "Resumed from" in capsys.readouterr().out and history.step == list(range(1, 21))


def _with_hook(trainer, hook):
    trainer.hooks.append(hook)
    return trainer


# A diverged run.

def test_a_diverged_run_says_where_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch, capsys):
    build = cli.build_trainer
    monkeypatch.setattr(cli, "build_trainer", lambda *a: _with_hook(build(*a), Poison(at=7)))
    path = tmp_path / "checkpoint.pt"
    with pytest.raises(SystemExit) as exit_:
        main(["train", "mlp", "--dataset", "ring", "--steps", "20", "--batch-size", "16", "--checkpoint-every", "5",
              "--out", str(tmp_path)])
    message = exit_.value.code
    assert message.startswith("python -m gan_course: error: training diverged: ") and "at step 8" in message
    assert f"The last good checkpoint, {path} (step 5), is kept. Try a lower --lr (this run's is 0.0002) with " \
           "--start-over." in message
    assert torch.load(path, weights_only=True)["step"] == 5
    assert not list(tmp_path.glob("*.tmp"))


def test_an_enormous_learning_rate_ends_in_one_message_as_a_user_types_it(tmp_path):
    result = subprocess.run([sys.executable, "-m", "gan_course", "train", "mlp", "--dataset", "ring", "--steps", "50",
                             "--lr", "1e6", "--out", str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                            timeout=300)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("python -m gan_course: error: training diverged: ") and "at step " in last
    assert "No checkpoint had been saved. Try a lower --lr (this run's is 1e+06) with --start-over." in last


@pytest.mark.parametrize("lr", ["inf", "nan", "-1"])
def test_a_learning_rate_that_is_not_a_positive_finite_number_is_refused(lr, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "mlp", "--dataset", "ring", "--lr", lr, "--out", str(tmp_path)])
    assert exit_.value.code == 2
    assert f"--lr must be a positive finite number, got {float(lr)}" in capsys.readouterr().err


# Writing.

def test_a_folder_that_cannot_be_written_is_refused_before_training(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "mlp", "--dataset", "ring", "--steps", "3", "--out", "/proc/self"])
    assert exit_.value.code.startswith("python -m gan_course: error: --out /proc/self cannot be written (")
    assert exit_.value.code.endswith("): choose a folder you can write to")
    assert "Training" not in capsys.readouterr().out  # nothing was trained


def test_a_failed_save_keeps_the_previous_checkpoint_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.pt"
    trainer = toy_trainer()
    trainer.fit(3)
    trainer.save_checkpoint(path)
    before = path.read_bytes()
    trainer.fit(6)

    def full_disk(state, file):
        file.write(b"half a checkpoint")
        raise RuntimeError("[enforce fail at inline_container.cc:664] . PytorchStreamWriter failed writing file "
                           "data/3: file write failed")

    monkeypatch.setattr(torch, "save", full_disk)
    with pytest.raises(CheckpointWriteError, match=f"could not write the checkpoint {path} \\(.*PytorchStreamWriter "
                                                   "failed writing file .*\\)\\. The previous checkpoint there, if "
                                                   "any, is unchanged"):
        trainer.save_checkpoint(path)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.pt"]


# Two runs into one folder.

def test_a_second_run_into_the_same_checkpoint_is_refused_while_the_first_trains(tmp_path):
    path = tmp_path / "checkpoint.pt"

    class SecondRun(Hook):
        def before_step(self, trainer):
            if trainer.step == 2:
                with pytest.raises(CheckpointLocked, match=f"another run is training into {path} \\(it holds "
                                                           f"{path}.lock\\): let it finish, or write this run to "
                                                           "another folder"):
                    toy_trainer([Checkpoint(path)]).fit(4)

    first = toy_trainer([Checkpoint(path, every=1), SecondRun()])
    first.fit(4)
    assert torch.load(path, weights_only=True)["step"] == 4  # the first run's, untouched by the second
    assert toy_trainer([Checkpoint(path)]).fit(5).step[-1] == 5  # the lock is released when the first run ends


def test_a_second_command_into_a_folder_in_use_stops_with_a_message(tmp_path):
    holder = subprocess.Popen(  # another process, as a second terminal would be, holding the run's lock
        [sys.executable, "-c", "import sys; from filelock import FileLock; lock = FileLock(sys.argv[1]); "
         "lock.acquire(); print('held', flush=True); sys.stdin.read()", str(tmp_path / "checkpoint.pt.lock")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(SystemExit) as exit_:
            main(["train", "mlp", "--dataset", "ring", "--steps", "3", "--out", str(tmp_path)])
    finally:
        holder.communicate("")
    assert exit_.value.code == (f"python -m gan_course: error: another run is training into {tmp_path / 'checkpoint.pt'}"
                                f" (it holds {tmp_path / 'checkpoint.pt.lock'}): let it finish, or write this run to "
                                "another folder")
    assert not (tmp_path / "checkpoint.pt").exists()


# The banner on resuming, and a device that is not there.

def test_resuming_says_how_many_steps_remain(tmp_path, capsys):
    arguments = ["train", "mlp", "--dataset", "ring", "--batch-size", "16", "--out", str(tmp_path)]
    main(arguments + ["--steps", "20"])
    capsys.readouterr()
    main(arguments + ["--steps", "30"])
    output = capsys.readouterr().out
    assert "to step 30;" in output and "for 30 steps" not in output
    assert f"Resumed from {tmp_path / 'checkpoint.pt'} at step 20: 10 steps to go to step 30." in output


@pytest.mark.parametrize("device, message", [
    ("gpu", "is not a torch device; use e.g. 'cpu', 'cuda', 'cuda:1' or 'mps'"),
    ("cuda", "but torch sees no CUDA GPU on this machine"),
    ("cuda:7", "but torch sees no CUDA GPU on this machine"),
])
def test_a_device_this_machine_does_not_have_ends_in_one_message(device, message, tmp_path):
    if device != "gpu" and torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU (tests/test_device_seed_profiles.py covers an index beyond them)")
    env = {**os.environ, "GAN_COURSE_DEVICE": device}
    result = subprocess.run([sys.executable, "-m", "gan_course", "train", "mlp", "--dataset", "ring", "--steps", "2",
                             "--out", str(tmp_path)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"python -m gan_course: error: GAN_COURSE_DEVICE={device!r}") and message in last
