"""The device memory of every chapter's largest ``gpu``-profile run, estimated on the CPU, against a 16 GB card.

    python benchmarks/gpu_memory.py

No chapter has run on a GPU yet. This script builds, on PyTorch's meta device (shapes only, nothing allocated), the
networks, optimizers and batches of each chapter's biggest configuration as the chapter's cells build them, with the
sizes of the chapter's ``gpu`` profile read from its ``run_sizes(...)`` cell, and counts the memory of one training
iteration and of the biggest no-grad batch the chapter draws from its generator
(:mod:`gan_course.training.memory`). It prints, per chapter and computation, the upper bound (everything resident
plus every allocation, none freed) and the live peak, in GiB, and whether the upper bound plus
:data:`ALLOWANCE_GIB` fits :data:`CARD_GIB`. ``tests/test_gpu_profile.py`` asserts the same.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gan_course.data import LabeledImages, TensorStream  # noqa: E402
from gan_course.eval_mode import eval_mode  # noqa: E402
from gan_course.latent import Normal  # noqa: E402
from gan_course.losses import (  # noqa: E402
    LSGAN,
    WGANGP,
    NonSaturating,
    discriminator_loss,
    gradient_penalty,
    wasserstein_critic_loss,
)
from gan_course.experiments.losses.critic import train_critic  # noqa: E402
from gan_course.metrics.classifier import MNISTClassifier  # noqa: E402
from gan_course.metrics.samples import batches  # noqa: E402
from gan_course.models import MLPDiscriminator, MLPGenerator  # noqa: E402
from gan_course.pretrained.store import card  # noqa: E402
from gan_course.recipes import RECIPES, dcgan_trainer  # noqa: E402
from gan_course.training import Acceleration, GANTrainer, GeneratorEMA  # noqa: E402
from gan_course.training.memory import (  # noqa: E402
    GIB,
    META,
    MemoryEstimate,
    estimate_memory,
    trainer_state,
    training_step_memory,
)
from gan_course.training.trainer import call_generator  # noqa: E402

BOOK = ROOT / "book"
PROFILES = ("fast", "cpu", "gpu")
CARD_GIB = 15.0
"""Colab's T4: 16 GB on the box, of which ``nvidia-smi`` shows 15,360 MiB (15 GiB)."""
ALLOWANCE_GIB = 1.0
"""What the estimate does not see: the CUDA context (some 300-500 MiB with lazy module loading), cuDNN's and cuBLAS's
workspaces, and the course's classifier (0.4 M parameters) scoring a batch of 500 digits."""
EVALUATION_BATCH = inspect.signature(batches).parameters["batch_size"].default
"""The batch in which :class:`~gan_course.metrics.MNISTEvaluation` draws its 2,000 samples (500)."""


# The chapters' run sizes, read without running them.

def _code(cell: dict) -> str:
    """A code cell's source, IPython's ``%magic`` and ``!shell`` lines replaced by ``pass`` so that Python parses it."""
    return re.sub(r"(?m)^([ \t]*)[%!].*$", r"\1pass", "".join(cell["source"]))


def code_cells(notebook: Path) -> list[str]:
    """The sources of the notebook's code cells."""
    return [_code(cell) for cell in json.loads(notebook.read_text())["cells"] if cell["cell_type"] == "code"]


