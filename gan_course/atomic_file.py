"""Writing a file whole or not at all: through a temporary file of its own beside the target, renamed over it.

A write cut short (a crash, Ctrl-C, a full disk) leaves the previous file, or none, never half a file under the real
name; and processes writing the same file at once (two test workers, two ``torchrun`` ranks extracting a data file)
never read one another's half-written copy, since each writes its own temporary file and the rename is atomic.
Checkpoints (:meth:`gan_course.training.GANTrainer.save_checkpoint`) and extracted data files
(:mod:`gan_course.data.mnist`, :mod:`gan_course.data.fashion_mnist`) are written this way.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator


@contextmanager
def atomic_file(target: str | Path) -> Iterator[BinaryIO]:
    """A binary file to write ``target`` through: ``<target>.<random>.tmp`` beside it, renamed over ``target`` when the
    block ends, removed if it raises. The folder is created if needed; errors creating or writing it propagate."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            yield file
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
