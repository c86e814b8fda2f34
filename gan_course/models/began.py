r"""BEGAN's networks (Berthelot, Schumm & Metz 2017, Section 3.5 and Figure 1): a generator, and a discriminator that
is an **auto-encoder** — it returns its reconstruction $D(v)$ of the image $v$, not a score.

Their Figure 1: 3x3 convolutions with ELUs throughout; the encoder downsamples with stride-2 convolutions and widens
linearly with each downsampling ($n, 2n, 3n, \dots$ filters), then maps to the embedding $h \in \mathbb{R}^{N_h}$ by a
fully connected layer with no non-linearity; the decoder maps $h$ by a fully connected layer to a ``base`` x ``base``
x $n$ map and alternates two convolutions with nearest-neighbour upsampling; the generator is the decoder's
architecture with its own weights, fed $z \in [-1, 1]^{N_z}$, with $N_h = N_z$ (carpedm20/BEGAN-tensorflow's defaults:
$N_z = 64$, $n = 128$).

The layer counts follow carpedm20/BEGAN-tensorflow's ``models.py`` (a widely used reimplementation; the authors
released no code): ``repeat`` blocks of two convolutions, ``repeat - 1`` of them followed by a (down/up)sampling, and
one input convolution in the encoder. Where we differ: MNIST's 28 x 28 starts from a 7 x 7 map (``base = 7``; the
reimplementation's 8 x 8 serves 32, 64, 128); the ELUs are plain ELUs (the reimplementation wraps TF-slim layers,
whose default activation is a ReLU, so its downsampling convolutions and embedding end in a ReLU); and the generator
ends in a tanh, so that its samples lie in the data's range [-1, 1] as the course's protocol requires (the
reimplementation's generator is linear and its images are clipped for display). The decoder stays linear, as in both.
"""

from __future__ import annotations

from torch import Tensor, nn

from gan_course.models.dcgan import halving_plan

BASES = (7, 8)


def began_plan(image_size: int) -> tuple[int, int]:
    """``(base, repeat)`` with ``image_size == base * 2**(repeat - 1)``, ``base`` 7 or 8: 28 -> (7, 3), 64 -> (8, 4)."""
    plan = halving_plan(image_size, BASES)
    if plan is not None:
        base, halvings = plan
        return base, halvings + 1  # a block at the base size and one after each doubling
    raise ValueError(f"image_size {image_size} is not supported: BEGAN's networks here need 7 * 2**r or 8 * 2**r "
                     f"with r >= 1 (e.g. 28, 32, 64); resize or pad the images to one of these sizes")


def _check(channels: int, width: int, latent_dim: int) -> None:
    if min(channels, width, latent_dim) < 1:
        raise ValueError(f"channels, width (n, the paper's filters per layer) and latent_dim must be positive, got "
                         f"channels={channels}, width={width}, latent_dim={latent_dim}")


class BEGANDecoder(nn.Module):
    """BEGAN's decoder (their Figure 1, left): ``h`` (N, latent_dim) to images (N, channels, size, size); the
    generator is this architecture ending in a tanh (``output="tanh"``), the auto-encoder's decoder is linear."""

    def __init__(self, latent_dim: int, image_size: int = 28, channels: int = 1, width: int = 64,
                 output: str = "linear"):
        super().__init__()
        _check(channels, width, latent_dim)
        if output not in ("linear", "tanh"):
            raise ValueError(f"output must be 'linear' (the auto-encoder's decoder) or 'tanh' (the generator), "
                             f"got {output!r}")
        base, repeat = began_plan(image_size)
        self.latent_dim, self.base, self.width = latent_dim, base, width
        self.project = nn.Linear(latent_dim, base * base * width)
        layers: list[nn.Module] = []
        for block in range(repeat):
            layers += [nn.Conv2d(width, width, 3, padding=1), nn.ELU(), nn.Conv2d(width, width, 3, padding=1), nn.ELU()]
            if block < repeat - 1:
                layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
        layers.append(nn.Conv2d(width, channels, 3, padding=1))
        if output == "tanh":
            layers.append(nn.Tanh())
        self.body = nn.Sequential(*layers)

    def forward(self, h: Tensor) -> Tensor:
        return self.body(self.project(h).view(len(h), self.width, self.base, self.base))


class BEGANGenerator(BEGANDecoder):
    """BEGAN's generator: the decoder's architecture with a tanh output, $z \\in [-1, 1]^{N_z}$ to images."""

    def __init__(self, latent_dim: int, image_size: int = 28, channels: int = 1, width: int = 64):
        super().__init__(latent_dim, image_size, channels, width, output="tanh")


class BEGANEncoder(nn.Module):
    """BEGAN's encoder (their Figure 1, right): images to the embedding ``h`` (N, hidden_dim), no final activation."""

    def __init__(self, hidden_dim: int, image_size: int = 28, channels: int = 1, width: int = 64):
        super().__init__()
        _check(channels, width, hidden_dim)
        base, repeat = began_plan(image_size)
        layers: list[nn.Module] = [nn.Conv2d(channels, width, 3, padding=1), nn.ELU()]
        previous = width
        for block in range(repeat):
            filters = width * (block + 1)  # n, 2n, 3n, ...: linearly more filters after each downsampling
            layers += [nn.Conv2d(previous, filters, 3, padding=1), nn.ELU(),
                       nn.Conv2d(filters, filters, 3, padding=1), nn.ELU()]
            if block < repeat - 1:
                layers += [nn.Conv2d(filters, filters, 3, stride=2, padding=1), nn.ELU()]
            previous = filters
        self.body = nn.Sequential(*layers, nn.Flatten())
        self.embed = nn.Linear(base * base * previous, hidden_dim)

    def forward(self, x: Tensor) -> Tensor:
        return self.embed(self.body(x))


class BEGANDiscriminator(nn.Module):
    """BEGAN's discriminator: the auto-encoder $D(v) = \\text{decoder}(\\text{encoder}(v))$, returning the
    reconstruction (same shape as ``v``); :func:`~gan_course.losses.began.reconstruction_loss` scores it."""

    def __init__(self, hidden_dim: int, image_size: int = 28, channels: int = 1, width: int = 64):
        super().__init__()
        self.encoder = BEGANEncoder(hidden_dim, image_size, channels, width)
        self.decoder = BEGANDecoder(hidden_dim, image_size, channels, width)

    def forward(self, v: Tensor) -> Tensor:
        return self.decoder(self.encoder(v))
