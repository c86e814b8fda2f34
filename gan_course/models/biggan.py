r"""BigGAN's class-conditional networks at small scale (Brock et al. 2019), with SAGAN's self-attention (Zhang et al.
2019): residual blocks, class-conditional batch norm fed by a shared class embedding in G, and the projection
discriminator (Miyato & Koyama 2018); spectral normalisation on every layer of both (Miyato et al. 2018), except
G's shared embedding, as in the authors' BigGAN-PyTorch.

*Class-conditional batch norm* (de Vries et al. 2017; Dumoulin et al. 2017): batch norm without its own affine, then a
gain and a bias computed from the class. BigGAN (Section 3, "shared embeddings") learns one embedding $e_y$ per class,
shared by every block, and each batch norm projects it linearly to its gains and biases; BigGAN-PyTorch's ``ccbn``
computes $\hat x \cdot (1 + W_\gamma e_y) + W_\beta e_y$, so an untrained layer starts as plain batch norm.

*The projection discriminator* (Miyato & Koyama 2018): features $\phi(x)$, an unconditional score $\psi(\phi(x))$,
and the inner product of a learned class embedding with the same features,

$$D(x, y) = \psi(\phi(x)) + \langle \operatorname{embed}(y), \phi(x) \rangle,$$

the form the optimal conditional discriminator takes when both class posteriors are softmax models on shared
features (chapter 14's exercise derives it). $\phi$ is the sum over positions of the last block's ReLU, as in
BigGAN-PyTorch's ``D.forward``.

At this scale (28 x 28 grey images, 16 to 64 channels in the recipe's cpu run, two up- and two down-sampling
blocks, attention at 14 x 14) the networks are a miniature of BigGAN's 128 x 128 ones (in BigGAN-PyTorch's 128 x 128
architecture, five up-sampling blocks in G from 16 x 96 channels down to 96, attention at 64 x 64).
BigGAN's hierarchical latent (chunks of $z$ fed to each block) is left out: $z$ enters once, through the first
linear layer. Weights are initialised orthogonally, as BigGAN-PyTorch's ``G_init = D_init = 'ortho'``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_course.models.self_attention import SelfAttention
from gan_course.models.spectral_norm import spectrally_normalize


def _check_labels(labels: Tensor, batch: int, n_classes: int) -> None:
    if not isinstance(labels, Tensor) or labels.shape != (batch,) or labels.is_floating_point():
        shape = tuple(labels.shape) if isinstance(labels, Tensor) else type(labels).__name__
        raise ValueError(f"labels must be {batch} integer class indices, shape ({batch},), got {shape}")
    if batch and labels.device.type != "meta" and (int(labels.min()) < 0 or int(labels.max()) >= n_classes):
        raise ValueError(f"labels must lie in 0..{n_classes - 1}, got values in [{int(labels.min())}, "
                         f"{int(labels.max())}]")


def _check_widths(width: int, image_size: int) -> None:
    if not isinstance(width, int) or width < 8 or width % 8:
        raise ValueError(f"width must be a positive multiple of 8 (self-attention has width / 8 channels), got "
                         f"{width!r}")
    if not isinstance(image_size, int) or image_size < 8 or image_size % 4:
        raise ValueError(f"image_size must be a multiple of 4 of at least 8 (two blocks double or halve it), got "
                         f"{image_size!r}")


def orthogonal_init(network: nn.Module) -> nn.Module:
    """Orthogonal weights and zero biases for every convolution, linear and embedding layer (BigGAN-PyTorch's
    ``'ortho'`` initialisation); in place, before spectral normalisation."""
    for module in network.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear, nn.Embedding)):
            nn.init.orthogonal_(module.weight)
            if getattr(module, "bias", None) is not None:
                nn.init.zeros_(module.bias)
    return network


class ConditionalBatchNorm2d(nn.Module):
    r"""Batch norm whose gain and bias come from a class embedding $e$ (BigGAN-PyTorch's ``ccbn``):

    $$\operatorname{CBN}(x, e) = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \cdot (1 + W_\gamma e) + W_\beta e,$$

    $\mu, \sigma^2$ per channel over the batch (running averages in eval mode). ``forward(x, e)`` takes maps
    (N, channels, H, W) and embeddings (N, embedding_dim).
    """

    def __init__(self, channels: int, embedding_dim: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.gain = nn.Linear(embedding_dim, channels, bias=False)
        self.bias = nn.Linear(embedding_dim, channels, bias=False)

    def forward(self, x: Tensor, embedding: Tensor) -> Tensor:
        if embedding.ndim != 2 or len(embedding) != len(x) or embedding.shape[1] != self.gain.in_features:
            raise ValueError(f"the embedding must have shape ({len(x)}, {self.gain.in_features}), one row per map, "
                             f"got {tuple(embedding.shape)}")
        # CBN(x, e) = x_hat * (1 + W_gamma e) + W_beta e
        return self.norm(x) * (1 + self.gain(embedding))[:, :, None, None] + self.bias(embedding)[:, :, None, None]


class GeneratorBlock(nn.Module):
    """BigGAN's residual up-sampling block: CBN, ReLU, nearest 2x up-sampling, 3 x 3 conv, CBN, ReLU, 3 x 3 conv,
    added to the up-sampled input through a 1 x 1 conv."""

    def __init__(self, in_channels: int, out_channels: int, embedding_dim: int):
        super().__init__()
        self.norm1 = ConditionalBatchNorm2d(in_channels, embedding_dim)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.norm2 = ConditionalBatchNorm2d(out_channels, embedding_dim)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.shortcut = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: Tensor, embedding: Tensor) -> Tensor:
        h = F.interpolate(F.relu(self.norm1(x, embedding)), scale_factor=2)
        h = self.conv2(F.relu(self.norm2(self.conv1(h), embedding)))
        return h + self.shortcut(F.interpolate(x, scale_factor=2))


class DiscriminatorBlock(nn.Module):
    """BigGAN's residual D block: (ReLU,) 3 x 3 conv, ReLU, 3 x 3 conv, (2 x 2 average pooling), added to the
    shortcut (a 1 x 1 conv where the channels change or the block pools). The first block has no leading ReLU
    (``preactivation=False``), and pools before its shortcut's conv, as BigGAN-PyTorch's ``DBlock``."""

    def __init__(self, in_channels: int, out_channels: int, downsample: bool = True, preactivation: bool = True):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.shortcut = nn.Conv2d(in_channels, out_channels, 1) if in_channels != out_channels or downsample else None
        self.downsample, self.preactivation = downsample, preactivation

    def _pool(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, 2) if self.downsample else x

    def forward(self, x: Tensor) -> Tensor:
        h = self._pool(self.conv2(F.relu(self.conv1(F.relu(x) if self.preactivation else x))))
        if self.shortcut is None:
            return h + x
        if self.preactivation:
            return h + self._pool(self.shortcut(x))
        return h + self.shortcut(self._pool(x))


class BigGANGenerator(nn.Module):
    r"""$G(z, y)$: noise (N, latent_dim) and labels (N,) to images (N, channels, image_size, image_size) in [-1, 1].

    A linear layer maps $z$ to $4w$ maps of (image_size / 4)²; two :class:`GeneratorBlock` up-sample to $2w$ and
    $w$ channels, with self-attention (:class:`~gan_course.models.self_attention.SelfAttention`) after the first
    where ``attention``; batch norm, ReLU, a 3 x 3 conv and tanh give the image. Every batch norm of the blocks is
    conditional on the class through one shared embedding of ``embedding_dim`` (Brock et al. 2019, Section 3).
    Spectrally normalised, except the shared embedding.
    """

    def __init__(self, latent_dim: int = 64, n_classes: int = 10, width: int = 32, embedding_dim: int = 32,
                 channels: int = 1, image_size: int = 28, attention: bool = True):
        super().__init__()
        _check_widths(width, image_size)
        if not isinstance(latent_dim, int) or latent_dim < 1 or not isinstance(n_classes, int) or n_classes < 2:
            raise ValueError(f"latent_dim must be positive and n_classes at least 2, got {latent_dim!r}, "
                             f"{n_classes!r}")
        self.latent_dim, self.n_classes, self.bottom = latent_dim, n_classes, image_size // 4
        self.shared = nn.Embedding(n_classes, embedding_dim)
        self.linear = nn.Linear(latent_dim, 4 * width * self.bottom ** 2)
        self.blocks = nn.ModuleList([GeneratorBlock(4 * width, 2 * width, embedding_dim),
                                     GeneratorBlock(2 * width, width, embedding_dim)])
        self.attention = SelfAttention(2 * width) if attention else nn.Identity()
        self.output = nn.Sequential(nn.BatchNorm2d(width), nn.ReLU(), nn.Conv2d(width, channels, 3, padding=1))
        orthogonal_init(self)
        for part in (self.linear, self.blocks, self.output, *([self.attention] if attention else [])):
            spectrally_normalize(part)

    def forward(self, z: Tensor, labels: Tensor) -> Tensor:
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"noise must have shape (N, {self.latent_dim}), got {tuple(z.shape)}")
        _check_labels(labels, len(z), self.n_classes)
        embedding = self.shared(labels)
        h = self.linear(z).view(len(z), -1, self.bottom, self.bottom)
        h = self.attention(self.blocks[0](h, embedding))
        return torch.tanh(self.output(self.blocks[1](h, embedding)))


class ProjectionDiscriminator(nn.Module):
    r"""$D(x, y) = \psi(\phi(x)) + \langle \operatorname{embed}(y), \phi(x) \rangle$ (Miyato & Koyama 2018), one raw
    score per image, shape (N,).

    $\phi$: :class:`DiscriminatorBlock` to $w$ channels (halving the size), self-attention where ``attention``,
    a block to $2w$ (halving again), a block at that size, ReLU and a sum over positions. Spectrally normalised
    throughout, the class embedding included, as in BigGAN-PyTorch's ``SNEmbedding``.
    """

    def __init__(self, n_classes: int = 10, width: int = 32, channels: int = 1, image_size: int = 28,
                 attention: bool = True):
        super().__init__()
        _check_widths(width, image_size)
        if not isinstance(n_classes, int) or n_classes < 2:
            raise ValueError(f"n_classes must be an integer of at least 2, got {n_classes!r}")
        self.n_classes, self.image_shape = n_classes, (channels, image_size, image_size)
        self.first = DiscriminatorBlock(channels, width, preactivation=False)
        self.attention = SelfAttention(width) if attention else nn.Identity()
        self.rest = nn.Sequential(DiscriminatorBlock(width, 2 * width), DiscriminatorBlock(2 * width, 2 * width,
                                                                                          downsample=False))
        self.psi = nn.Linear(2 * width, 1)
        self.embed = nn.Embedding(n_classes, 2 * width)
        orthogonal_init(self)
        spectrally_normalize(self)

    def features(self, x: Tensor) -> Tensor:
        r"""$\phi(x)$ (N, 2 width): the sum over positions of the last block's ReLU."""
        if tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(f"images must have shape (N, {', '.join(map(str, self.image_shape))}), got "
                             f"{tuple(x.shape)}")
        return F.relu(self.rest(self.attention(self.first(x)))).sum(dim=(2, 3))

    def forward(self, x: Tensor, labels: Tensor) -> Tensor:
        _check_labels(labels, len(x), self.n_classes)
        phi = self.features(x)
        # D(x, y) = psi(phi(x)) + <embed(y), phi(x)>
        return self.psi(phi).squeeze(1) + (self.embed(labels) * phi).sum(dim=1)
