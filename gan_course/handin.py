"""Handing in an exercise notebook: the notebook the student worked on, as one ``.ipynb`` file to grade.

otter-grader's own hand-in, ``Notebook.export``, does not run on Google Colab (otter 7 marks it incompatible there)
and zips the notebook by the name given to ``otter.Notebook``, read from disk: a renamed copy would hand in the
untouched original. ``otter run`` and ``otter grade`` take a notebook as readily as a zip, so the hand-in is the
notebook itself, written to ``<chapter>-submission.ipynb``:

- on Colab, the open notebook as the browser holds it (Colab's ``get_ipynb`` request), then downloaded;
- in Jupyter (and VS Code), the notebook file this kernel was started for, as last saved, copied beside it.

The file names its chapter in ``metadata.otter.assignment_name`` (added where a front end dropped it), which the
autograder checks: a notebook of another chapter's exercises is refused here, before it is handed in.

``hand_in("06_dcgan")`` is the last cell of every student notebook of ``make release``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

COLAB_TIMEOUT_S = 60


class HandInError(RuntimeError):
    """The notebook to hand in could not be found or read; the message says what to do instead."""


def on_colab() -> bool:
    """Whether this kernel runs on Google Colab."""
    return "google.colab" in sys.modules


def colab_notebook(timeout: float = COLAB_TIMEOUT_S) -> dict[str, Any]:
    """The notebook open in Colab, as the browser holds it (unsaved edits included), as nbformat JSON."""
    from google.colab import _message

    try:
        response = _message.blocking_request("get_ipynb", request="", timeout_sec=timeout)
    except Exception as error:  # Colab's frontend did not answer: a timeout, or a changed API
        raise HandInError(f"Colab did not send the open notebook ({error}); download it with File > Download > "
                          "Download .ipynb and hand in that file") from error
    notebook = (response or {}).get("ipynb")
    if isinstance(notebook, str):
        notebook = json.loads(notebook)
    _check_notebook(notebook, "the notebook Colab sent")
    return notebook


def running_notebook() -> Path | None:
    """The notebook file this kernel runs, when the front end says so: Jupyter server (2.0 and later) names it in
    ``JPY_SESSION_NAME`` when it starts the kernel, VS Code in ``__vsc_ipynb_file__``; ``None`` elsewhere."""
    candidates = [os.environ.get("JPY_SESSION_NAME")]
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            candidates.append(shell.user_ns.get("__vsc_ipynb_file__"))
    except ImportError:
        pass
    for candidate in candidates:
        if candidate and candidate.endswith(".ipynb"):
            return Path(candidate).expanduser().resolve()
    return None


def _check_notebook(notebook: Any, what: str) -> None:
    if not (isinstance(notebook, dict) and notebook.get("nbformat") == 4 and isinstance(notebook.get("cells"), list)):
        raise HandInError(f"{what} is not a Jupyter notebook (nbformat 4 with cells); download it with File > "
                          "Download .ipynb and hand in that file")


def _named(notebook: dict[str, Any], chapter: str, what: str) -> bool:
    """Make sure ``notebook`` says which exercises it answers, as otter's autograder checks (``metadata.otter.
    assignment_name``, which a front end may drop); returns whether it had to be added."""
    otter = notebook.setdefault("metadata", {}).setdefault("otter", {})
    named = otter.get("assignment_name")
    if named is not None and named != chapter:
        raise HandInError(f"{what} holds the exercises of {named}, not of {chapter}: run the hand-in cell of the "
                          "notebook you worked on, or name the right chapter")
    otter["assignment_name"] = chapter
    return named is None


def hand_in(chapter: str, notebook: str | Path | None = None, folder: str | Path | None = None) -> Path:
    """Write the notebook worked on to ``<chapter>-submission.ipynb`` and say what to hand in; return its path.

    ``notebook`` names the notebook file to hand in, where this kernel cannot tell (a notebook renamed while its
    kernel ran, a front end other than Jupyter, Colab or VS Code). The file goes into ``folder`` (default: beside the
    notebook; on Colab, the working folder, from which it is downloaded)."""
    if not chapter or any(sep in chapter for sep in "/\\"):
        raise ValueError(f"chapter must be the chapter's file stem, such as '06_dcgan'; got {chapter!r}")
    name = f"{chapter}-submission.ipynb"
    if notebook is None and on_colab():
        target = Path(folder or ".") / name
        notebook = colab_notebook()
        _named(notebook, chapter, "the notebook open in Colab")
        target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        from google.colab import files

        files.download(str(target))
        print(f"Your notebook as it is open now was saved as {target.name} and downloaded: hand in that file.")
        return target
    source = Path(notebook).expanduser().resolve() if notebook is not None else running_notebook()
    if source is None:
        raise HandInError(f"cannot tell which notebook this kernel runs; name it: hand_in({chapter!r}, "
                          "notebook='<your notebook>.ipynb')")
    if not source.is_file():
        raise HandInError(f"the notebook {source} is not there (renamed or moved while its kernel ran?); name it: "
                          f"hand_in({chapter!r}, notebook='<your notebook>.ipynb')")
    try:
        notebook = json.loads(source.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise HandInError(f"{source} is not a readable notebook ({error})") from error
    _check_notebook(notebook, str(source))
    target = Path(folder).resolve() / name if folder is not None else source.with_name(name)
    if _named(notebook, chapter, str(source)):
        target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    elif target != source:
        shutil.copyfile(source, target)
    saved = datetime.fromtimestamp(source.stat().st_mtime)
    print(f"{source.name}, as last saved ({saved:%Y-%m-%d %H:%M:%S}), is now {target}: hand in that file. If you "
          "changed the notebook since, save it (Ctrl-S) and run this cell again.")
    return target
