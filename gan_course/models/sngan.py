r"""The standard CNN of SN-GAN (Miyato et al. 2018, Table 3), scaled to the image size.

Their Table 3 ("standard CNN" for CIFAR-10 and STL-10): G maps $z \in \mathbb{R}^{128}$, $z \sim N(0, I)$, by a dense
layer to a $M_g \times M_g \times 512$ map, then 4x4 stride-2 transposed convolutions (256, 128, 64 channels) with batch
norm and ReLU, and a 3x3 stride-1 convolution to the image with tanh; D alternates 3x3 stride-1 and 4x4 stride-2
convolutions (64, 64, 128, 128, 256, 256, 512 channels) with leaky ReLU of slope 0.1 and ends with a dense layer to
one score, with spectral normalisation on every layer and no batch norm. The reference implementation
(pfnet-research/chainer-gan-lib, ``common/net.py``) draws the weights from $N(0, 0.02)$ and normalises the dense
layer's output in G with batch norm too.

Here the number of stride-2 layers follows the image size as in :func:`~gan_course.models.dcgan.layer_plan`: 28 x 28
MNIST starts from a 7 x 7 map and has two (the paper's 32 x 32 has three, from 4 x 4), and ``width`` sets the
narrowest layer (the paper's 64): G's channels are ``width * 2**n`` down to ``width``, D's ``width`` up to
``width * 2**n``. Spectral normalisation is applied after the weights are drawn (see
:func:`~gan_course.models.spectral_norm.spectrally_normalize`).
"""

from __future__ import annotations

from torch import Tensor, nn

from gan_course.models.dcgan import layer_plan
from gan_course.models.spectral_norm import spectrally_normalize


def init_normal(module: nn.Module, std: float = 0.02) -> None:
    """Weights from $N(0, 0.02)$ and zero biases, as the reference implementation's ``Normal(wscale=0.02)``
    (chainer-gan-lib); batch-norm layers keep PyTorch's scale 1, shift 0."""
    if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, std)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


class SNGANGenerator(nn.Module):
    """G of Miyato et al.'s (2018) Table 3: z of shape (N, latent_dim) to images (N, channels, size, size) in [-1, 1].

    ``width`` is the last hidden layer's channels (the paper's 64); each earlier layer has twice as many."""

    def __init__(self, latent_dim: int = 128, image_size: int = 28, channels: int = 1, width: int = 16):
        super().__init__()
        if latent_dim < 1 or channels < 1 or width < 1:
            raise ValueError(f"latent_dim, channels and width must be positive, got {latent_dim}, {channels}, {width}")
        self.base, n = layer_plan(image_size)
        self.latent_dim = latent_dim
        widths = [width * 2**i for i in reversed(range(n + 1))]  # e.g. 64, 32, 16 for 28 x 28 and width 16
        self.project = nn.Sequential(nn.Linear(latent_dim, self.base**2 * widths[0]),
                                     nn.BatchNorm1d(self.base**2 * widths[0]), nn.ReLU(True))
        layers: list[nn.Module] = []
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1), nn.BatchNorm2d(c_out), nn.ReLU(True)]
        layers += [nn.Conv2d(widths[-1], channels, 3, 1, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(init_normal)

    def forward(self, z: Tensor) -> Tensor:
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"noise must have shape (N, {self.latent_dim}), got {tuple(z.shape)}")
        h = self.project(z)
        return self.net(h.view(len(z), -1, self.base, self.base))


class SNGANDiscriminator(nn.Module):
    """D of Miyato et al.'s (2018) Table 3: images (N, channels, size, size) to one raw score each, shape (N,).

    ``spectral=True`` (the paper's) normalises every layer after the weights are drawn; ``False`` leaves the same
    network unconstrained (for a non-saturating GAN or a WGAN-GP critic on the same architecture)."""

    def __init__(self, image_size: int = 28, channels: int = 1, width: int = 16, negative_slope: float = 0.1,
                 spectral: bool = True):
        super().__init__()
        if channels < 1 or width < 1:
            raise ValueError(f"channels and width must be positive, got {channels}, {width}")
        base, n = layer_plan(image_size)
        self.image_shape = (channels, image_size, image_size)
        layers: list[nn.Module] = []
        c_in = channels
        for i in range(n):  # 3x3 stride 1, then 4x4 stride 2 at the same width (64, 64, 128, 128, ... in the paper)
            c_out = width * 2**i
            layers += [nn.Conv2d(c_in, c_out, 3, 1, 1), nn.LeakyReLU(negative_slope, True),
                       nn.Conv2d(c_out, c_out, 4, 2, 1), nn.LeakyReLU(negative_slope, True)]
            c_in = c_out
        layers += [nn.Conv2d(c_in, width * 2**n, 3, 1, 1), nn.LeakyReLU(negative_slope, True), nn.Flatten(),
                   nn.Linear(base**2 * width * 2**n, 1)]
        self.net = nn.Sequential(*layers)
        self.apply(init_normal)
        if spectral:
            spectrally_normalize(self)

    def forward(self, x: Tensor) -> Tensor:
        if tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(f"images must have shape (N, {', '.join(map(str, self.image_shape))}), got {tuple(x.shape)}")
        return self.net(x).flatten()