def _literal_profile(node: ast.expr, where: str) -> dict[str, Any]:
    """A profile given as ``dict(name=literal, ...)`` or ``{"name": literal, ...}``, as a dict."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args \
            and all(keyword.arg is not None for keyword in node.keywords):
        pairs = [(keyword.arg, keyword.value) for keyword in node.keywords]
    elif isinstance(node, ast.Dict) and all(isinstance(key, ast.Constant) and isinstance(key.value, str)
                                            for key in node.keys):
        pairs = [(key.value, value) for key, value in zip(node.keys, node.values)]
    else:
        raise ValueError(f"{where} is not a literal dict(...) or {{...}}: {ast.unparse(node)[:80]}")
    try:
        return {name: ast.literal_eval(value) for name, value in pairs}
    except ValueError:
        raise ValueError(f"{where} holds a value that is not a literal: {ast.unparse(node)[:80]}") from None


def run_sizes_call(notebook: Path) -> dict[str, dict[str, Any]]:
    """The three profiles of the notebook's one ``run_sizes(fast=..., cpu=..., gpu=...)`` call, parsed from its code
    cells (nothing is executed); a clear error if there is not exactly one or a profile is not a literal dict."""
    calls = []
    for source in code_cells(notebook):
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and (getattr(node.func, "id", None) == "run_sizes"
                                               or getattr(node.func, "attr", None) == "run_sizes"):
                calls.append(node)
    if len(calls) != 1:
        raise ValueError(f"{notebook.name} calls run_sizes {len(calls)} times; a chapter picks its sizes in one call")
    call = calls[0]
    given = dict(zip(PROFILES, call.args)) | {keyword.arg: keyword.value for keyword in call.keywords}
    if set(given) != set(PROFILES):
        raise ValueError(f"{notebook.name}: run_sizes must get exactly fast=, cpu= and gpu=, got {sorted(given)}")
    return {profile: _literal_profile(given[profile], f"{notebook.name}'s {profile} profile") for profile in PROFILES}


def gpu_sizes(chapter: str) -> dict[str, Any]:
    """The ``gpu`` profile of ``book/<chapter>.ipynb``."""
    return run_sizes_call(BOOK / f"{chapter}.ipynb")["gpu"]


# Each chapter's biggest configuration, built as its cells build it, on the meta device.

def _digits(n: int, size: int = 28) -> torch.Tensor:
    """``n`` blank digits on the CPU, standing in for MNIST there: only the batches go to the device."""
    return torch.zeros(n, 1, size, size)


def _adam_gan(generator: nn.Module, discriminator: nn.Module, lr: float, betas: tuple[float, float], data: Any,
              objective: Any, prior: Any, **options: Any) -> GANTrainer:
    """A chapter's GANTrainer with Adam for both networks (the networks already on the meta device)."""
    return GANTrainer(generator, discriminator, torch.optim.Adam(generator.parameters(), lr=lr, betas=betas),
                      torch.optim.Adam(discriminator.parameters(), lr=lr, betas=betas), data, objective, prior,
                      **options)


def _on_meta(build: Callable[[], Any]) -> Any:
    """``build()`` with torch's factory functions on the meta device; a recipe's data stream, shuffled there on the
    meta device too, is reshuffled on the CPU (its ``load_state_dict``)."""
    with torch.device("meta"):
        built = build()
    if isinstance(built, GANTrainer):
        built.data.load_state_dict(built.data.state_dict())
    return built


def _sampling(trainer: GANTrainer, n: int, generator: nn.Module | None = None) -> MemoryEstimate:
    """``n`` samples of G (or ``generator``) in one no-grad batch in eval mode, with the trainer's state resident."""
    generator = generator or trainer.generator

    def sample() -> None:
        with torch.no_grad(), eval_mode(generator):
            call_generator(generator, trainer.prior.sample(n, device=META))

    return estimate_memory(sample, trainer_state(trainer))


def _gan_rows(trainer: GANTrainer, n_sample: int = EVALUATION_BATCH) -> dict[str, MemoryEstimate]:
    """One training iteration, then one batch of the evaluation's samples after it."""
    return {"training iteration": training_step_memory(trainer),
            f"sampling {n_sample} (no grad)": _sampling(trainer, n_sample)}


def _mlp_mnist(latent_dim: int, batch: int, objective: Any, lr: float) -> dict[str, MemoryEstimate]:
    """The MLP GAN on MNIST of chapters 1, 4 and 7: G 256-512, D 512-256, Adam(lr, (0.5, 0.999))."""
    data = TensorStream(_digits(batch), batch, seed=0)
    g, d = _on_meta(lambda: (MLPGenerator(latent_dim, (1, 28, 28)), MLPDiscriminator((1, 28, 28))))
    return _gan_rows(_adam_gan(g, d, lr, (0.5, 0.999), data, objective, Normal(latent_dim)))


def minimax_game(sizes: dict) -> dict[str, MemoryEstimate]:
    return _mlp_mnist(100, sizes["mnist_batch"], NonSaturating(), 2e-4)


