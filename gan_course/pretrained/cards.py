"""The cards of the pretrained checkpoints: what each model is, the recipe and settings that make it, and how the
course's protocol scores it.

Each card is the main model of one chapter on one data set: the run of its :class:`~gan_course.recipes.Recipe` at
the ``cpu`` profile (the settings are the recipe's, written once), so the weights are the ones the chapter's committed
outputs show. They train on the ``"gan"`` role of their data set (:mod:`gan_course.data.image_sets`): for MNIST the
5,000 digits of the test split (:func:`~gan_course.data.load_mnist_role`) that the chapters train on offline, whether
or not the training split is on disk, so that re-creating a card gives the same model everywhere; for Fashion-MNIST
50,000 images of its training split. The protocol's reference images are another role, so no scored image was
trained on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import torch
from torch import nn

from gan_course.conditioning import marginal_sampler
from gan_course.data import Cropped, LabeledImages
from gan_course.latent import Labelled, Normal, Prior, Uniform
from gan_course.recipes import Recipe, recipe
from gan_course.training import GANTrainer, ProgressBar, ema_of


@dataclass(frozen=True)
class ModelCard:
    r"""One pretrained model: its ``name`` (``"dcgan-mnist"``), the :class:`~gan_course.recipes.Recipe` and
    ``profile`` whose run it is (the chapter's ``cpu`` run), a one-line ``summary``, and which network of the trained
    run ships as G (``shipped``: the trainer's generator, or ProGAN's averaged one). The prior is ``noise`` of G's
    ``latent_dim`` ($z \sim N(0, I)$ unless the recipe draws otherwise, e.g. BEGAN's $U(-1, 1)$), with a uniform
    label for a ``conditional`` G. ``data`` names the image data set it trains on
    and is scored on (:data:`~gan_course.data.image_sets.IMAGE_SETS`). ``margin`` is how far above the Fréchet
    classifier distance measured when it was made the stated bound lies (the room for another CPU's rounding)."""

    name: str
    recipe: Recipe
    summary: str
    profile: str = "cpu"
    shipped: Callable[[GANTrainer], nn.Module] = lambda trainer: trainer.generator
    conditional: bool = False
    padded_to: int | None = None
    margin: float = 1.0
    data: str = "mnist"
    noise: Callable[[int], Prior] = Normal

    @property
    def chapter(self) -> str:
        return self.recipe.chapter

    @property
    def settings(self) -> Mapping[str, Any]:
        """The run's settings: the recipe's at the card's profile."""
        return self.recipe.settings_for(self.profile)

    @property
    def command(self) -> str:
        """The one command that re-creates the checkpoint."""
        return f"python -m gan_course pretrained {self.name} --recreate"

    def train(self, data: LabeledImages, device: torch.device, dry_run: bool, progress: bool) -> tuple[nn.Module,
                                                                                                       nn.Module]:
        """Train the card's run (two steps for a dry run); return the generator to ship and the discriminator."""
        trainer = self.recipe.trainer(data, self.profile, device, hooks=[ProgressBar()] if progress else [])
        trainer.fit(2 if dry_run else self.recipe.iterations(self.profile))
        return self.shipped(trainer), trainer.discriminator

    def build(self) -> tuple[nn.Module, nn.Module]:
        """The card's networks on the meta device (shapes without memory or random draws): what the shipped weights
        load into. They are the recipe's own, built by its builder; an averaged G has the architecture of G."""
        blank = LabeledImages(torch.zeros(64, 1, 28, 28, device="cpu"), torch.zeros(64, dtype=torch.long, device="cpu"),
                              "test", None)  # real (CPU) digits even inside a caller's meta-device block
        with torch.device("meta"):
            trainer = self.recipe.trainer(blank, self.profile, torch.device("meta"))
        return trainer.generator, trainer.discriminator

    def prior(self, generator: nn.Module) -> Prior:
        """The prior ``generator`` was trained with."""
        noise = self.noise(generator.latent_dim)
        return Labelled(noise, generator.n_classes) if self.conditional else noise

    def scored(self, generator: nn.Module) -> Any:
        """What the protocol scores for ``generator``: the marginal of a conditional G, the 28 × 28 centre of a G
        that draws padded digits (clipped to [-1, 1], as ProGAN's code does), or G itself."""
        if self.conditional:
            return marginal_sampler(generator)
        if self.padded_to is not None:
            return Cropped(generator, 28, clamp=True)
        return generator


CARDS: dict[str, ModelCard] = {
    card.name: card
    for card in (
        ModelCard("dcgan-mnist", recipe("dcgan"), "DCGAN on MNIST (pytorch/examples' networks, Radford et al. 2016's "
                  "recipe): the DCGAN chapter's main run"),
        ModelCard("wgan-gp-mnist", recipe("wgan-gp"), "WGAN-GP (Gulrajani et al. 2017) on MNIST: the WGAN chapter's "
                  "run with Adam(0.001, (0.5, 0.9))"),
        ModelCard("sngan-mnist", recipe("sngan"), "SN-GAN (Miyato et al. 2018) on MNIST: Table 3's CNN scaled to 28 x 28, "
                  "spectral normalisation on every layer of D, the hinge loss; the SN-GAN chapter's seed-0 run"),
        ModelCard("cgan-mnist", recipe("cgan"), "Conditional GAN (Mirza & Osindero 2014) on MNIST: the "
                  "conditional-GAN chapter's MLPs on [z, onehot(y)]", conditional=True),
        ModelCard("dcgan-fashion", recipe("dcgan"), "DCGAN on Fashion-MNIST: the DCGAN chapter's recipe, unchanged, "
                  "on the course's second data set", data="fashion-mnist"),
        ModelCard("progan-mnist", recipe("progan"), "ProGAN (Karras et al. 2018) on MNIST padded to 32 x 32, grown "
                  "4 -> 32: the ProGAN chapter's main run; the generator shipped is its moving average of decay 0.99",
                  shipped=lambda trainer: ema_of(trainer, 0.99).generator, padded_to=32),
        ModelCard("began-mnist", recipe("began"), "BEGAN (Berthelot, Schumm & Metz 2017) on MNIST: an auto-encoder as "
                  "D, gamma = 0.5; the BEGAN chapter's main run", noise=Uniform),
        ModelCard("biggan-fashion", recipe("biggan"), "SAGAN and BigGAN at small scale on Fashion-MNIST, class-"
                  "conditional (self-attention, conditional BN, projection D, SN, hinge, TTUR, orthogonal "
                  "regularisation): the SAGAN-and-BigGAN chapter's main run", conditional=True, data="fashion-mnist"),
    )
}


def card(name: str) -> ModelCard:
    """The card called ``name``, or a ``ValueError`` listing the cards there are."""
    if name not in CARDS:
        raise ValueError(f"no pretrained model {name!r}; there are {', '.join(CARDS)}")
    return CARDS[name]
