"""tools.run_times: a chapter's run time is the sum of the times nbclient recorded in its executed cells."""

from __future__ import annotations

import nbformat
import pytest

from tools.run_times import cell_seconds, run_minutes


def _timed(source: str, start: str, end: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["execution"] = {"iopub.execute_input": start, "shell.execute_reply": end}
    return cell


def test_the_run_time_is_the_sum_of_the_cells_times(tmp_path):
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[
        _timed("a = 1", "2026-11-27T10:00:00.000000Z", "2026-11-27T10:01:30.000000Z"),
        nbformat.v4.new_markdown_cell("text"),
        nbformat.v4.new_code_cell(""),
        _timed("b = 2", "2026-11-27T12:00:00.500000Z", "2026-11-27T12:00:30.500000Z"),  # re-run later: its own time
    ]), path)
    assert cell_seconds(path) == {0: 90.0, 3: 30.0}
    assert run_minutes(path) == pytest.approx(2.0)


def test_a_cell_without_times_is_named(tmp_path):
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("a = 1")]), path)
    with pytest.raises(ValueError, match="code cell 0 has no execution times"):
        cell_seconds(path)
