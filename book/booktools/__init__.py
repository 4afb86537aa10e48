"""The book's tooling, importable as ``booktools`` (pyproject.toml maps the
package name to this folder; no ``sys.path`` edits anywhere).

- ``booktools.project``: where things are, the page list read from ``_toc.yml``,
  copying the project, the nbval options.
- ``booktools.build``: execute stale notebooks, build the HTML (``make book``).
- ``booktools.browser``: serve the built book, drive Chromium, PDF and screenshots.
- ``booktools.rerun``: re-run notebooks against their stored outputs (``make nbval``, ``make test``).
"""
