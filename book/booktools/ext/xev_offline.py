"""Keep published pages self-contained: no request, and no address, of any
other site. Jupyter Book 1 always loads sphinx-thebe, which writes a CDN
address (and, through a duplicated config script, a console error) into
every page; the book has no live code, so its handlers are switched off."""
from __future__ import annotations


def _drop_thebe_listeners(app, config):
    for listeners in app.events.listeners.values():
        listeners[:] = [entry for entry in listeners
                        if not getattr(entry.handler, "__module__", "").startswith("sphinx_thebe")]


def _strip_thebe_assets(app, pagename, templatename, context, doctree):
    def keep(asset):
        text = f"{getattr(asset, 'filename', asset)} {getattr(asset, 'attributes', {}).get('body', '')}"
        return "thebe" not in text
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if keep(a)]


def setup(app):
    app.connect("config-inited", _drop_thebe_listeners, priority=900)
    app.connect("html-page-context", _strip_thebe_assets, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
