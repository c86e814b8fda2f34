"""``make release``: student notebooks, otter-grader autograders and instructor notebooks, from the chapters.

Each chapter is turned into an otter-grader *master notebook* (Pyles et al., otter-grader's "Otter Assign" format:
raw ``# BEGIN QUESTION`` / ``# BEGIN SOLUTION`` / ``# BEGIN TESTS`` cells around each exercise), and ``otter assign``
makes from it, for that chapter,

- ``student/<chapter>/<chapter>.ipynb`` with ``tests/``: the chapter without solutions, with ``...`` stubs where the
  student writes code, a ``grader.check(...)`` cell after each autograded exercise (its public checks), and an install
  cell that on Colab installs the course's release with otter-grader and downloads the public checks;
- ``autograder/<chapter>-autograder.zip``: every check, public and hidden, for ``otter grade`` / ``otter run`` /
  Gradescope;
- ``instructor/<chapter>.ipynb``: the chapter with the answers, the written solutions and their rubrics.

The student notebooks are meant to be published at the root of a branch (``--student-branch``) of the course's
repository (``_config.yml``); their Colab badges and the checks they download point there.

    python -m tools.release --out release [--student-branch student] [--no-run-tests] [--draft] [chapter ...]
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Callable

import nbformat
import yaml

from tools.colab import ROOT, Release, first_code_cell, read_release
from tools.exercises import (
    EXERCISE_TAGS,
    Exercise,
    chapters,
    exercise_section,
    parse_exercises,
    plain_exercise,
    plain_solution,
)

DEFAULT_STUDENT_BRANCH = "student"
REMOVED_TAGS = {*EXERCISE_TAGS, "remove-cell", "hide-input"}
BADGE = "https://colab.research.google.com/assets/colab-badge.svg"


def raw(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_raw_cell(text)


def markdown(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def cleaned(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of a chapter cell without the book's and the exercise format's tags."""
    cell = copy.deepcopy(cell)
    tags = [tag for tag in cell.metadata.get("tags", []) if tag not in REMOVED_TAGS]
    if tags:
        cell.metadata["tags"] = tags
    else:
        cell.metadata.pop("tags", None)
    return cell


def _printed_expressions(node: ast.AST) -> list[ast.Expr]:
    """The expression statements that an interactive interpreter prints: those outside function and class bodies."""
    found = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(child, ast.Expr) and not isinstance(child.value, ast.Constant):
            found.append(child)
        else:
            found += _printed_expressions(child)
    return found


