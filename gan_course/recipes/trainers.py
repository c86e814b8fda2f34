"""The recipes' builders: models, optimizers and settings as each paper (or chapter) prescribes them, in one call.

A builder returns a :class:`~gan_course.training.GANTrainer`; the :class:`~gan_course.recipes.Recipe` descriptions
call them with each run's settings, and a chapter's ablation changes exactly one argument. Further keyword arguments
go to the trainer (``step``, ``hooks``, ``n_fixed``, ``acceleration``...). Build a run right after
:func:`~gan_course.seed.seed_everything` for a reproducible run.
"""

from __future__ import annotations

import math
from typing import Any, Iterator, Sequence

import torch
from torch import Tensor, nn

from gan_course.data import TensorStream
from gan_course.device import DeviceError, default_device
from gan_course.latent import Labelled, Normal, Prior, Uniform
from gan_course.losses import BEGAN, LSGAN, WGAN, WGANGP, Hinge, NonSaturating, Objective, OrthogonalRegularization
from gan_course.models import (
    BEGANDiscriminator,
    BEGANGenerator,
    BigGANGenerator,
    ConditionalMLPDiscriminator,
    ConditionalMLPGenerator,
    DCGANDiscriminator,
    DCGANGenerator,
    MLPDiscriminator,
    MLPGenerator,
    ProGANDiscriminator,
    ProGANGenerator,
    ProjectionDiscriminator,
    SNGANDiscriminator,
    SNGANGenerator,
)
from gan_course.training import (
    AlternatingStep,
    GANTrainer,
    GeneratorEMA,
    ProgressiveGrowing,
    ProgressiveReals,
    ProgressiveSchedule,
)


def check_range(images: Tensor, purpose: str = "") -> None:
    """Refuse training images outside the networks' range [-1, 1], saying how to scale them."""
    low, high = float(images.min()), float(images.max())
    if low < -1 or high > 1:
        raise ValueError(f"images must lie in [-1, 1]{purpose}, got values in [{low:.3g}, {high:.3g}]: scale pixels in "
                         f"[0, 1] with x * 2 - 1")


def _square_images(images: Tensor) -> tuple[int, int]:
    """The channels and size of a square batch of images (N, C, H, W) for a tanh generator, refusing anything else."""
    if images.ndim != 4 or images.shape[-1] != images.shape[-2]:
        raise ValueError(f"images must be a square batch (N, C, H, W), got shape {tuple(images.shape)}")
    check_range(images, " for the tanh generator")
    return images.shape[1], images.shape[-1]


def _dcgan_networks(images: Tensor, latent_dim: int, width: int, device: torch.device | None,
                    normalization: str = "batch", sync_batch_norm: bool = False) -> tuple[nn.Module, nn.Module]:
    """pytorch/examples' DCGAN G and D (D with ``normalization``) for a square batch of ``images``, on ``device``;
    with ``sync_batch_norm`` their batch norm layers become ``SyncBatchNorm`` (:func:`synchronised`)."""
    channels, size = _square_images(images)
    device = device or default_device()
    generator = DCGANGenerator(latent_dim, size, channels, width).to(device)
    discriminator = DCGANDiscriminator(size, channels, width, normalization=normalization).to(device)
    return synchronised(generator, sync_batch_norm), synchronised(discriminator, sync_batch_norm)


def synchronised(network: nn.Module, sync_batch_norm: bool) -> nn.Module:
    """``network`` with its batch norm layers as ``SyncBatchNorm`` if ``sync_batch_norm`` (on CUDA only, as PyTorch
    runs it): on several processes they then normalise by the statistics of the global batch, as one process does,
    instead of each process's rows (:mod:`gan_course.distributed`). In one process nothing changes."""
    if not sync_batch_norm:
        return network
    device = next(network.parameters()).device
    if device.type != "cuda":
        raise DeviceError(f"sync_batch_norm needs CUDA (PyTorch's SyncBatchNorm runs only there), and this run is on "
                         f"{device}: leave it off, and each process normalises by its own rows of the batch")
    return nn.SyncBatchNorm.convert_sync_batchnorm(network)


