"""The runs that tests/test_distributed.py compares across numbers of processes, and a script that trains them under
``torchrun``:

    python -m torch.distributed.run --nproc_per_node 2 tests/distributed_scenarios.py OUT [MNIST_ROOT]

Every rank trains each scenario; rank 0 saves what it ends with into OUT (``<scenario>.pt``) for the test to compare
with the same function run in one process; the dry run of every recipe writes into ``recipes/<recipe>``. Each rank
writes what it decided when only the last rank had something to
say (``first-message-<rank>.txt``) and the message it stopped with when the last rank's weights became NaN
(``diverged-<rank>.txt``).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from gan_course import cli
from gan_course.data import SamplerStream, ring
from gan_course.distributed import current_shard, first_message, is_main, process_group
from gan_course.losses import WGANGP, NonSaturating
from gan_course.metrics import MNISTEvaluation
from gan_course.models import DCGANGenerator
from gan_course.recipes import RECIPES, dcgan_trainer, mlp_trainer, progan_trainer
from gan_course.seed import seed_everything
from gan_course.training import Checkpoint, GANTrainer, Hook, ProgressiveSchedule, TrainingDiverged

STEPS, BATCH = 6, 16
OBJECTIVES = {"non-saturating": NonSaturating, "wgan-gp": lambda: WGANGP(lam=10.0)}


def toy_trainer(objective: str, hooks: tuple[Hook, ...] = (), log_every: int = 2) -> GANTrainer:
    """A model without batch norm: the first chapter's MLPs on the ring, global batch ``BATCH``, seeded."""
    seed_everything(0)
    return mlp_trainer(SamplerStream(ring(), BATCH, seed=0), (2,), latent_dim=8, output="linear",
                       objective=OBJECTIVES[objective](), device=torch.device("cpu"), hooks=list(hooks),
                       log_every=log_every)


def batch_norm_trainer() -> GANTrainer:
    """DCGAN (batch norm in G and D) on 16 random 16×16 images, batch 8, width 4, seeded."""
    seed_everything(0)
    images = torch.rand(16, 1, 16, 16, generator=torch.Generator().manual_seed(1)) * 2 - 1
    return dcgan_trainer(images, latent_dim=8, width=4, batch_size=8, device=torch.device("cpu"), log_every=1)


def progan_run() -> GANTrainer:
    """ProGAN grown 4 -> 8 over 8 steps of 8 images (stable, fading, stable), without the minibatch standard deviation
    (which groups each process's rows), seeded: parameters unused at 4 x 4, Adam reset at each change of lod."""
    seed_everything(0)
    images = torch.rand(32, 1, 8, 8, generator=torch.Generator().manual_seed(2)) * 2 - 1
    schedule = ProgressiveSchedule(8, 4, training_kimg=0.016, transition_kimg=0.016, minibatch_base=8)
    trainer = progan_trainer(images, schedule, fmap_base=16, fmap_max=8, mbstd_group_size=0, ema_beta=0.9,
                             device=torch.device("cpu"), log_every=1)
    trainer.fit(8)
    return trainer


def outcome(trainer: GANTrainer) -> dict:
    """What a run ends with: its networks' parameters and its history."""
    return {"parameters": {name: {key: value.detach().clone() for key, value in net.named_parameters()}
                           for name, net in trainer.networks.items()},
            "history": {name: trainer.history[name] for name in trainer.history.names}}


def protocol_score(root: Path) -> dict:
    """The protocol's score of a DCGAN generator with seeded random weights."""
    seed_everything(0)
    generator = DCGANGenerator(100, 28, 1, 8)
    score = MNISTEvaluation(root, device=torch.device("cpu"))(generator, progress=False)
    return {"fcd": score.fcd, "histogram": score.histogram.counts}


class DivergeOnRank(Hook):
    """Make one rank's generator weights NaN after ``step`` (only there: DDP averages gradients, not weights)."""

    def __init__(self, rank: int, step: int):
        self.rank, self.step = rank, step

    def after_step(self, trainer: GANTrainer) -> None:
        if trainer.step == self.step and current_shard().rank == self.rank:
            with torch.no_grad():
                next(trainer.generator.parameters()).fill_(float("nan"))


class GhostBatchNorm(nn.Module):
    """A batch norm layer that normalises each of ``chunks`` consecutive parts of a batch by its own statistics: what
    batch norm computes on ``chunks`` processes, each with its rows of the global batch."""

    def __init__(self, layer: nn.modules.batchnorm._BatchNorm, chunks: int):
        super().__init__()
        self.layer, self.chunks = layer, chunks

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        layer = self.layer
        return torch.cat([F.batch_norm(part, layer.running_mean, layer.running_var, layer.weight, layer.bias,
                                       self.training, layer.momentum, layer.eps) for part in x.chunk(self.chunks)])


def main(out: Path, mnist_root: Path | None) -> None:
    with process_group() as shard:
        for objective in OBJECTIVES:
            trainer = toy_trainer(objective)
            trainer.fit(STEPS)
            if is_main():
                torch.save(outcome(trainer), out / f"{objective}.pt")
        checkpoint = out / "checkpoint.pt"
        toy_trainer("non-saturating", (Checkpoint(checkpoint, every=1000),)).fit(STEPS // 2)
        if is_main():
            shutil.copy(checkpoint, out / "half-way.pt")
        resumed = toy_trainer("non-saturating", (Checkpoint(checkpoint, every=1000),))
        resumed.fit(STEPS)
        if is_main():
            torch.save(outcome(resumed), out / "resumed.pt")
        trainer = progan_run()
        if is_main():
            torch.save(outcome(trainer), out / "progan.pt")
        trainer = batch_norm_trainer()
        trainer.fit(3)
        if is_main():
            torch.save(outcome(trainer), out / "batch-norm.pt")
        if mnist_root is not None:
            score = protocol_score(mnist_root)
            if is_main():
                torch.save(score, out / "protocol.pt")
            os.environ["GAN_COURSE_DATA"] = str(mnist_root)
            for recipe in RECIPES:  # every recipe from the command line: `torchrun … -m gan_course train <recipe>`
                cli.main(["train", recipe, "--dry-run", "--out", str(out / "recipes" / recipe)])
        said = first_message("stop" if shard.rank == shard.world_size - 1 else None)
        (out / f"first-message-{shard.rank}.txt").write_text(str(said))
        try:
            toy_trainer("non-saturating", (DivergeOnRank(rank=shard.world_size - 1, step=2),), log_every=1).fit(STEPS)
            message = "did not stop"
        except TrainingDiverged as error:
            message = str(error)
        (out / f"diverged-{shard.rank}.txt").write_text(message)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
