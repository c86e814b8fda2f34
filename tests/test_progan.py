"""ProGAN's layers and networks (Karras et al. 2018, their released networks.py): equalized learning rate, pixel norm,
the minibatch standard deviation with groups, and the fade-in of G, D and the real images."""

from __future__ import annotations

import io
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gan_course.models import (
    EqualizedConv2d,
    EqualizedLinear,
    MinibatchStdDev,
    PixelNorm,
    ProGANDiscriminator,
    ProGANGenerator,
)
from gan_course.training import fade_reals

TINY = dict(image_size=16, channels=1, fmap_base=32, fmap_max=8)  # nf = [8, 8, 8, 4]


def tiny_networks(seed: int = 0) -> tuple[ProGANGenerator, ProGANDiscriminator]:
    torch.manual_seed(seed)
    return ProGANGenerator(**TINY), ProGANDiscriminator(**TINY)


# Equalized learning rate (Section 4.1).

def _compare_with_plain(layer: nn.Module, plain: nn.Module, x: torch.Tensor) -> None:
    with torch.no_grad():
        layer.bias.normal_()  # a bias is used unscaled
        plain.weight.copy_(layer.weight * layer.scale)
        plain.bias.copy_(layer.bias)
    x_ours, x_plain = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    y_ours, y_plain = layer(x_ours), plain(x_plain)
    assert torch.equal(y_ours, y_plain)
    upstream = torch.randn_like(y_ours)
    y_ours.backward(upstream)
    y_plain.backward(upstream)
    assert torch.equal(x_ours.grad, x_plain.grad)
    # the stored weight w is used as c w: dL/dw = c dL/d(c w)
    assert torch.equal(layer.weight.grad, plain.weight.grad * layer.scale)
    assert torch.equal(layer.bias.grad, plain.bias.grad)


def test_an_equalized_linear_layer_is_a_plain_one_with_weights_scaled_by_gain_over_sqrt_fan_in():
    torch.manual_seed(0)
    layer = EqualizedLinear(6, 3, gain=1.5)
    assert layer.scale == pytest.approx(1.5 / math.sqrt(6))
    _compare_with_plain(layer, nn.Linear(6, 3), torch.randn(5, 6))


def test_an_equalized_convolution_is_a_plain_one_with_weights_scaled_by_gain_over_sqrt_fan_in():
    torch.manual_seed(0)
    layer = EqualizedConv2d(3, 4, 3)
    assert layer.scale == pytest.approx(math.sqrt(2) / math.sqrt(3 * 9))
    _compare_with_plain(layer, nn.Conv2d(3, 4, 3, padding=1), torch.randn(2, 3, 5, 5))


def test_equalized_weights_start_standard_normal_with_zero_biases():
    torch.manual_seed(0)
    layer = EqualizedLinear(512, 256)
    assert abs(layer.weight.mean().item()) < 0.01 and layer.weight.std().item() == pytest.approx(1, abs=0.01)
    assert (layer.weight * layer.scale).std().item() == pytest.approx(math.sqrt(2 / 512), rel=0.01)
    assert not layer.bias.any()


def test_the_gains_follow_the_code():
    generator, discriminator = tiny_networks()
    assert generator.blocks[0].dense.gain == pytest.approx(math.sqrt(2) / 4)  # G_paper's first dense layer
    assert generator.blocks[0].dense.bias is None and generator.blocks[0].bias.shape == (8,)  # a bias per channel
    assert all(to_rgb.gain == 1 for to_rgb in generator.to_rgb)
    assert discriminator.blocks[0][-1].gain == 1  # D's output layer
    others = [m for net in (generator, discriminator) for m in net.modules()
              if isinstance(m, (EqualizedLinear, EqualizedConv2d))
              and m not in (generator.blocks[0].dense, discriminator.blocks[0][-1], *generator.to_rgb)]
    assert others and all(m.gain == pytest.approx(math.sqrt(2)) for m in others)


