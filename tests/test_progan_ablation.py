"""ProGAN's ablations: one feature switched off per variant, the same budget for every variant, both generators of
every run scored, means and spreads over the seeds, diverged runs kept as such."""

from __future__ import annotations

import math
import statistics

import pytest
import torch

from gan_course.data import pad_images
from gan_course.metrics.classes import ClassHistogram
from gan_course.metrics.protocol import Score
from gan_course.models import PixelNorm
from gan_course.training import TrainingDiverged
from gan_course.experiments.architectures import progressive_ablation
from gan_course.recipes import progan_trainer
from gan_course.experiments.architectures.progressive_ablation import (
    AblationRun,
    ablate_progan,
    check_variant,
    train_variant,
    variant_schedule,
)

TINY = dict(kimg=0.032, minibatch=8, fmap_base=16, fmap_max=4, ema_beta=0.9, device=torch.device("cpu"))


def digits(n: int = 64) -> torch.Tensor:
    return pad_images(torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1, 32)


class MeanEvaluation:
    """Stands in for the protocol: scores a generator by the mean of its output, and records what it was given."""

    def __init__(self):
        self.shapes = []

    def __call__(self, generator, progress=None):
        with torch.no_grad():
            images = generator(torch.randn(8, generator.latent_dim, generator=torch.Generator().manual_seed(0)))
        self.shapes.append((tuple(images.shape), images.min().item(), images.max().item()))
        return Score(fcd=images.mean().item(), histogram=ClassHistogram((1,) * 10), n=8)


def test_a_variant_may_only_switch_the_papers_features():
    check_variant("full", {})
    check_variant("abrupt", {"transition_kimg": 0, "pixel_norm": False})
    check_variant("no growing", {"initial_resolution": 32})
    with pytest.raises(ValueError, match=r"'beta1'.*initial_resolution, transition_kimg, equalized_lr, pixel_norm, "
                                         r"mbstd_group_size, lr"):
        check_variant("faster", {"beta1": 0.5})


def test_every_variant_gets_the_full_schedules_budget_and_removes_its_feature():
    full = train_variant("full", {}, 0, digits(), **TINY)
    abrupt = train_variant("abrupt", {"transition_kimg": 0}, 0, digits(), **TINY)
    budget = 7 * 32  # 4x4, then a transition and a stabilisation for each of 8, 16 and 32, in images
    assert full.images_shown >= budget and abrupt.images_shown >= budget
    assert full.images_shown - budget < 8 and abrupt.images_shown - budget < 8  # within one minibatch
    assert full.diverged is None and len(full.rms) == 4
    for run in (full, abrupt):
        assert (run.generator.resolution, run.generator.alpha) == (32, 1.0)  # both end at 32 x 32, faded in
    plain = train_variant("no pixel norm", {"pixel_norm": False}, 0, digits(), **TINY)
    norms = [sum(isinstance(m, PixelNorm) for m in run.generator.modules()) for run in (full, plain)]
    assert norms[0] > 1 and norms[1] == 1  # without pixel norm only the latents are normalised, as in the code
    no_stddev = train_variant("no mbstd", {"mbstd_group_size": 0}, 0, digits(), **TINY)
    assert no_stddev.images_shown == full.images_shown and no_stddev.generator is not None
    assert not torch.equal(full.average.blocks[0].dense.weight, full.generator.blocks[0].dense.weight)


def test_no_growing_trains_the_final_networks_at_full_resolution_from_the_first_step_for_the_same_images():
    schedule, budget = variant_schedule({"initial_resolution": 32}, 32, TINY["kimg"], TINY["minibatch"])
    full_schedule, full_budget = variant_schedule({}, 32, TINY["kimg"], TINY["minibatch"])
    assert budget == full_budget == pytest.approx(7 * TINY["kimg"])  # the full schedule's budget, not one phase
    assert schedule.iterations(budget) == full_schedule.iterations(full_budget)
    trainer = progan_trainer(digits(), schedule, fmap_base=16, fmap_max=4, ema_beta=0.9, device=torch.device("cpu"))
    trainer.fit(schedule.iterations(budget))
    history = trainer.history
    assert len(history["resolution"]) == schedule.iterations(budget)  # one record per step, from step 0
    assert set(history["resolution"]) == {32} and set(history["lod"]) == {0.0} and set(history["alpha"]) == {1.0}
    grown = progan_trainer(digits(), full_schedule, fmap_base=16, fmap_max=4, ema_beta=0.9, device=torch.device("cpu"))
    grown.fit(full_schedule.iterations(full_budget))
    assert grown.history["resolution"][0] == 4 and grown.history["lod"][0] == 3.0  # the control does grow
    assert trainer.data.images_shown == grown.data.images_shown >= 7 * 32
    flat = train_variant("no growing", {"initial_resolution": 32}, 0, digits(), **TINY)
    full = train_variant("full", {}, 0, digits(), **TINY)
    assert flat.images_shown == full.images_shown and (flat.generator.resolution, flat.generator.alpha) == (32, 1.0)


