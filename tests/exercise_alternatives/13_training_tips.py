"""Second, differently written correct answers to chapter 13's autograded exercises (see tests/exercise_alternatives)."""

ALTERNATIVES: dict[str, str] = {
    # D* as the weighted mean of the two targets, weighted by the densities' shares, with torch instead of numpy.
    "tips-ex-smoothing": '''
import torch


def smoothed_optimal_d(p_data, p_g, alpha, beta=0.0):
    p_data = torch.as_tensor(p_data, dtype=torch.float64)
    p_g = torch.as_tensor(p_g, dtype=torch.float64)
    share = p_data / (p_data + p_g)
    return (share * alpha + (1 - share) * beta).numpy()


def far_fake_verdict(alpha, beta):
    return float(smoothed_optimal_d([0.0], [1.0], alpha, beta)[0])
''',
    # The L1 distances with torch.cdist per kernel, and the diagonal masked out instead of subtracted.
    "tips-ex-minibatch": '''
import torch


def minibatch_features(M):
    M = torch.as_tensor(M)
    per_kernel = M.transpose(0, 1)  # (B, N, C)
    kernel = torch.exp(-torch.cdist(per_kernel, per_kernel, p=1))  # (B, N, N)
    off_diagonal = ~torch.eye(M.shape[0], dtype=torch.bool)
    return (kernel * off_diagonal).sum(dim=2).T


collapsed_value = float(minibatch_features(torch.ones(64, 2, 2))[0, 0])
''',
    # The statistics from scipy.stats: ttest_rel and Welch's ttest_ind.
    "tips-ex-paired": '''
import numpy as np
from scipy import stats


def paired_t(a, b):
    return stats.ttest_rel(a, b).statistic


def welch_t(a, b):
    return stats.ttest_ind(a, b, equal_var=False).statistic


tip_fcd, baseline_fcd = np.array([60.0, 95.0, 130.0]), np.array([70.0, 104.0, 141.0])
t_paired = paired_t(tip_fcd, baseline_fcd)
t_welch = welch_t(tip_fcd, baseline_fcd)
''',
}

NO_ALTERNATIVE: dict[str, str] = {}
