"""Training throughput of the DCGAN recipe on one process or several (``torchrun``), in images per second.

    python benchmarks/distributed_throughput.py --threads 1                        # one process, one thread
    python benchmarks/distributed_throughput.py --threads 2                        # one process, two threads
    torchrun --nproc_per_node 2 benchmarks/distributed_throughput.py --threads 1  # two processes, one thread each

The run is the ``dcgan`` recipe at ``--profile`` (default ``cpu``: width 32, global batch 64, 28×28) on synthetic
images in [-1, 1], built as the command line builds it; on several processes each trains its half of every global
batch and ``DistributedDataParallel`` averages the gradients (:mod:`gan_course.distributed`). One "image" is one real
image of the global batch in one iteration (one D update and one G update). The script warms up, then times
``--iters`` iterations between two barriers and prints, from rank 0, images per second for all processes together.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import torch.distributed as dist

from gan_course import default_device, seed_everything
from gan_course.data import LabeledImages
from gan_course.distributed import process_group
from gan_course.recipes import RECIPES


def barrier() -> None:
    if dist.is_initialized():
        dist.barrier()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, required=True, help="torch threads per process")
    parser.add_argument("--profile", default="cpu", choices=("fast", "cpu", "gpu"))
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    with process_group() as shard:
        seed_everything(0)
        images = torch.rand(2048, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
        data = LabeledImages(images, torch.zeros(len(images), dtype=torch.long), "synthetic", Path("."))
        trainer = RECIPES["dcgan"].trainer(data, args.profile, default_device())
        batch = RECIPES["dcgan"].settings_for(args.profile)["batch_size"]
        trainer.fit(args.warmup)
        barrier()
        start = time.perf_counter()
        trainer.fit(args.warmup + args.iters)
        barrier()
        seconds = time.perf_counter() - start
        if shard.rank == 0:
            print(f"dcgan recipe, {args.profile} profile, global batch {batch}: {shard.world_size} process"
                  f"{'es' if shard.world_size > 1 else ''} x {args.threads} thread{'s' if args.threads > 1 else ''} "
                  f"on {trainer.device}: {args.iters * batch / seconds:.1f} images/s ({args.iters} iterations in "
                  f"{seconds:.1f} s)")


if __name__ == "__main__":
    main()
