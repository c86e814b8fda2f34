"""Wrap the long lines of code cells and printed outputs instead of clipping them behind a horizontal scroll bar.

The chapters' code runs to 120 characters a line and some printed tables further; the book's text column holds about
77 at 1280 px, so the theme clipped them (a table's last columns, a figure's caption arguments) and a reader had to
scroll each one sideways. ``static/wrapped_cells.css`` wraps them; tests/test_browser.py checks that no cell of any
page is wider than its box."""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx

HERE = Path(__file__).parent


def serve_the_stylesheet(app: Sphinx) -> None:
    if str(HERE / "static") not in app.config.html_static_path:
        app.config.html_static_path.append(str(HERE / "static"))


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", serve_the_stylesheet)
    app.add_css_file("wrapped_cells.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
