"""nbconvert settings for the book's notebooks (read through JUPYTER_CONFIG_PATH=lab):

    JUPYTER_CONFIG_PATH=lab .venv/bin/jupyter nbconvert --to html --execute book/trust-crisis.ipynb

gives a page that loads nothing from another site (template "xev": nbconvert's
"lab" template without its CDN scripts) and whose prose shows the values glued
by the run (booktools.lab.RenderMyST, after the execution) instead of MyST roles.
"""
from pathlib import Path

from booktools import lab as xev_lab  # book/booktools/lab.py, installed with the project

HERE = Path(__file__).resolve().parent

c = get_config()  # noqa: F821 (defined by Jupyter when it reads this file)
c.TemplateExporter.extra_template_basedirs = [str(HERE / "nbconvert" / "templates")]
c.HTMLExporter.template_name = "xev"
c.HTMLExporter.preprocessors = [xev_lab.RenderMyST]
