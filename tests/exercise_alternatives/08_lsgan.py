"""Second, differently written correct answers to chapter 8's autograded exercises (see tests/exercise_alternatives)."""

ALTERNATIVES: dict[str, str] = {
    # The norms measured with autograd on a linear D along one axis, the saturation logit found by bisection and the
    # return output solved from |l - 1| = |1/2 - 1| numerically, instead of the closed forms.
    "lsgan-ex-saturation": '''
import torch

from gan_course.losses import lsgan_generator_loss, nonsaturating_generator_loss


def gradient_norms(ell, w_norm, c=1.0):
    x = (torch.as_tensor(ell, dtype=torch.float64) / w_norm).reshape(-1).clone().requires_grad_()
    outputs = w_norm * x  # D(x) = |w| x on the line along w, so that D(x) = ell
    ns = torch.autograd.grad(len(x) * nonsaturating_generator_loss(outputs), x, retain_graph=True)[0].abs()
    ls = torch.autograd.grad(len(x) * lsgan_generator_loss(outputs, c=c), x)[0].abs()
    shape = torch.as_tensor(ell).shape
    return ns.reshape(shape).float(), ls.reshape(shape).float()


def saturation_logit(fraction):
    low, high = 0.0, 100.0
    for _ in range(200):
        middle = (low + high) / 2
        if 1 / (1 + 2.718281828459045**middle) > fraction / 2:
            low = middle
        else:
            high = middle
    return (low + high) / 2


low, high = 0.5, 10.0
for _ in range(200):  # the least-squares norm |l - 1| grows on the real side of l = 1
    middle = (low + high) / 2
    low, high = (middle, high) if abs(middle - 1) < abs(0.5 - 1) or middle < 1 else (low, middle)
ls_return_output = (low + high) / 2
''',
    # The boundary as the output of D*_LS = a + (b - a) D*_G at D*_G = 1/2, the turning point found by bisection on
    # the sign of the generator's gradient (autograd of lsgan_generator_loss).
    "lsgan-ex-chi2-coding": '''
import torch

from gan_course.losses import lsgan_generator_loss


def lsgan_levels(a, b, c):
    boundary = a + (b - a) * 0.5

    def slope(output):
        out = torch.tensor([output], dtype=torch.float64, requires_grad=True)
        lsgan_generator_loss(out, c=c).backward()
        return out.grad.item()

    low, high = min(a, b, c) - 10.0, max(a, b, c) + 10.0
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if slope(middle) < 0 else (low, middle)
    return boundary, (low + high) / 2
''',
    # The derivatives from autograd of the course's per-sample losses, instead of their closed forms.
    "lsgan-ex-minimax": '''
import torch

from gan_course.losses import lsgan_generator_loss, minimax_generator_loss, nonsaturating_generator_loss


def loss_derivatives(ell):
    result = {}
    for name, loss in (("minimax", minimax_generator_loss), ("non-saturating", nonsaturating_generator_loss),
                       ("least squares", lsgan_generator_loss)):
        x = torch.as_tensor(ell, dtype=torch.float64).detach().clone().requires_grad_()
        (loss(x) * x.numel()).backward()  # the batch mean times N: each output's own derivative
        result[name] = x.grad.float()
    return result
''',
}

NO_ALTERNATIVE: dict[str, str] = {}