def test_the_table_scores_both_generators_of_finished_runs_on_clipped_crops():
    evaluation = MeanEvaluation()
    variants = {"ProGAN": {}, "no equalized learning rate": {"equalized_lr": False}}
    table = ablate_progan(digits(), variants, seeds=(0, 1), evaluation=evaluation, progress=False, **TINY)
    assert [(run.variant, run.seed) for run in table.runs] == [(name, seed) for name in variants for seed in (0, 1)]
    assert len(evaluation.shapes) == 8
    assert all(shape == (8, 1, 28, 28) and -1 <= low and high <= 1 for shape, low, high in evaluation.shapes)
    for name in variants:
        raw = [run.scores["raw"].fcd for run in table.of(name)]
        assert table.mean_std(name, "raw") == pytest.approx((statistics.fmean(raw), statistics.stdev(raw)))
        assert table.mean_std(name, "average", "classes") == (10.0, 0.0)
    text = str(table)
    assert "no equalized learning rate" in text and "2/2" in text and "averaged G" in text
    shown = table.runs[0].images_shown
    assert shown > 0 and text.splitlines()[0].startswith(f"n = 2 seeds per variant, {shown:,} images shown per finished")
    html = table._repr_html_()  # a notebook shows the table as HTML, every variant a row
    assert html.count("<tr>") == 1 + len(variants) and "<td>no equalized learning rate</td>" in html
    with pytest.raises(ValueError, match="metric must be"):
        table.mean_std("ProGAN", "raw", "is")


def test_workers_train_the_same_runs(monkeypatch):
    torch.set_num_threads(1)  # the two workers each run one thread on a two-core machine
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    one = ablate_progan(digits(), {"ProGAN": {}}, seeds=(0, 1), evaluation=MeanEvaluation(), progress=False, **TINY)
    two = ablate_progan(digits(), {"ProGAN": {}}, seeds=(0, 1), evaluation=MeanEvaluation(), progress=False,
                        workers=2, **TINY)
    for a, b in zip(one.runs, two.runs):
        assert a.scores["raw"].fcd == pytest.approx(b.scores["raw"].fcd, abs=1e-5) and a.rms == pytest.approx(b.rms)


def test_a_diverged_run_stays_in_the_table_without_scores(monkeypatch):
    original = train_variant

    def diverging(variant, change, seed, *args, **kwargs):
        if seed == 1:
            return AblationRun(variant, seed, None, None, diverged="the loss became nan at step 3")
        return original(variant, change, seed, *args, **kwargs)

    monkeypatch.setattr(progressive_ablation, "train_variant", diverging)
    table = ablate_progan(digits(), {"ProGAN": {}}, seeds=(0, 1), evaluation=MeanEvaluation(), progress=False, **TINY)
    assert table.runs[1].diverged and table.runs[1].scores == {}
    mean, std = table.mean_std("ProGAN", "raw")
    assert mean == table.runs[0].scores["raw"].fcd and math.isnan(std) and "1/2" in str(table)
    assert f"{table.runs[0].images_shown:,} images shown per finished run" in table.caption()  # not the diverged run's 0


def test_bad_input_is_explained():
    with pytest.raises(ValueError, match="variants is empty"):
        ablate_progan(digits(), {}, seeds=(0,), evaluation=MeanEvaluation(), **TINY)
    with pytest.raises(ValueError, match="distinct integers"):
        ablate_progan(digits(), {"ProGAN": {}}, seeds=(0, 0), evaluation=MeanEvaluation(), **TINY)
    with pytest.raises(ValueError, match="cannot switch"):
        ablate_progan(digits(), {"x": {"beta": 0.5}}, seeds=(0,), evaluation=MeanEvaluation(), **TINY)


def test_a_run_that_diverges_is_reported_not_raised(monkeypatch):
    build = progressive_ablation.progan_trainer

    def diverging_trainer(*args, **kwargs):
        trainer = build(*args, **kwargs)

        def fit(steps):
            raise TrainingDiverged("the discriminator's loss is nan at step 7")

        trainer.fit = fit
        return trainer

    monkeypatch.setattr(progressive_ablation, "progan_trainer", diverging_trainer)
    run = train_variant("no equalized learning rate", {"equalized_lr": False}, 3, digits(), **TINY)
    assert run.diverged == "the discriminator's loss is nan at step 7" and run.generator is None and run.seed == 3
