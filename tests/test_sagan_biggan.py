"""SAGAN's self-attention, BigGAN's class-conditional batch norm, the projection discriminator, orthogonal
regularisation and the truncated prior, each against a hand computation or a closed form."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from scipy.stats import norm
from torch import nn

from gan_course.latent import Normal, TruncatedNormal, truncated_normal
from gan_course.losses import Hinge, OrthogonalRegularization, StepContext, off_diagonal_gram_penalty
from gan_course.losses import regularised_weights
from gan_course.models import (
    BigGANGenerator,
    ConditionalBatchNorm2d,
    ProjectionDiscriminator,
    SelfAttention,
    spectral_norms,
)


# --- self-attention ------------------------------------------------------------------------------------------------

def test_attention_starts_as_the_identity_and_keeps_the_shape():
    torch.manual_seed(0)
    block = SelfAttention(16)
    x = torch.randn(3, 16, 6, 4)
    assert float(block.gamma.detach()) == 0.0
    y = block(x)
    assert y.shape == x.shape
    assert torch.equal(y, x)
    block.gamma.data.fill_(0.5)
    assert not torch.allclose(block(x), x), "with gamma != 0 the attention adds to the input"


def test_attention_channels_follow_the_released_code():
    block = SelfAttention(32)
    assert (block.query.out_channels, block.key.out_channels, block.value.out_channels) == (4, 4, 16)
    assert (block.out.in_channels, block.out.out_channels) == (16, 32)
    assert all(conv.bias is None for conv in (block.query, block.key, block.value, block.out))


def test_attention_gamma_receives_a_gradient_at_initialisation():
    torch.manual_seed(1)
    block = SelfAttention(8)
    block(torch.randn(2, 8, 4, 4)).square().sum().backward()
    assert block.gamma.grad is not None and float(block.gamma.grad.abs()) > 0


def test_attention_by_hand_on_a_tiny_map():
    """C = 8, a 2 x 4 map: one query and key channel, four value channels, keys and values pooled to 1 x 2."""
    torch.manual_seed(2)
    block = SelfAttention(8)
    block.gamma.data.fill_(0.7)
    x = torch.randn(1, 8, 2, 4, dtype=torch.float64)
    block = block.double()
    wq, wk = block.query.weight[:, :, 0, 0].detach(), block.key.weight[:, :, 0, 0].detach()
    wv, wo = block.value.weight[:, :, 0, 0].detach(), block.out.weight[:, :, 0, 0].detach()
    positions = [(r, c) for r in range(2) for c in range(4)]
    pixel = {p: x[0, :, p[0], p[1]] for p in positions}
    windows = [[(0, 0), (0, 1), (1, 0), (1, 1)], [(0, 2), (0, 3), (1, 2), (1, 3)]]
    keys = [max(float(wk[0] @ pixel[p]) for p in window) for window in windows]
    values = [torch.stack([wv @ pixel[p] for p in window]).max(dim=0).values for window in windows]
    expected = torch.empty_like(x)
    for (r, c) in positions:
        scores = [float(wq[0] @ pixel[(r, c)]) * k for k in keys]
        weights = [math.exp(s) / sum(math.exp(t) for t in scores) for s in scores]
        o = sum(w * v for w, v in zip(weights, values))
        expected[0, :, r, c] = 0.7 * (wo @ o) + pixel[(r, c)]
    with torch.no_grad():
        assert torch.allclose(block(x), expected, atol=1e-10)
        beta = block.attention(x)
    assert beta.shape == (1, 8, 2) and torch.allclose(beta.sum(-1), torch.ones(1, 8, dtype=torch.float64))


@pytest.mark.parametrize("channels", [4, 12, 0])
def test_attention_refuses_channels_not_a_multiple_of_8(channels):
    with pytest.raises(ValueError, match="multiple of 8"):
        SelfAttention(channels)


def test_attention_refuses_odd_maps_and_wrong_channels():
    block = SelfAttention(8)
    with pytest.raises(ValueError, match="even"):
        block(torch.randn(1, 8, 5, 4))
    with pytest.raises(ValueError, match="feature maps"):
        block(torch.randn(1, 16, 4, 4))


# --- class-conditional batch norm ----------------------------------------------------------------------------------

def test_conditional_batch_norm_is_a_per_class_affine_of_the_normalised_map():
    torch.manual_seed(3)
    norm_layer = ConditionalBatchNorm2d(3, 2)
    embedding = nn.Embedding(4, 2)
    labels = torch.tensor([0, 2, 2, 3, 1])
    x = torch.randn(5, 3, 4, 4)
    out = norm_layer(x, embedding(labels))
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    variance = x.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    x_hat = (x - mean) / torch.sqrt(variance + 1e-5)
    e = embedding.weight[labels]
    gain = 1 + e @ norm_layer.gain.weight.T
    bias = e @ norm_layer.bias.weight.T
    assert torch.allclose(out, x_hat * gain[:, :, None, None] + bias[:, :, None, None], atol=1e-5)
    assert torch.allclose(out[1], x_hat[1] * gain[2][:, None, None] + bias[2][:, None, None], atol=1e-5)
    assert not torch.allclose(gain[0], gain[3]), "different classes get different gains"


def test_conditional_batch_norm_starts_as_batch_norm_with_zero_projections():
    torch.manual_seed(4)
    layer = ConditionalBatchNorm2d(2, 3)
    nn.init.zeros_(layer.gain.weight)
    nn.init.zeros_(layer.bias.weight)
    x = torch.randn(6, 2, 3, 3)
    assert torch.allclose(layer(x, torch.randn(6, 3)), F.batch_norm(x, None, None, training=True), atol=1e-6)
    with pytest.raises(ValueError, match="embedding must have shape"):
        layer(x, torch.randn(5, 3))


def test_generator_labels_reach_every_conditional_batch_norm_through_one_shared_embedding():
    torch.manual_seed(5)
    generator = BigGANGenerator(latent_dim=8, n_classes=3, width=8, embedding_dim=4)
    assert isinstance(generator.shared, nn.Embedding) and not hasattr(generator.shared, "parametrizations")
    z = torch.randn(4, 8)
    images = generator(z, torch.tensor([0, 1, 2, 0]))
    assert images.shape == (4, 1, 28, 28) and float(images.detach().abs().max()) <= 1
    generator.eval()
    with torch.no_grad():
        a, b = generator(z, torch.zeros(4, dtype=torch.long)), generator(z, torch.ones(4, dtype=torch.long))
    assert not torch.allclose(a, b), "the label changes the image"
    with pytest.raises(ValueError, match="labels"):
        generator(z, torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="0..2"):
        generator(z, torch.full((4,), 3))


# --- the projection discriminator ----------------------------------------------------------------------------------

def test_projection_discriminator_output_is_psi_of_phi_plus_the_class_inner_product():
    torch.manual_seed(6)
    d = ProjectionDiscriminator(n_classes=4, width=8).eval()
    x, labels = torch.randn(5, 1, 28, 28), torch.tensor([0, 3, 1, 1, 2])
    with torch.no_grad():
        phi = d.features(x)
        expected = d.psi(phi).squeeze(1) + (d.embed.weight[labels] * phi).sum(1)
        assert torch.allclose(d(x, labels), expected, atol=1e-5)
        other = torch.tensor([1, 0, 1, 2, 2])
        difference = d(x, labels) - d(x, other)
        assert torch.allclose(difference, ((d.embed.weight[labels] - d.embed.weight[other]) * phi).sum(1),
                              atol=1e-5), "psi cancels: a change of label moves D by <embed(y) - embed(y'), phi>"
    assert phi.shape == (5, 16) and bool((phi >= 0).all()), "phi sums a ReLU over positions"


def test_both_networks_are_spectrally_normalised():
    d = ProjectionDiscriminator(n_classes=3, width=8)
    names = [name for name, _, _ in spectral_norms(d)]
    assert "embed" in names and "psi" in names and any("attention" in name for name in names)
    g = BigGANGenerator(latent_dim=4, n_classes=3, width=8)
    g_names = [name for name, _, _ in spectral_norms(g)]
    assert "linear" in g_names and not any(name.startswith("shared") for name in g_names)
    assert any("gain" in name for name in g_names), "the batch norms' projections are normalised, as in BigGAN"


def test_attention_switch_removes_the_block():
    assert isinstance(BigGANGenerator(width=8, attention=False).attention, nn.Identity)
    assert isinstance(ProjectionDiscriminator(width=8, attention=False).attention, nn.Identity)
    with pytest.raises(ValueError, match="multiple of 8"):
        ProjectionDiscriminator(width=12)


# --- orthogonal regularisation -------------------------------------------------------------------------------------

def test_off_diagonal_penalty_on_known_matrices():
    assert float(off_diagonal_gram_penalty(torch.tensor([[1.0, 0.0], [1.0, 1.0]]))) == pytest.approx(2.0)
    # rows (1, 0), (0, 1), (1, 1): inner products 0, 1, 1 off the diagonal, each counted twice
    tall = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    assert float(off_diagonal_gram_penalty(tall)) == pytest.approx(4.0)
    assert float(off_diagonal_gram_penalty(3 * torch.eye(4))) == 0.0, "orthogonal rows of any norm cost nothing"
    kernel = torch.randn(5, 2, 3, 3)
    w = kernel.flatten(1)
    gram = w @ w.T
    assert torch.allclose(off_diagonal_gram_penalty(kernel), (gram * (1 - torch.eye(5))).square().sum(), rtol=1e-4)
    with pytest.raises(ValueError, match="2 axes"):
        off_diagonal_gram_penalty(torch.ones(3))


def test_penalty_gradient_is_twice_the_released_codes_step():
    torch.manual_seed(7)
    for shape in ((4, 6), (9, 3)):
        w = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
        off_diagonal_gram_penalty(w).backward()
        with torch.no_grad():
            code = 2 * ((w @ w.T) * (1 - torch.eye(shape[0], dtype=torch.float64))) @ w  # BigGAN-PyTorch's utils.ortho
        assert torch.allclose(w.grad, 2 * code)


def test_orthogonal_regularization_adds_beta_times_the_penalty_to_g_only():
    torch.manual_seed(8)
    generator = BigGANGenerator(latent_dim=4, n_classes=3, width=8)
    weights = dict(regularised_weights(generator))
    assert "shared.weight" not in weights and "linear.parametrizations.weight.original" in weights
    assert all(w.ndim >= 2 for w in weights.values())
    objective = OrthogonalRegularization(Hinge(), generator, beta=0.5)
    assert objective.d_output == "score"
    penalty = sum(off_diagonal_gram_penalty(w) for w in weights.values())
    assert torch.allclose(objective.penalty(), penalty)
    step = StepContext(latent=None, fake=None, d_fake=torch.tensor([0.5, -1.0]), discriminator=None,
                       discriminate=None, d_real=torch.tensor([2.0, 0.0]))
    terms = objective.generator_loss(step)
    assert torch.allclose(terms["g_loss"], torch.tensor(0.25) + 0.5 * penalty)
    assert torch.allclose(objective.discriminator_loss(step)["d_loss"], Hinge().discriminator_loss(step)["d_loss"])
    with pytest.raises(ValueError, match="beta"):
        OrthogonalRegularization(Hinge(), generator, beta=0.0)


# --- the truncated prior -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("threshold", [0.3, 1.0, 2.0])
def test_truncated_samples_lie_within_the_threshold_and_follow_the_truncated_normal(threshold):
    generator = torch.Generator().manual_seed(9)
    z = TruncatedNormal(16, threshold).sample(4000, generator).z
    assert z.shape == (4000, 16) and float(z.abs().max()) <= threshold
    # E|z| of N(0, 1) truncated to [-t, t]: 2 (phi(0) - phi(t)) / (2 Phi(t) - 1)
    expected = 2 * (norm.pdf(0) - norm.pdf(threshold)) / (2 * norm.cdf(threshold) - 1)
    assert float(z.abs().mean()) == pytest.approx(expected, abs=0.01)


def test_truncation_resamples_rather_than_clips():
    z = truncated_normal(20000, 1, 0.5, torch.Generator().manual_seed(10))
    assert float((z.abs() > 0.49).float().mean()) < 0.05, "clipping would pile about 62% of the values on the bounds"


def test_infinite_threshold_is_the_normal_prior_and_small_ones_are_refused():
    a = TruncatedNormal(5, math.inf).sample(7, torch.Generator().manual_seed(11)).z
    b = Normal(5).sample(7, torch.Generator().manual_seed(11)).z
    assert torch.equal(a, b)
    for bad in (0.0, 0.01, float("nan"), -1.0):
        with pytest.raises(ValueError, match="threshold"):
            TruncatedNormal(5, bad)
