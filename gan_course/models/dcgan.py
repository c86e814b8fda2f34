"""DCGAN: the deep convolutional GAN of Radford, Metz & Chintala (2016).

Their architecture guidelines (Section 3): strided convolutions instead of pooling in D and fractionally strided
(transposed) convolutions in G; batch normalisation in both nets except G's output layer and D's input layer; no fully
connected hidden layers; ReLU in G with a tanh output; LeakyReLU(0.2) in D; weights drawn from N(0, 0.02). The layers
are those of pytorch/examples' ``dcgan`` (4x4 kernels, ngf = ndf = 64 at 64x64), not the authors' Theano code
(``Newmu/dcgan_code``: 5x5 kernels, ngf = ndf = 128, a dense projection of z with batch norm per unit, a dense output
layer in D, L2 weight decay 1e-5). The layer stack is derived from the image size: G starts from a ``base`` x
``base`` map (4, or 7 for MNIST's 28) and doubles it with each kernel-4, stride-2, padding-1 transposed convolution
(by the arithmetic of
:mod:`gan_course.models.convolution_arithmetic`, $o' = 2(i' - 1) + 4 - 2 = 2i'$); D mirrors it. With
``upsampling="resize"`` each of these is replaced by the resize-convolution of Odena, Dumoulin & Olah (2016),
nearest-neighbour upsampling by 2 and a kernel-3, stride-1, padding-1 convolution, which doubles the size without
checkerboard artifacts. With ``normalization="layer"`` or ``"none"`` the discriminator drops batch norm, as a WGAN-GP
critic must (Gulrajani et al. 2017, Section 4: the gradient penalty is per sample, and batch norm makes each score
depend on the whole batch).
"""

from __future__ import annotations

from torch import Tensor, nn

BASES = (4, 7)
UPSAMPLING = ("transposed", "resize")
NORMALIZATIONS = ("batch", "layer", "none")


def halving_plan(image_size: int, bases: tuple[int, ...]) -> tuple[int, int] | None:
    """The first ``(base, n)``, ``base`` taken from ``bases`` in order, with ``image_size == base * 2**n`` and
    ``n >= 1`` (the number of stride-2 layers between a ``base`` x ``base`` map and the image), or None."""
    for base in bases:
        size, n = image_size, 0
        while size > base and size % 2 == 0:
            size, n = size // 2, n + 1
        if size == base and n >= 1:
            return base, n
    return None


def layer_plan(image_size: int) -> tuple[int, int]:
    """``(base, n)`` with ``image_size == base * 2**n``, ``base`` in (4, 7) and ``n >= 1``; e.g. 64 -> (4, 4), 28 -> (7, 2)."""
    plan = halving_plan(image_size, BASES)
    if plan is not None:
        return plan
    raise ValueError(
        f"image_size {image_size} is not supported: DCGAN here needs 4 * 2**n or 7 * 2**n with n >= 1 "
        f"(e.g. 28, 32, 64, 128); resize the images to one of these sizes"
    )


def init_weights(module: nn.Module) -> None:
    """Radford et al. (2016), Section 4: "All weights were initialized from a zero-centered Normal distribution with
    standard deviation 0.02" (batch-norm scales from N(1, 0.02), shifts 0, as in pytorch/examples' dcgan)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def upsampling_layers(c_in: int, c_out: int, upsampling: str) -> list[nn.Module]:
    """Layers that double the size: Radford et al.'s (2016) kernel-4, stride-2, padding-1 transposed convolution, or
    the resize-convolution of Odena, Dumoulin & Olah (2016): nearest upsampling by 2, then a 3x3 stride-1 convolution."""
    if upsampling == "transposed":
        return [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False)]
    if upsampling == "resize":
        return [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c_in, c_out, 3, 1, 1, bias=False)]
    raise ValueError(f"upsampling must be one of {', '.join(map(repr, UPSAMPLING))}, got {upsampling!r}")


def normalization_layers(channels: int, normalization: str) -> list[nn.Module]:
    """The discriminator's normalisation after a hidden convolution: Radford et al.'s (2016) batch norm, layer norm
    over (C, H, W) as ``nn.GroupNorm(1, C)`` (recommended for the critic by Gulrajani et al. 2017, Section 4), or
    none."""
    if normalization == "batch":
        return [nn.BatchNorm2d(channels)]
    if normalization == "layer":
        return [nn.GroupNorm(1, channels)]
    if normalization == "none":
        return []
    raise ValueError(
        f"normalization must be one of {', '.join(map(repr, NORMALIZATIONS))}, got {normalization!r}; a WGAN-GP critic "
        f"needs 'layer' or 'none' (the gradient penalty refuses batch norm)"
    )


class DCGANGenerator(nn.Module):
    """G: z of shape (N, latent_dim) to images (N, channels, image_size, image_size) in [-1, 1].

    ``upsampling`` chooses how each layer doubles the size: ``"transposed"`` (Radford et al. 2016) or ``"resize"``
    (Odena et al. 2016); see :func:`upsampling_layers`.
    """

    def __init__(
        self, latent_dim: int = 100, image_size: int = 64, channels: int = 3, width: int = 64, upsampling: str = "transposed"
    ):
        super().__init__()
        if latent_dim < 1 or channels < 1 or width < 1:
            raise ValueError(f"latent_dim, channels and width must be positive, got {latent_dim}, {channels}, {width}")
        base, n = layer_plan(image_size)
        self.latent_dim = latent_dim
        widths = [width * 2**i for i in reversed(range(n))]  # e.g. 512, 256, 128, 64 for 64x64
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_dim, widths[0], base, 1, 0, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(True),
        ]
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            layers += [*upsampling_layers(c_in, c_out, upsampling), nn.BatchNorm2d(c_out), nn.ReLU(True)]
        layers += [*upsampling_layers(widths[-1], channels, upsampling), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(init_weights)

    def forward(self, z: Tensor) -> Tensor:
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"noise must have shape (N, {self.latent_dim}), got {tuple(z.shape)}")
        return self.net(z[:, :, None, None])


class DCGANDiscriminator(nn.Module):
    """D: images (N, channels, image_size, image_size) to one logit each, shape (N,).

    ``normalization`` after each hidden convolution: ``"batch"`` (Radford et al. 2016), ``"layer"`` or ``"none"``
    (for a WGAN-GP critic); see :func:`normalization_layers`.
    """

    def __init__(self, image_size: int = 64, channels: int = 3, width: int = 64, normalization: str = "batch"):
        super().__init__()
        if channels < 1 or width < 1:
            raise ValueError(f"channels and width must be positive, got {channels}, {width}")
        normalization_layers(1, normalization)  # checked here too: a one-layer plan has no hidden convolution
        base, n = layer_plan(image_size)
        self.image_shape = (channels, image_size, image_size)
        widths = [width * 2**i for i in range(n)]  # e.g. 64, 128, 256, 512 for 64x64
        layers: list[nn.Module] = [nn.Conv2d(channels, widths[0], 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            layers += [
                nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False),
                *normalization_layers(c_out, normalization),
                nn.LeakyReLU(0.2, True),
            ]
        layers.append(nn.Conv2d(widths[-1], 1, base, 1, 0, bias=False))
        self.net = nn.Sequential(*layers)
        self.apply(init_weights)

    def forward(self, x: Tensor) -> Tensor:
        if tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(f"images must have shape (N, {', '.join(map(str, self.image_shape))}), got {tuple(x.shape)}")
        return self.net(x).flatten()