def test_without_equalized_lr_the_same_function_starts_from_he_initialised_weights():
    torch.manual_seed(0)
    plain = EqualizedLinear(512, 256, equalized=False)
    assert plain.weight.std().item() == pytest.approx(math.sqrt(2 / 512), rel=0.01)  # He's N(0, c^2), stored as is
    x = torch.randn(3, 512)
    assert torch.equal(plain(x), F.linear(x, plain.weight, plain.bias))
    torch.manual_seed(0)
    conv = EqualizedConv2d(3, 4, 3, equalized=False)
    torch.manual_seed(0)
    equalized = EqualizedConv2d(3, 4, 3)
    image = torch.randn(2, 3, 5, 5)
    assert torch.allclose(conv(image), equalized(image), atol=1e-6)  # the same network at the start
    assert torch.equal(conv(image), F.conv2d(image, conv.weight, conv.bias, padding=1))
    generator = ProGANGenerator(**TINY, equalized_lr=False)
    discriminator = ProGANDiscriminator(**TINY, equalized_lr=False)
    layers = [m for net in (generator, discriminator) for m in net.modules()
              if isinstance(m, (EqualizedLinear, EqualizedConv2d))]
    assert layers and not any(layer.equalized for layer in layers)


def test_without_pixel_norm_g_normalises_only_its_latents():
    generator = ProGANGenerator(**TINY, pixel_norm=False)
    norms = [m for m in generator.modules() if isinstance(m, PixelNorm)]
    assert norms == [generator.blocks[0].normalize_latents]
    assert sum(isinstance(m, PixelNorm) for m in ProGANGenerator(**TINY).modules()) == 1 + 2 + 2 * 2


# Pixelwise feature vector normalization (Section 4.2).

def test_pixel_norm_gives_each_pixel_a_feature_vector_of_unit_rms():
    torch.manual_seed(0)
    x = 7 * torch.randn(4, 8, 5, 5)
    y = PixelNorm()(x)
    assert torch.allclose(y.square().mean(dim=1), torch.ones(4, 5, 5), atol=1e-5)
    assert torch.allclose(y * x.square().mean(dim=1, keepdim=True).sqrt(), x, atol=1e-4)  # only the scale changes
    z = PixelNorm()(torch.randn(3, 16))  # normalize_latents: z on the sphere of radius sqrt(16)
    assert torch.allclose(z.norm(dim=1), torch.full((3,), 4.0), atol=1e-5)


# Minibatch standard deviation (Section 3), in groups as the code computes it.

def test_the_minibatch_stddev_is_the_per_group_hand_computation():
    torch.manual_seed(0)
    x = torch.randn(8, 3, 2, 2)
    out = MinibatchStdDev(4)(x)
    assert out.shape == (8, 4, 2, 2) and torch.equal(out[:, :3], x)
    groups = 8 // 4
    for n in range(8):
        members = x[n % groups :: groups]  # the code's reshape [G, M, ...]: sample n is in group n mod M
        variance = ((members - members.mean(dim=0)) ** 2).mean(dim=0)  # biased
        statistic = (variance + 1e-8).sqrt().mean()
        assert torch.allclose(out[n, 3], statistic.expand(2, 2), atol=1e-6)
    assert not torch.equal(out[0, 3], out[1, 3])


def test_a_batch_smaller_than_the_group_is_one_group():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 2, 2)
    statistic = (x.var(dim=0, unbiased=False) + 1e-8).sqrt().mean()
    assert torch.allclose(MinibatchStdDev(4)(x)[:, 3], statistic.expand(2, 2, 2), atol=1e-6)


def test_a_batch_not_divisible_by_the_group_size_is_refused():
    with pytest.raises(ValueError, match=r"batch of 6 cannot be split into groups of 4.*multiple of 4"):
        MinibatchStdDev(4)(torch.randn(6, 3, 2, 2))
    with pytest.raises(ValueError, match="group_size"):
        MinibatchStdDev(1)


# The networks: every stage gives full-size images and one score per image.

def test_every_stage_gives_full_size_images_and_one_score_each():
    generator, discriminator = tiny_networks()
    z = torch.randn(4, generator.latent_dim)
    assert generator.latent_dim == 8  # the code's nf(0)
    for resolution, alpha in ((4, 1.0), (8, 0.5), (8, 1.0), (16, 0.25), (16, 1.0)):
        generator.set_stage(resolution, alpha)
        discriminator.set_stage(resolution, alpha)
        images = generator(z)
        assert images.shape == (4, 1, 16, 16) and discriminator(images).shape == (4,)


