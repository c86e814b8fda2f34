"""The seeds comparison of GAN losses on the toy mixtures: one row per loss, reproducible runs, clear errors."""

from __future__ import annotations

import math

import pytest
import torch

from gan_course.data import ring
from gan_course.losses import LSGAN, WGAN, WGANGP, NonSaturating
from gan_course.experiments.losses.comparison import ComparisonTable, LossSetup, Run, compare_losses
from gan_course.losses.gan import discriminator_loss
from gan_course.metrics import ModeCoverage

ENTRIES = {
    "NS-GAN": LossSetup(NonSaturating()),
    "LSGAN": LossSetup(LSGAN()),
}
TINY = dict(steps=15, hidden=(16, 16), batch_size=32, n_samples=300, progress=False)


@pytest.fixture(scope="module")
def table() -> ComparisonTable:
    return compare_losses(ENTRIES, "ring", seeds=[0, 1], **TINY)


def test_one_row_per_entry_with_mean_and_std_over_seeds(table):
    assert list(table.runs) == ["NS-GAN", "LSGAN"] and table.n_modes == 8 and table.seeds == (0, 1)
    for name in ENTRIES:
        assert [run.seed for run in table.runs[name]] == [0, 1]
        values = table.values(name, "high_quality")
        assert len(values) == 2
        mean, std, count = table.summary(name, "high_quality")
        assert math.isclose(mean, values.mean()) and math.isclose(std, values.std(ddof=1)) and count == 2
        assert all(run.samples.shape == (300, 2) and run.coverage.n_samples == 300 for run in table.runs[name])
    rows = table.rows()
    assert len(rows) == 3 and rows[1][0] == "NS-GAN" and rows[2][-1] == "2/2"
    text = str(table)
    assert "ring: 15 steps, seeds 0, 1" in text and "LSGAN" in text and "/ 8" in text
    assert table._repr_html_().startswith("<table>") and text.count("\n") == 4


def test_same_seed_same_numbers_other_seed_other_numbers(table):
    again = compare_losses({"LSGAN": ENTRIES["LSGAN"]}, ring(), seeds=[1], **TINY)
    assert torch.equal(again.runs["LSGAN"][0].samples, table.runs["LSGAN"][1].samples)
    assert again.runs["LSGAN"][0].coverage == table.runs["LSGAN"][1].coverage
    assert not torch.equal(table.runs["LSGAN"][0].samples, table.runs["LSGAN"][1].samples)
    # the same seed gives both losses the same initial networks, so they differ only through the loss
    assert not torch.equal(table.runs["LSGAN"][0].samples, table.runs["NS-GAN"][0].samples)


class Broken(NonSaturating):
    """An objective whose D loss is NaN: its runs diverge."""

    def discriminator_loss(self, step):
        terms = super().discriminator_loss(step)
        return {**terms, "d_loss": terms["d_loss"] * math.nan}


def test_wgan_settings_run_and_a_diverged_run_is_recorded():
    entries = {
        "WGAN-GP": LossSetup(WGANGP(), optimizer="adam", lr=1e-4, betas=(0.5, 0.9)),
        "WGAN": LossSetup(WGAN(clip=0.01), optimizer="rmsprop", lr=5e-5),
        "broken": LossSetup(Broken()),
    }
    table = compare_losses(entries, "grid", seeds=[3], **TINY)
    assert table.n_modes == 25
    assert table.runs["WGAN"][0].coverage is not None and table.runs["WGAN-GP"][0].coverage is not None
    broken = table.runs["broken"][0]
    assert broken.coverage is None and "diverged" in broken.diverged
    assert len(table.values("broken", "reverse_kl")) == 0 and math.isnan(table.summary("broken", "modes_covered")[0])
    assert "0/1 (others diverged)" in str(table)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(entries={}), ValueError, "non-empty dict"),
        (dict(dataset="moons"), ValueError, "ring"),
        (dict(seeds=[1, 1]), ValueError, "distinct"),
        (dict(steps=0), ValueError, "steps"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, message):
    arguments = dict(entries=ENTRIES, dataset="ring", seeds=[0], **TINY)
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        compare_losses(**arguments)


