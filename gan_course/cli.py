"""The command line: ``python -m gan_course train <model> --dataset <name> --steps N --out DIR``.

It wires a model, a dataset and a loss into the same :class:`~gan_course.training.GANTrainer` the chapters use, saves
a checkpoint as it goes (re-running the same command resumes it), and writes the loss history and a figure of samples.
``--dry-run`` makes two steps on small batches: a smoke test that every piece fits, in a few seconds.
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import matplotlib.pyplot as plt
import torch
from torch import nn

from gan_course.data import SamplerStream, TensorStream, gaussian_1d, grid, load_mnist, ring
from gan_course.data.toy import SwissRoll
from gan_course.device import default_device
from gan_course.losses import GENERATOR_LOSSES, discriminator_loss
from gan_course.models import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator
from gan_course.plotting import plot_history, plot_samples
from gan_course.seed import seed_everything
from gan_course.training import GANTrainer, History


@dataclass
class Dataset:
    """A training stream, the shape of one sample, a reference batch for figures, and G's output layer."""

    stream: TensorStream | SamplerStream
    shape: tuple[int, ...]
    reference: torch.Tensor
    output: str


def _toy(distribution) -> Callable[[int, int], Dataset]:
    def make(batch_size: int, seed: int) -> Dataset:
        reference = distribution.sample(2000, generator=torch.Generator().manual_seed(seed + 1))
        return Dataset(SamplerStream(distribution, batch_size, seed), (distribution.dim,), reference, "linear")

    return make


def _mnist(batch_size: int, seed: int) -> Dataset:
    data = load_mnist()
    return Dataset(TensorStream(data.images, batch_size, seed), tuple(data.images.shape[1:]), data.images[:64], "tanh")


DATASETS: dict[str, Callable[[int, int], Dataset]] = {
    "mnist": _mnist,
    "gaussian": _toy(gaussian_1d(mean=4.0, std=0.5)),
    "ring": _toy(ring()),
    "grid": _toy(grid()),
    "swissroll": _toy(SwissRoll()),
}


def _mlp(latent_dim: int, data: Dataset) -> tuple[nn.Module, nn.Module]:
    small = len(data.shape) == 1
    hidden_g, hidden_d = ((128, 128), (128, 128)) if small else ((256, 512), (512, 256))
    return (
        MLPGenerator(latent_dim, data.shape, hidden=hidden_g, output=data.output),
        MLPDiscriminator(data.shape, hidden=hidden_d),
    )


def _dcgan(latent_dim: int, data: Dataset) -> tuple[nn.Module, nn.Module]:
    channels, size, _ = data.shape
    return DCGANGenerator(latent_dim, size, channels), DCGANDiscriminator(size, channels)


MODELS: dict[str, Callable[[int, Dataset], tuple[nn.Module, nn.Module]]] = {"mlp": _mlp, "dcgan": _dcgan}
IMAGE_DATASETS = ("mnist",)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m gan_course", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a GAN (the device is chosen by gan_course.device; "
                                "set GAN_COURSE_DEVICE to force one)")
    train.add_argument("model", choices=sorted(MODELS))
    train.add_argument("--dataset", choices=sorted(DATASETS), required=True)
    train.add_argument("--steps", type=int, default=5000, help="generator updates in all (default 5000)")
    train.add_argument("--out", type=Path, help="output folder (default runs/<model>-<dataset>)")
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--latent-dim", type=int, default=100)
    train.add_argument("--lr", type=float, default=2e-4, help="Adam learning rate of both nets (betas 0.5, 0.999)")
    train.add_argument("--d-steps", type=int, default=1, help="discriminator updates per generator update (k)")
    train.add_argument("--g-loss", choices=sorted(GENERATOR_LOSSES), default="nonsaturating")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--checkpoint-every", type=int, default=1000)
    train.add_argument("--dry-run", action="store_true", help="two steps on batches of 8: a quick smoke test")
    args = parser.parse_args(argv)
    for name in ("steps", "batch_size", "latent_dim", "d_steps", "checkpoint_every"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive integer, got {getattr(args, name)}")
    if args.model == "dcgan" and args.dataset not in IMAGE_DATASETS:
        parser.error(f"the dcgan model needs images: use --dataset {' or '.join(IMAGE_DATASETS)} (or the mlp model "
                     f"for {args.dataset})")
    if not args.lr > 0:
        parser.error(f"--lr must be positive, got {args.lr}")
    if args.dry_run:
        args.steps, args.batch_size = 2, 8
    args.out = args.out or Path("runs") / f"{args.model}-{args.dataset}"
    return args


def _write_history(history: History, path: Path) -> None:
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["step", "d_loss", "g_loss", "d_real", "d_fake"])
        writer.writerows(zip(history.step, history.d_loss, history.g_loss, history.d_real, history.d_fake))


def train(args: argparse.Namespace) -> History:
    """Train as the arguments say; write checkpoint.pt, history.csv, history.png and samples.png into ``args.out``."""
    seed_everything(args.seed)
    device = default_device()
    data = DATASETS[args.dataset](args.batch_size, args.seed)
    generator, discriminator = (net.to(device) for net in MODELS[args.model](args.latent_dim, data))
    trainer = GANTrainer(
        generator,
        discriminator,
        torch.optim.Adam(generator.parameters(), lr=args.lr, betas=(0.5, 0.999)),
        torch.optim.Adam(discriminator.parameters(), lr=args.lr, betas=(0.5, 0.999)),
        data.stream,
        discriminator_loss,
        GENERATOR_LOSSES[args.g_loss],
        latent_dim=args.latent_dim,
        d_steps=args.d_steps,
        progress=not args.dry_run,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"Training {args.model} on {args.dataset} on {device} for {args.steps} steps; writing to {args.out}")
    history = trainer.fit(args.steps, checkpoint=args.out / "checkpoint.pt", checkpoint_every=args.checkpoint_every)
    _write_history(history, args.out / "history.csv")
    plot_history(history, smooth=max(1, len(history) // 50)).savefig(args.out / "history.png", dpi=100)
    images = len(data.shape) == 3
    samples = trainer.sample(64 if images else len(data.reference))
    ax = plot_samples(samples, real=None if images else data.reference, title=f"step {trainer.step}")
    ax.figure.savefig(args.out / "samples.png", dpi=100)
    plt.close("all")
    print(
        f"step {trainer.step}: D loss {history.d_loss[-1]:.4f}, G loss {history.g_loss[-1]:.4f}, "
        f"mean D(x) {history.d_real[-1]:.3f}, mean D(G(z)) {history.d_fake[-1]:.3f}"
    )
    return history


def main(argv: Sequence[str] | None = None) -> History:
    return train(parse_args(argv))
