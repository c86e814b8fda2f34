"""A file written whole or not at all (gan_course.atomic_file): checkpoints and extracted data files."""

from __future__ import annotations

import pytest

from gan_course.atomic_file import atomic_file


def test_a_file_is_written_whole_or_not_at_all(tmp_path):
    target = tmp_path / "raw" / "t10k-labels-idx1-ubyte"
    for content in (b"first", b"second"):
        with atomic_file(target) as file:
            file.write(content)
    assert target.read_bytes() == b"second"
    with pytest.raises(TypeError), atomic_file(target) as file:
        file.write("not bytes")  # fails while writing the temporary file
    assert target.read_bytes() == b"second" and [path.name for path in target.parent.iterdir()] == [target.name]


def test_an_interrupted_write_leaves_no_file_under_the_name(tmp_path):
    target = tmp_path / "checkpoint.pt"
    with pytest.raises(KeyboardInterrupt), atomic_file(target) as file:
        file.write(b"half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
