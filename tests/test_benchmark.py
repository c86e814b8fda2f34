"""The throughput benchmarks run (a smoke test: speed itself is measured by running the scripts, not here)."""

from __future__ import annotations

import sys

import pytest
import torch

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import dcgan_throughput  # noqa: E402
import distributed_throughput  # noqa: E402


@pytest.mark.parametrize("loop, options", [("course", ["--channels-last"]), ("reference", [])])
def test_the_benchmark_prints_images_per_second(loop, options, capsys):
    dcgan_throughput.main(["--loop", loop, "--iters", "1", "--warmup", "0", "--batch-size", "4", *options])
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{loop} loop") and "images/s" in line and "batch 4, 1 iterations" in line
    assert float(line.split(": ")[1].split(" images/s")[0]) > 0


def test_the_reference_loop_refuses_the_course_options(capsys):
    with pytest.raises(SystemExit):
        dcgan_throughput.main(["--loop", "reference", "--compile"])
    assert "options of the course loop" in capsys.readouterr().err


def test_the_distributed_benchmark_prints_images_per_second_in_one_process(capsys):
    threads = torch.get_num_threads()
    try:
        distributed_throughput.main(["--threads", "1", "--profile", "fast", "--iters", "1", "--warmup", "0"])
    finally:
        torch.set_num_threads(threads)  # the script sets this process's threads
    line = capsys.readouterr().out.strip()
    prefix = "dcgan recipe, fast profile, global batch 64: 1 process x 1 thread on cpu: "
    assert line.startswith(prefix) and float(line[len(prefix):].split(" images/s")[0]) > 0
