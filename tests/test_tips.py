"""The tips harness: each tip is the baseline with one change, runs are paired by seed, and the table's numbers are
the runs' means and sample standard deviations."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
import torch

from gan_course.experiments.making_gans_train.tips import (
    Networks,
    Tip,
    TipRun,
    TipsTable,
    ToyProblem,
    annealed_instance_noise,
    batch_norm_generator,
    historical_averaging,
    measure_tips,
    minibatch_discriminator,
    noisy_discriminator,
    tip_trainer,
    virtual_batch_norm_generator,
)
from gan_course.losses import OneSidedLabelSmoothing
from gan_course.models.minibatch_discrimination import MinibatchDiscrimination
from gan_course.models.virtual_batch_norm import WithReferenceBatch
from gan_course.training.historical_averaging import HistoricalAveraging
from gan_course.training.instance_noise import AnnealedInstanceNoise, InstanceNoise
from gan_course.training.replay import ReplayStep
from gan_course.training.steps import AlternatingStep

SMALL = ToyProblem("ring", networks=Networks(2, (2,), (16, 16), (16, 16), "linear"), batch_size=32)


def test_a_tip_refuses_what_is_not_an_objective_or_a_learning_rate_factor():
    with pytest.raises(TypeError, match="Objective"):
        Tip(objective="label smoothing")
    with pytest.raises(ValueError, match="d_lr"):
        Tip(d_lr=0.0)
    with pytest.raises(ValueError, match="ring' or 'grid"):
        ToyProblem("spiral")


def test_each_tip_changes_only_its_part_and_the_learning_rates_are_factors_on_the_problems():
    networks = SMALL.networks
    assert isinstance(noisy_discriminator(networks), InstanceNoise)
    mbd = minibatch_discriminator(networks, kernels=7, kernel_dim=3)
    assert any(isinstance(m, MinibatchDiscrimination) for m in mbd.modules())
    assert mbd(torch.randn(5, 2)).shape == (5,)
    vbn = virtual_batch_norm_generator(networks, reference_size=8)
    assert isinstance(vbn, WithReferenceBatch) and vbn(torch.randn(3, 2)).shape == (3, 2)
    assert any(isinstance(m, torch.nn.BatchNorm1d) for m in batch_norm_generator(networks).modules())
    noise, = annealed_instance_noise(40, sigma=0.3)
    assert isinstance(noise, AnnealedInstanceNoise) and (noise.sigma, noise.steps) == (0.3, 40)
    average, = historical_averaging(40, weight=0.5)
    assert isinstance(average, HistoricalAveraging) and average.weight == 0.5

    trainer = tip_trainer(Tip(d_lr=4.0, step=partial(AlternatingStep, g_steps=2)), SMALL, seed=0, steps=10)
    assert trainer.g_optimizer.param_groups[0]["lr"] == pytest.approx(SMALL.lr)
    assert trainer.d_optimizer.param_groups[0]["lr"] == pytest.approx(4 * SMALL.lr)
    assert trainer.step_function.g_steps == 2


def test_tips_with_the_baselines_networks_start_from_the_same_weights_for_a_seed():
    baseline = tip_trainer(Tip(), SMALL, seed=3, steps=10)
    smoothed = tip_trainer(Tip(objective=OneSidedLabelSmoothing()), SMALL, seed=3, steps=10)
    other = tip_trainer(Tip(), SMALL, seed=4, steps=10)
    for name in ("generator", "discriminator"):
        ours, theirs = baseline.networks[name].state_dict(), smoothed.networks[name].state_dict()
        assert all(torch.equal(ours[key], theirs[key]) for key in ours)
    assert not torch.equal(baseline.generator.net[0].weight, other.generator.net[0].weight)


def test_the_table_is_the_mean_and_sample_std_of_the_runs_and_the_paired_difference_is_seed_by_seed():
    table = TipsTable("toy", ("precision", "recall"), 10, (0, 1, 2))
    table.runs["baseline"] = [TipRun("baseline", s, {"precision": p, "recall": 0.5}) for s, p in enumerate((.1, .3, .8))]
    table.runs["tip"] = [TipRun("tip", 0, {"precision": 0.4, "recall": 0.6}), TipRun("tip", 1, None, "diverged"),
                         TipRun("tip", 2, {"precision": 0.9, "recall": 0.7})]
    mean, std, n = table.summary("baseline", "precision")
    assert (mean, n) == (pytest.approx(0.4), 3) and std == pytest.approx(np.std([0.1, 0.3, 0.8], ddof=1))
    mean, std, n = table.paired_difference("tip", "precision")
    assert n == 2 and mean == pytest.approx(((0.4 - 0.1) + (0.9 - 0.8)) / 2)
    assert std == pytest.approx(np.std([0.3, 0.1], ddof=1))
    rows = table.rows()
    assert rows[2] == ["tip", "0.65 ± 0.35", "0.65 ± 0.07", "2/3"]
    assert "0.65 ± 0.35" in table._repr_html_() and "ddof = 1" in str(table)
    with pytest.raises(ValueError, match="metric"):
        table.values("tip", "fcd")


def test_measure_tips_trains_every_tip_on_every_seed_and_scores_the_real_data_as_a_perfect_generator():
    tips = {"baseline": Tip(), "replay": Tip(step=partial(ReplayStep, size=64))}
    table = measure_tips(tips, SMALL, seeds=(0, 1), steps=20, progress=False)
    assert list(table.runs) == ["baseline", "replay"]
    assert [run.seed for run in table.runs["replay"]] == [0, 1]
    assert all(run.scores is not None and set(run.scores) == set(SMALL.metrics) for runs in table.runs.values()
               for run in runs)
    # real data: every mode covered, nearly every sample high quality, precision and recall near 1
    assert table.reference["modes_covered"] == 8 and table.reference["high_quality"] > 0.95
    assert min(table.reference["precision"], table.reference["recall"]) > 0.9
    # the same seed and tip give the same numbers (a run seeds itself)
    again = measure_tips({"baseline": Tip()}, SMALL, seeds=(1,), steps=20, progress=False)
    assert again.runs["baseline"][0].scores == table.runs["baseline"][1].scores


def test_a_tip_that_cannot_reach_a_worker_process_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="module-level"):
        measure_tips({"lambda": Tip(hooks=lambda steps: [])}, SMALL, seeds=(0, 1), steps=2, workers=2,
                     device=torch.device("cpu"), progress=False)
    with pytest.raises(ValueError, match="problem must be one of"):
        measure_tips({"baseline": Tip()}, "cifar", seeds=(0,), steps=2)
    assert math.isnan(TipsTable("toy", ("recall",), 1, (0,), {"a": [TipRun("a", 0, None, "x")]}).summary("a", "recall")[0])


def test_the_chapters_tips_differ_from_the_baseline_in_one_part_each_and_can_reach_worker_processes():
    import pickle

    from gan_course.experiments.making_gans_train.tips import classic_tips

    tips = classic_tips()
    baseline = tips.pop("baseline")
    parts = ("objective", "generator", "discriminator", "step", "hooks", "g_lr", "d_lr")
    for name, tip in tips.items():
        changed = {part for part in parts if repr(getattr(tip, part)) != repr(getattr(baseline, part))}
        # one part, or two that make one change: noise around D with its annealing hook, both learning rates
        assert len(changed) == 1 or changed in ({"discriminator", "hooks"}, {"g_lr", "d_lr"}), f"{name}: {changed}"
        pickle.dumps(tip)


def _table() -> TipsTable:
    table = TipsTable("toy", ("precision", "recall"), 10, (0, 1), reference={"precision": 0.9, "recall": 0.95})
    table.runs["baseline"] = [TipRun("baseline", s, {"precision": p, "recall": r}) for s, p, r in ((0, .2, .6), (1, .4, .8))]
    table.runs["tip"] = [TipRun("tip", s, {"precision": p, "recall": r}) for s, p, r in ((0, .5, .5), (1, .9, .6))]
    return table


def test_the_paired_summary_cites_each_tips_difference_from_the_baseline_per_problem():
    from gan_course.experiments.making_gans_train.tips import PairedSummary

    summary = PairedSummary({"ring": _table()}, {"ring": "precision"})
    assert summary.rows() == [["tip", "ring: Δ precision"], ["tip", "+0.40 ± 0.14"]]  # differences 0.3 and 0.5
    assert "+0.40 ± 0.14" in summary._repr_html_()
    with pytest.raises(ValueError, match="no metric"):
        PairedSummary({"ring": _table()}, {"ring": "fcd"})


def test_the_precision_recall_figure_puts_each_tip_at_its_mean_with_its_spread():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gan_course.experiments.making_gans_train.tips_figures import plot_precision_recall

    fig, ax = plt.subplots()
    plot_precision_recall(_table(), ax=ax)
    points = {container.get_label(): container.lines[0].get_xydata()[0] for container in ax.containers}
    points.update({line.get_label(): line.get_xydata()[0] for line in ax.get_lines() if line.get_label() == "real data"})
    assert np.allclose(points["baseline"], [0.7, 0.3]) and np.allclose(points["tip"], [0.55, 0.7])
    assert np.allclose(points["real data"], [0.95, 0.9])
    assert ax.get_xlabel().startswith("recall") and ax.get_ylabel().startswith("precision")
    plt.close(fig)
