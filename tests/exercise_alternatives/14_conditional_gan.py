"""Second, differently written correct answers to chapter 14's autograded exercises (see tests/exercise_alternatives)."""

ALTERNATIVES: dict[str, str] = {
    # D* as the sigmoid of the log-odds log(p p_data) - log(q p_g), instead of the ratio of the weighted densities.
    "cgan-ex-label-prior": '''
import numpy as np
from scipy.special import expit


def conditional_optimal_discriminator(p_data, p_g, p, q):
    def d(x, y):
        with np.errstate(divide="ignore"):
            log_odds = (np.log(p[y]) + np.log(p_data(x, y))) - (np.log(q[y]) + np.log(p_g(x, y)))
        return expit(log_odds)

    return d
''',
    # The cross-entropies written with logsigmoid, and an objective that computes its loss from the step's outputs
    # itself and records D's mean outputs, instead of calling the parent's method.
    "cgan-ex-smoothing": '''
import torch
import torch.nn.functional as F

from gan_course.losses import NonSaturating


def smoothed_discriminator_loss(real_logits, fake_logits, alpha=0.9, beta=0.0):
    def cross_entropy(logits, target):
        return -(target * F.logsigmoid(logits) + (1 - target) * F.logsigmoid(-logits)).mean()

    return cross_entropy(real_logits, alpha) + cross_entropy(fake_logits, beta)


class Smoothed(NonSaturating):
    def __init__(self, alpha=0.9, beta=0.0):
        self.alpha, self.beta = alpha, beta

    def discriminator_loss(self, step):
        return {"d_loss": smoothed_discriminator_loss(step.d_real, step.d_fake, self.alpha, self.beta),
                "d_real": torch.sigmoid(step.d_real).mean().detach(),
                "d_fake": torch.sigmoid(step.d_fake).mean().detach()}
''',
    # The label vectors built row by row from F.one_hot, and the generator's body called one row at a time.
    "cgan-ex-soft-labels": '''
import torch
import torch.nn.functional as F


def mixture_labels(first, second, lambdas, n_classes=10):
    a = F.one_hot(torch.tensor(first), n_classes).float()
    b = F.one_hot(torch.tensor(second), n_classes).float()
    return torch.stack([float(lam) * a + (1 - float(lam)) * b for lam in lambdas])


def label_vector_images(generator, z, vectors):
    rows = []
    for vector in torch.as_tensor(vectors):
        rows.append(generator.body(torch.cat([z, vector.to(z)])[None]).detach())
    return torch.cat(rows)
''',
}

NO_ALTERNATIVE: dict[str, str] = {}
