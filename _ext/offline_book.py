"""A book that reads offline, with nothing in the browser's console, and that serves only what its pages load.

- **One copy of each inline script.** Jupyter Book's launch buttons and sphinx-thebe each add thebe's configuration
  script (``const THEBE_JS_URL = ...``) to every page, once as a file named None and once named "", so Sphinx keeps
  both; the second copy is a SyntaxError ("already declared").
- **No stylesheet from a CDN.** matplotlib's animations (``to_jshtml``) link Font Awesome 4 from
  maxcdn.bootstrapcdn.com for their buttons; the theme serves its own Font Awesome, which draws those icons.
- **Widgets typeset with MathJax 3.** ipywidgets' embed bundle typesets a widget's label with MathJax 2's
  ``MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])``; the book loads MathJax 3, which has no ``Hub``, so every
  label raised "Cannot read properties of undefined (reading 'Queue')". ``widgets_mathjax3.js`` gives the bundle that
  one call, typeset by MathJax 3.
- **A colour mode on a first visit.** pydata-sphinx-theme reads the mode from the reader's browser, else from
  ``html_context["default_mode"]``, empty unless set: a first visit logged "Got invalid theme mode". It is "auto".
- **No copies of the notebooks** (``html_copy_source: false`` in ``_config.yml``, 17 MB): readers open a chapter on
  Colab or in the repository, and the theme's download menu, which would link to the copies, is off.
- **MathJax's unused bundles left out.** sphinx-mathjax-offline copies MathJax's whole distribution (24 MB); the pages
  load ``tex-chtml.js``, which loads its extensions, fonts and accessibility parts from the folders beside it. The
  other combined bundles (SVG and MathML output, "full" builds, the Node entry point) are removed from the build.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx

HERE = Path(__file__).parent
CDN_FONT_AWESOME = re.compile(r'<link[^>]*href="https://maxcdn\.bootstrapcdn\.com/font-awesome/[^"]*"[^>]*>\s*')
MATHJAX_LOADED = "tex-chtml.js"


def one_copy_of_each_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: object) -> None:
    """Keep the first of scripts that differ only in being named ``None`` or ``""``."""
    seen, kept = set(), []
    for script in context.get("script_files", []):
        attributes = getattr(script, "attributes", {})
        key = (getattr(script, "filename", None) or "", tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    if "script_files" in context:
        context["script_files"][:] = kept


def no_cdn_stylesheet(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: object) -> None:
    """Remove the Font Awesome link of matplotlib's animations from the page's body."""
    if "body" in context:
        context["body"] = CDN_FONT_AWESOME.sub("", context["body"])


def drop_unused_mathjax(app: Sphinx, exception: Exception | None) -> None:
    """Remove MathJax's top-level combined bundles that no page loads (``tex-chtml.js`` stays)."""
    if exception is not None or app.builder.format != "html":
        return
    mathjax = Path(app.outdir) / "_static" / "mathjax"
    for path in mathjax.glob("*.js"):
        if path.name not in (MATHJAX_LOADED, "startup.js", "core.js", "loader.js"):
            path.unlink()


def configure(app: Sphinx) -> None:
    """Serve ``static/widgets_mathjax3.js``; give the theme its colour mode for a reader's first visit; and, with no
    copies of the sources in the site (``html_copy_source: false``), no download menu linking to them."""
    if str(HERE / "static") not in app.config.html_static_path:
        app.config.html_static_path.append(str(HERE / "static"))
    app.config.html_context.setdefault("default_mode", "auto")
    if not app.config.html_copy_source:
        app.config.html_theme_options["use_download_button"] = False


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", configure)
    app.connect("html-page-context", one_copy_of_each_script)
    app.connect("html-page-context", no_cdn_stylesheet)
    app.connect("build-finished", drop_unused_mathjax)
    app.add_js_file("widgets_mathjax3.js", priority=200)  # before MathJax and the widgets' embed bundle
    return {"parallel_read_safe": True, "parallel_write_safe": True}
