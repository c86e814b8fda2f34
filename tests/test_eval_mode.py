"""eval_mode: evaluation mode inside the block, the previous mode afterwards, also after an exception."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_course.eval_mode import eval_mode
from gan_course.latent import Normal
from gan_course.losses import WGAN
from gan_course.models import DCGANGenerator
from gan_course.training import GANTrainer


@pytest.mark.parametrize("training", [True, False])
def test_the_mode_is_eval_inside_and_restored_after(training):
    net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2), nn.Dropout(0.5)).train(training)
    with eval_mode(net) as inside:
        assert inside is net and not any(module.training for module in net.modules())
    assert all(module.training == training for module in net.modules())
    with pytest.raises(RuntimeError, match="boom"):
        with eval_mode(net):
            raise RuntimeError("boom")
    assert net.training == training


def test_sampling_from_a_trainer_neither_updates_batch_norm_nor_leaves_eval_mode():
    torch.manual_seed(0)
    generator, critic = DCGANGenerator(8, 16, 1, 4), nn.Sequential(nn.Flatten(), nn.Linear(256, 1))
    trainer = GANTrainer(generator, critic, torch.optim.Adam(generator.parameters()),
                         torch.optim.Adam(critic.parameters()), iter(lambda: torch.randn(4, 1, 16, 16), None), WGAN(),
                         Normal(8))
    statistics = [buffer.clone() for buffer in generator.buffers()]
    first, second = trainer.sample(latent=trainer.fixed_latent), trainer.sample(latent=trainer.fixed_latent)
    assert torch.equal(first, second) and generator.training
    assert all(torch.equal(a, b) for a, b in zip(statistics, generator.buffers()))