def otter_case(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A check cell as an otter test case. Otter runs a case as a doctest, in the interpreter's interactive mode,
    where an expression statement with a value (``torch.manual_seed(0)``, also inside a loop) would print it and fail
    the case: such statements are assigned to ``_`` instead."""
    cell = cleaned(cell)
    lines = cell.source.split("\n")
    for node in _printed_expressions(ast.parse(cell.source)):
        line = lines[node.lineno - 1]
        lines[node.lineno - 1] = line[: node.col_offset] + "_ = " + line[node.col_offset :]
    cell.source = "\n".join(lines)
    return cell


def hidden_test(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    cell = otter_case(cell)
    cell.source = f'""" # BEGIN TEST CONFIG\nhidden: true\n""" # END TEST CONFIG\n{cell.source}'
    return cell


def student_install_cell(release: Release, branch: str, chapter: str, public_tests: list[str]) -> str:
    """On Colab: the release's package with otter-grader and this chapter's public checks; then the grader."""
    tests_url = release.raw_url(branch, f"{chapter}/tests")
    return (
        "import sys\n"
        'if "google.colab" in sys.modules:  # on Colab: the course\'s package and the grader, and this chapter\'s checks\n'
        f'    %pip install --quiet "{release.requirement("grading")}"\n'
        "    import pathlib, urllib.request\n"
        '    pathlib.Path("tests").mkdir(exist_ok=True)\n'
        f"    for name in {public_tests!r}:\n"
        f'        urllib.request.urlretrieve(f"{tests_url}/{{name}}.py", f"tests/{{name}}.py")\n'
        "import otter\n"
        'grader = otter.Notebook(tests_dir="tests")  # no file name: a renamed copy works as well'
    )


def written_question(name: str, points: int, prompt: nbformat.NotebookNode,
                     solution: list[nbformat.NotebookNode]) -> list[nbformat.NotebookNode]:
    """A question graded by hand: its prompt, and the written solution with its rubric for the instructor."""
    return [
        raw(f"# BEGIN QUESTION\nname: {name}\nmanual: true\npoints: {points}"),
        prompt,
        raw("# BEGIN SOLUTION"),
        *solution,
        raw("# END SOLUTION"),
        raw("# END QUESTION"),
    ]


def question_cells(nb: nbformat.NotebookNode, exercise: Exercise, number: str) -> list[nbformat.NotebookNode]:
    """One exercise in otter's format: an autograded question, and a written one for its solution's rubric."""
    prompt = markdown(plain_exercise(nb.cells[exercise.prompt].source, number))
    solution = [markdown(plain_solution(nb.cells[exercise.solution].source))] if exercise.solution is not None else []
    if not exercise.autograded:
        return written_question(exercise.question, exercise.points, prompt, solution)
    written = exercise.rubric_points is not None
    cells = [
        raw(f"# BEGIN QUESTION\nname: {exercise.question}\npoints: {exercise.points}"),
        prompt,
        raw("# BEGIN SOLUTION"),
        *[cleaned(nb.cells[i]) for i in exercise.answers],
        *([] if written else solution),
        raw("# END SOLUTION"),
        raw("# BEGIN TESTS"),
        *[otter_case(nb.cells[i]) for i in exercise.checks],
        *[hidden_test(nb.cells[i]) for i in exercise.hidden_checks],
        raw("# END TESTS"),
        raw("# END QUESTION"),
    ]
    if written:
        parts = markdown(f"**Exercise {number}, written parts:** answer the parts that are not checked by code here.")
        cells += written_question(f"{exercise.question}_written", exercise.rubric_points, parts, solution)
    return cells


def master_notebook(path: Path, nb: nbformat.NotebookNode, exercises: list[Exercise], release: Release,
                    branch: str) -> nbformat.NotebookNode:
    """The otter-grader master notebook of the chapter ``nb`` (read from ``path``) with its ``exercises``."""
    number = int(path.stem.split("_", 1)[0])
    public = [e.question for e in exercises if e.autograded]
    config = {
        "name": path.stem,
        "init_cell": False,
        "check_all_cell": bool(public),
        "export_cell": False,  # otter's export cannot run on Colab: the hand-in cell (add_hand_in) replaces it
        "tests": {"files": True},
        "run_tests": False,  # answers_pass checks the answers, without running the whole chapter
        "solutions_pdf": False,
        "requirements": [release.requirement()],
    }
    starts = {e.prompt: (k, e) for k, e in enumerate(exercises, 1)}
    owned = {i for e in exercises for i in e.cells}
    install = first_code_cell(nb)
    cells = [raw("# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False))]
    for index, cell in enumerate(nb.cells):
        if cell is install:
            cells.append(nbformat.v4.new_code_cell(student_install_cell(release, branch, path.stem, public)))
        elif index in starts:
            k, exercise = starts[index]
            cells += question_cells(nb, exercise, f"{number}.{k}")
        elif index not in owned:
            cells.append(cleaned(cell))
    return nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(nb.metadata))


def add_badge(path: Path, url: str) -> None:
    """Put an 'Open in Colab' badge for the student notebook at its top."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, markdown(f"[![Open In Colab]({BADGE})]({url})"))
    nbformat.write(nb, path)


HAND_IN = """## Hand in

Save the notebook first (Ctrl-S, or File > Save), then run the cell below.

- **On Colab** it saves the notebook as it is open now as `{chapter}-submission.ipynb` and downloads it.
- **In Jupyter** (or VS Code) it copies the notebook you are working in, as last saved, to
  `{chapter}-submission.ipynb` beside it — whatever you have named your copy.

Hand in that file, as your instructor asks. If the cell cannot tell which notebook you are working in, it says so:
then name it, `hand_in("{chapter}", notebook="<your notebook>.ipynb")`, or download the notebook (File > Download)
and hand that in."""


def add_hand_in(path: Path, chapter: str) -> None:
    """End the student notebook with the hand-in (:func:`gan_course.handin.hand_in`): the notebook the student worked
    on, from Colab's browser or Jupyter's file. The cell is tagged ``otter_ignore``: grading does not run it."""
    nb = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_code_cell(f'from gan_course.handin import hand_in\n\nhand_in("{chapter}")')
    cell.metadata["tags"] = ["otter_ignore"]
    nb.cells += [markdown(HAND_IN.format(chapter=chapter)), cell]
    nbformat.write(nb, path)


def release_chapter(path: Path, out: Path, release: Release, branch: str) -> dict:
    """Run otter assign on one chapter's master notebook and file its three outputs under ``out``."""
    from otter.assign import main as otter_assign

    nb = nbformat.read(path, as_version=4)
    exercises = parse_exercises(nb, path.stem)
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        master = work / "master" / path.name
        master.parent.mkdir()
        nbformat.write(master_notebook(path, nb, exercises, release, branch), master)
        dist = work / "dist"
        otter_assign(str(master), str(dist), no_run_tests=True)
        student = out / "student" / path.stem
        shutil.copytree(dist / "student", student)
        add_badge(student / path.name, release.colab_url(branch, f"{path.stem}/{path.name}"))
        add_hand_in(student / path.name, path.stem)
        (out / "instructor").mkdir(parents=True, exist_ok=True)
        shutil.copy(dist / "autograder" / path.name, out / "instructor" / path.name)
        (out / "autograder").mkdir(parents=True, exist_ok=True)
        (zip_file,) = (dist / "autograder").glob("*.zip")
        shutil.copy(zip_file, out / "autograder" / f"{path.stem}-autograder.zip")
    return {
        "chapter": path.stem,
        "exercises": len(exercises),
        "autograded": sum(e.autograded for e in exercises),
        "autograded_points": sum(e.points for e in exercises if e.autograded),
        "written_points": sum(e.rubric_points or 0 for e in exercises),
    }


def answers_pass(out: Path, chapter: str, threads: int | None = None) -> tuple[int, int, list[str]]:
    """Grade the instructor's answers with the chapter's autograder zip, as ``otter run`` grades a student (every
    check, public and hidden), on the instructor notebook's exercise section alone — exercise cells are
    self-contained (:mod:`tools.exercises`), so the rest of the chapter need not run. Returns (exercises with full
    marks, exercises graded, what fell short). ``threads`` caps torch's threads (gradings side by side share the
    cores)."""
    instructor = nbformat.read(out / "instructor" / f"{chapter}.ipynb", as_version=4)
    first, stop = exercise_section(instructor)
    install = first_code_cell(instructor)
    instructor.cells = [cell for index, cell in enumerate(instructor.cells)
                        if cell is install or first <= index < stop or cell.cell_type != "code"]
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        nbformat.write(instructor, work / f"{chapter}.ipynb")
        done = subprocess.run([str(Path(sys.executable).parent / "otter"), "run", "--no-logo", "-a",
                               str(out / "autograder" / f"{chapter}-autograder.zip"), "-o", str(work),
                               str(work / f"{chapter}.ipynb")], cwd=work, capture_output=True, text=True,
                              env={**os.environ, "GAN_COURSE_PROFILE": "fast",
                                   **({"OMP_NUM_THREADS": str(threads)} if threads else {})})
        if done.returncode != 0:
            raise RuntimeError(f"{chapter}: otter run failed on the instructor's answers:\n{done.stdout}{done.stderr}")
        results = json.loads((work / "results.json").read_text())
    scores = {t["name"]: (t["score"], t["max_score"]) for t in results["tests"] if "score" in t}
    short = [f"{name} {score:g}/{maximum:g}" for name, (score, maximum) in scores.items() if score != maximum]
    return len(scores) - len(short), len(scores), short


def timed(function: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """``function(*args)`` and the seconds it took."""
    clock = time.perf_counter()
    return function(*args), time.perf_counter() - clock


def git(*args: str, root: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)


def tag_problem(tag: str, root: Path = ROOT) -> str | None:
    """``None`` when ``tag`` exists and points at the commit checked out, with no uncommitted change to tracked files;
    otherwise one line saying what is wrong and what to run. The install cells, the student notebooks and the
    autograder install the package from that tag, so a release must be made from the commit it names."""
    head = git("rev-parse", "HEAD", root=root)
    if head.returncode != 0:
        return f"{root} is not a git checkout: make the release from a clone of the course's repository"
    head = head.stdout.strip()
    tagged = git("rev-parse", "-q", "--verify", f"refs/tags/{tag}^{{commit}}", root=root)
    if tagged.returncode != 0:
        return (f"the tag {tag} does not exist, and every install cell and the autograder install the package from "
                f"it: tag this commit (git tag -a {tag} -m 'Release {tag}' && git push origin {tag}), or make a "
                "draft (RELEASE_FLAGS=--draft)")
    tagged = tagged.stdout.strip()
    if tagged != head:
        return (f"the tag {tag} points at {tagged[:12]}, not at the commit checked out ({head[:12]}): release from "
                f"it (git checkout {tag}), or raise the version in pyproject.toml, run python -m tools.colab "
                "--write, commit and tag that commit")
    changed = git("status", "--porcelain", "--untracked-files=no", root=root).stdout.splitlines()
    if changed:
        return (f"{len(changed)} tracked files differ from the commit tagged {tag} ({changed[0].strip()}, ...): "
                "commit them and tag that commit, or make a draft (RELEASE_FLAGS=--draft)")
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", type=Path, help="chapter notebooks (default: every chapter)")
    parser.add_argument("--out", type=Path, default=ROOT / "release", help="the release folder (replaced)")
    parser.add_argument("--student-branch", default=DEFAULT_STUDENT_BRANCH,
                        help="the branch of the course's repository the student folder is published on")
    parser.add_argument("--no-run-tests", action="store_true",
                        help="skip grading the instructor's answers with each autograder")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="chapters graded at once (default: 2, or 1 on one core)")
    parser.add_argument("--draft", action="store_true",
                        help="release without checking that the version's tag names the commit checked out "
                             "(for tests and previews: the install cells name a tag that may not hold this code)")
    args = parser.parse_args(argv)
    release = read_release()
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    args.out = args.out.resolve()  # otter runs in a folder of its own
    problem = None if args.draft else tag_problem(release.tag)
    if problem:
        parser.error(problem)
    paths = args.chapters or chapters(ROOT / "book")
    if args.out.exists():
        if not (args.out / "release.json").is_file():
            parser.error(f"--out {args.out} exists and is not a release folder; name a new or a release folder")
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    summary, started = [], time.perf_counter()
    for number, path in enumerate(paths, 1):
        print(f"[{number}/{len(paths)}] {path.stem}: otter assign ...", end=" ", file=sys.stderr, flush=True)
        clock = time.perf_counter()
        summary.append(release_chapter(path, args.out, release, args.student_branch))
        print(f"done ({time.perf_counter() - clock:.0f} s)", file=sys.stderr, flush=True)
    graded = [] if args.no_run_tests else [s["chapter"] for s in summary if s["autograded"]]
    if graded:
        print(f"grading the instructor's answers with each autograder, {args.jobs} at a time ...", file=sys.stderr,
              flush=True)
    short = {}
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:  # each grading runs in its own otter process
        threads = max(1, (os.cpu_count() or 1) // args.jobs)
        futures = {pool.submit(timed, answers_pass, args.out, chapter, threads): chapter for chapter in graded}
        for number, future in enumerate(as_completed(futures), 1):
            (full, total, missed), seconds = future.result()
            print(f"[{number}/{len(graded)}] {futures[future]}: {full}/{total} exercises with full marks "
                  f"({seconds:.0f} s)", file=sys.stderr, flush=True)
            if missed:
                short[futures[future]] = missed
    if short:
        for chapter, missed in short.items():
            print(f"{chapter}: the instructor's answers fall short of their checks: {', '.join(missed)}",
                  file=sys.stderr)
        return 1
    record = {"release": release.tag, "draft": args.draft, "repository": release.url,
              "student_branch": args.student_branch, "chapters": summary}
    (args.out / "release.json").write_text(json.dumps(record, indent=1) + "\n")
    total = sum(s["exercises"] for s in summary)
    graded = sum(s["autograded"] for s in summary)
    print(f"{args.out}: {len(summary)} chapters, {graded} of {total} exercises autograded, in "
          f"{time.perf_counter() - started:.0f} s" + (" (a draft: not checked against the tag)" if args.draft else ""),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
