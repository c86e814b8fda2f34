"""How long each chapter's committed run took, from the times nbclient records in every executed cell.

Each code cell's metadata holds when the kernel started it (``iopub.execute_input``) and when it replied
(``shell.execute_reply``); their differences, summed over the chapter, are the run time of its committed outputs,
whether the chapter ran whole or some of its cells were re-run later (``tools.execute_cells``). The chapters' boxes
quote these numbers with the conditions under which they were taken (a test checks the box against them).

    python -m tools.run_times            # every chapter: minutes, the slowest cell, and when the cells ran
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

import nbformat

BOOK = Path(__file__).resolve().parent.parent / "book"


def cell_seconds(path: Path) -> dict[int, float]:
    """Seconds each executed code cell of ``path`` took, by notebook cell index; a cell without times is an error."""
    seconds = {}
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        times = cell.metadata.get("execution", {})
        if "iopub.execute_input" not in times or "shell.execute_reply" not in times:
            raise ValueError(f"{path.name}: code cell {index} has no execution times; execute it with "
                             "tools.execute_cells (or nbconvert), which records them")
        start, end = (datetime.fromisoformat(times[key].replace("Z", "+00:00"))
                      for key in ("iopub.execute_input", "shell.execute_reply"))
        seconds[index] = (end - start).total_seconds()
    return seconds


def run_minutes(path: Path) -> float:
    """The chapter's run time in minutes: the sum of its code cells' times."""
    return sum(cell_seconds(path).values()) / 60


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", type=Path, help="chapter notebooks (default: every chapter)")
    args = parser.parse_args(argv)
    for path in args.chapters or sorted(BOOK.glob("[0-9][0-9]_*.ipynb")):
        seconds = cell_seconds(path)
        slowest = max(seconds, key=seconds.get)
        print(f"{path.stem:28s} {sum(seconds.values()) / 60:6.1f} min   slowest: cell {slowest} "
              f"{seconds[slowest] / 60:5.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