def test_bad_setup_and_lookups_are_named(table):
    with pytest.raises(TypeError, match="objective must be a gan_course.losses.Objective"):
        LossSetup(discriminator_loss)
    with pytest.raises(ValueError, match="optimizer"):
        LossSetup(NonSaturating(), optimizer="sgd")
    with pytest.raises(ValueError, match="lr"):
        LossSetup(NonSaturating(), lr=0.0)
    with pytest.raises(KeyError, match="NS-GAN"):
        table.values("WGAN", "modes_covered")
    with pytest.raises(ValueError, match="metric"):
        table.values("LSGAN", "fid")


def test_runs_without_high_quality_samples_are_left_out_of_the_reverse_kl_and_said_so():
    table = ComparisonTable("ring", 8, 10, (0, 1))
    table.runs["GAN"] = [Run("GAN", 0, ModeCoverage((5, 5, 0, 0, 0, 0, 0, 0), 20), None),
                         Run("GAN", 1, ModeCoverage((0,) * 8, 20), None)]
    mean, std, count = table.summary("GAN", "reverse_kl")
    assert count == 1 and math.isclose(mean, math.log(4)) and math.isnan(std)
    mean, std, count = table.summary("GAN", "modes_covered")  # 2 and 0 modes: sample std sqrt(2), not 1
    assert (mean, count) == (1.0, 2) and math.isclose(std, math.sqrt(2))
    assert "(1 of 2 runs: the others have no high-quality sample)" in str(table)
    assert "1.386 (1 of 2 runs" in str(table) and "1.0 ± 1.4 / 8" in str(table)


def test_a_single_run_is_shown_without_a_spread_and_an_undefined_kl_is_named():
    table = ComparisonTable("ring", 8, 10, (0,))
    table.runs["GAN"] = [Run("GAN", 0, ModeCoverage((5, 5, 0, 0, 0, 0, 0, 0), 20), None)]
    table.runs["lost"] = [Run("lost", 0, ModeCoverage((0,) * 8, 20), None)]
    text = str(table)
    assert "±" not in text and "one run per loss" in text and "nan" not in text
    assert "2.0 / 8" in text and "50.0 %" in text and "1.386" in text  # KL of (1/2, 1/2, 0, ...) to uniform: log 4
    assert "undefined (no run has a high-quality sample)" in text


def test_parallel_workers_give_the_table_of_one_worker():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the workers run one thread each on a two-core machine: the same arithmetic as here
    try:
        one = compare_losses(ENTRIES, "ring", seeds=[0, 1], **TINY)
    finally:
        torch.set_num_threads(threads)
    two = compare_losses(ENTRIES, "ring", seeds=[0, 1], workers=2, **TINY)
    auto = compare_losses(ENTRIES, "ring", seeds=[0, 1], workers="auto", device="cpu", **TINY)
    assert all(torch.allclose(a.samples, b.samples, atol=1e-4) for name in ENTRIES
               for a, b in zip(one.runs[name], auto.runs[name]))
    assert list(two.runs) == list(one.runs) and two.seeds == one.seeds
    for name in ENTRIES:
        assert [run.seed for run in two.runs[name]] == [0, 1]
        for a, b in zip(one.runs[name], two.runs[name]):
            assert torch.allclose(a.samples, b.samples, atol=1e-4) and a.coverage == b.coverage


def test_workers_are_checked():
    for bad in (0, "all"):
        with pytest.raises(ValueError, match="positive integer or 'auto'"):
            compare_losses(ENTRIES, "ring", seeds=[0], workers=bad, **TINY)
    with pytest.raises(ValueError, match="workers=1"):
        compare_losses(ENTRIES, "ring", seeds=[0], workers=2, device="meta", **TINY)
    class Local(NonSaturating):  # defined in a function: pickle cannot find it by name
        pass

    with pytest.raises(ValueError, match="define its objective at module level"):
        compare_losses({"local": LossSetup(Local())}, "ring", seeds=[0], workers=2, **TINY)
