"""The cards of the pretrained checkpoints: what each model is, the recipe and settings that make it, and how the
course's protocol scores it.

Each card is the main MNIST model of one chapter, made with that chapter's recipe at its ``cpu`` profile's sizes,
so the weights are the ones the chapter's committed outputs show. All train on the 5,000 ``"gan"`` digits of MNIST's
test split (:func:`~gan_course.data.load_mnist_role`), the digits the chapters train on offline, whether or not the
training split is on disk: re-creating a card gives the same model everywhere. The protocol's reference digits are
another part of the same split, so no scored digit was trained on (:mod:`gan_course.data.mnist`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import torch
from torch import Tensor, nn

from gan_course.conditioning import marginal_sampler
from gan_course.data import Cropped, pad_images
from gan_course.latent import Labelled, Normal, Prior
from gan_course.models import (
    ConditionalMLPDiscriminator,
    ConditionalMLPGenerator,
    DCGANDiscriminator,
    DCGANGenerator,
    ProGANDiscriminator,
    ProGANGenerator,
)
from gan_course.recipes import conditional_mlp_trainer, dcgan_trainer, progan_trainer, wgan_gp_trainer
from gan_course.training import Acceleration, GANTrainer, GeneratorEMA, ProgressBar, ProgressiveSchedule, ema_of

# A card's training: (images, labels, device, dry_run, progress) -> (the generator to ship, the discriminator)
Train = Callable[[Tensor, Tensor, torch.device, bool, bool], tuple[nn.Module, nn.Module]]


@dataclass(frozen=True)
class ModelCard:
    r"""One pretrained model: its ``name`` (``"dcgan-mnist"``), the ``chapter`` (notebook) whose main model it is, a
    one-line ``summary``, the ``recipe`` call and ``settings`` that make it, its ``train`` function and ``build`` (the
    empty networks the weights load into). The prior is $z \sim N(0, I)$ of G's ``latent_dim``, with a uniform label
    for a ``conditional`` G. ``margin`` is how far above the Fréchet classifier distance
    measured when it was made the stated bound lies (the room for another CPU's rounding)."""

    name: str
    chapter: str
    summary: str
    recipe: str
    settings: Mapping[str, Any]
    train: Train = field(repr=False)
    build: Callable[[], tuple[nn.Module, nn.Module]] = field(repr=False)
    conditional: bool = False
    padded_to: int | None = None
    margin: float = 1.0

    @property
    def command(self) -> str:
        """The one command that re-creates the checkpoint."""
        return f"python -m gan_course pretrained {self.name} --recreate"

    def prior(self, generator: nn.Module) -> Prior:
        """The prior ``generator`` was trained with."""
        noise = Normal(generator.latent_dim)
        return Labelled(noise, generator.n_classes) if self.conditional else noise

    def scored(self, generator: nn.Module) -> Any:
        """What the protocol scores for ``generator``: the marginal of a conditional G, the 28 × 28 centre of a G
        that draws padded digits (clipped to [-1, 1], as ProGAN's code does), or G itself."""
        if self.conditional:
            return marginal_sampler(generator)
        if self.padded_to is not None:
            return Cropped(generator, 28, clamp=True)
        return generator


def _progress(progress: bool) -> list[ProgressBar]:
    return [ProgressBar()] if progress else []


def _fit(trainer: GANTrainer, steps: int, dry_run: bool) -> GANTrainer:
    trainer.fit(2 if dry_run else steps)
    return trainer


DCGAN = dict(latent_dim=100, width=32, batch_size=64, steps=1500, lr=2e-4, betas=(0.5, 0.999), seed=0)
WGAN_GP = dict(latent_dim=64, width=16, batch_size=64, steps=400, lr=1e-3, betas=(0.5, 0.9), lam=10.0, n_critic=5,
               seed=0)
CGAN = dict(latent_dim=64, n_classes=10, batch_size=64, steps=6000, lr=1e-3, betas=(0.5, 0.999), n_fixed=50, seed=0)
PROGAN = dict(resolution=32, fmap_base=128, fmap_max=32, kimg_per_phase=12, minibatch=32, total_kimg=84,
              ema_beta=0.99, lr=1e-3, seed=0)


def _train_dcgan(images: Tensor, labels: Tensor, device: torch.device, dry_run: bool,
                 progress: bool) -> tuple[nn.Module, nn.Module]:
    trainer = dcgan_trainer(images, width=DCGAN["width"], batch_size=DCGAN["batch_size"], device=device,
                            hooks=_progress(progress), acceleration=Acceleration(channels_last=True))
    _fit(trainer, DCGAN["steps"], dry_run)
    return trainer.generator, trainer.discriminator


def _train_wgan_gp(images: Tensor, labels: Tensor, device: torch.device, dry_run: bool,
                   progress: bool) -> tuple[nn.Module, nn.Module]:
    trainer = wgan_gp_trainer(images, device=device, hooks=_progress(progress))
    _fit(trainer, WGAN_GP["steps"], dry_run)
    return trainer.generator, trainer.discriminator


def _train_cgan(images: Tensor, labels: Tensor, device: torch.device, dry_run: bool,
                progress: bool) -> tuple[nn.Module, nn.Module]:
    trainer = conditional_mlp_trainer(images, labels, device=device, n_fixed=CGAN["n_fixed"], hooks=_progress(progress))
    _fit(trainer, CGAN["steps"], dry_run)
    return trainer.generator, trainer.discriminator


def _progan_schedule(dry_run: bool) -> tuple[ProgressiveSchedule, float]:
    kimg = 0.05 if dry_run else PROGAN["kimg_per_phase"]
    schedule = ProgressiveSchedule(PROGAN["resolution"], training_kimg=kimg, transition_kimg=kimg,
                                   minibatch_base=8 if dry_run else PROGAN["minibatch"])
    return schedule, 7 * kimg  # 4 x 4, then a fade-in and a stable phase for each of 8, 16 and 32


def _train_progan(images: Tensor, labels: Tensor, device: torch.device, dry_run: bool,
                  progress: bool) -> tuple[nn.Module, nn.Module]:
    schedule, total_kimg = _progan_schedule(dry_run)
    trainer = progan_trainer(pad_images(images, PROGAN["resolution"]), schedule, fmap_base=PROGAN["fmap_base"],
                             fmap_max=PROGAN["fmap_max"], ema_beta=0.999, device=device,
                             hooks=[GeneratorEMA(PROGAN["ema_beta"]), *_progress(progress)])
    trainer.fit(schedule.iterations(total_kimg))
    return ema_of(trainer, PROGAN["ema_beta"]).generator, trainer.discriminator


CARDS: dict[str, ModelCard] = {
    card.name: card
    for card in (
        ModelCard(
            "dcgan-mnist", "06_dcgan",
            "DCGAN on MNIST (pytorch/examples' networks, Radford et al. 2016's recipe): the DCGAN chapter's main run",
            "dcgan_trainer(images, width=32, batch_size=64, acceleration=Acceleration(channels_last=True))"
            ".fit(1500)", DCGAN, _train_dcgan,
            lambda: (DCGANGenerator(DCGAN["latent_dim"], 28, 1, DCGAN["width"]), DCGANDiscriminator(28, 1, DCGAN["width"])),
        ),
        ModelCard(
            "wgan-gp-mnist", "08_wgan",
            "WGAN-GP (Gulrajani et al. 2017) on MNIST: the WGAN chapter's run with Adam(0.001, (0.5, 0.9))",
            "wgan_gp_trainer(images).fit(400)", WGAN_GP, _train_wgan_gp,
            lambda: (DCGANGenerator(WGAN_GP["latent_dim"], 28, 1, WGAN_GP["width"]),
                     DCGANDiscriminator(28, 1, WGAN_GP["width"], normalization="layer")),
        ),
        ModelCard(
            "cgan-mnist", "09_conditional_gan",
            "Conditional GAN (Mirza & Osindero 2014) on MNIST: the conditional-GAN chapter's MLPs on [z, onehot(y)]",
            "conditional_mlp_trainer(images, labels, n_fixed=50).fit(6000)", CGAN, _train_cgan,
            lambda: (ConditionalMLPGenerator(CGAN["latent_dim"], CGAN["n_classes"], (1, 28, 28)),
                     ConditionalMLPDiscriminator(CGAN["n_classes"], (1, 28, 28))),
            conditional=True,
        ),
        ModelCard(
            "progan-mnist", "10_progan",
            "ProGAN (Karras et al. 2018) on MNIST padded to 32 x 32, grown 4 -> 32: the ProGAN chapter's main run; "
            "the generator shipped is its moving average of decay 0.99",
            "progan_trainer(pad_images(images, 32), ProgressiveSchedule(32, 12, 12, minibatch_base=32), "
            "fmap_base=128, fmap_max=32, hooks=[GeneratorEMA(0.99)]), trained on 84k images",
            PROGAN, _train_progan,
            lambda: (ProGANGenerator(32, 1, fmap_base=PROGAN["fmap_base"], fmap_max=PROGAN["fmap_max"]),
                     ProGANDiscriminator(32, 1, fmap_base=PROGAN["fmap_base"], fmap_max=PROGAN["fmap_max"])),
            padded_to=32,
        ),
    )
}


def card(name: str) -> ModelCard:
    """The card called ``name``, or a ``ValueError`` listing the cards there are."""
    if name not in CARDS:
        raise ValueError(f"no pretrained model {name!r}; there are {', '.join(CARDS)}")
    return CARDS[name]