def _adam_trainer(generator: nn.Module, discriminator: nn.Module, lr: float, betas: tuple[float, float],
                  data: Iterator[Any], objective: Objective, prior: Prior, **trainer_options: Any) -> GANTrainer:
    """The two networks in the training loop, each with its own Adam(``lr``, ``betas``)."""
    return GANTrainer(
        generator,
        discriminator,
        torch.optim.Adam(generator.parameters(), lr=lr, betas=betas),
        torch.optim.Adam(discriminator.parameters(), lr=lr, betas=betas),
        data,
        objective,
        prior,
        **trainer_options,
    )


def mlp_trainer(
    data: Iterator[Tensor],
    sample_shape: Sequence[int],
    latent_dim: int = 100,
    output: str = "tanh",
    lr: float = 2e-4,
    betas: tuple[float, float] = (0.5, 0.999),
    objective: Objective | None = None,
    prior: Prior | None = None,
    device: torch.device | None = None,
    **trainer_options: Any,
) -> GANTrainer:
    """The fully connected GAN of the first chapter: leaky-ReLU MLPs (G 256-512, D 512-256 for images; 128-128 for
    points of one or two coordinates), Adam(``lr``, ``betas``) for both, the non-saturating loss and $z \\sim N(0, I)$
    unless ``objective`` or ``prior`` say otherwise. ``data`` yields batches of ``sample_shape``; ``output`` is
    ``"tanh"`` for images in [-1, 1] and ``"linear"`` for unbounded points."""
    device = device or default_device()
    small = len(sample_shape) == 1
    hidden_g, hidden_d = ((128, 128), (128, 128)) if small else ((256, 512), (512, 256))
    generator = MLPGenerator(latent_dim, sample_shape, hidden=hidden_g, output=output).to(device)
    discriminator = MLPDiscriminator(sample_shape, hidden=hidden_d).to(device)
    return _adam_trainer(generator, discriminator, lr, betas, data, objective or NonSaturating(),
                         prior or Normal(latent_dim), **trainer_options)


def mnist_mlp_trainer(
    images: Tensor,
    latent_dim: int = 100,
    batch_size: int = 64,
    lr: float = 2e-4,
    betas: tuple[float, float] = (0.5, 0.999),
    seed: int = 0,
    objective: Objective | None = None,
    device: torch.device | None = None,
    **trainer_options: Any,
) -> GANTrainer:
    """:func:`mlp_trainer` on a batch of images held in memory, ``images`` (N, C, H, W) in [-1, 1]: a tanh G, the data
    order seeded with ``seed`` (the first chapter's MNIST run; with ``objective=LSGAN(0, 1, 1)`` the LSGAN chapter's)."""
    check_range(images, " for the tanh generator")
    return mlp_trainer(TensorStream(images, batch_size, seed), tuple(images.shape[1:]), latent_dim, "tanh", lr, betas,
                       objective, device=device, **trainer_options)


def lsgan_trainer(images: Tensor, coding: tuple[float, float, float] = (0.0, 1.0, 1.0), latent_dim: int = 64,
                  **options: Any) -> GANTrainer:
    """The LSGAN chapter's MNIST run: :func:`mnist_mlp_trainer` with the least-squares objective of Mao et al. (2017,
    Eq. 2) and its ``coding`` $(a, b, c)$ (default the 0-1 coding used in practice)."""
    return mnist_mlp_trainer(images, latent_dim, objective=LSGAN(*coding), **options)


