"""Execute chosen code cells of a chapter, in order in one fresh kernel with the ``cpu`` profile, and store their outputs.

A chapter's experiments each start with ``seed_everything``, so re-running the cells a change touches, together with
the set-up cells they read (imports, ``run_sizes``, data), gives the outputs a run from the top would give for them,
in the time those cells take instead of the chapter's. The other cells keep their outputs, and edits made to them
while the chosen cells ran are kept (the file is read again before it is written). Cells are numbered as a
top-to-bottom run numbers them (the n-th non-empty code cell gets execution count n).

    python -m tools.execute_cells book/07_progan.ipynb 1-14 41 42      # notebook cell indices, ranges inclusive
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute_cells(path: Path, indices: list[int], timeout: int = 7200) -> int:
    """Run the code cells of ``path`` at ``indices`` (notebook cell indices) in order; write their outputs back.

    Returns the number of cells executed. An index that is not a code cell, or out of range, is an error."""
    nb = nbformat.read(path, as_version=4)
    wrong = [i for i in indices if not 0 <= i < len(nb.cells) or nb.cells[i].cell_type != "code"]
    if wrong:
        raise ValueError(f"{path}: cells {wrong} are not code cells of the notebook (it has {len(nb.cells)} cells); "
                         "give the indices of code cells, counted from 0")
    indices = sorted(set(indices))
    numbers, count = {}, 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.source.strip():
            count += 1
            numbers[i] = count
    chosen = nbformat.v4.new_notebook(cells=[nb.cells[i] for i in indices], metadata=nb.metadata)
    profile = os.environ.get("GAN_COURSE_PROFILE")
    os.environ["GAN_COURSE_PROFILE"] = "cpu"  # the kernel inherits the environment
    try:
        NotebookClient(chosen, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        if profile is None:
            del os.environ["GAN_COURSE_PROFILE"]
        else:
            os.environ["GAN_COURSE_PROFILE"] = profile
    # Read the file again: cells edited while these ran keep their edits; an executed cell edited meanwhile is an error.
    now = nbformat.read(path, as_version=4)
    if len(now.cells) != len(nb.cells):
        raise RuntimeError(f"{path}: cells were added or removed while the chosen cells ran; nothing was written")
    changed = [i for i, cell in zip(indices, chosen.cells) if now.cells[i].source != cell.source]
    if changed:
        raise RuntimeError(f"{path}: cells {changed} were edited while they ran; nothing was written, run them again")
    for index, cell in zip(indices, chosen.cells):
        now.cells[index].outputs = cell.outputs
        if "execution" in cell.metadata:  # nbclient's timestamps, as a run from the top records them
            now.cells[index].metadata["execution"] = cell.metadata["execution"]
    for index, cell in enumerate(now.cells):  # every count as a run from the top gives it (new cells shift later ones)
        if index in numbers and (index in indices or cell.execution_count is not None):
            cell.execution_count = numbers[index]
            for output in cell.outputs:
                if "execution_count" in output:
                    output.execution_count = numbers[index]
    merge_widget_state(now, chosen)
    drop_undrawable_widgets(now)
    drop_unshown_widget_state(now)
    nbformat.write(now, path)
    return len(indices)


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def merge_widget_state(nb: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> None:
    """Add the widget models that the executed cells' outputs show (nbclient stores them in the metadata of the
    notebook it ran) to ``nb``'s metadata, where the book's widget embedding looks them up."""
    new = executed.metadata.get("widgets", {}).get(WIDGET_STATE)
    if not new:
        return
    widgets = nb.metadata.setdefault("widgets", {}).setdefault(WIDGET_STATE, {"state": {}})
    for key, value in new.items():
        if key != "state":
            widgets[key] = value
    widgets.setdefault("state", {}).update(new.get("state", {}))


def drop_undrawable_widgets(nb: nbformat.NotebookNode) -> int:
    """Remove widget outputs whose model is not in the notebook's widget state (nothing can draw them: a progress bar
    of a run whose state was not stored); returns how many were removed."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    removed = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = [output for output in cell.outputs
                if output.get("data", {}).get(WIDGET_VIEW, {}).get("model_id", None) in (None, *state)]
        removed += len(cell.outputs) - len(kept)
        cell.outputs = kept
    return removed


def drop_unshown_widget_state(nb: nbformat.NotebookNode) -> int:
    """Remove the widget models that no output shows, directly or through another model (``"IPY_MODEL_<id>"``
    references: a progress bar's label, bar and layouts): those of outputs a re-run replaced. Returns how many."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    wanted = [output["data"][WIDGET_VIEW]["model_id"] for cell in nb.cells if cell.cell_type == "code"
              for output in cell.outputs if WIDGET_VIEW in output.get("data", {})]
    shown: set[str] = set()
    while wanted:
        model = wanted.pop()
        if model in shown or model not in state:
            continue
        shown.add(model)
        wanted.extend(re.findall(r"IPY_MODEL_([0-9a-f]+)", json.dumps(state[model])))
    unshown = [model for model in state if model not in shown]
    for model in unshown:
        del state[model]
    return len(unshown)


def parse_indices(words: list[str]) -> list[int]:
    """``["1-3", "7"]`` → ``[1, 2, 3, 7]``; a malformed word is an error naming it."""
    indices = []
    for word in words:
        first, _, last = word.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise ValueError(f"cell range {word!r} is not N or N-M (notebook cell indices, counted from 0)")
        indices.extend(range(int(first), int(last or first) + 1))
    return indices


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", type=Path, help="chapter notebook")
    parser.add_argument("cells", nargs="+", help="notebook cell indices or ranges N-M (code cells only)")
    args = parser.parse_args(argv)
    try:
        indices = parse_indices(args.cells)
        print(f"{args.chapter}: {execute_cells(args.chapter, indices)} cells executed", file=sys.stderr)
    except ValueError as error:
        parser.error(str(error))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
