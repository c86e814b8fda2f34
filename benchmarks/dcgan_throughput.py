"""Training throughput of DCGAN at 64x64 (batch 64, nz 100, ngf = ndf = 64) on synthetic data, in images per second.

    python benchmarks/dcgan_throughput.py                       # the course's GANTrainer, full precision
    python benchmarks/dcgan_throughput.py --channels-last --compile --amp bf16
    python benchmarks/dcgan_throughput.py --loop reference      # pytorch/examples' dcgan/main.py step, for comparison
    python benchmarks/dcgan_throughput.py --loop reference --fake-data-loader   # ... with its FakeData DataLoader too

``--loop course`` times the course's loop, :meth:`gan_course.training.GANTrainer.fit` on the run that the ``dcgan``
recipe builds at its ``gpu`` sizes (``RECIPES["dcgan"]``, the settings the DCGAN chapter, its pretrained card and the
command line use; with hooks, history and divergence guard as every chapter has them). ``--loop reference`` times the training step of pytorch/examples' ``dcgan/main.py`` (BSD-3-Clause), transcribed below: the
same architecture and Adam(2e-4, β1 = 0.5), a sigmoid D with ``BCELoss``, the D-step fakes reused for the G step, and
its per-iteration ``.item()`` calls and log line (written to a null device here). Its ``--dataset fake`` reads
torchvision's ``FakeData`` (PIL images, resized and normalised by two loader workers); ``--fake-data-loader`` adds
that, otherwise both loops take batches from the same tensor already on the device, so the numbers compare the steps.

One "image" is one real image of a training iteration (one D update and one G update on a batch of 64). The script
warms up, then times ``--iters`` iterations between two device synchronisations and prints images per second.
The course loop's synthetic data are ``batch_size`` random images in [-1, 1] on the device, reshuffled every epoch.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Callable, Iterator

import torch
from torch import Tensor, nn

from gan_course import default_device, seed_everything
from gan_course.data import LabeledImages
from gan_course.models import DCGANDiscriminator, DCGANGenerator
from gan_course.recipes import RECIPES
from gan_course.training import Acceleration

RECIPE, PROFILE = RECIPES["dcgan"], "gpu"  # pytorch/examples' sizes: ngf = ndf = 64, nz = 100
SETTINGS = RECIPE.settings_for(PROFILE)
IMAGE_SIZE, CHANNELS, LATENT, WIDTH = 64, 3, SETTINGS["latent_dim"], SETTINGS["width"]
LR, BETAS = SETTINGS["lr"], (SETTINGS["beta1"], 0.999)


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def synthetic_batches(batch_size: int, device: torch.device) -> Iterator[Tensor]:
    """An endless stream of one fixed batch of uniform images in [-1, 1], already on ``device``."""
    batch = torch.rand(batch_size, CHANNELS, IMAGE_SIZE, IMAGE_SIZE, device=device) * 2 - 1
    while True:
        yield batch


def fake_data_loader(batch_size: int, device: torch.device) -> Iterator[Tensor]:
    """pytorch/examples' ``--dataset fake``: torchvision FakeData, resize, ToTensor, Normalize, two workers."""
    from torchvision import datasets, transforms

    dataset = datasets.FakeData(
        image_size=(CHANNELS, IMAGE_SIZE, IMAGE_SIZE),
        transform=transforms.Compose(
            [transforms.Resize(IMAGE_SIZE), transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.5,) * 3)]
        ),
    )
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=2, drop_last=True)
    while True:
        for images, _ in loader:
            yield images.to(device)


def course_loop(args: argparse.Namespace, device: torch.device) -> Callable[[int], None]:
    """``train(n)``: n more iterations of the course's loop on the DCGAN recipe (Radford et al.'s settings)."""
    images = torch.rand(args.batch_size, CHANNELS, IMAGE_SIZE, IMAGE_SIZE, device=device) * 2 - 1
    synthetic = LabeledImages(images, torch.zeros(len(images), dtype=torch.long), "synthetic", None)
    trainer = RECIPE.trainer(
        synthetic, PROFILE, device, batch_size=args.batch_size, n_fixed=1, log_every=10**9,
        acceleration=Acceleration(channels_last=args.channels_last, amp=args.amp, compile=args.compile),
    )
    if args.fake_data_loader:
        trainer.data = fake_data_loader(args.batch_size, device)
    return lambda n: trainer.fit(trainer.step + n)


