"""Independent runs spread over worker processes: the results of a sequential loop, in the order of the jobs."""

from __future__ import annotations

import pytest
import torch

from gan_course.training.parallel import run_parallel, worker_count


def seeded_draw(seed: int, n: int) -> tuple[int, float, int]:
    generator = torch.Generator().manual_seed(seed)
    return seed, torch.randn(n, generator=generator).sum().item(), torch.get_num_threads()


def test_workers_return_what_a_loop_returns_in_the_order_of_the_jobs():
    jobs = [(seed, 100 + seed) for seed in (5, 1, 4, 2)]
    loop = run_parallel(seeded_draw, jobs, workers=1, progress=False)
    two = run_parallel(seeded_draw, jobs, workers=2, progress=False)
    assert [result[:2] for result in two] == [result[:2] for result in loop] == [seeded_draw(*job)[:2] for job in jobs]
    assert [seed for seed, *_ in two] == [5, 1, 4, 2]


def test_each_worker_gets_its_share_of_the_threads(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    results = run_parallel(seeded_draw, [(0, 1), (1, 1)], workers=2, progress=False)
    assert [threads for *_, threads in results] == [2, 2]


def test_worker_count_and_bad_input_are_explained():
    cpu, meta = torch.device("cpu"), torch.device("meta")
    assert worker_count("auto", 1, cpu) == 1 and worker_count("auto", 50, meta) == 1 and worker_count(3, 2, cpu) == 3
    for bad in (0, -1, "all", 1.5, True):
        with pytest.raises(ValueError, match="positive integer or 'auto'"):
            worker_count(bad, 4, cpu)
    with pytest.raises(ValueError, match="workers=1"):
        worker_count(2, 4, meta)
    with pytest.raises(ValueError, match="jobs is empty"):
        run_parallel(seeded_draw, [], workers=2)
    with pytest.raises(ValueError, match="cannot be sent to a worker process"):
        run_parallel(lambda seed: seed, [(0,), (1,)], workers=2, progress=False)
