"""Second, differently written correct answers to chapter 1's autograded exercises (tests/test_exercise_alternatives.py)."""

ALTERNATIVES: dict[str, str] = {
    # Autograd through the two losses written with torch's log-sigmoid, returning tensors, instead of the closed forms
    # -D and -(1 - D) in NumPy.
    "ex-ch1-logit-gradients": '''
import torch
import torch.nn.functional as F


def logit_gradients(d):
    logits = torch.logit(torch.as_tensor(d, dtype=torch.float64)).detach().requires_grad_()
    minimax_loss = torch.log1p(-torch.sigmoid(logits)).sum()  # log(1 - sigmoid(l)), one term per sample
    nonsaturating_loss = -F.logsigmoid(logits).sum()
    (minimax,) = torch.autograd.grad(minimax_loss, logits)
    (nonsaturating,) = torch.autograd.grad(nonsaturating_loss, logits)
    return minimax, nonsaturating
''',
    # The three losses from their formulas with math.log, without the package's functions.
    "ex-ch1-log4": '''
import math


def losses_at(d_real, d_fake):
    discriminator = -(math.log(d_real) + math.log(1.0 - d_fake))
    return discriminator, math.log(1.0 - d_fake), -math.log(d_fake)
''',
}

NO_ALTERNATIVE: dict[str, str] = {}
