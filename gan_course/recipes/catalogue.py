"""The recipes the book teaches, each written once: ``RECIPES[name]``, by the chapter that trains it.

Each profile's sizes are the chapter's own (its ``run_sizes`` cell reads them from here); the ``cpu`` sizes are the
ones the book's committed outputs and the pretrained cards come from.
"""

from __future__ import annotations

from gan_course.recipes.recipe import Recipe
from gan_course.recipes.trainers import (
    began_trainer,
    biggan_trainer,
    conditional_mlp_trainer,
    dcgan_trainer,
    lsgan_trainer,
    mnist_mlp_trainer,
    progan_trainer,
    sngan_trainer,
    wgan_gp_trainer,
    wgan_trainer,
)
from gan_course.training import Acceleration

RECIPES: dict[str, Recipe] = {
    recipe.name: recipe
    for recipe in (
        Recipe(
            "mlp", "01_minimax_game", "Goodfellow et al. (2014)",
            "fully connected G and D on MNIST, the non-saturating loss, Adam(2e-4, (0.5, 0.999))",
            mnist_mlp_trainer, dict(latent_dim=100, lr=2e-4, betas=(0.5, 0.999), seed=0),
            dict(fast=dict(steps=300, batch_size=64), cpu=dict(steps=30_000, batch_size=64),
                 gpu=dict(steps=50_000, batch_size=128)),
        ),
        Recipe(
            "dcgan", "06_dcgan", "Radford, Metz & Chintala (2016), on pytorch/examples' networks",
            "convolutional G and D with batch norm, Adam(2e-4, beta1 0.5), N(0, 0.02) weights",
            dcgan_trainer, dict(latent_dim=100, lr=2e-4, beta1=0.5, seed=0,
                                acceleration=Acceleration(channels_last=True)),
            dict(fast=dict(steps=500, width=32, batch_size=64), cpu=dict(steps=1_500, width=32, batch_size=64),
                 gpu=dict(steps=10_000, width=64, batch_size=128)),
        ),
        Recipe(
            "lsgan", "08_lsgan", "Mao et al. (2017)",
            "the first chapter's MLPs with the least-squares loss, 0-1 coding, Adam(2e-4, (0.5, 0.999))",
            lsgan_trainer, dict(coding=(0.0, 1.0, 1.0), latent_dim=64, lr=2e-4, betas=(0.5, 0.999), batch_size=64,
                                seed=0),
            dict(fast=dict(steps=150), cpu=dict(steps=2_500), gpu=dict(steps=30_000)),
        ),
        Recipe(
            "wgan", "09_wgan", "Arjovsky, Chintala & Bottou (2017), Algorithm 1",
            "weight clipping c = 0.01, 5 critic steps, RMSprop(5e-5), on the WGAN chapter's DCGAN networks",
            wgan_trainer, dict(latent_dim=64, lr=5e-5, clip=0.01, n_critic=5, batch_size=64, seed=0),
            dict(fast=dict(steps=6, width=4), cpu=dict(steps=400, width=16), gpu=dict(steps=10_000, width=64)),
        ),
        Recipe(
            "wgan-gp", "09_wgan", "Gulrajani et al. (2017), Algorithm 1",
            "gradient penalty lambda = 10, 5 critic steps, Adam(1e-3, (0.5, 0.9)), layer norm in the critic",
            wgan_gp_trainer, dict(latent_dim=64, lr=1e-3, betas=(0.5, 0.9), lam=10.0, batch_size=64, seed=0),
            dict(fast=dict(steps=6, width=4), cpu=dict(steps=400, width=16), gpu=dict(steps=10_000, width=64)),
        ),
        Recipe(
            "sngan", "10_sngan", "Miyato et al. (2018), Table 3, and their released configs",
            "Table 3's CNN (width 16), spectral norm on every layer of D, hinge loss, n_dis = 5, Adam(2e-4, (0, 0.9))",
            sngan_trainer, dict(latent_dim=128, lr=2e-4, betas=(0.0, 0.9), n_dis=5, batch_size=64, seed=0),
            dict(fast=dict(steps=6, width=4), cpu=dict(steps=200, width=16), gpu=dict(steps=10_000, width=64)),
        ),
        Recipe(
            "cgan", "14_conditional_gan", "Mirza & Osindero (2014)",
            "the first chapter's MLPs on [z, onehot(y)] and [x, onehot(y)], Adam(1e-3, (0.5, 0.999))",
            conditional_mlp_trainer, dict(n_classes=10, latent_dim=64, lr=1e-3, betas=(0.5, 0.999), batch_size=64,
                                          seed=0, n_fixed=50),
            dict(fast=dict(steps=1_500), cpu=dict(steps=6_000), gpu=dict(steps=30_000)),
            data="labelled images",
        ),
        Recipe(
            "progan", "07_progan", "Karras et al. (2018), their released code's config.py",
            "grown 4 -> 32 on MNIST padded to 32 x 32, WGAN-GP with drift, Adam(1e-3, (0, 0.99)), an averaged G",
            progan_trainer, dict(resolution=32, lr=1e-3, seed=0),
            dict(fast=dict(kimg=0.35, kimg_per_phase=0.05, minibatch=8, fmap_base=32, fmap_max=8, ema_beta=0.9),
                 cpu=dict(kimg=84, kimg_per_phase=12, minibatch=32, fmap_base=128, fmap_max=32, ema_beta=0.99),
                 gpu=dict(kimg=420, kimg_per_phase=60, minibatch=16, fmap_base=8192, fmap_max=512, ema_beta=0.999)),
            data="padded images",
        ),
        Recipe(
            "began", "11_began", "Berthelot, Schumm & Metz (2017), Sections 3.5 and 4",
            "an auto-encoder as D, gamma = 0.5, eta = 1, z ~ U(-1, 1), Adam, batches of 16 (lambda_k per profile)",
            began_trainer, dict(gamma=0.5, eta=1.0, betas=(0.5, 0.999), batch_size=16, seed=0),
            dict(fast=dict(steps=30, width=4, latent_dim=8, lr=5e-4, lambda_k=0.02),
                 cpu=dict(steps=600, width=8, latent_dim=16, lr=5e-4, lambda_k=0.02),
                 gpu=dict(steps=100_000, width=64, latent_dim=64, lr=1e-4, lambda_k=0.001)),
        ),
        Recipe(
            "biggan", "15_sagan_biggan", "Zhang et al. (2019) and Brock et al. (2019), at 28 x 28",
            "residual G with class-conditional BN and D with projection, self-attention, SN in both, hinge loss, "
            "TTUR with betas (0, 0.9) (G 1e-4, D 4e-4 under gpu; both four times larger for the short cpu runs), "
            "orthogonal regularisation 1e-4",
            biggan_trainer, dict(n_classes=10, latent_dim=64, embedding_dim=32, attention=True, ortho_beta=1e-4,
                                 batch_size=32, d_lr_factor=4.0, betas=(0.0, 0.9), seed=0, n_fixed=50),
            dict(fast=dict(steps=30, width=8, lr=4e-4), cpu=dict(steps=600, width=16, lr=4e-4),
                 gpu=dict(steps=20_000, width=32, lr=1e-4)),
            data="labelled images",
        ),
    )
}


def recipe(name: str) -> Recipe:
    """The recipe called ``name``, or a ``ValueError`` listing the recipes there are."""
    if name not in RECIPES:
        raise ValueError(f"no recipe {name!r}; there are {', '.join(RECIPES)}")
    return RECIPES[name]
