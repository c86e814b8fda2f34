"""Second, differently written correct answers to chapter 16's autograded exercises (see tests/exercise_alternatives)."""

ALTERNATIVES: dict[str, str] = {
    # Each cell's image split into two triangles along a diagonal (signed areas from cross products), cell by cell,
    # instead of the vectorised shoelace formula.
    "vis-ex-density": '''
import numpy as np


def cell_densities(generator, n):
    c = np.linspace(-1.0, 1.0, n + 1)
    grid = np.array([[u, v] for u in c for v in c])
    image = np.asarray(generator(grid), dtype=float).reshape(n + 1, n + 1, 2)

    def cross(p, q):
        return p[0] * q[1] - p[1] * q[0]

    density = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            p00, p10, p11, p01 = image[i, j], image[i + 1, j], image[i + 1, j + 1], image[i, j + 1]
            area = abs(cross(p10 - p00, p11 - p00) + cross(p11 - p00, p01 - p00)) / 2
            density[i, j] = 1 / (n * n * area)
    return density
''',
    # a and the plain gradient from autograd, the guided gradient from a custom backward at each rectifier that
    # applies the guided rule, instead of the closed forms.
    "vis-ex-guided": '''
import torch
import torch.nn.functional as F


class GuidedLeakyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u, slope):
        ctx.save_for_backward(u)
        return F.leaky_relu(u, slope)

    @staticmethod
    def backward(ctx, grad_output):
        (u,) = ctx.saved_tensors
        return (u > 0).to(grad_output) * grad_output.clamp(min=0), None


def toy_unit(x, w=(1.0, -1.0), v=(1.0, -1.0), slope=0.2):
    w, v = torch.tensor(w, dtype=torch.float64), torch.tensor(v, dtype=torch.float64)
    xt = torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
    a = (v * F.leaky_relu(w * xt, slope)).sum()
    (plain,) = torch.autograd.grad(a, xt)
    xg = torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
    (guided,) = torch.autograd.grad((v * GuidedLeakyReLU.apply(w * xg, slope)).sum(), xg)
    return a.item(), plain.item(), guided.item()
''',
    # The cross-fade with torch.lerp, image by image, and the roughness computed with NumPy.
    "vis-ex-crossfade": '''
import numpy as np
import torch


def crossfade(x0, x1, steps):
    return torch.stack([torch.lerp(x0, x1, k / (steps - 1)) for k in range(steps)])


def roughness(images):
    frames = np.asarray(images.detach().cpu(), dtype=np.float64).reshape(len(images), -1)
    steps = np.abs(np.diff(frames, axis=0)).mean(axis=1)
    if steps.mean() == 0:
        return 1.0
    return float(steps.max() / steps.mean())
''',
}

NO_ALTERNATIVE: dict[str, str] = {}