def optimal_discriminator(sizes: dict) -> dict[str, MemoryEstimate]:
    """D alone on 1-D points (``train_discriminator``: D on a real and a fake batch, -V, Adam(1e-3))."""
    d = _on_meta(lambda: MLPDiscriminator((1,), hidden=(64, 64)))
    optimizer = torch.optim.Adam(d.parameters(), lr=1e-3)

    def update() -> None:
        real, fake = torch.zeros(sizes["batch"], 1).to(META), torch.zeros(sizes["batch"], 1).to(META)
        value = discriminator_loss(d(real), d(fake))
        optimizer.zero_grad(set_to_none=True)
        value.backward()
        optimizer.step()

    return {"D update": estimate_memory(update, [d, optimizer])}


def measuring_gans(sizes: dict) -> dict[str, MemoryEstimate]:
    return _mlp_mnist(64, 64, NonSaturating(), 2e-4)


def _dcgan(width: int, batch: int) -> GANTrainer:
    """``dcgan_trainer`` on MNIST with channels-last, as chapters 6 (its small-data runs) and 11 call it."""
    digits = _digits(batch)
    return _on_meta(lambda: dcgan_trainer(digits, width=width, batch_size=batch, device=META,
                                          acceleration=Acceleration(channels_last=True)))


def _recipe(name: str, **changes: Any) -> GANTrainer:
    """A recipe's gpu run as its chapter builds it, ``RECIPES[name].trainer(mnist, sizes.profile, device)``, on the
    meta device with blank digits standing in for MNIST (as many as the largest batch it draws)."""
    recipe = RECIPES[name]
    sizes = recipe.settings_for("gpu")
    n = sizes.get("batch_size", sizes.get("minibatch", 0))
    if recipe.data == "padded images":
        n = max(n, *recipe.schedule("gpu").minibatch_dict.values(), 0)
    mnist = LabeledImages(_digits(n), torch.zeros(n, dtype=torch.long), split="blank", root=Path("."))
    return _on_meta(lambda: recipe.trainer(mnist, "gpu", META, **changes))


def dcgan(sizes: dict) -> dict[str, MemoryEstimate]:
    """The main run (the ``dcgan`` recipe), the small-data run of width 4 x small_width, and the pool of latents
    drawn in one batch and read by the classifier."""
    main = _recipe("dcgan")
    batch_size = RECIPES["dcgan"].settings_for("gpu")["batch_size"]
    rows = _gan_rows(main)
    classifier = _on_meta(MNISTClassifier).eval()

    def pool() -> None:
        with torch.no_grad(), eval_mode(main.generator):
            classifier(main.generator(torch.randn(sizes["pool"], 100, device=META)))

    rows[f"pool of {sizes['pool']} through G and the classifier"] = estimate_memory(
        pool, [*trainer_state(main), classifier])
    small = _dcgan(4 * sizes["small_width"], min(batch_size, sizes["small_data"]))
    rows[f"training iteration, width {4 * sizes['small_width']}"] = training_step_memory(small)
    return rows


def lsgan(sizes: dict) -> dict[str, MemoryEstimate]:
    return _mlp_mnist(64, 64, LSGAN(a=0, b=1, c=1), 2e-4)


def wgan(sizes: dict) -> dict[str, MemoryEstimate]:
    """WGAN-GP on MNIST (the ``wgan-gp`` recipe: DCGAN networks, layer-norm critic, 5 critic updates with the
    penalty's double backward), and the deep critic of 11 layers trained alone with the penalty (``train_critic``,
    batches of 256)."""
    rows = _gan_rows(_recipe("wgan-gp", lr=max(sizes["mnist_lrs"])))
    critic = _on_meta(lambda: MLPDiscriminator((2,), hidden=(sizes["deep_width"],) * 11, negative_slope=0.0))
    optimizer = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
    critic_batch = inspect.signature(train_critic).parameters["batch_size"].default

    def critic_update() -> None:
        real, fake = torch.zeros(critic_batch, 2).to(META), torch.zeros(critic_batch, 2).to(META)
        loss = wasserstein_critic_loss(critic(real), critic(fake)) + gradient_penalty(critic, real, fake, weight=10.0)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    rows[f"deep critic (11 x {sizes['deep_width']}) update"] = estimate_memory(critic_update, [critic, optimizer])
    return rows