def reference_loop(args: argparse.Namespace, device: torch.device) -> Callable[[int], None]:
    """``train(n)``: n iterations of the loop body of pytorch/examples' dcgan/main.py, on the same networks with a
    sigmoid after D."""
    data = fake_data_loader(args.batch_size, device) if args.fake_data_loader else synthetic_batches(args.batch_size, device)
    net_g = DCGANGenerator(LATENT, IMAGE_SIZE, CHANNELS, WIDTH).to(device)
    net_d = nn.Sequential(DCGANDiscriminator(IMAGE_SIZE, CHANNELS, WIDTH), nn.Sigmoid()).to(device)
    criterion = nn.BCELoss()
    optimizer_d = torch.optim.Adam(net_d.parameters(), lr=LR, betas=BETAS)
    optimizer_g = torch.optim.Adam(net_g.parameters(), lr=LR, betas=BETAS)
    log = open(os.devnull, "w")

    def step() -> None:
        net_d.zero_grad()
        real = next(data)
        batch_size = real.size(0)
        label = torch.full((batch_size,), 1.0, device=device)
        output = net_d(real)
        err_d_real = criterion(output, label)
        err_d_real.backward()
        d_x = output.mean().item()
        fake = net_g(torch.randn(batch_size, LATENT, device=device))
        label.fill_(0.0)
        output = net_d(fake.detach())
        err_d_fake = criterion(output, label)
        err_d_fake.backward()
        d_g_z1 = output.mean().item()
        err_d = err_d_real + err_d_fake
        optimizer_d.step()
        net_g.zero_grad()
        label.fill_(1.0)
        output = net_d(fake)
        err_g = criterion(output, label)
        err_g.backward()
        d_g_z2 = output.mean().item()
        optimizer_g.step()
        print(f"Loss_D: {err_d.item():.4f} Loss_G: {err_g.item():.4f} D(x): {d_x:.4f} D(G(z)): {d_g_z1:.4f} / {d_g_z2:.4f}", file=log)

    def train(n: int) -> None:
        for _ in range(n):
            step()

    return train


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loop", choices=("course", "reference"), default="course")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--iters", type=int, default=20, help="timed training iterations")
    parser.add_argument("--warmup", type=int, default=3, help="untimed iterations first (compilation, cuDNN autotuning)")
    parser.add_argument("--channels-last", action="store_true", help="course loop: NHWC memory layout")
    parser.add_argument("--amp", choices=("bf16", "fp16"), help="course loop: mixed precision (GPU)")
    parser.add_argument("--compile", action="store_true", help="course loop: torch.compile both networks")
    parser.add_argument("--fake-data-loader", action="store_true", help="read torchvision FakeData like main.py")
    args = parser.parse_args(argv)
    if args.loop == "reference" and (args.channels_last or args.amp or args.compile):
        parser.error("--channels-last, --amp and --compile are options of the course loop; main.py has none of them")
    if args.iters < 1 or args.warmup < 0 or args.batch_size < 1:
        parser.error("--iters and --batch-size must be positive and --warmup non-negative")

    seed_everything(0)
    device = default_device()
    torch.backends.cudnn.benchmark = True  # main.py sets it too
    train = (course_loop if args.loop == "course" else reference_loop)(args, device)
    train(args.warmup)
    synchronize(device)
    start = time.perf_counter()
    train(args.iters)
    synchronize(device)
    seconds = time.perf_counter() - start
    options = [name for name in ("channels_last", "compile") if getattr(args, name)] + ([f"amp={args.amp}"] if args.amp else [])
    name = (device.type if device.type != "cuda" else torch.cuda.get_device_name(device)) + f", {torch.get_num_threads()} threads" * (device.type == "cpu")
    print(
        f"{args.loop} loop{' (' + ', '.join(options) + ')' if options else ''}"
        f"{', FakeData loader' if args.fake_data_loader else ''} on {name}: "
        f"{args.iters * args.batch_size / seconds:.1f} images/s ({1000 * seconds / args.iters:.1f} ms per iteration, "
        f"batch {args.batch_size}, {args.iters} iterations)"
    )


if __name__ == "__main__":
    main()
