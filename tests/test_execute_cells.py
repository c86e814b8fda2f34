"""tools.execute_cells: the chosen cells run in one kernel, are numbered as a run from the top, and nothing else moves."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tools.execute_cells import (
    drop_undrawable_widgets,
    drop_unshown_widget_state,
    execute_cells,
    merge_widget_state,
    parse_indices,
)


def _chapter(path: Path) -> Path:
    old = nbformat.v4.new_output("stream", name="stdout", text="from an earlier run\n")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 20"),
        nbformat.v4.new_markdown_cell("Some text."),
        nbformat.v4.new_code_cell("import os\nprint(x + 1, os.environ['GAN_COURSE_PROFILE'])"),
        nbformat.v4.new_code_cell(""),
        nbformat.v4.new_code_cell("print('not chosen')", outputs=[old], execution_count=7),
        nbformat.v4.new_code_cell("print(x * 2)"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_chosen_cells_run_in_one_kernel_with_the_cpu_profile_and_top_down_numbers(tmp_path):
    path = _chapter(tmp_path / "chapter.ipynb")
    assert execute_cells(path, [0, 5, 2]) == 3
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[2].outputs[0].text == "21 cpu\n"
    assert nb.cells[5].outputs[0].text == "40\n"
    assert [nb.cells[i].execution_count for i in (0, 2, 5)] == [1, 2, 4]  # the empty cell 3 takes no number
    # a cell not chosen keeps its outputs and takes the number a run from the top gives it (a cell inserted above it
    # shifts it), so that the counts never run out of order
    assert nb.cells[4].outputs[0].text == "from an earlier run\n" and nb.cells[4].execution_count == 3


def _edit_when_the_cells_start(monkeypatch, path, index: int, source: str) -> None:
    """Make the next execution edit cell ``index`` of ``path`` on disk as its kernel starts, as a helper would."""
    run = NotebookClient.execute

    def edit_then_run(self, *args, **kwargs):
        nb = nbformat.read(path, as_version=4)
        nb.cells[index].source = source
        nbformat.write(nb, path)
        return run(self, *args, **kwargs)

    monkeypatch.setattr(NotebookClient, "execute", edit_then_run)


def test_an_edit_made_to_another_cell_while_cells_run_is_kept(tmp_path, monkeypatch):
    path = _chapter(tmp_path / "chapter.ipynb")
    _edit_when_the_cells_start(monkeypatch, path, 1, "Edited meanwhile.")
    execute_cells(path, [0, 2])
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[1].source == "Edited meanwhile." and nb.cells[2].outputs[0].text == "21 cpu\n"


def test_an_executed_cell_edited_while_it_ran_is_not_written(tmp_path, monkeypatch):
    path = _chapter(tmp_path / "chapter.ipynb")
    _edit_when_the_cells_start(monkeypatch, path, 2, "print('new')")
    with pytest.raises(RuntimeError, match=r"cells \[2\] were edited"):
        execute_cells(path, [0, 2])
    assert nbformat.read(path, as_version=4).cells[2].outputs == []


@pytest.mark.parametrize("indices", [[1], [9]])
def test_a_cell_that_is_not_code_is_named(tmp_path, indices):
    path = _chapter(tmp_path / "chapter.ipynb")
    with pytest.raises(ValueError, match=rf"cells \[{indices[0]}\] are not code cells"):
        execute_cells(path, indices)


def test_ranges_are_read_and_a_malformed_one_is_named():
    assert parse_indices(["1-3", "7"]) == [1, 2, 3, 7]
    with pytest.raises(ValueError, match="'3-x' is not N or N-M"):
        parse_indices(["3-x"])


def test_widget_models_of_the_run_are_kept_and_a_widget_nothing_can_draw_is_removed():
    view = "application/vnd.jupyter.widget-view+json"
    state = "application/vnd.jupyter.widget-state+json"

    def widget(model_id: str) -> nbformat.NotebookNode:
        return nbformat.v4.new_output("display_data", data={view: {"model_id": model_id}, "text/plain": "bar"})

    printed = nbformat.v4.new_output("stream", name="stdout", text="table\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("run()", outputs=[widget("old"), printed]),
                                         nbformat.v4.new_code_cell("run()", outputs=[widget("new"), widget("lost")])])
    nb.metadata["widgets"] = {state: {"state": {"old": {}}, "version_major": 2}}
    executed = nbformat.v4.new_notebook()
    executed.metadata["widgets"] = {state: {"state": {"new": {}}, "version_major": 2, "version_minor": 0}}
    merge_widget_state(nb, executed)
    assert set(nb.metadata["widgets"][state]["state"]) == {"old", "new"}
    assert drop_undrawable_widgets(nb) == 1
    assert [o.get("data", {}).get(view, {}).get("model_id") for o in nb.cells[1].outputs] == ["new"]
    assert nb.cells[0].outputs[1].text == "table\n" and len(nb.cells[0].outputs) == 2


def test_widget_models_no_output_shows_are_removed_and_those_a_shown_one_refers_to_are_kept():
    view = "application/vnd.jupyter.widget-view+json"
    state = "application/vnd.jupyter.widget-state+json"
    bar = nbformat.v4.new_output("display_data", data={view: {"model_id": "a1"}, "text/plain": "bar"})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("run()", outputs=[bar])])
    nb.metadata["widgets"] = {state: {"state": {
        "a1": {"state": {"children": ["IPY_MODEL_b2", "IPY_MODEL_c3"]}},  # the box shown, and its parts
        "b2": {"state": {"layout": "IPY_MODEL_d4"}}, "c3": {"state": {}}, "d4": {"state": {}},
        "e5": {"state": {"children": ["IPY_MODEL_f6"]}}, "f6": {"state": {}},  # a replaced run's bar
    }}}
    assert drop_unshown_widget_state(nb) == 2
    assert set(nb.metadata["widgets"][state]["state"]) == {"a1", "b2", "c3", "d4"}