def sngan(sizes: dict) -> dict[str, MemoryEstimate]:
    """SN-GAN on MNIST (the ``sngan`` recipe: Table 3's CNN, 5 D updates, the power iteration of every layer), and
    the same networks as the comparison's WGAN-GP row (its most expensive: the penalty's double backward)."""
    rows = _gan_rows(_recipe("sngan"))
    rows["training iteration, WGAN-GP on the same networks"] = training_step_memory(
        _recipe("sngan", spectral=False, objective=WGANGP(lam=10.0, n_critic=5)))
    return rows


def conditional_gan(sizes: dict) -> dict[str, MemoryEstimate]:
    """The conditional MLP GAN (the ``cgan`` recipe): [z, onehot(y)] and [x, onehot(y)]."""
    return _gan_rows(_recipe("cgan"))


def sagan_biggan(sizes: dict) -> dict[str, MemoryEstimate]:
    """SAGAN and BigGAN at 28 x 28 (the ``biggan`` recipe: self-attention, class-conditional batch norm, the
    projection D, SN in both, orthogonal regularisation), class-conditional on Fashion-MNIST's 28 x 28 images."""
    return _gan_rows(_recipe("biggan"))


def progan(sizes: dict) -> dict[str, MemoryEstimate]:
    """ProGAN (the ``progan`` recipe) at 32 x 32 while the last block fades in (both paths computed), with its
    averaged G(s), and the DCGAN it is compared with (the ``dcgan`` recipe)."""
    progan_sizes = RECIPES["progan"].settings_for("gpu")
    schedule = RECIPES["progan"].schedule("gpu")
    fading = next(images for images in range(0, round(progan_sizes["kimg"] * 1000) + 1, 100)
                  if schedule(images).resolution == 32 and schedule(images).alpha < 1)
    trainer = _recipe("progan", hooks=[GeneratorEMA(0.999)] if progan_sizes["ema_beta"] != 0.999 else [])
    trainer.data.images_shown = fading
    rows = {"training iteration (32 x 32, fading in)": training_step_memory(trainer)}
    rows[f"sampling {EVALUATION_BATCH} (no grad)"] = _sampling(trainer, EVALUATION_BATCH)
    rows["DCGAN comparison: training iteration"] = training_step_memory(_recipe("dcgan"))
    return rows


def visualization(sizes: dict) -> dict[str, MemoryEstimate]:
    """The frozen-D runs (``dcgan_trainer`` width 32, batch 64), and the pretrained DCGAN drawing ``latents`` images
    in one batch (``unit_activations``)."""
    rows = {"training iteration": training_step_memory(_dcgan(32, 64))}
    generator, _ = _on_meta(card("dcgan-mnist").build)

    def draw() -> None:
        with torch.no_grad(), eval_mode(generator):
            generator(torch.randn(sizes["latents"], generator.latent_dim, device=META))

    rows[f"{sizes['latents']} latents through G (no grad)"] = estimate_memory(draw, [generator])
    return rows


@dataclass(frozen=True)
class Configuration:
    """A chapter's biggest gpu-profile computations: ``estimate(gpu sizes)`` gives them by name. ``cells`` are
    pieces of the chapter's code that the configuration copies; a test checks that the chapter still has them."""

    chapter: str
    estimate: Callable[[dict], dict[str, MemoryEstimate]]
    cells: tuple[str, ...]