def dcgan_trainer(
    images: Tensor,
    latent_dim: int = 100,
    width: int = 64,
    batch_size: int = 128,
    lr: float = 2e-4,
    beta1: float = 0.5,
    seed: int = 0,
    objective: Objective | None = None,
    prior: Prior | None = None,
    sync_batch_norm: bool = False,
    device: torch.device | None = None,
    **trainer_options: Any,
) -> GANTrainer:
    """DCGAN as Radford, Metz & Chintala (2016, Section 4) train it: mini-batches of 128, weights from N(0, 0.02),
    Adam with learning rate 0.0002 and β1 = 0.5, images scaled to tanh's range [-1, 1], and the non-saturating
    generator loss of their code (``objective``, default :class:`~gan_course.losses.NonSaturating`), on
    pytorch/examples' networks (:class:`~gan_course.models.DCGANGenerator`), with $z \\sim N(0, I)$ as
    pytorch/examples draws it (``prior``; the paper and the authors' Theano code draw $U(-1, 1)$). Unlike the
    authors' code (L2 weight decay 1e-5; G updated before D, each on its own mini-batch), no weight decay, and D
    updated before G (the trainer's default ``step``; ``AlternatingStep(order="g_first")`` swaps them).

    ``images`` (N, C, H, W) in [-1, 1], square, of a size :func:`~gan_course.models.dcgan.layer_plan` supports.
    ``width`` is ngf = ndf (pytorch/examples: 64; the authors' code: 128). The data order is seeded with ``seed``.
    ``sync_batch_norm``: batch norm over the global batch on several GPUs (:func:`synchronised`).
    """
    generator, discriminator = _dcgan_networks(images, latent_dim, width, device, sync_batch_norm=sync_batch_norm)
    return _adam_trainer(generator, discriminator, lr, (beta1, 0.999), TensorStream(images, batch_size, seed),
                         objective or NonSaturating(), prior or Normal(latent_dim), **trainer_options)


def wgan_trainer(
    images: Tensor,
    latent_dim: int = 64,
    width: int = 16,
    batch_size: int = 64,
    lr: float = 5e-5,
    clip: float = 0.01,
    n_critic: int = 5,
    seed: int = 0,
    sync_batch_norm: bool = False,
    device: torch.device | None = None,
    **trainer_options: Any,
) -> GANTrainer:
    r"""The Wasserstein GAN with weight clipping as Arjovsky, Chintala & Bottou (2017, Algorithm 1) train it: RMSprop
    with learning rate $\alpha = 5 \cdot 10^{-5}$, $n_\text{critic} = 5$ critic updates per generator update, each
    followed by clipping the critic's weights into $[-c, c]$, $c = 0.01$, batches of $m = 64$; on the WGAN chapter's
    DCGAN networks (the critic with batch norm, as the paper's DCGAN critic has it), $z \sim N(0, I)$. The data
    order is seeded with ``seed``; ``sync_batch_norm``: batch norm over the global batch on several GPUs
    (:func:`synchronised`)."""
    generator, critic = _dcgan_networks(images, latent_dim, width, device, sync_batch_norm=sync_batch_norm)
    return GANTrainer(generator, critic, torch.optim.RMSprop(generator.parameters(), lr=lr),
                      torch.optim.RMSprop(critic.parameters(), lr=lr), TensorStream(images, batch_size, seed),
                      WGAN(clip=clip, n_critic=n_critic), Normal(latent_dim), **trainer_options)


def wgan_gp_trainer(
    images: Tensor,
    latent_dim: int = 64,
    width: int = 16,
    batch_size: int = 64,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.5, 0.9),
    lam: float = 10.0,
    seed: int = 0,
    sync_batch_norm: bool = False,
    device: torch.device | None = None,
    **trainer_options: Any,
) -> GANTrainer:
    r"""WGAN-GP on images as the WGAN chapter trains it: Gulrajani et al. (2017, Algorithm 1) — the gradient penalty
    of weight $\lambda$ = ``lam``, $n_\text{critic} = 5$ critic steps per generator step, Adam with $\beta = (0.5,
    0.9)$ — on DCGAN's networks with layer norm in place of the critic's batch norm (their Section 4: batch norm
    would make each critic output depend on the rest of the batch, which the penalty's per-sample gradient forbids),
    $z \sim N(0, I)$.

    ``lr`` is the chapter's $10^{-3}$: with these small networks and short runs the paper's $10^{-4}$ learns far more
    slowly (the chapter measures both). The data order is seeded with ``seed``; ``sync_batch_norm``: G's batch norm
    over the global batch on several GPUs (:func:`synchronised`; the critic has none).
    """
    generator, critic = _dcgan_networks(images, latent_dim, width, device, normalization="layer",
                                        sync_batch_norm=sync_batch_norm)
    return _adam_trainer(generator, critic, lr, betas, TensorStream(images, batch_size, seed), WGANGP(lam=lam),
                         Normal(latent_dim), **trainer_options)


