"""Independent training runs spread over the CPU's cores: the seeds of a comparison, the variants of an ablation.

A table over several seeds and variants is a set of independent runs. On the CPU, :func:`run_parallel` trains them
in worker processes, each with an equal share of the cores' threads, and returns their results in the order of the
jobs. Every run seeds itself, so the results are those of a sequential loop up to the floating-point effects of a
different thread count. Workers are forked where the platform allows it, so functions and objects defined in a
notebook cell stay usable (spawn would re-import ``__main__``).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable, Sequence, TypeVar

import torch

from gan_course.progress import progress_bar

Result = TypeVar("Result")


def worker_count(workers: int | str, jobs: int, device: torch.device) -> int:
    """How many runs to train at once: ``workers``, or for ``"auto"`` one per CPU core (at most one per job) on the
    CPU and 1 on an accelerator, where one device trains one run at a time."""
    if workers == "auto":
        return max(1, min(os.cpu_count() or 1, jobs)) if device.type == "cpu" else 1
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers (runs trained at once) must be a positive integer or 'auto', got {workers!r}")
    if workers > 1 and device.type != "cpu":
        raise ValueError(f"workers > 1 trains runs in parallel CPU processes; on {device.type} use workers=1 (one "
                         f"device runs one training at a time) or pass device='cpu'")
    return workers


def _with_threads(function: Callable[..., Result], threads: int, job: tuple) -> Result:
    torch.set_num_threads(threads)
    return function(*job)


def run_parallel(
    function: Callable[..., Result],
    jobs: Sequence[tuple],
    workers: int | str = 1,
    device: torch.device | str = "cpu",
    description: str = "training",
    progress: bool = True,
) -> list[Result]:
    """``[function(*job) for job in jobs]``, with ``workers`` jobs at a time in worker processes when ``workers > 1``
    (on the CPU only; ``"auto"``: see :func:`worker_count`). Each worker gets ``cpu_count // workers`` threads. The
    results keep the order of ``jobs``; put the longest jobs first so that the workers finish together."""
    jobs = [tuple(job) for job in jobs]
    if not jobs:
        raise ValueError("jobs is empty: give at least one tuple of arguments for the function")
    workers = min(worker_count(workers, len(jobs), torch.device(device)), len(jobs))
    bar = progress_bar(len(jobs), description, "run", enabled=progress)
    try:
        if workers == 1:
            results = []
            for job in jobs:
                results.append(function(*job))
                bar.update()
            return results
        for job in jobs:
            try:
                pickle.dumps((function, job))
            except (pickle.PicklingError, AttributeError, TypeError) as error:
                raise ValueError(f"the job {job!r} cannot be sent to a worker process ({error}); define what it uses "
                                 f"at module level (not inside a function) or use workers=1") from None
        threads = max(1, (os.cpu_count() or 1) // workers)
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(_with_threads, function, threads, job) for job in jobs]
            for future in as_completed(futures):
                future.result()
                bar.update()
            return [future.result() for future in futures]
    finally:
        bar.close()

