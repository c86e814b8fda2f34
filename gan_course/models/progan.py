r"""ProGAN: the progressively grown generator and discriminator of Karras et al. (2018), "Progressive Growing of GANs
for Improved Quality, Stability, and Variation", following their released code (``networks.py``: ``G_paper``,
``D_paper``).

Both networks start at 4×4 and double the resolution block by block (Section 2, Figure 1). The paper describes this
as *adding* layers during training; the released code, and this module, build every block from the start and let the
network's current **stage** — a resolution and a fade-in weight $\alpha$ — choose the path (the code's ``lod``
variable, ``lod_in``: $\text{lod} = \log_2(\text{image size} / \text{resolution}) + 1 - \alpha$, see
:attr:`ProgressiveNetwork.lod`).
Blocks above the current resolution receive no gradient and do not change. While a new block fades in
(Figure 2), G blends the toRGB of the new block with the nearest-upsampled toRGB of the block below, and D blends the
fromRGB + block of the new resolution with the fromRGB of the 2×2-averaged image:

$$x_\text{out} = (1 - \alpha)\,\text{old} + \alpha\,\text{new}$$

As in the code, G's output and D's input are always full-size images: G upsamples its output (nearest neighbour) to
the image size and D averages its input down to the current resolution, so the images, the gradient penalty and the
course's samples keep one shape throughout training. G's output is linear (no tanh), in the code's data range
$[-1, 1]$.

The layers (Section 4): equalized learning rate (:class:`EqualizedLinear`, :class:`EqualizedConv2d`), pixelwise
feature normalization after every convolution of G and on $z$ (:class:`PixelNorm`), leaky ReLU (0.2) in both networks,
and the minibatch standard deviation in D's last block (:class:`MinibatchStdDev`, Section 3). Feature maps per stage
follow the code's rule $\text{nf}(s) = \min(\lfloor \text{fmap\_base} / 2^{s \cdot \text{fmap\_decay}} \rfloor,
\text{fmap\_max})$ (:func:`feature_maps`); small ``fmap_base``/``fmap_max`` give narrow networks for a CPU run.

Where the code differs from the paper's text, this module follows the code:

* G's first layer is a dense layer with gain $\sqrt2/4$ (the paper's Table 2 has a 4×4 convolution; the code's
  comment: "override gain to match the original Theano implementation"), its bias added per channel after reshaping to
  4×4; the latent vector is pixel-normalised (``normalize_latents``), i.e. put on the sphere of radius
  $\sqrt{\text{latent\_dim}}$ (Appendix A.1: "random points on a 512-dimensional hypersphere");
* D's last block ends with a dense layer on the flattened 4×4 features (Table 2's 4×4 convolution, the same map)
  before the output layer of gain 1;
* in D's blocks the 2×2 average pooling comes *before* the leaky ReLU (the code's default ``fused_scale=True``,
  ``conv2d_downscale2d``; Table 2 lists the activation before the downsampling); the code's fused up- and
  down-sampling convolutions are written here unfused, the same maps (the fused upsampling one with its kernel
  flipped, which changes nothing for weights drawn independently);
* the minibatch standard deviation is computed over groups of 4 samples (``mbstd_group_size``, the TensorFlow code's
  default), not the whole minibatch of Section 3 (the Theano code's ``mbstat_avg='all'``; the TensorFlow
  ``preset-v1``, the paper's configuration, sets 16, its whole minibatch at low resolution).
"""

from __future__ import annotations

import copy
import math
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

SLOPE = 0.2


def is_power_of_two(n: Any) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and n >= 1 and n & (n - 1) == 0


