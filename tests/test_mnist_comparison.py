"""The MNIST comparison's table against a hand computation (means, sample std, paired differences), and its runs:
the same seed gives the same initial weights to every entry of the same architecture."""

import math

import pytest
import torch

from gan_course.data import LabeledImages
from gan_course.experiments.losses.mnist_comparison import MNISTComparison, compare_on_mnist
from gan_course.losses import NonSaturating
from gan_course.metrics.classes import ClassHistogram
from gan_course.metrics.protocol import Score
from gan_course.recipes import RECIPES


def _score(fcd: float) -> Score:
    return Score(fcd, ClassHistogram((100,) * 10), 1000)


def test_summary_and_paired_differences_by_hand():
    table = MNISTComparison(10, (0, 1, 2), "a", {"a": [_score(10.0), _score(20.0), _score(30.0)],
                                                   "b": [_score(8.0), _score(19.0), _score(24.0)]})
    assert table.summary("a") == (20.0, 10.0)  # sqrt(((-10)^2 + 0 + 10^2) / 2) = 10
    mean, std = table.paired("b")  # differences -2, -1, -6: mean -3, std sqrt((1 + 4 + 9) / 2)
    assert mean == pytest.approx(-3.0) and std == pytest.approx(math.sqrt(7.0))
    header, *rows = table.rows()
    assert rows[0][2] == "—" and rows[1][2] == "-3.0 ± 2.6" and rows[1][4] == "8.0 19.0 24.0"
    assert all(len(line) <= 77 for line in str(table).splitlines()[1:])  # the rows (the caption wraps)
    with pytest.raises(KeyError, match="no entry 'c'"):
        table.fcd("c")


class _Evaluation:
    """A stand-in for the protocol: the mean pixel of 16 samples, so that runs can be told apart."""

    def __call__(self, generator, progress=None):
        with torch.no_grad():
            generator.eval()
            return _score(float(generator(torch.randn(16, generator.latent_dim)).mean()))


def test_entries_share_initial_weights_and_data_for_a_seed():
    images = LabeledImages(torch.rand(128, 1, 28, 28) * 2 - 1, torch.zeros(128, dtype=torch.long), "test", None)
    entries = {"hinge": {}, "hinge again": {}, "ns": dict(objective=NonSaturating(), spectral=False)}
    table = compare_on_mnist(RECIPES["sngan"], entries, images, (0, 1), 1, _Evaluation(), "fast",
                             torch.device("cpu"), progress=False)
    assert table.fcd("hinge").tolist() == table.fcd("hinge again").tolist()  # paired: the same run twice
    assert table.fcd("hinge")[0] != table.fcd("hinge")[1]  # another seed, another run
    g_hinge, d_hinge = table.networks["hinge", 0]
    assert d_hinge.net[0].parametrizations.weight.original.shape == table.networks["ns", 0][1].net[0].weight.shape
    with pytest.raises(ValueError, match="distinct seeds"):
        compare_on_mnist(RECIPES["sngan"], entries, images, (0, 0), 1, _Evaluation(), "fast", progress=False)
