"""A figure's interactive view in `make lab`'s JupyterLab.

A figure's output (``charts.Figure._repr_mimebundle_``) is one mimebundle: the
static SVG, the HTML block and the build's payload. The book, nbval and every
notebook front end read it, and it is what the notebooks store. Only in a
kernel that `make lab`'s server started for a notebook (the server sets
``LIVE_ENV`` in that kernel's environment: ``booktools.lab``) does the bundle
gain one more entry, a widget view: Altair's ``JupyterChart`` (anywidget)
drawing the figure's own Vega-Lite spec with vega-embed and the book's options
(SVG renderer, tooltips, no action menu), as the book's pages draw it.
JupyterLab shows the widget; the SVG stays in the same output, and the server
drops the widget view from any notebook it saves, so that a saved copy opens
with its SVG in any front end, with or without a kernel.

Nothing is fetched from another host: JupyterChart's script is bundled with
Vega by vl-convert (as ``JupyterChart.enable_offline`` does), and the chart
font travels with the widget as a data: URL.

anywidget is imported only when a live view is made, never by ``import helpers``
or ``from helpers import charts``.
"""
from __future__ import annotations

import base64
import os
import re
import sys
from functools import cache

LIVE_ENV = "XEV_LIVE_CHARTS"   # "1" in the kernels of `make lab` (booktools.lab.session_manager_class)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# vega-embed's options in the book's pages (book/_static/xev.js): tooltips are vega-embed's default
EMBED_OPTIONS = {"mode": "vega-lite", "renderer": "svg", "actions": False}

# Altair's widget script ends by exporting its render(); ours loads the chart font first
# (Vega measures each label as it draws, as the book's xev.js waits for the font too).
_EXPORT = re.compile(r"^export default \{ ?render ?\};?\s*$", re.M)
_FONT_FIRST = """
async function renderWithFont({ model, el }) {
    const url = model.get("font_url");
    try {
        if (url && ![...document.fonts].some(f => f.family.replace(/"/g, "") === "Xev Sans")) {
            document.fonts.add(new FontFace("Xev Sans", `url(${url})`));
        }
        await document.fonts.load('12px "Xev Sans"');   // also waits while another chart loads it
    } catch (error) {
        console.warn("the chart font did not load: " + error);
    }
    return render({ model, el });
}

export default { render: renderWithFont }
"""


def wanted() -> bool:
    """True in a kernel of `make lab` (LIVE_ENV set by its server), never under nbclient or nbval."""
    if os.environ.get(LIVE_ENV) != "1":
        return False
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return getattr(shell, "kernel", None) is not None


_shown: dict[str, object] = {}   # figure name -> its live chart, closed when the figure is made again


def widget_view(spec: dict, name: str) -> dict:
    """``{WIDGET_VIEW: ...}`` showing figure ``name``'s ``spec`` live where ``wanted()``, else ``{}``.
    Where anywidget is missing (an environment not installed from the lock) the figure stays
    static and says so."""
    if not wanted():
        return {}
    try:
        chart_class = _chart_class()
    except ImportError as e:
        print(f"figures stay static: {e} (install requirements.lock: `make lab`)", file=sys.stderr)
        return {}
    if name in _shown:   # a cell run again: its old output is gone, and so goes its chart's model
        _shown.pop(name).close()
    widget = _shown[name] = chart_class(None, embed_options=EMBED_OPTIONS)
    widget.spec = spec   # the book's spec as it is (no $schema, fitted width), not re-made from a chart
    bundle = widget._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    return {WIDGET_VIEW: bundle[WIDGET_VIEW]}


def widget_source() -> str:
    """Altair's JupyterChart script without its CDN imports (vl-convert's bundle provides
    vega-embed and lodash.debounce under the same names) and with its render() loading the
    chart font first. Raises ImportError where Altair's script is not the one adapted here."""
    from altair.jupyter.jupyter_chart import load_js_src

    lines = load_js_src().split("\n")
    while lines and (not lines[0].strip() or lines[0].startswith(("import", "//"))):
        lines.pop(0)
    src, n = _EXPORT.subn(_FONT_FIRST, "\n".join(lines))
    if n != 1 or re.search(r"^\s*import\b", src, re.M):
        raise ImportError("this Altair's JupyterChart script is not the one helpers.pages.interactive adapts")
    return src


@cache
def _offline_script() -> str:
    """``widget_source()`` bundled with Vega, Vega-Lite, vega-embed and lodash.debounce
    (vl-convert, as ``JupyterChart.enable_offline`` does): one module, no import."""
    from altair.utils._importers import vl_version_for_vl_convert

    from .charts import _converter

    return _converter().javascript_bundle(widget_source(), vl_version=vl_version_for_vl_convert())


@cache
def _chart_class():
    """JupyterChart with the offline script and the chart font (made once per kernel)."""
    import traitlets
    from altair.jupyter.jupyter_chart import JupyterChart

    from .charts import FONTS

    font = base64.b64encode((FONTS / "XevSans.ttf").read_bytes()).decode("ascii")

    class BookChart(JupyterChart):
        _esm = _offline_script()
        font_url = traitlets.Unicode(f"data:font/ttf;base64,{font}").tag(sync=True)

    return BookChart
