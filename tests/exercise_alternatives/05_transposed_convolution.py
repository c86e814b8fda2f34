"""Second, differently written correct answers to chapter 5's autograded exercises (tests/test_exercise_alternatives.py)."""

ALTERNATIVES: dict[str, str] = {
    # A search: every size whose output size (Relationship 6) equals that of i, and for each the output_padding found
    # by trying 0, ..., s - 1 in the transposed size (Relationship 14), instead of counting from the smallest size.
    "tconv-ex-output-size": '''
def restorable_sizes(i, k, s=1, p=0):
    def out(n):
        return (n + 2 * p - k) // s + 1

    def transposed(o, a):
        return s * (o - 1) + k - 2 * p + a

    o = out(i)
    sizes = {}
    for n in range(max(1, k - 2 * p), i + s + 1):
        if out(n) == o:
            (a,) = [a for a in range(s) if transposed(o, a) == n]
            sizes[n] = a
    return sizes
''',
    # A search over kernels and paddings with the transposed output size formula on a few input sizes, instead of
    # solving k - 2p = 3.
    "tconv-ex-dcgan": '''
def tripling_layers(max_kernel):
    found = []
    for k in range(1, max_kernel + 1):
        for p in range(k):
            if all(3 * (n - 1) + k - 2 * p == 3 * n for n in range(1, 5)):
                found.append((k, p))
    return found
''',
    # The columns of C as the convolution of the basis vectors (C e_j = conv1d(e_j)), and the entries with two
    # contributions read from the transposed convolution of ones by ones, instead of filling C entry by entry.
    "tconv-ex-matrix": '''
import torch
import torch.nn.functional as F


def conv1d_matrix(w, size, stride=1, padding=0):
    basis = torch.eye(size, dtype=w.dtype)[:, None, :]  # one input per basis vector
    return F.conv1d(basis, w[None, None], stride=stride, padding=padding)[:, 0, :].T


C = conv1d_matrix(torch.tensor([2.0, 3.0, 5.0]), 5, stride=2, padding=1)
contributions = F.conv_transpose1d(torch.ones(1, 1, C.shape[0]), torch.ones(1, 1, 3), stride=2, padding=1)[0, 0]
two_contributions = torch.nonzero(contributions == 2).flatten().tolist()
''',
    # The counts measured: a transposed convolution of ones by ones on a long input, read away from the borders,
    # instead of counting multiples of s in each window.
    "tconv-ex-checkerboard": '''
import torch
import torch.nn.functional as F


def interior_counts(k, s):
    counts = F.conv_transpose1d(torch.ones(1, 1, 4 * k + 4), torch.ones(1, 1, k), stride=s)[0, 0]
    middle = len(counts) // 2
    return sorted(int(c) for c in counts[middle : middle + s])
''',
}

NO_ALTERNATIVE: dict[str, str] = {}
