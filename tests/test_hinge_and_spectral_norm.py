"""The hinge loss against a hand computation, and spectral normalisation: each normalised weight has spectral norm 1,
the power iteration's estimate converges to ``torch.linalg.svdvals``, and misuse is refused."""

import pytest
import torch
from torch import nn

from gan_course.losses import Hinge, StepContext, hinge_discriminator_loss, hinge_generator_loss
from gan_course.models import spectral_norms, spectrally_normalize, weight_matrix


def test_hinge_losses_by_hand():
    real = torch.tensor([2.0, 0.5, -1.0])  # margins: 0, 0.5, 2
    fake = torch.tensor([-3.0, 0.0])  # margins: 0, 1
    assert float(hinge_discriminator_loss(real, fake)) == pytest.approx((0 + 0.5 + 2) / 3 + (0 + 1) / 2)
    assert float(hinge_generator_loss(fake)) == pytest.approx(1.5)


def test_hinge_gives_no_gradient_beyond_the_margin():
    real = torch.tensor([1.5, 0.5], requires_grad=True)
    fake = torch.tensor([-1.5, -0.5], requires_grad=True)
    hinge_discriminator_loss(real, fake).backward()
    assert real.grad.tolist() == [0.0, -0.5] and fake.grad.tolist() == [0.0, 0.5]


def test_hinge_objective_records_and_checks_d_steps():
    step = StepContext(latent=None, fake=torch.zeros(2), d_fake=torch.tensor([0.0, -2.0]), discriminator=nn.Identity(),
                       discriminate=None, real=torch.zeros(2), d_real=torch.tensor([3.0, 1.0]))
    terms = Hinge().discriminator_loss(step)
    assert float(terms["d_loss"]) == pytest.approx(0.5) and float(terms["score_real"]) == pytest.approx(2.0)
    assert Hinge(d_steps=5).d_steps == 5 and repr(Hinge(5)) == "Hinge(d_steps=5)"
    with pytest.raises(ValueError, match="d_steps"):
        Hinge(d_steps=0)


def _network() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 8, 4, 2, 1), nn.LeakyReLU(0.1), nn.ConvTranspose2d(8, 4, 4, 2, 1), nn.Flatten(),
                         nn.Linear(4 * 8 * 8, 3), nn.Embedding(5, 3))


def test_every_normalised_weight_has_unit_spectral_norm():
    torch.manual_seed(0)
    network = _network()
    with torch.no_grad():
        for module in network.modules():
            if hasattr(module, "weight"):
                module.weight.mul_(7.0)  # far from 1 before normalising
    spectrally_normalize(network)
    for module in network.modules():
        if hasattr(module, "parametrizations"):
            weight = module.weight.transpose(0, 1) if isinstance(module, nn.ConvTranspose2d) else module.weight
            # PyTorch runs 15 power iterations when it registers the normalisation: close to 1, not exact
            assert float(torch.linalg.svdvals(weight.flatten(1))[0]) == pytest.approx(1.0, abs=0.01)
    assert len(spectral_norms(network)) == 4


def test_power_iteration_estimate_converges_to_svdvals():
    torch.manual_seed(0)
    layer = nn.Linear(50, 40)
    spectrally_normalize(nn.Sequential(layer))
    sn = layer.parametrizations.weight[0]
    sn._u.copy_(nn.functional.normalize(torch.randn(40), dim=0))  # a cold start instead of PyTorch's warm one
    sn._v.copy_(nn.functional.normalize(torch.randn(50), dim=0))
    exact = float(torch.linalg.svdvals(weight_matrix(layer))[0])
    gaps = []
    for _ in range(30):
        layer(torch.zeros(1, 50))  # one power iteration per forward pass in training mode
        gaps.append(exact - spectral_norms(layer)[0][1])
    assert gaps[-1] < 1e-3 * exact and gaps[-1] < gaps[0]
    layer.eval()
    frozen = spectral_norms(layer)[0][1]
    layer(torch.zeros(1, 50))
    assert spectral_norms(layer)[0][1] == frozen  # u stays fixed in eval mode


def test_misuse_is_refused():
    with pytest.raises(ValueError, match="no linear, convolutional or embedding layer"):
        spectrally_normalize(nn.ReLU())
    network = spectrally_normalize(nn.Linear(3, 2))
    with pytest.raises(ValueError, match="applied twice"):
        spectrally_normalize(network)
    with pytest.raises(ValueError, match="n_power_iterations"):
        spectrally_normalize(nn.Linear(3, 2), n_power_iterations=0)
