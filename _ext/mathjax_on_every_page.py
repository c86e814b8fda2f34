"""Load MathJax on every page of the book, not only on pages with formulas of their own.

The navigation lists every chapter by its title, and some titles hold TeX (chapter 3's "$\\chi^2$"): on a page
without a formula Sphinx leaves MathJax out, and the sidebar would show the raw TeX. The "always" assets policy
(Sphinx >= 4.1) makes sphinx.ext.mathjax add its script to every page."""

from __future__ import annotations

from sphinx.application import Sphinx


def setup(app: Sphinx) -> dict:
    app.set_html_assets_policy("always")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