CONFIGURATIONS = (
    Configuration("01_minimax_game", minimax_game, (
        "MLPGenerator(100, (1, 28, 28))", "MLPDiscriminator((1, 28, 28))", "lr=2e-4, betas=(0.5, 0.999)",
        "TensorStream(mnist.images, sizes.mnist_batch, seed=0)", "NonSaturating()", "Normal(100)")),
    Configuration("02_optimal_discriminator", optimal_discriminator, (
        "MLPDiscriminator((1,), hidden=(64, 64))", "torch.optim.Adam(d_net.parameters(), lr=1e-3)",
        "SamplerStream(data, sizes.batch, seed=1)", "train_discriminator(d_net")),
    Configuration("04_measuring_gans", measuring_gans, (
        "MLPGenerator(64, (1, 28, 28))", "MLPDiscriminator((1, 28, 28))", "TensorStream(mnist.images, 64, seed=0)",
        "lr=2e-4, betas=(0.5, 0.999)", "NonSaturating()", "Normal(64)")),
    Configuration("06_dcgan", dcgan, (
        "trainer = dcgan.trainer(mnist, sizes.profile, device",
        "(f\"width {4 * sizes.small_width}\", 4 * sizes.small_width)",
        "batch_size=min(dcgan_sizes[\"batch_size\"], len(small))", "pool = trainer.sample(latent=pool_z)",
        "classifier.eval()(pool.to(device))")),
    Configuration("07_progan", progan, (
        "paper_ema = [GeneratorEMA(0.999)] if ema_beta != 0.999 else []",
        "trainer = progan.trainer(mnist, sizes.profile, device, hooks=[*paper_ema, snapshots, ProgressBar()])",
        "baseline = dcgan.trainer(mnist, sizes.profile, device, seed=seed)")),
    Configuration("08_lsgan", lsgan, (
        "MLPGenerator(64, (1, 28, 28))", "MLPDiscriminator((1, 28, 28))", "TensorStream(mnist.images, 64, seed=0)",
        "LossSetup(LSGAN(a=0, b=1, c=1), lr=2e-4)")),
    Configuration("09_wgan", wgan, (
        "trainer = wgan_gp.trainer(mnist, sizes.profile, device, lr=lr)", "for lr in sizes.mnist_lrs",
        "MLPDiscriminator((2,), hidden=(sizes.deep_width,) * 11, negative_slope=0.0)",
        "train_critic(critic, roll, NoisyData(roll), sizes.deep_steps, lr=1e-3, **option)")),
    Configuration("10_sngan", sngan, (
        'sngan = RECIPES["sngan"]', '"WGAN-GP": dict(spectral=False, objective=WGANGP(lam=10.0, n_critic=5)),')),
    Configuration("14_conditional_gan", conditional_gan, (
        "return recipe.trainer(mnist, sizes.profile, device, hooks=[snapshots]), snapshots",)),
    Configuration("15_sagan_biggan", sagan_biggan, (
        'recipe = RECIPES["biggan"]', "biggan = recipe.trainer(fashion, sizes.profile, device)")),
    Configuration("16_visualization", visualization, (
        "dcgan_trainer(load_mnist_role(\"gan\").images, width=32, batch_size=64",
        "pretrained(\"dcgan-mnist\", device=device)", "z = torch.randn(sizes.latents, generator.latent_dim)",
        "unit_activations(generator, g_layer, z)")),
)


def estimates() -> dict[str, dict[str, MemoryEstimate]]:
    """Every configuration's estimates at its chapter's gpu sizes, by chapter."""
    return {config.chapter: config.estimate(gpu_sizes(config.chapter)) for config in CONFIGURATIONS}


def fits(estimate: MemoryEstimate) -> bool:
    """Whether the upper bound plus the allowance fits the card."""
    return estimate.upper_bound / GIB + ALLOWANCE_GIB <= CARD_GIB


def table(by_chapter: dict[str, dict[str, MemoryEstimate]]) -> str:
    """The estimates as a text table in GiB, one row per computation."""
    lines = [f"gpu profile: each chapter's biggest computations in GiB. Upper bound: resident + every allocation, none "
             f"freed; live peak: storages freed as Python releases them. Fits: upper bound + {ALLOWANCE_GIB:g} GiB "
             f"(CUDA context, workspaces, classifier) <= {CARD_GIB:g} GiB (a 16 GB T4)",
             f"{'chapter':26s} {'computation':48s} {'resident':>8s} {'upper bound':>11s} {'live peak':>9s}  fits"]
    for chapter, rows in by_chapter.items():
        for name, estimate in rows.items():
            lines.append(f"{chapter:26s} {name:48s} {estimate.resident / GIB:8.2f} {estimate.upper_bound / GIB:11.2f} "
                         f"{estimate.peak / GIB:9.2f}  {'yes' if fits(estimate) else 'NO'}")
    return "\n".join(lines)


def main() -> None:
    print(table(estimates()))


if __name__ == "__main__":
    main()
