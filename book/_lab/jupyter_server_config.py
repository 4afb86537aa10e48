"""Jupyter server settings for `make lab` (read through JUPYTER_CONFIG_PATH=book/_lab).

- JupyterLab opens on the book's folder (jupyter_server 2 spells this
  ServerApp.root_dir; --notebook-dir is only an alias of it).
- The book's notebooks are shown with their glued values and are never
  written: see book/booktools/lab.py. JupyterLab's own settings for this server are in
  labconfig/default_setting_overrides.json (no autosave, no news, no update
  check, every cell kept in the page).
- Figures are interactive (tooltips): a notebook's kernel gets the variable
  that makes each figure add a live chart beside its SVG (helpers.pages.interactive).
- Nothing is fetched from another site: no news feed, no update check, no
  extension search on PyPI.
"""
from pathlib import Path

from booktools import lab as xev_lab  # book/booktools/lab.py, installed with the project

HERE = Path(__file__).resolve().parent

c = get_config()  # noqa: F821 (defined by Jupyter when it reads this file)
c.ServerApp.root_dir = str(HERE.parent)   # book/, where the notebooks are
c.ServerApp.ip = "127.0.0.1"
c.ServerApp.contents_manager_class = xev_lab.contents_manager_class()
c.ServerApp.session_manager_class = xev_lab.session_manager_class()   # figures live (helpers.pages.interactive)
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
c.LabApp.news_url = None
c.LabApp.extension_manager = "readonly"   # lists what is installed; never asks PyPI for more
