"""The samples panel of a comparison table: one panel per loss, the right run, the modes, clear errors."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402

from gan_course.data import ring  # noqa: E402
from gan_course.experiments.losses.comparison import ComparisonTable, Run  # noqa: E402
from gan_course.experiments.losses.comparison_figures import plot_comparison_samples  # noqa: E402
from gan_course.metrics import mode_coverage  # noqa: E402


def _table() -> ComparisonTable:
    mixture = ring()
    table = ComparisonTable("ring", 8, 10, (0, 1), mixture=mixture)
    on_modes = mixture.sample(200, generator=torch.Generator().manual_seed(0)).float()
    far = torch.full((200, 2), 5.0)
    table.runs["good"] = [Run("good", 0, mode_coverage(on_modes, mixture, progress=False), on_modes),
                          Run("good", 1, mode_coverage(far, mixture, progress=False), far)]
    table.runs["broken"] = [Run("broken", 0, None, None, diverged="NaN"), Run("broken", 1, None, None, "NaN")]
    return table


def test_one_panel_per_loss_showing_the_chosen_seed():
    table = _table()
    axes = plot_comparison_samples(table)
    quality = 100 * table.runs["good"][0].coverage.high_quality
    assert quality > 90 and f"8/8 modes, {quality:.1f}% HQ" in axes[0].get_title()
    assert len(axes) == 2 and "diverged" in axes[1].get_title()
    assert len(axes[0].patches) == 8 and axes[0].patches[0].get_radius() == pytest.approx(0.03)
    shown = axes[0].collections[-1].get_offsets()
    assert len(shown) == 200 and torch.allclose(torch.as_tensor(shown.data).float(), table.runs["good"][0].samples, atol=1e-6)
    assert "0/8 modes, 0.0% HQ" in plot_comparison_samples(table, seed=1)[0].get_title()


def test_bad_requests_are_named():
    table = _table()
    with pytest.raises(ValueError, match="seeds are \\(0, 1\\)"):
        plot_comparison_samples(table, seed=7)
    with pytest.raises(ValueError, match="one axis per loss \\(2\\)"):
        plot_comparison_samples(table, axes=[None])
    with pytest.raises(ValueError, match="no mixture"):
        plot_comparison_samples(ComparisonTable("ring", 8, 10, (0,)))
