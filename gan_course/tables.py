"""Result tables that render as HTML tables in a notebook and in the book, where a printed table wider than the text
column (about 77 characters at 1280 px) would wrap; the same rows print as aligned text in a terminal."""

from __future__ import annotations

import html
from typing import Any, Sequence


def html_table(header: Sequence[str], rows: Sequence[Sequence[str]], caption: str = "") -> str:
    """An HTML ``<table>`` of text cells (escaped), with an optional caption; a blank header cell stays blank."""
    widths = {len(row) for row in rows} | {len(header)}
    if len(widths) != 1:
        raise ValueError(f"every row needs as many cells as the header ({len(header)}), got rows of {sorted(widths)}")
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{title}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], caption: str = "") -> str:
    """The same cells as aligned text: the caption, the header, a rule of dashes, then the rows; the first column
    left-aligned (names), the others right-aligned (numbers)."""
    table = [list(header), *map(list, rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = [caption] if caption else []
    for i, row in enumerate(table):
        lines.append("  ".join(cell.ljust(width) if j == 0 else cell.rjust(width)
                               for j, (cell, width) in enumerate(zip(row, widths))))
        if i == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


class ResultTable:
    """What a result table shows: a subclass gives ``rows()`` (the cells as text, header first) and ``caption()``;
    the table prints as aligned text (:func:`text_table`), renders as HTML in a notebook and the book
    (:func:`html_table`), and IPython's plain-text form is the aligned text rather than a dataclass's field-by-field
    ``repr``."""

    def rows(self) -> list[list[str]]:
        raise NotImplementedError

    def caption(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        header, *body = self.rows()
        return text_table(header, body, self.caption())

    def _repr_html_(self) -> str:
        header, *body = self.rows()
        return html_table(header, body, self.caption())

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # IPython takes the first class in the MRO that defines _repr_pretty_ or __repr__: a dataclass subclass
        # defines __repr__, so each subclass gets the text form in its own namespace
        cls._repr_pretty_ = _pretty_as_text


def _pretty_as_text(table: ResultTable, printer: Any, cycle: bool) -> None:
    """IPython's plain-text form of a result table: its aligned text, ``str(table)``."""
    printer.text(str(table))
