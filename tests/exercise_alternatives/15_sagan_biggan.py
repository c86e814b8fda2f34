"""Second, differently written correct answers to chapter 15's autograded exercises (see tests/exercise_alternatives)."""

ALTERNATIVES: dict[str, str] = {
    # The 1 x 1 convolutions as F.conv2d calls with the block's weights, pooling by reshaping into 2 x 2 windows,
    # and the weighted sum as an einsum over positions, instead of einsum projections, max_pool2d and bmm.
    "sagan-ex-attention": '''
import torch
import torch.nn.functional as F


def attention_forward(block, x):
    n, c, h, w = x.shape

    def pool(maps):
        k = maps.shape[1]
        return maps.view(n, k, h // 2, 2, w // 2, 2).amax(dim=(3, 5)).reshape(n, k, -1)

    query = F.conv2d(x, block.query.weight).reshape(n, -1, h * w)
    key = pool(F.conv2d(x, block.key.weight))
    value = pool(F.conv2d(x, block.value.weight))
    scores = torch.einsum("nkj,nki->nji", query, key)
    beta = scores.exp() / scores.exp().sum(-1, keepdim=True)
    o = torch.einsum("nji,nvi->nvj", beta, value).reshape(n, -1, h, w)
    return x + block.gamma * F.conv2d(o, block.out.weight)
''',
    # The acceptance probability from the error function, and the variance by numerical integration of z^2 phi(z).
    "sagan-ex-truncation": '''
import math

from scipy.integrate import quad


def expected_draws(tau):
    return 1.0 / math.erf(tau / math.sqrt(2.0))


def truncated_variance(tau):
    density = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    inside = math.erf(tau / math.sqrt(2.0))
    return quad(lambda z: z * z * density(z), -tau, tau, epsabs=1e-12)[0] / inside
''',
}

NO_ALTERNATIVE: dict[str, str] = {}
