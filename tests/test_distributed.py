"""Training across processes (gan_course.distributed): the splits of batches and draws in one process, and runs on
two CPU processes with gloo, launched by torchrun from here (tests/distributed_scenarios.py) with a free port and a
time limit, compared with the same runs in one process."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

import distributed_scenarios as scenarios
from conftest import MNIST_SOURCES, MNIST_TEST_FILES, ROOT
from gan_course.data import SamplerStream, TensorStream, ring
from gan_course.distributed import Shard, current_shard, first_message, local_rows
from gan_course.latent import Latent
from gan_course.metrics.samples import batches
from gan_course.recipes import RECIPES
from gan_course.recipes.trainers import synchronised
from gan_course.training import Checkpoint, ProgressiveGrowing, ProgressiveReals

PROCESSES = 2
LIMIT_S = 240  # a launch takes about 15 s on two idle cores


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def torchrun(*arguments: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``torchrun --nproc_per_node 2 …`` on the CPU, on a free port, stopped after ``LIMIT_S`` seconds."""
    command = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={PROCESSES}",
               "--master_addr=127.0.0.1", f"--master_port={free_port()}", *arguments]
    environment = {**os.environ, "GAN_COURSE_DEVICE": "cpu", "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=LIMIT_S)
    if result.returncode != 0:  # torchrun's own warnings left out, the processes' tracebacks kept
        output = "\n".join(line for line in (result.stdout + result.stderr).splitlines() if not line.startswith("W"))
        pytest.fail(f"torchrun exited with {result.returncode}:\n{output[-8000:]}")
    return result


# One process: how batches and draws are split.

def test_shard_rows_split_a_batch_into_disjoint_equal_slices():
    assert [Shard(rank, 4).rows(12) for rank in range(4)] == [slice(0, 3), slice(3, 6), slice(6, 9), slice(9, 12)]
    with pytest.raises(ValueError, match="cannot be split evenly over 4 processes: choose a multiple of 4"):
        Shard(1, 4).rows(10)
    with pytest.raises(ValueError, match="rank must be in"):
        Shard(2, 2)
    assert current_shard() == Shard()  # no process group here


def test_tensor_stream_shards_make_up_the_one_process_batches():
    data = torch.arange(40.0).reshape(20, 2)
    labels = torch.arange(20)
    whole = TensorStream(data, 8, seed=3, labels=labels)
    shards = [TensorStream(data, 8, seed=3, labels=labels, shard=Shard(rank, 2)) for rank in range(2)]
    assert shards[0].local_batch_size == 4
    for _ in range(5):  # across epoch boundaries (two batches per epoch)
        images, targets = next(whole)
        parts = [next(stream) for stream in shards]
        assert torch.equal(torch.cat([part[0] for part in parts]), images)
        assert torch.equal(torch.cat([part[1] for part in parts]), targets)
    assert all(stream.state_dict() == whole.state_dict() for stream in shards)
    with pytest.raises(ValueError, match="batch_size of 9 cannot be split evenly over 2 processes"):
        TensorStream(data, 9, shard=Shard(0, 2))


def test_sampler_stream_shards_make_up_the_one_process_batches():
    whole = SamplerStream(ring(), 6, seed=1)
    shards = [SamplerStream(ring(), 6, seed=1, shard=Shard(rank, 3)) for rank in range(3)]
    for _ in range(2):
        assert torch.equal(torch.cat([next(stream) for stream in shards]), next(whole))


def test_progressive_reals_count_the_global_batch():
    images = torch.zeros(16, 1, 8, 8)
    reals = ProgressiveReals(TensorStream(images, 8, shard=Shard(1, 2)))
    reals.set_stage(8)
    assert len(next(reals)) == 4
    assert reals.images_shown == 8  # what both processes together showed D


def test_local_rows_in_one_process_is_the_draw_itself():
    torch.manual_seed(0)
    drawn = local_rows(lambda rows: Latent(torch.randn(rows, 3), torch.arange(rows)), 5)
    assert len(drawn) == 5 and torch.equal(drawn.labels, torch.arange(5))
    latent = Latent(torch.randn(6, 2), torch.arange(6), {"c": torch.arange(6) * 2})
    part = latent[slice(2, 4)]
    assert torch.equal(part.z, latent.z[2:4]) and part.labels.tolist() == [2, 3] and part.codes["c"].tolist() == [4, 6]


def test_metric_batches_split_over_processes_make_up_the_one_process_batches():
    generator = nn.Sequential(nn.Linear(4, 3))
    generator.latent_dim = 4
    whole = list(batches(generator, 10, batch_size=3, seed=2))
    parts = [list(batches(generator, 10, batch_size=3, seed=2, shard=Shard(rank, 2))) for rank in range(2)]
    assert [len(part) for part in parts] == [2, 2]
    for index, batch in enumerate(whole):
        assert torch.equal(parts[index % 2][index // 2], batch)
    with pytest.raises(ValueError, match="a sampling function cannot be split over processes"):
        next(batches(ring().sample, 10, shard=Shard(0, 2)))


def test_sync_batch_norm_on_the_cpu_is_refused_with_what_to_do():
    network = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    assert synchronised(network, False) is network
    with pytest.raises(ValueError, match="sync_batch_norm needs CUDA .* leave it off"):
        synchronised(network, True)


def test_first_message_in_one_process_is_the_message():
    assert first_message(None) is None
    assert first_message("diverged") == "diverged"


# Two processes, launched by torchrun.

@pytest.fixture(scope="module")
def two_processes(tmp_path_factory) -> Path:
    """The scenarios trained on two processes (the protocol's too when MNIST's test split is here)."""
    out = tmp_path_factory.mktemp("two-processes")
    source = next((folder for folder in MNIST_SOURCES if all((folder / name).is_file() for name in MNIST_TEST_FILES)),
                  None)
    root = []
    if source is not None:
        (out / "data" / "MNIST" / "raw").mkdir(parents=True)
        for name in MNIST_TEST_FILES:
            shutil.copy(source / name, out / "data" / "MNIST" / "raw" / name)
        root = [str(out / "data")]
    torchrun(str(ROOT / "tests" / "distributed_scenarios.py"), str(out), *root)
    return out


def assert_same_run(first: dict, second: dict, exact: bool = False) -> None:
    for name, parameters in first["parameters"].items():
        for key, value in parameters.items():
            if exact:
                assert torch.equal(value, second["parameters"][name][key]), f"{name}.{key}"
            else:
                torch.testing.assert_close(value, second["parameters"][name][key], rtol=1e-4, atol=1e-5,
                                           msg=f"{name}.{key}")
    assert first["history"].keys() == second["history"].keys()
    for name, values in first["history"].items():
        torch.testing.assert_close(torch.tensor(values), torch.tensor(second["history"][name]), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("objective", list(scenarios.OBJECTIVES))
def test_two_processes_train_what_one_process_trains_with_the_same_global_batch(two_processes, objective):
    one = scenarios.toy_trainer(objective)
    one.fit(scenarios.STEPS)
    two = torch.load(two_processes / f"{objective}.pt")
    assert_same_run(scenarios.outcome(one), two)
    initial = scenarios.toy_trainer(objective)  # and the runs did train: G's weights moved from their initial values
    assert any(not torch.allclose(value, dict(initial.networks["generator"].named_parameters())[key])
               for key, value in two["parameters"]["generator"].items())


def test_progan_grows_on_two_processes_as_on_one(two_processes):
    """Blocks unused below full resolution (DDP's find_unused_parameters), the fade, Adam's resets and the schedule's
    clock counting the global batch: without the minibatch standard deviation the run is the one-process run."""
    two = torch.load(two_processes / "progan.pt")
    one = scenarios.progan_run()
    schedule = next(hook.schedule for hook in one.hooks if isinstance(hook, ProgressiveGrowing))
    assert two["history"]["images_shown"] == [8.0 * step for step in range(8)]  # 8 images a step: both halves
    assert two["history"]["lod"] == [schedule(8 * step).lod for step in range(8)]
    assert 0.5 in two["history"]["lod"] and two["history"]["lod"][-1] == 0  # it faded 8 x 8 in and trained there
    assert_same_run(scenarios.outcome(one), two)


def test_batch_norm_normalises_by_each_process_rows(two_processes):
    """The documented difference: on two CPU processes batch norm uses each process's half of the batch, so the run
    differs from one process with the whole batch, and equals one process whose batch norm normalises each half."""
    two = torch.load(two_processes / "batch-norm.pt")
    whole = scenarios.batch_norm_trainer()
    whole.fit(3)
    difference = max((value - dict(whole.networks[name].named_parameters())[key]).abs().max().item()
                     for name, parameters in two["parameters"].items() for key, value in parameters.items())
    assert difference > 1e-3
    halves = scenarios.batch_norm_trainer()
    for network in halves.networks.values():
        layers = [(parent, name, child) for parent in network.modules() for name, child in parent.named_children()
                  if isinstance(child, nn.BatchNorm2d)]
        for parent, name, child in layers:
            setattr(parent, name, scenarios.GhostBatchNorm(child, PROCESSES))
    halves.fit(3)
    for name, parameters in two["parameters"].items():
        ghost = {key.replace(".layer.", "."): value for key, value in halves.networks[name].named_parameters()}
        for key, value in parameters.items():
            torch.testing.assert_close(value, ghost[key], rtol=1e-4, atol=1e-5, msg=f"{name}.{key}")


def test_a_checkpoint_of_two_processes_resumes_on_two_and_on_one(two_processes, tmp_path):
    uninterrupted = torch.load(two_processes / "non-saturating.pt")
    assert_same_run(torch.load(two_processes / "resumed.pt"), uninterrupted, exact=True)
    state = torch.load(two_processes / "half-way.pt", weights_only=True)
    assert state["step"] == scenarios.STEPS // 2 and len(state["rng_ranks"]) == PROCESSES
    path = tmp_path / "checkpoint.pt"
    shutil.copy(two_processes / "half-way.pt", path)
    resumed_on_one = scenarios.toy_trainer("non-saturating", (Checkpoint(path),))
    resumed_on_one.fit(scenarios.STEPS)
    assert resumed_on_one.history.step[0] == 1  # the history of the first half came from the checkpoint
    assert_same_run(scenarios.outcome(resumed_on_one), uninterrupted)


def test_the_protocol_scores_the_same_on_two_processes(two_processes, mnist_test_split):
    if not (two_processes / "protocol.pt").is_file():
        pytest.skip("MNIST's test split was not found for the two-process run")
    assert torch.load(two_processes / "protocol.pt") == scenarios.protocol_score(mnist_test_split)


def test_every_recipe_trains_on_two_processes_from_the_command_line(two_processes):
    if not (two_processes / "protocol.pt").is_file():
        pytest.skip("MNIST's test split was not found for the two-process run")
    for recipe in RECIPES:
        written = {path.name for path in (two_processes / "recipes" / recipe).iterdir()}
        assert written == {"history.csv", "history.png", "samples.png"}, recipe  # a dry run keeps no checkpoint
        rows = (two_processes / "recipes" / recipe / "history.csv").read_text().splitlines()
        assert len(rows) == 3 and "nan" not in rows[-1], recipe  # a header and two steps, finite


def test_the_ranks_decide_together(two_processes):
    """Only the last rank had something to say, or NaN weights: both ranks learn it and stop at the same step."""
    said = [(two_processes / f"first-message-{rank}.txt").read_text() for rank in range(PROCESSES)]
    assert said == [f"(rank {PROCESSES - 1} of {PROCESSES}) stop"] * PROCESSES
    messages = [(two_processes / f"diverged-{rank}.txt").read_text() for rank in range(PROCESSES)]
    assert messages[0] == messages[1] and "training diverged" in messages[0] and "at step 3" in messages[0]


def test_the_command_line_trains_on_two_processes_and_resumes_on_one(tmp_path):
    out = tmp_path / "run"
    arguments = ["train", "mlp", "--dataset", "ring", "--batch-size", "8", "--out", str(out)]
    launched = torchrun("-m", "gan_course", *arguments, "--steps", "4")
    assert launched.stdout.count("Training the mlp recipe") == 1  # rank 0 prints, the other rank does not
    assert "on 2 processes to step 4" in launched.stdout
    assert {path.name for path in out.iterdir()} >= {"checkpoint.pt", "history.csv", "history.png", "samples.png"}
    resumed = subprocess.run([sys.executable, "-m", "gan_course", *arguments, "--steps", "6"], cwd=ROOT,
                             capture_output=True, text=True, timeout=LIMIT_S,
                             env={**os.environ, "GAN_COURSE_DEVICE": "cpu"})
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"Resumed from {out / 'checkpoint.pt'} at step 4: 2 steps to go to step 6." in resumed.stdout
    assert (out / "history.csv").read_text().count("\n") == 7  # a header and steps 1 to 6