def check_stage(image_size: int, resolution: int, alpha: float) -> None:
    """Raise a ValueError unless ``resolution`` and ``alpha`` are a stage of a ProGAN for ``image_size`` images."""
    if not is_power_of_two(resolution) or not 4 <= resolution <= image_size:
        raise ValueError(f"resolution must be a power of two between 4 and the image size {image_size}, got "
                         f"{resolution!r}")
    if not isinstance(alpha, (int, float)) or not 0 <= alpha <= 1:
        raise ValueError(f"alpha (the fade-in weight of the newest block) must be a number in [0, 1], got {alpha!r}")
    if resolution == 4 and alpha != 1:
        raise ValueError("alpha < 1 fades a resolution in over the one below it, and 4x4, the first, has none: use "
                         "alpha=1 at resolution 4")


def feature_maps(stage: int, fmap_base: int, fmap_decay: float, fmap_max: int) -> int:
    r"""The number of feature maps at ``stage`` (resolution $2^{\text{stage} + 1}$), the code's ``nf(stage)``.

    $$\text{nf}(s) = \min(\lfloor \text{fmap\_base} / 2^{s \cdot \text{fmap\_decay}} \rfloor, \text{fmap\_max})$$
    """
    return min(int(fmap_base / (2.0 ** (stage * fmap_decay))), fmap_max)


def upscale(x: Tensor, factor: int) -> Tensor:
    """Nearest-neighbour upsampling by an integer ``factor`` (each pixel copied into a factor × factor square)."""
    return F.interpolate(x, scale_factor=factor, mode="nearest") if factor > 1 else x


def downscale(x: Tensor, factor: int) -> Tensor:
    """Box-filter downsampling by an integer ``factor``: the mean of each factor × factor square."""
    return F.avg_pool2d(x, factor) if factor > 1 else x


def init_weight(shape: tuple[int, ...], scale: float, equalized: bool) -> Tensor:
    r"""Initial weights of an :class:`EqualizedLinear` or :class:`EqualizedConv2d`: $\mathcal N(0, 1)$, scaled by
    $c$ at run time when ``equalized``; otherwise He's initialisation $\mathcal N(0, c^2)$ and no run-time scaling,
    the code's ``use_wscale=False`` (the same network at the start; Adam then moves every weight by about the same
    absolute step, a larger relative one for the layers with small $c$)."""
    weight = torch.randn(shape)
    return weight if equalized else weight * scale


class EqualizedLinear(nn.Module):
    r"""A dense layer with an equalized learning rate (Karras et al. 2018, Section 4.1).

    The weights are drawn from $\mathcal N(0, 1)$ and scaled at every forward pass by He's constant
    $c = \text{gain} / \sqrt{\text{fan\_in}}$ (gain $\sqrt2$ by default), so every weight has the same dynamic
    range and Adam, whose steps are invariant to the scale of a parameter, moves each at the same relative speed. The
    bias starts at zero and is not scaled. ``equalized=False`` gives the plain He-initialised layer instead
    (:func:`init_weight`), for the ablation.

    $$y = (c\, W)\, x + b, \qquad W_{ij} \sim \mathcal N(0, 1)$$
    """

    def __init__(self, in_features: int, out_features: int, gain: float = math.sqrt(2), bias: bool = True,
                 equalized: bool = True):
        super().__init__()
        if in_features < 1 or out_features < 1 or not gain > 0:
            raise ValueError(f"need positive in_features, out_features and gain, got {in_features}, {out_features}, "
                             f"{gain}")
        self.gain, self.equalized = gain, equalized
        self.scale = gain / math.sqrt(in_features)
        self.weight = nn.Parameter(init_weight((out_features, in_features), self.scale, equalized))
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None

    def effective_weight(self) -> Tensor:
        """The weights the layer computes with: c W, or W itself without the equalized learning rate."""
        return self.weight * self.scale if self.equalized else self.weight

    def forward(self, x: Tensor) -> Tensor:
        # y = (c W) x + b
        return F.linear(x, self.effective_weight(), self.bias)

    def extra_repr(self) -> str:
        out_features, in_features = self.weight.shape
        return (f"{in_features}, {out_features}, gain={self.gain:.4g}, bias={self.bias is not None}, "
                f"equalized={self.equalized}")


