"""Second, differently written correct answers to the autograded exercises of book/10_sngan.ipynb.

Each entry of ``ALTERNATIVES`` is run, followed by every public and hidden check of its exercise, in one fresh
namespace (tests/test_exercise_alternatives.py). The chapter's answers iterate on vectors and use the closed form;
these iterate on the Gram matrix and minimise the hinge loss point by point.
"""

POWER = r'''
import torch


def estimate_sigma(W, v, k):
    """Power iteration on the Gram matrix W^T W: after k - 1 steps from v, one more alternating step gives
    u = W v / ||W v|| and sigma~ = u^T W (W^T u / ||W^T u||) = ||W^T W v|| / ||W v||."""
    gram = W.T @ W
    v = v / torch.linalg.vector_norm(v)
    for _ in range(k - 1):
        v = gram @ v
        v = v / torch.linalg.vector_norm(v)
    return (torch.linalg.vector_norm(gram @ v) / torch.linalg.vector_norm(W @ v)).item()
'''

HINGE = r'''
import torch


def hinge_optimal_loss(p, q):
    """Each point's loss is piecewise linear in D with kinks at -1 and 1: its minimum is at one of them."""
    total = 0.0
    for p_i, q_i in zip(p.tolist(), q.tolist()):
        at_minus = p_i * 2.0  # D = -1: max(0, 1 - D) = 2, max(0, 1 + D) = 0
        at_plus = q_i * 2.0  # D = 1
        total += min(at_minus, at_plus)
    return total
'''

ALTERNATIVES: dict[str, str] = {
    "sngan-ex-power": POWER,
    "sngan-ex-hinge": HINGE,
}

NO_ALTERNATIVE: dict[str, str] = {}
