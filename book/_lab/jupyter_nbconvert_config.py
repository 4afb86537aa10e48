"""nbconvert settings for the book's notebooks (read through JUPYTER_CONFIG_PATH=lab):

    JUPYTER_CONFIG_PATH=lab .venv/bin/jupyter nbconvert --to html --execute book/trust-crisis.ipynb

gives a page that loads nothing from another site (template "xev": nbconvert's
"lab" template without its CDN scripts) and whose prose shows the values glued
by the run (xev_lab.RenderMyST, after the execution) instead of MyST roles.
"""
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# book/_lab/ is not a package of the project: load xev_lab.py from here by its path
_spec = importlib.util.spec_from_file_location("xev_lab", HERE / "xev_lab.py")
xev_lab = sys.modules.setdefault("xev_lab", importlib.util.module_from_spec(_spec))
if not hasattr(xev_lab, "render_notebook"):
    _spec.loader.exec_module(xev_lab)

c = get_config()  # noqa: F821 (defined by Jupyter when it reads this file)
c.TemplateExporter.extra_template_basedirs = [str(HERE / "nbconvert" / "templates")]
c.HTMLExporter.template_name = "xev"
c.HTMLExporter.preprocessors = [xev_lab.RenderMyST]
