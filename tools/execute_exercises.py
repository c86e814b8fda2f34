"""Execute the code cells of a chapter's ``## Exercises`` section and store their outputs in the notebook.

Exercise cells are self-contained (each imports what it uses; checks use only their exercise's answer), so running
the section alone, in a fresh kernel with the ``cpu`` profile, gives the outputs that re-executing the whole chapter
would give — in seconds instead of the chapter's run time. The rest of the notebook is left as it is.

    python -m tools.execute_exercises book/02_optimal_discriminator.ipynb
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from tools.execute_cells import execute_cells
from tools.exercises import exercise_section


def execute_exercises(path: Path, timeout: int = 1800) -> int:
    """Run the exercise section's code cells of ``path`` in order; write their outputs back. Returns the cell count."""
    nb = nbformat.read(path, as_version=4)
    first, stop = exercise_section(nb)
    return execute_cells(path, [i for i in range(first, stop) if nb.cells[i].cell_type == "code"], timeout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="+", type=Path, help="chapter notebooks")
    args = parser.parse_args(argv)
    for path in args.chapters:
        print(f"{path}: {execute_exercises(path)} exercise cells executed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
