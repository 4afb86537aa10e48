"""Figures are live charts in `make lab` only (helpers.pages.interactive), static everywhere else.

The stored outputs, which the book, nbval, nbconvert, GitHub and VS Code read, hold
every figure's SVG and no widget view; a figure made outside a kernel of `make lab`
has no widget view; `make lab`'s server gives its notebook kernels the variable that
turns the live view on, and drops widget views from any notebook it saves. That the
live chart draws offline with its tooltip in JupyterLab is tests/test_lab.py's
(test_page_runs_in_jupyterlab).
"""
from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import json
import re

import pytest

from conftest import PAGES, ROOT
from helpers.pages import interactive

BOOK = ROOT / "book"
FIGURE_MIME = "application/vnd.xev.figure+json"
DIRECTIVE = re.compile(r"^(?:`{3,}|:{3,})\{glue:figure\}\s+(fig-[a-z0-9-]+)", re.M)


def _notebook(name: str) -> dict:
    return json.loads((BOOK / f"{name}.ipynb").read_text("utf-8"))


def _glued_figures(nb: dict) -> dict[str, list[dict]]:
    """fig-<name> -> the data of each stored output glued under that name."""
    found: dict[str, list[dict]] = {}
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name", "")
            if name.startswith("fig-"):
                found.setdefault(name, []).append(out.get("data", {}))
    return found


@pytest.mark.parametrize("name", PAGES)
def test_stored_figure_outputs_hold_their_svg_and_no_widget(name):
    """Every figure a page shows is stored once, as its SVG (image/svg+xml, and the same SVG
    in the HTML block): what every front end without widgets shows, and what the book reads."""
    nb = _notebook(name)
    shown = [m.group(1) for c in nb["cells"] if c["cell_type"] == "markdown"
             for m in DIRECTIVE.finditer("".join(c["source"]))]
    glued = _glued_figures(nb)
    assert sorted(shown) == sorted(glued), f"{name}: figures shown {shown}, stored {sorted(glued)}"
    for fig, outputs in glued.items():
        assert len(outputs) == 1, f"{name}: {fig} is stored {len(outputs)} times"
        data = outputs[0]
        svg = "".join(data.get("image/svg+xml", ""))
        assert svg.startswith("<svg") and 'role="img"' in svg, f"{name}: {fig} has no stored SVG"
        assert FIGURE_MIME in data and "text/html" in data, f"{name}: {fig} lacks {sorted(data)}"
        inline = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', "".join(data["text/html"]))
        assert inline and base64.b64decode(inline.group(1)).decode("utf-8") == svg, \
            f"{name}: {fig}'s HTML block does not carry the stored SVG"
    widgets = [i for i, c in enumerate(nb["cells"]) for o in c.get("outputs", [])
               if interactive.WIDGET_VIEW in o.get("data", {})]
    assert not widgets, f"{name}: widget views stored in cells {widgets} (only `make lab`'s kernels make them)"


def test_no_live_chart_outside_a_kernel_of_make_lab(monkeypatch):
    """The build and nbval run without LIVE_ENV; even with it, a process that is no kernel
    (a script, a test) gets the static figure alone."""
    spec = {"mark": "point", "data": {"values": [{"a": 1}]}}
    monkeypatch.delenv(interactive.LIVE_ENV, raising=False)
    assert not interactive.wanted() and interactive.widget_view(spec, "fig") == {}
    monkeypatch.setenv(interactive.LIVE_ENV, "1")
    assert not interactive.wanted() and interactive.widget_view(spec, "fig") == {}


def test_the_widget_script_imports_nothing_from_another_host():
    """Altair's JupyterChart script imports vega-embed from a CDN; ours drops those imports
    (vl-convert bundles the libraries in) and loads the chart font before drawing."""
    from altair.jupyter.jupyter_chart import load_js_src

    assert re.search(r"^import .*https://", load_js_src(), re.M), "Altair's script changed: re-check"
    src = interactive.widget_source()
    assert not re.search(r"^\s*import\b|https?://", src, re.M), "the widget script still imports"
    assert "export default { render: renderWithFont }" in src and "async function render(" in src


