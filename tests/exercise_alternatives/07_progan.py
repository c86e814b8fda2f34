"""Second, differently written correct answers to chapter 7's autograded exercises (see tests/exercise_alternatives)."""

ALTERNATIVES: dict[str, str] = {
    # A loop over the groups (every (N / G)-th sample) with torch.var, instead of one reshape.
    "progan-ex-mbstd": '''
import torch


def minibatch_stddev(x, group_size=4):
    n = x.shape[0]
    groups = n // min(group_size, n)
    s = torch.empty(n, dtype=x.dtype)
    for m in range(groups):
        members = x[m::groups]
        value = (members.var(dim=0, unbiased=False) + 1e-8).sqrt().mean()
        s = s.index_put((torch.arange(m, n, groups),), value.expand(len(members)))
    return s
''',
    # An nn.Linear whose weight is scaled in the forward pass, Adam's default betas, and the loss the sum of the
    # outputs' squares, instead of a bare parameter with betas (0, 0.99) and a mean square.
    "progan-ex-eqlr": '''
import math

import torch
import torch.nn.functional as F


def relative_adam_change(fan_in, equalized, lr=1e-3, fan_out=64, seed=0):
    torch.manual_seed(seed)
    gain = math.sqrt(2 / fan_in)
    layer = torch.nn.Linear(fan_in, fan_out, bias=False)
    with torch.no_grad():
        layer.weight.normal_(0.0, 1.0 if equalized else gain)
    scale = gain if equalized else 1.0
    start = scale * layer.weight.detach().clone()
    optimizer = torch.optim.Adam(layer.parameters(), lr=lr)
    F.linear(torch.randn(16, fan_in), scale * layer.weight).square().sum().backward()
    optimizer.step()
    return ((scale * layer.weight.detach() - start).norm() / start.norm()).item()
''',
    # The end of the last fade-in by bisection on the images shown; the iterations at each resolution found by
    # bisection on the iteration index (a resolution's minibatch is fixed), instead of stepping through every iteration.
    "progan-ex-schedule": '''
def fade_in_end(schedule):
    low, high = 0, 1
    while schedule(high).lod > 0:
        high *= 2
    while low < high:  # the first count of images with lod 0
        middle = (low + high) // 2
        if schedule(middle).lod > 0:
            low = middle + 1
        else:
            high = middle
    return int(low)


def iterations_per_resolution(schedule, kimg):
    limit, counts, start = kimg * 1000, {}, 0
    while start < limit:
        stage = schedule(start)
        resolution, minibatch = stage.resolution, stage.minibatch

        def here(k):  # does iteration k from start begin before the limit, at this resolution?
            return start + k * minibatch < limit and schedule(start + k * minibatch).resolution == resolution

        good, bad = 0, 1
        while here(bad):
            good, bad = bad, 2 * bad
        while bad - good > 1:
            middle = (good + bad) // 2
            good, bad = (middle, bad) if here(middle) else (good, middle)
        counts[resolution] = counts.get(resolution, 0) + bad
        start += bad * minibatch
    return counts
''',
    # The weights from running the recursion on the average's coordinates, and the shares in closed form: everything
    # older than the last two phases (750 iterations) carries the weight beta ** 750.
    "progan-ex-ema": '''
import numpy as np


def ema_weights(beta, n):
    weights = np.zeros(n + 1)
    weights[0] = 1.0
    for k in range(1, n + 1):
        weights *= beta
        weights[k] += 1 - beta
    return weights


early_share = {beta: beta ** (2 * 12_000 // 32) for beta in (0.999, 0.99)}
''',
}

NO_ALTERNATIVE: dict[str, str] = {}