def sngan_trainer(
    images: Tensor,
    latent_dim: int = 128,
    width: int = 16,
    batch_size: int = 64,
    lr: float = 2e-4,
    betas: tuple[float, float] = (0.0, 0.9),
    n_dis: int = 5,
    spectral: bool = True,
    objective: Objective | None = None,
    seed: int = 0,
    device: torch.device | None = None,
    **trainer_options: Any,
) -> GANTrainer:
    r"""SN-GAN as Miyato et al. (2018) train it: the standard CNN of their Table 3
    (:class:`~gan_course.models.SNGANGenerator`, :class:`~gan_course.models.SNGANDiscriminator`, every layer of D
    spectrally normalised after its weights are drawn), the hinge loss with $n_\text{dis} = 5$ D updates per G
    update, Adam($\alpha = 2 \cdot 10^{-4}$, $\beta = (0, 0.9)$) for both networks, batches of 64 and
    $z \sim N(0, I_{128})$ — the settings of the authors' released configs (pfnet-research/sngan_projection,
    ``configs/sn_cifar10_unconditional.yml``, ``updater.py``).

    Where it differs: ``width`` is the narrowest layer's channels (the paper's 64; 16 here for a CPU and 28 x 28
    digits, with two stride-2 layers instead of three); the trainer updates D before G, while the authors' updater
    makes the G update first and draws 128 fakes for it. ``objective`` and ``spectral`` let the chapter train the
    same networks as a non-saturating GAN or a WGAN-GP critic (``objective=WGANGP()``, ``spectral=False``); an
    objective's own ``d_steps`` then counts, and ``n_dis`` sets the hinge loss's only. The data order is seeded with
    ``seed``.
    """
    channels, size = _square_images(images)
    device = device or default_device()
    generator = SNGANGenerator(latent_dim, size, channels, width).to(device)
    discriminator = SNGANDiscriminator(size, channels, width, spectral=spectral).to(device)
    return _adam_trainer(generator, discriminator, lr, betas, TensorStream(images, batch_size, seed),
                         objective or Hinge(d_steps=n_dis), Normal(latent_dim), **trainer_options)


def began_trainer(
    images: Tensor,
    gamma: float = 0.5,
    latent_dim: int = 64,
    width: int = 64,
    batch_size: int = 16,
    lr: float = 1e-4,
    betas: tuple[float, float] = (0.5, 0.999),
    lambda_k: float = 0.001,
    eta: float = 1.0,
    seed: int = 0,
    device: torch.device | None = None,
    **trainer_options: Any,
) -> GANTrainer:
    r"""BEGAN as Berthelot, Schumm & Metz (2017, Sections 3.5 and 4) train it: the auto-encoder discriminator and the
    generator of their Figure 1 (:mod:`gan_course.models.began`) with $N_h = N_z$ = ``latent_dim`` and $n$ = ``width``
    filters, $z \sim U(-1, 1)^{N_z}$, the objective :class:`~gan_course.losses.BEGAN` with $\gamma$ = ``gamma``,
    $\lambda_k = 0.001$, $\eta = 1$, $k_0 = 0$, Adam with learning rate $10^{-4}$, batches of 16.

    The paper leaves Adam's $\beta$ open; ``betas = (0.5, 0.999)`` are carpedm20/BEGAN-tensorflow's. The paper halves
    the learning rate when $\mathcal{M}_\text{global}$ stalls (the reimplementation halves it every 100,000 steps);
    the course's runs are far shorter than one such period, so the rate stays constant here. The ``began`` recipe's
    ``cpu`` and ``fast`` profiles raise it to $5 \cdot 10^{-4}$: their few hundred steps of tiny networks barely
    move at $10^{-4}$; and they raise the gain $\lambda_k$ to 0.02, since at 0.001 $k_t$ needs some 20,000 steps to
    cross $[0, 1]$ and would stay near 0 (D a plain auto-encoder, $\gamma$ without effect) for their whole run. ``images`` (N, C, H, W)
    in [-1, 1], square, of a size :func:`~gan_course.models.began.began_plan` supports; the data order is seeded
    with ``seed``.
    """
    channels, image_size = _square_images(images)
    device = device or default_device()
    generator = BEGANGenerator(latent_dim, image_size, channels, width).to(device)
    discriminator = BEGANDiscriminator(latent_dim, image_size, channels, width).to(device)
    return _adam_trainer(generator, discriminator, lr, betas, TensorStream(images, batch_size, seed),
                         BEGAN(gamma=gamma, lambda_k=lambda_k, eta=eta), Uniform(latent_dim), **trainer_options)