class EqualizedConv2d(nn.Module):
    r"""A stride-1 convolution with an equalized learning rate (Karras et al. 2018, Section 4.1), "same" padding.

    As :class:`EqualizedLinear`, with $\text{fan\_in} = \text{in\_channels} \cdot k^2$:

    $$y = (c\, W) * x + b, \qquad c = \text{gain} / \sqrt{\text{in\_channels}\, k^2}$$
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, gain: float = math.sqrt(2),
                 equalized: bool = True):
        super().__init__()
        if in_channels < 1 or out_channels < 1 or not gain > 0:
            raise ValueError(f"need positive in_channels, out_channels and gain, got {in_channels}, {out_channels}, "
                             f"{gain}")
        if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be an odd positive integer (the code's 'SAME' padding), got "
                             f"{kernel_size!r}")
        self.gain, self.equalized = gain, equalized
        self.scale = gain / math.sqrt(in_channels * kernel_size**2)
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        self.weight = nn.Parameter(init_weight(shape, self.scale, equalized))
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def effective_weight(self) -> Tensor:
        """The weights the layer computes with: c W, or W itself without the equalized learning rate."""
        return self.weight * self.scale if self.equalized else self.weight

    def forward(self, x: Tensor) -> Tensor:
        # y = (c W) * x + b
        return F.conv2d(x, self.effective_weight(), self.bias, padding=self.weight.shape[-1] // 2)

    def extra_repr(self) -> str:
        out_channels, in_channels, kernel_size, _ = self.weight.shape
        return (f"{in_channels}, {out_channels}, kernel_size={kernel_size}, gain={self.gain:.4g}, "
                f"equalized={self.equalized}")


class PixelNorm(nn.Module):
    r"""Pixelwise feature vector normalization (Karras et al. 2018, Section 4.2): the feature vector of each
    pixel (dimension 1) scaled to unit root mean square, $\epsilon = 10^{-8}$.

    $$b_{x,y} = a_{x,y} \Big/ \sqrt{\tfrac1N \textstyle\sum_{j=0}^{N-1} (a^j_{x,y})^2 + \epsilon}$$
    """

    def __init__(self, epsilon: float = 1e-8):
        super().__init__()
        self.epsilon = epsilon

    def forward(self, x: Tensor) -> Tensor:
        # a / sqrt(mean_j (a^j)^2 + epsilon)
        return x * torch.rsqrt(x.square().mean(dim=1, keepdim=True) + self.epsilon)


class MinibatchStdDev(nn.Module):
    r"""The minibatch standard deviation (Karras et al. 2018, Section 3), as the code's ``minibatch_stddev_layer``.

    The batch of $N$ is split into groups of $G = \min(\text{group\_size}, N)$; sample $n$ belongs to group
    $n \bmod (N / G)$ (the code's reshape to ``[G, M, C, H, W]``). For each group: the biased standard deviation of
    every feature at every pixel over the group's samples, averaged over features and pixels into one number,
    appended to each of the group's samples as one more feature map. Section 3 describes one statistic for the whole
    minibatch; the TensorFlow code uses groups (``mbstd_group_size``: 4 by default, 16 in its ``preset-v1``). The statistic is computed in float32.

    $$s = \operatorname{mean}_{c,h,w} \sqrt{\operatorname{mean}_{g} (x_{g} - \bar x)^2 + 10^{-8}}$$

    A batch that is neither smaller than the group size nor a multiple of it is refused with a ValueError (the code's
    reshape would fail).
    """

    def __init__(self, group_size: int = 4):
        super().__init__()
        if not isinstance(group_size, int) or group_size < 2:
            raise ValueError(f"group_size must be an integer >= 2 (the code uses 4), got {group_size!r}")
        self.group_size = group_size

    def forward(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        group = min(self.group_size, n)
        if n % group:
            raise ValueError(f"minibatch standard deviation: a batch of {n} cannot be split into groups of "
                             f"{group}; use a batch size that is a multiple of {group} (or smaller than it), or "
                             f"another group_size")
        y = x.float().reshape(group, n // group, c, h, w)
        # biased variance over each group, then sqrt(var + 1e-8)
        y = (y - y.mean(dim=0, keepdim=True)).square().mean(dim=0)
        y = torch.sqrt(y + 1e-8)
        # s: the mean over features and pixels, one number per group
        y = y.mean(dim=(1, 2, 3), keepdim=True).to(x.dtype)
        return torch.cat([x, y.repeat(group, 1, h, w)], dim=1)

    def extra_repr(self) -> str:
        return f"group_size={self.group_size}"


class ProgressiveNetwork(nn.Module):
    r"""What ProGAN's G and D share: the image size, the feature maps per stage ``nf`` (:func:`feature_maps`) and
    the current stage (``resolution``, ``alpha``).

    A new network is at full resolution (the code's ``lod`` starts at 0); the
    :class:`~gan_course.training.ProgressiveGrowing` hook sets the stage before every step. The stage is saved in the
    network's ``state_dict`` (as extra state), so a loaded network, or an averaged copy of G, runs at the stage it was
    saved at. Below full resolution the blocks of the higher resolutions take no part in a forward pass
    (``unused_parameters``, which tells ``DistributedDataParallel`` to look for them: :func:`gan_course.distributed.wrap`).
    """

    unused_parameters = True

    def __init__(self, image_size: int, channels: int, fmap_base: int, fmap_decay: float, fmap_max: int):
        super().__init__()
        if not is_power_of_two(image_size) or image_size < 4:
            raise ValueError(f"image_size must be a power of two, at least 4 (ProGAN doubles 4x4 up to it), got "
                             f"{image_size!r}; resize the images to one (e.g. 32 for MNIST's 28, padded)")
        levels = image_size.bit_length() - 2
        self.nf = [feature_maps(stage, fmap_base, fmap_decay, fmap_max) for stage in range(levels + 1)]
        if channels < 1 or min(self.nf) < 1:
            raise ValueError(f"channels and every nf(stage) must be positive, got channels={channels} and nf = "
                             f"{self.nf} from fmap_base={fmap_base}, fmap_decay={fmap_decay}, fmap_max={fmap_max}")
        self.image_size = image_size
        self.channels = channels
        self.levels = levels
        self.resolution = image_size
        self.alpha = 1.0

    @property
    def level(self) -> int:
        """The index of the current resolution's block: 0 at 4×4, 1 at 8×8, ..."""
        return self.resolution.bit_length() - 3

    def set_stage(self, resolution: int, alpha: float = 1.0) -> None:
        """Run at ``resolution``, with the block of that resolution faded in with weight ``alpha`` (1: fully in, 0:
        the output of ``resolution // 2``, upsampled)."""
        check_stage(self.image_size, resolution, alpha)
        self.resolution, self.alpha = resolution, float(alpha)

    @property
    def lod(self) -> float:
        r"""The code's level of detail: 0 at full resolution, $\log_2(\text{image size}) - 2$ at 4×4, fractional while
        a block fades in.

        $$\text{lod} = \log_2(\text{image size} / \text{resolution}) + 1 - \alpha$$
        """
        return math.log2(self.image_size // self.resolution) + 1 - self.alpha

    @lod.setter
    def lod(self, lod: float) -> None:
        top = math.log2(self.image_size) - 2
        if not isinstance(lod, (int, float)) or not 0 <= lod <= top:
            raise ValueError(f"lod must be a number in [0, {top:g}] for {self.image_size}x{self.image_size} images "
                             f"(0: full resolution, {top:g}: 4x4), got {lod!r}")
        whole = math.floor(lod)
        self.set_stage(self.image_size >> whole, 1 - (lod - whole))

    def get_extra_state(self) -> dict[str, Any]:
        return {"resolution": self.resolution, "alpha": self.alpha}

    def set_extra_state(self, state: dict[str, Any]) -> None:
        self.set_stage(int(state["resolution"]), float(state["alpha"]))


def feature_norm(pixel_norm: bool) -> nn.Module:
    """G's normalization after each convolution: :class:`PixelNorm`, or none (the ablation)."""
    return PixelNorm() if pixel_norm else nn.Identity()


class GeneratorInput(nn.Module):
    r"""G's 4×4 block as in the code: pixel-normalised $z$, a dense layer (gain $\sqrt2/4$) reshaped to
    ``channels`` × 4 × 4 with a bias per channel, then a 3×3 convolution; leaky ReLU and pixel norm after each
    (``pixel_norm=False``: after neither; $z$ is still normalised, the code's separate ``normalize_latents``)."""

    def __init__(self, latent_dim: int, channels: int, equalized_lr: bool = True, pixel_norm: bool = True):
        super().__init__()
        self.normalize_latents = PixelNorm()
        self.dense = EqualizedLinear(latent_dim, 16 * channels, gain=math.sqrt(2) / 4, bias=False,
                                     equalized=equalized_lr)
        self.bias = nn.Parameter(torch.zeros(channels))
        self.activation = nn.Sequential(nn.LeakyReLU(SLOPE), feature_norm(pixel_norm))
        self.conv = nn.Sequential(EqualizedConv2d(channels, channels, 3, equalized=equalized_lr), nn.LeakyReLU(SLOPE),
                                  feature_norm(pixel_norm))

    def forward(self, z: Tensor) -> Tensor:
        x = self.dense(self.normalize_latents(z)).view(len(z), -1, 4, 4) + self.bias[:, None, None]
        return self.conv(self.activation(x))


def generator_block(in_channels: int, channels: int, equalized_lr: bool = True,
                    pixel_norm: bool = True) -> nn.Sequential:
    """G's block for a doubled resolution: nearest upsampling by 2, two 3×3 convolutions, each followed by leaky
    ReLU and pixel norm (Table 2)."""
    return nn.Sequential(
        nn.Upsample(scale_factor=2, mode="nearest"),
        EqualizedConv2d(in_channels, channels, 3, equalized=equalized_lr), nn.LeakyReLU(SLOPE),
        feature_norm(pixel_norm),
        EqualizedConv2d(channels, channels, 3, equalized=equalized_lr), nn.LeakyReLU(SLOPE), feature_norm(pixel_norm),
    )


class ProGANGenerator(ProgressiveNetwork):
    r"""G of Karras et al. (2018), the code's ``G_paper``: $z$ of shape (N, latent_dim) to images (N, channels,
    image_size, image_size), upsampled from the current resolution, linear output.

    Block 0 makes 4×4 features from $z$ (:class:`GeneratorInput`); block $i$ doubles the resolution to $2^{i+2}$
    with $\text{nf}(i + 1)$ feature maps; ``to_rgb[i]`` is a 1×1 convolution of gain 1 to ``channels``.
    ``latent_dim`` defaults to the code's $\text{nf}(0)$ (512 with the defaults). ``equalized_lr=False`` and
    ``pixel_norm=False`` switch those two features off (ablations; the code's ``use_wscale`` and ``use_pixelnorm``).
    At a stage with $\alpha < 1$:

    $$G(z) = (1 - \alpha)\, \text{up}_2(\text{toRGB}_{i-1}(h)) + \alpha\, \text{toRGB}_i(\text{block}_i(h))$$
    """

    def __init__(self, image_size: int = 32, channels: int = 1, latent_dim: int | None = None,
                 fmap_base: int = 8192, fmap_decay: float = 1.0, fmap_max: int = 512, equalized_lr: bool = True,
                 pixel_norm: bool = True):
        super().__init__(image_size, channels, fmap_base, fmap_decay, fmap_max)
        nf = self.nf
        self.latent_dim = nf[0] if latent_dim is None else latent_dim
        if self.latent_dim < 1:
            raise ValueError(f"latent_dim must be positive, got {latent_dim}")
        self.blocks = nn.ModuleList([GeneratorInput(self.latent_dim, nf[1], equalized_lr, pixel_norm)])
        self.blocks.extend(generator_block(nf[i], nf[i + 1], equalized_lr, pixel_norm) for i in range(1, self.levels))
        self.to_rgb = nn.ModuleList(EqualizedConv2d(nf[i + 1], channels, 1, gain=1.0, equalized=equalized_lr)
                                    for i in range(self.levels))

    def forward(self, z: Tensor) -> Tensor:
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"noise must have shape (N, {self.latent_dim}), got {tuple(z.shape)}")
        level = self.level
        features = self.blocks[0](z)
        for block in self.blocks[1:level]:
            features = block(features)
        if level == 0:
            image = self.to_rgb[0](features)
        else:
            image = self.to_rgb[level](self.blocks[level](features))
            if self.alpha < 1:
                # (1 - alpha) up_2(toRGB_{i-1}(h)) + alpha toRGB_i(block_i(h))
                image = torch.lerp(upscale(self.to_rgb[level - 1](features), 2), image, self.alpha)
        return upscale(image, self.image_size // self.resolution)


def discriminator_block(channels: int, out_channels: int, equalized_lr: bool = True) -> nn.Sequential:
    """D's block that halves the resolution: two 3×3 convolutions, the second followed by 2×2 average pooling and
    then the leaky ReLU (the code's ``fused_scale`` order; its bias, added before the pooling, is the same map)."""
    return nn.Sequential(
        EqualizedConv2d(channels, channels, 3, equalized=equalized_lr), nn.LeakyReLU(SLOPE),
        EqualizedConv2d(channels, out_channels, 3, equalized=equalized_lr), nn.AvgPool2d(2), nn.LeakyReLU(SLOPE),
    )


def discriminator_output(channels: int, dense_features: int, group_size: int,
                         equalized_lr: bool = True) -> nn.Sequential:
    """D's 4×4 block: minibatch standard deviation (``group_size`` 0: none), a 3×3 convolution, a dense layer to
    ``dense_features`` and the output layer of gain 1 (Table 2)."""
    stddev = [MinibatchStdDev(group_size)] if group_size else []
    return nn.Sequential(
        *stddev,
        EqualizedConv2d(channels + len(stddev), channels, 3, equalized=equalized_lr), nn.LeakyReLU(SLOPE),
        nn.Flatten(),
        EqualizedLinear(16 * channels, dense_features, equalized=equalized_lr), nn.LeakyReLU(SLOPE),
        EqualizedLinear(dense_features, 1, gain=1.0, equalized=equalized_lr),
    )


class ProGANDiscriminator(ProgressiveNetwork):
    r"""D of Karras et al. (2018), the code's ``D_paper``: images (N, channels, image_size, image_size), averaged
    down to the current resolution, to one raw score each, shape (N,) (a WGAN-GP critic).

    ``from_rgb[i]`` is a 1×1 convolution to $\text{nf}(i + 1)$ feature maps with leaky ReLU; block $i \ge 1$ halves
    the resolution $2^{i+2}$ to $\text{nf}(i)$ maps; block 0 is the 4×4 output block with the minibatch standard
    deviation over groups of ``mbstd_group_size`` (0: none). ``equalized_lr=False`` uses plain He-initialised
    layers (an ablation). At a stage with $\alpha < 1$:

    $$h = (1 - \alpha)\, \text{fromRGB}_{i-1}(\text{down}_2(x)) + \alpha\, \text{block}_i(\text{fromRGB}_i(x))$$
    """

    def __init__(self, image_size: int = 32, channels: int = 1, fmap_base: int = 8192, fmap_decay: float = 1.0,
                 fmap_max: int = 512, mbstd_group_size: int = 4, equalized_lr: bool = True):
        super().__init__(image_size, channels, fmap_base, fmap_decay, fmap_max)
        if not isinstance(mbstd_group_size, int) or mbstd_group_size < 0 or mbstd_group_size == 1:
            raise ValueError(f"mbstd_group_size must be 0 (no minibatch standard deviation) or an integer >= 2 (the "
                             f"code uses 4), got {mbstd_group_size!r}")
        nf = self.nf
        self.from_rgb = nn.ModuleList(
            nn.Sequential(EqualizedConv2d(channels, nf[i + 1], 1, equalized=equalized_lr), nn.LeakyReLU(SLOPE))
            for i in range(self.levels)
        )
        self.blocks = nn.ModuleList([discriminator_output(nf[1], nf[0], mbstd_group_size, equalized_lr)])
        self.blocks.extend(discriminator_block(nf[i + 1], nf[i], equalized_lr) for i in range(1, self.levels))

    def forward(self, x: Tensor) -> Tensor:
        shape = (self.channels, self.image_size, self.image_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != shape:
            raise ValueError(f"images must have shape (N, {', '.join(map(str, shape))}) at every stage (D averages "
                             f"them down to the current resolution), got {tuple(x.shape)}")
        level, factor = self.level, self.image_size // self.resolution
        features = self.from_rgb[level](downscale(x, factor))
        if level > 0:
            features = self.blocks[level](features)
            if self.alpha < 1:
                # (1 - alpha) fromRGB_{i-1}(down_2(x)) + alpha block_i(fromRGB_i(x))
                features = torch.lerp(self.from_rgb[level - 1](downscale(x, 2 * factor)), features, self.alpha)
        for block in reversed(self.blocks[1:level]):
            features = block(features)
        return self.blocks[0](features).flatten()


@torch.no_grad()
def feature_rms(generator: ProGANGenerator, z: Tensor) -> list[float]:
    r"""The root mean square of G's features after each block up to the current resolution, for the latents ``z``:
    what pixel norm holds at 1 and what, without it, the adversarial game is free to escalate (Section 4.2)."""
    features, rms = z, []
    for block in generator.blocks[: generator.level + 1]:
        features = block(features)
        rms.append(features.square().mean().sqrt().item())
    return rms


def relative_adam_step(network: nn.Module, loss: Callable[[nn.Module], Tensor], lr: float = 1e-3,
                       betas: tuple[float, float] = (0.0, 0.99)) -> list[tuple[str, int, float]]:
    r"""What one Adam step does to each layer of a copy of ``network``: ``(name, fan_in, change)`` with the change
    of the layer's effective weights relative to their size, $\lVert \Delta (cW) \rVert / \lVert cW \rVert$.

    Adam's step is about ``lr`` for every parameter, whatever its scale (its first step is exactly
    $\text{lr} \cdot g / (|g| + \epsilon)$). With the equalized learning rate the stored $W$ is of order 1 in every
    layer, so every layer changes by about the same fraction; with He's initialisation the weights of a layer of
    fan-in $n$ are of order $\sqrt{2/n}$, and the wide layers change fastest (Karras et al. 2018, Section 4.1).
    """
    network = copy.deepcopy(network)
    layers = [(name, module) for name, module in network.named_modules()
              if isinstance(module, (EqualizedLinear, EqualizedConv2d))]
    before = {name: module.effective_weight().detach().clone() for name, module in layers}
    optimizer = torch.optim.Adam(network.parameters(), lr=lr, betas=betas, eps=1e-8)
    optimizer.zero_grad()
    loss(network).backward()
    optimizer.step()
    with torch.no_grad():
        return [(name, module.weight[0].numel(),
                 ((module.effective_weight() - before[name]).norm() / before[name].norm()).item())
                for name, module in layers if module.weight.grad is not None]