def test_make_lab_kernels_get_the_live_chart_variable():
    from jupyter_server.services.kernels.kernelmanager import MappingKernelManager

    from booktools import lab

    manager = lab.session_manager_class()(kernel_manager=MappingKernelManager())
    env = manager.get_kernel_env("trust-crisis.ipynb")
    assert env[interactive.LIVE_ENV] == "1" and env["JPY_SESSION_NAME"] == "trust-crisis.ipynb"


def test_a_notebook_saved_from_make_lab_keeps_the_svg_not_the_widget(tmp_path):
    """Save Notebook As... after a run: each figure output keeps its static entries and loses
    its widget view (saved without its kernel, JupyterLab would show an error there instead
    of the chart). A widget with nothing else to show is left alone."""
    from booktools import lab

    nb = _notebook(PAGES[1])
    view = {"version_major": 2, "version_minor": 1, "model_id": "0" * 32}
    figures = 0
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if FIGURE_MIME in out.get("data", {}):
                out["data"][interactive.WIDGET_VIEW] = view
                figures += 1
    own = {"output_type": "display_data", "metadata": {},
           "data": {"text/plain": "IntSlider()", interactive.WIDGET_VIEW: view}}
    nb["cells"].append({"id": "own-widget", "cell_type": "code", "source": "", "metadata": {}, "outputs": [own],
                        "execution_count": None})
    assert figures >= 3
    manager = lab.contents_manager_class()(root_dir=str(tmp_path))

    # in a thread of its own: Playwright's sync API may hold this thread's event loop
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, manager.save({"type": "notebook", "format": "json", "content": nb},
                                              "mine.ipynb")).result()
    saved = json.loads((tmp_path / "mine.ipynb").read_text("utf-8"))
    outputs = [o for c in saved["cells"] for o in c.get("outputs", [])]
    kept = [o for o in outputs if interactive.WIDGET_VIEW in o.get("data", {})]
    assert len(kept) == 1 and "".join(kept[0]["data"]["text/plain"]) == "IntSlider()", \
        f"widget views saved: {[''.join(o['data'].get('text/plain', '')) for o in kept]}"
    assert sum(FIGURE_MIME in o.get("data", {}) and "image/svg+xml" in o["data"] for o in outputs) == figures


def test_a_live_chart_carries_the_book_spec_and_options_and_replaces_its_last_run(monkeypatch):
    """In a kernel of `make lab` (stood in for here), the figure's own spec goes to the widget with
    the book's vega-embed options and font; running the figure again closes its previous chart.
    (The offline bundle itself, slow to make, is exercised in JupyterLab by tests/test_lab.py.)"""
    monkeypatch.setattr(interactive, "wanted", lambda: True)
    monkeypatch.setattr(interactive, "_offline_script", lambda: "export default { render() {} }")
    interactive._chart_class.cache_clear()
    try:
        spec = {"mark": "bar", "data": {"values": [{"a": 1}]}, "width": 340}
        first = interactive.widget_view(spec, "fig-x")[interactive.WIDGET_VIEW]
        chart = interactive._shown["fig-x"]
        assert first["model_id"] == chart.model_id and chart.spec == spec
        assert chart.embed_options == interactive.EMBED_OPTIONS and "$schema" not in chart.spec
        assert chart.font_url.startswith("data:font/ttf;base64,")
        second = interactive.widget_view(spec, "fig-x")[interactive.WIDGET_VIEW]
        assert second["model_id"] != first["model_id"] and chart.comm is None, "the old chart stays open"
    finally:
        left = interactive._shown.pop("fig-x", None)
        if left is not None:
            left.close()
        interactive._chart_class.cache_clear()