def conditional_mlp_trainer(
    images: Tensor,
    labels: Tensor,
    n_classes: int = 10,
    latent_dim: int = 64,
    batch_size: int = 64,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.5, 0.999),
    seed: int = 0,
    device: torch.device | None = None,
    **trainer_options: Any,
) -> GANTrainer:
    r"""The conditional GAN of Mirza & Osindero (2014) as the conditional-GAN chapter trains it: $G(z \mid y)$ and
    $D(x \mid y)$ are the first chapter's MLPs on their input concatenated with $\mathrm{onehot}(y)$, trained with
    the non-saturating loss and Adam(``lr``, ``betas``) on labelled batches (each real digit with its own label);
    $z \sim N(0, I)$ and $y$ uniform over the ``n_classes``. The data order is seeded with ``seed``."""
    check_range(images)
    device = device or default_device()
    shape = tuple(images.shape[1:])
    generator = ConditionalMLPGenerator(latent_dim, n_classes, shape).to(device)
    discriminator = ConditionalMLPDiscriminator(n_classes, shape).to(device)
    return _adam_trainer(generator, discriminator, lr, betas, TensorStream(images, batch_size, seed, labels=labels),
                         NonSaturating(), Labelled(Normal(latent_dim), n_classes), **trainer_options)


def progan_trainer(
    images: Tensor,
    schedule: ProgressiveSchedule,
    fmap_base: int = 8192,
    fmap_max: int = 512,
    equalized_lr: bool = True,
    pixel_norm: bool = True,
    mbstd_group_size: int = 4,
    ema_beta: float | None = 0.999,
    lr: float = 1e-3,
    seed: int = 0,
    device: torch.device | None = None,
    hooks: Sequence[Any] = (),
    **trainer_options: Any,
) -> GANTrainer:
    r"""ProGAN as Karras et al. (2018) train it (their ``config.py`` and ``train.py``): the progressively grown
    networks (:class:`~gan_course.models.ProGANGenerator`, :class:`~gan_course.models.ProGANDiscriminator`),
    WGAN-GP with $\lambda = 10$ and the drift term $0.001\,D(x)^2$, one D step per G step, Adam($10^{-3}$,
    $\beta = (0, 0.99)$, $\epsilon = 10^{-8}$) for both networks with its state reset when the resolution changes,
    the ``schedule`` by real images shown (:class:`~gan_course.training.ProgressiveSchedule`), the faded reals, and an
    exponential moving average of G with decay ``ema_beta`` (a :class:`~gan_course.training.GeneratorEMA` hook;
    :func:`~gan_course.training.ema_of` finds it, and its ``generator`` is the one to sample and score; ``None``
    adds none).

    ``images`` (N, C, S, S) in [-1, 1] with S the schedule's image size (pad MNIST with
    :func:`~gan_course.data.pad_images`); the data order is seeded with ``seed``. ``fmap_base`` and ``fmap_max`` set
    the widths (the paper's are the defaults); ``equalized_lr``, ``pixel_norm`` and ``mbstd_group_size`` (0: none)
    switch the paper's features off one at a time for an ablation; a schedule with ``transition_kimg=0`` grows
    without fading, and one with ``initial_resolution`` equal to the image size does not grow at all (the code's
    ``-nogrowing``: lod 0 from the first step). ``lr`` is Adam's learning rate (the code's 0.001 for both networks). Further ``hooks`` run after
    the EMA's and the growth's.
    """
    if images.ndim != 4 or tuple(images.shape[-2:]) != (schedule.image_size, schedule.image_size):
        raise ValueError(f"images must have shape (N, C, {schedule.image_size}, {schedule.image_size}), the schedule's "
                         f"image size, got {tuple(images.shape)}; pad them with gan_course.data.pad_images")
    check_range(images)
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr (Adam's learning rate) must be a positive number, the code uses 0.001; got {lr!r}")
    device = device or default_device()
    size, channels = schedule.image_size, images.shape[1]
    generator = ProGANGenerator(size, channels, fmap_base=fmap_base, fmap_max=fmap_max, equalized_lr=equalized_lr,
                                pixel_norm=pixel_norm).to(device)
    discriminator = ProGANDiscriminator(size, channels, fmap_base=fmap_base, fmap_max=fmap_max,
                                        mbstd_group_size=mbstd_group_size, equalized_lr=equalized_lr).to(device)
    adam = dict(lr=lr, betas=(0.0, 0.99), eps=1e-8)
    return GANTrainer(
        generator,
        discriminator,
        torch.optim.Adam(generator.parameters(), **adam),
        torch.optim.Adam(discriminator.parameters(), **adam),
        ProgressiveReals(TensorStream(images, schedule(0).minibatch, seed)),
        WGANGP(lam=10.0, drift=0.001),
        Normal(generator.latent_dim),
        step=AlternatingStep(d_steps=1),
        hooks=[*([] if ema_beta is None else [GeneratorEMA(ema_beta)]), ProgressiveGrowing(schedule), *hooks],
        **trainer_options,
    )


def biggan_trainer(
    images: Tensor,
    labels: Tensor,
    n_classes: int = 10,
    latent_dim: int = 64,
    width: int = 16,
    embedding_dim: int = 32,
    attention: bool = True,
    ortho_beta: float | None = 1e-4,
    batch_size: int = 32,
    lr: float = 1e-4,
    d_lr_factor: float = 4.0,
    betas: tuple[float, float] = (0.0, 0.9),
    seed: int = 0,
    device: torch.device | None = None,
    **trainer_options: Any,
) -> GANTrainer:
    r"""SAGAN and BigGAN at small scale, as the SAGAN-and-BigGAN chapter trains them class-conditionally: the
    residual :class:`~gan_course.models.BigGANGenerator` (class-conditional batch norm from a shared embedding) and
    :class:`~gan_course.models.ProjectionDiscriminator`, both spectrally normalised, with self-attention at the
    middle resolution where ``attention``; the hinge loss with one D step per G step and the two time-scale rates
    of SAGAN (Zhang et al. 2019: G $10^{-4}$, D $4 \cdot 10^{-4}$, Adam $\beta = (0, 0.9)$): ``lr`` is G's rate
    and D's is ``d_lr_factor`` times it; BigGAN's
    orthogonal regularisation of G with $\beta$ = ``ortho_beta`` (Brock et al. 2019: $10^{-4}$; ``None`` for
    none); $z \sim N(0, I)$ and $y$ uniform over the ``n_classes``.

    Unlike the papers: 28 x 28 images, ``width`` 16, batches of 32 (BigGAN: up to 2,048), no hierarchical latent
    and no moving average of G, one D step per G step as SAGAN. The recipe's ``cpu`` and ``fast``
    runs take both rates four times larger (``lr`` $4 \cdot 10^{-4}$, so D $1.6 \cdot 10^{-3}$): at the
    papers' rates a run of several hundred steps barely leaves its starting plateau. The data order is seeded with
    ``seed``.
    """
    check_range(images, " for the tanh generator")
    channels, size = _square_images(images)
    device = device or default_device()
    generator = BigGANGenerator(latent_dim, n_classes, width, embedding_dim, channels, size, attention).to(device)
    discriminator = ProjectionDiscriminator(n_classes, width, channels, size, attention).to(device)
    objective: Objective = Hinge()
    if ortho_beta is not None:
        objective = OrthogonalRegularization(objective, generator, ortho_beta)
    return GANTrainer(generator, discriminator, torch.optim.Adam(generator.parameters(), lr=lr, betas=betas),
                      torch.optim.Adam(discriminator.parameters(), lr=d_lr_factor * lr, betas=betas),
                      TensorStream(images, batch_size, seed, labels=labels), objective,
                      Labelled(Normal(latent_dim), n_classes), **trainer_options)
