"""Second, differently written correct answers to chapter 6's autograded exercises (see tests/exercise_alternatives)."""

ALTERNATIVES: dict[str, str] = {
    # The linear layer read off the convolution's responses to the basis vectors of R^d, with the bias measured at
    # z = 0, instead of reshaping the kernel.
    "dcgan-ex-first-layer": '''
import torch
from torch import nn


def as_linear(layer):
    d = layer.in_channels
    with torch.no_grad():
        at_zero = layer(torch.zeros(1, d, 1, 1)).flatten()
        columns = layer(torch.eye(d)[:, :, None, None]).flatten(1) - at_zero
        linear = nn.Linear(d, at_zero.numel(), bias=layer.bias is not None)
        linear.weight.copy_(columns.T)
        if layer.bias is not None:
            linear.bias.copy_(at_zero)
    return linear
''',
    # The closed form 32 w^2 + (98 d + 22) w, instead of a sum over the layers.
    "dcgan-ex-parameters": '''
def generator_parameters(width, latent_dim=100):
    return 32 * width**2 + (98 * latent_dim + 22) * width
''',
    # Run the original generator in train mode, then restore its state dict and mode, instead of working on a copy.
    "dcgan-ex-batchnorm": '''
import copy

import torch


def sample_both_modes(generator, z):
    was_training = generator.training
    saved = copy.deepcopy(generator.state_dict())
    with torch.no_grad():
        generator.train()
        in_train = generator(z).clone()
        generator.load_state_dict(saved)
        generator.eval()
        in_eval = generator(z).clone()
    generator.train(was_training)
    return in_train, in_eval
''',
}

NO_ALTERNATIVE: dict[str, str] = {}
