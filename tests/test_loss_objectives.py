"""The objectives: each computes its paper's losses (the functional forms) from a step's context, names what it
records, and carries its needs (D's output kind, k, clipping, state)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_course.latent import Normal
from gan_course.losses import (
    LSGAN,
    WGAN,
    WGANGP,
    Minimax,
    NonSaturating,
    Objective,
    StepContext,
    discriminator_loss,
    drift_penalty,
    lsgan_discriminator_loss,
    lsgan_generator_loss,
    minimax_generator_loss,
    nonsaturating_generator_loss,
    wasserstein_critic_loss,
    wasserstein_generator_loss,
)


def contexts(seed: int = 0):
    """A critic, and the contexts of a D update and of a G update built from it."""
    torch.manual_seed(seed)
    critic = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1), nn.Flatten(0))
    real, fake = torch.randn(16, 2), torch.randn(16, 2) + 1
    latent = Normal(3).sample(16)
    d_update = StepContext(latent=latent, fake=fake, d_fake=critic(fake), discriminator=critic,
                           discriminate=lambda x, labels=None: critic(x), real=real, d_real=critic(real))
    g_update = StepContext(latent=latent, fake=fake, d_fake=critic(fake), discriminator=critic,
                           discriminate=lambda x, labels=None: critic(x))
    return critic, d_update, g_update


@pytest.mark.parametrize(
    "objective, d_loss, g_loss, names",
    [
        (Minimax(), discriminator_loss, minimax_generator_loss, ["d_loss", "d_real", "d_fake"]),
        (NonSaturating(), discriminator_loss, nonsaturating_generator_loss, ["d_loss", "d_real", "d_fake"]),
        (LSGAN(), lsgan_discriminator_loss, lsgan_generator_loss, ["d_loss", "score_real", "score_fake"]),
        (WGAN(), wasserstein_critic_loss, wasserstein_generator_loss,
         ["d_loss", "score_real", "score_fake", "wasserstein"]),
    ],
)
def test_an_objective_computes_the_papers_losses_and_names_what_it_records(objective, d_loss, g_loss, names):
    _, d_update, g_update = contexts()
    d_terms, g_terms = objective.discriminator_loss(d_update), objective.generator_loss(g_update)
    assert list(d_terms) == names and list(g_terms) == ["g_loss"]
    assert torch.equal(d_terms["d_loss"], d_loss(d_update.d_real, d_update.d_fake))
    assert torch.equal(g_terms["g_loss"], g_loss(g_update.d_fake))
    real, fake = d_terms[names[1]], d_terms[names[2]]
    if objective.d_output == "logit":
        assert torch.equal(real, torch.sigmoid(d_update.d_real).mean()) and 0 < float(fake) < 1
    else:
        assert torch.equal(real, d_update.d_real.mean()) and torch.equal(fake, d_update.d_fake.mean())
    assert not any(value.requires_grad for name, value in d_terms.items() if name != "d_loss")


def test_lsgan_uses_its_coding_and_refuses_equal_targets():
    _, d_update, g_update = contexts()
    chi2 = LSGAN(a=-1, b=1, c=0)
    assert torch.equal(chi2.discriminator_loss(d_update)["d_loss"],
                       lsgan_discriminator_loss(d_update.d_real, d_update.d_fake, a=-1, b=1))
    assert torch.equal(chi2.generator_loss(g_update)["g_loss"], lsgan_generator_loss(g_update.d_fake, c=0))
    assert repr(chi2) == "LSGAN(a=-1, b=1, c=0)"
    with pytest.raises(ValueError, match="must differ"):
        LSGAN(a=1, b=1)


def test_wgan_estimates_w1_with_five_critic_steps_and_clips_after_each_update():
    critic, d_update, _ = contexts()
    terms = WGAN().discriminator_loss(d_update)
    assert WGAN.d_steps == WGANGP.d_steps == 5 and WGAN.d_output == "score"
    assert torch.equal(terms["wasserstein"], -terms["d_loss"].detach())
    with torch.no_grad():
        critic[0].weight.mul_(100)
    WGAN(clip=0.05).after_discriminator_update(critic)
    assert float(critic[0].weight.detach().abs().max()) == pytest.approx(0.05)
    with pytest.raises(ValueError, match="clip"):
        WGAN(clip=0)


def test_wgan_gp_adds_its_penalty_and_the_drift_term_and_records_them():
    critic, d_update, _ = contexts()
    torch.manual_seed(1)
    terms = WGANGP(lam=0.1).discriminator_loss(d_update)
    assert terms["d_loss"].item() == pytest.approx(-terms["wasserstein"].item() + terms["gradient_penalty"].item(),
                                                   abs=1e-6)
    torch.manual_seed(1)
    ten = WGANGP(lam=10).discriminator_loss(d_update)
    assert ten["gradient_penalty"].item() == pytest.approx(100 * terms["gradient_penalty"].item(), rel=1e-5)
    torch.manual_seed(1)
    drifting = WGANGP(drift=0.001).discriminator_loss(d_update)
    assert torch.equal(drifting["drift"], drift_penalty(d_update.d_real.detach()))
    assert drifting["d_loss"].item() == pytest.approx(ten["d_loss"].item() + drifting["drift"].item(), abs=1e-6)
    weights = [p.clone() for p in critic.parameters()]
    WGANGP().after_discriminator_update(critic)
    assert all(torch.equal(a, b) for a, b in zip(weights, critic.parameters()))  # no clipping
    assert repr(WGANGP(lam=0.1)) == "WGANGP(lam=0.1)" and "drift=0.001" in repr(WGANGP(drift=0.001))
    for bad in (dict(lam=0), dict(drift=-1)):
        with pytest.raises(ValueError):
            WGANGP(**bad)


def test_a_stateless_objective_refuses_a_state_from_another():
    assert NonSaturating().state_dict() == {}
    with pytest.raises(ValueError, match="made with another objective"):
        NonSaturating().load_state_dict({"k": torch.tensor(0.5)})
    with pytest.raises(NotImplementedError):
        Objective().discriminator_loss(contexts()[1])