def test_below_full_resolution_g_gives_blocks_of_equal_pixels():
    generator, _ = tiny_networks()
    generator.set_stage(4)
    images = generator(torch.randn(2, 8))
    assert torch.equal(images, images[:, :, ::4, ::4].repeat_interleave(4, 2).repeat_interleave(4, 3))


def test_g_fades_in_from_the_upsampled_previous_resolution_to_the_new_block():
    generator, _ = tiny_networks()
    z = torch.randn(4, 8)
    previous, new = _at(generator, z, 4, 1.0), _at(generator, z, 8, 1.0)
    assert torch.equal(_at(generator, z, 8, 0.0), previous)  # alpha = 0: exactly the 4x4 output, upsampled
    assert torch.equal(_at(generator, z, 8, 0.3), torch.lerp(previous, new, 0.3))
    old_to_rgb = generator.to_rgb[0].weight.detach().clone()
    with torch.no_grad():
        generator.to_rgb[0].weight.add_(1.0)  # the old toRGB: unused at alpha = 1
    assert torch.equal(_at(generator, z, 8, 1.0), new)
    with torch.no_grad():
        generator.to_rgb[0].weight.copy_(old_to_rgb)
        generator.blocks[1][1].weight.add_(1.0)  # the new block and toRGB: weight 0 at alpha = 0
        generator.to_rgb[1].weight.add_(1.0)
    assert torch.equal(_at(generator, z, 8, 0.0), previous)
    assert not torch.equal(_at(generator, z, 8, 1.0), new)
    assert torch.equal(_at(generator, z, 16, 0.0), _at(generator, z, 8, 1.0))


def test_d_fades_in_from_the_averaged_image_to_the_new_block():
    _, discriminator = tiny_networks()
    x = torch.randn(4, 1, 16, 16)
    assert torch.equal(_at(discriminator, x, 8, 0.0), _at(discriminator, x, 4, 1.0))
    assert torch.equal(_at(discriminator, x, 16, 0.0), _at(discriminator, x, 8, 1.0))
    new, previous = _at(discriminator, x, 8, 1.0), _at(discriminator, x, 8, 0.0)
    old_from_rgb = discriminator.from_rgb[0][0].weight.detach().clone()
    with torch.no_grad():
        discriminator.from_rgb[0][0].weight.add_(1.0)  # the old fromRGB: unused at alpha = 1
    assert torch.equal(_at(discriminator, x, 8, 1.0), new)
    with torch.no_grad():
        discriminator.from_rgb[0][0].weight.copy_(old_from_rgb)
        discriminator.from_rgb[1][0].weight.add_(1.0)  # the new fromRGB and block: weight 0 at alpha = 0
        discriminator.blocks[1][0].weight.add_(1.0)
    assert torch.equal(_at(discriminator, x, 8, 0.0), previous)
    assert not torch.equal(_at(discriminator, x, 8, 1.0), new)


def _at(network: nn.Module, x: torch.Tensor, resolution: int, alpha: float) -> torch.Tensor:
    network.set_stage(resolution, alpha)
    with torch.no_grad():
        return network(x)


def test_d_is_faded_on_its_own_features_before_its_lower_blocks():
    _, discriminator = tiny_networks()
    x = torch.randn(4, 1, 16, 16)
    discriminator.set_stage(8, 0.4)
    with torch.no_grad():
        old = discriminator.from_rgb[0](F.avg_pool2d(x, 4))
        new = discriminator.blocks[1](discriminator.from_rgb[1](F.avg_pool2d(x, 2)))
        expected = discriminator.blocks[0](0.6 * old + 0.4 * new).flatten()
        assert torch.allclose(discriminator(x), expected, atol=1e-5)


# The real images (the code's process_reals).

def official_process_reals(x: torch.Tensor, lod: float) -> torch.Tensor:
    """train.py's FadeLOD and UpscaleLOD, transcribed (x: the dataset's images at level floor(lod))."""
    s = x.shape
    y = x.reshape(-1, s[1], s[2] // 2, 2, s[3] // 2, 2).mean(dim=(3, 5), keepdim=True)
    y = y.expand(-1, -1, -1, 2, -1, 2).reshape(s)
    x = x + (y - x) * (lod - math.floor(lod))
    factor = 2 ** math.floor(lod)
    x = x.reshape(-1, s[1], s[2], 1, s[3], 1).expand(-1, -1, -1, factor, -1, factor)
    return x.reshape(-1, s[1], s[2] * factor, s[3] * factor)


def test_the_reals_fade_like_g_and_as_the_code_processes_them():
    torch.manual_seed(0)
    x = torch.rand(4, 3, 16, 16) * 2 - 1
    assert torch.equal(fade_reals(x, 16), x)
    assert torch.equal(fade_reals(x, 8, 1.0), F.avg_pool2d(x, 2).repeat_interleave(2, 2).repeat_interleave(2, 3))
    assert torch.equal(fade_reals(x, 8, 0.0), fade_reals(x, 4, 1.0))  # alpha = 0: the previous resolution's reals
    assert torch.equal(fade_reals(x, 16, 0.0), fade_reals(x, 8, 1.0))
    assert torch.equal(fade_reals(x, 8, 0.3), torch.lerp(fade_reals(x, 4, 1.0), fade_reals(x, 8, 1.0), 0.3))
    levels = [x, F.avg_pool2d(x, 2), F.avg_pool2d(F.avg_pool2d(x, 2), 2)]  # the dataset's 16x16, 8x8, 4x4
    for lod in (0.0, 0.5, 1.0, 1.75, 2.0):
        resolution, alpha = 16 >> math.floor(lod), 1 - (lod - math.floor(lod))
        assert torch.allclose(fade_reals(x, resolution, alpha), official_process_reals(levels[math.floor(lod)], lod),
                              atol=1e-6)


# The stage: the code's lod, saved with the weights, and checked.

def test_the_lod_is_the_codes_level_of_detail():
    generator, _ = tiny_networks()
    assert generator.lod == 0 and (generator.resolution, generator.alpha) == (16, 1.0)  # the code's lod starts at 0
    generator.lod = 1.25
    assert (generator.resolution, generator.alpha) == (8, 0.75) and generator.lod == 1.25
    generator.lod = 2
    assert (generator.resolution, generator.alpha) == (4, 1.0)
    generator.set_stage(16, 0.0)
    assert generator.lod == 1.0  # the same images as lod 1, the 8x8 stage


def test_the_stage_is_saved_with_the_weights():
    generator, _ = tiny_networks()
    generator.set_stage(8, 0.25)
    buffer = io.BytesIO()
    torch.save(generator.state_dict(), buffer)
    buffer.seek(0)
    loaded, _ = tiny_networks(seed=1)
    loaded.load_state_dict(torch.load(buffer, weights_only=True))
    assert (loaded.resolution, loaded.alpha) == (8, 0.25)
    z = torch.randn(2, 8)
    assert torch.equal(loaded(z), generator(z))


@pytest.mark.parametrize("make, message", [
    (lambda: ProGANGenerator(image_size=24), "power of two"),
    (lambda: ProGANDiscriminator(image_size=2), "power of two"),
    (lambda: ProGANGenerator(image_size=16, fmap_base=4, fmap_max=8), "nf"),
    (lambda: ProGANDiscriminator(image_size=16, mbstd_group_size=1), "mbstd_group_size"),
    (lambda: ProGANGenerator(**TINY).set_stage(12), "resolution must be a power of two"),
    (lambda: ProGANGenerator(**TINY).set_stage(32), "between 4 and the image size 16"),
    (lambda: ProGANGenerator(**TINY).set_stage(8, 1.5), r"alpha .* in \[0, 1\]"),
    (lambda: ProGANGenerator(**TINY).set_stage(4, 0.5), "4x4, the first, has none"),
    (lambda: setattr(ProGANGenerator(**TINY), "lod", 2.5), r"lod must be a number in \[0, 2\]"),
    (lambda: ProGANGenerator(**TINY)(torch.randn(2, 5)), r"shape \(N, 8\)"),
    (lambda: ProGANDiscriminator(**TINY)(torch.randn(4, 1, 8, 8)), r"\(N, 1, 16, 16\) at every stage"),
    (lambda: fade_reals(torch.randn(2, 1, 12, 12), 4), "power of two"),
    (lambda: EqualizedConv2d(3, 4, 2), "odd"),
])
def test_bad_settings_are_explained(make, message):
    with pytest.raises(ValueError, match=message):
        make()
