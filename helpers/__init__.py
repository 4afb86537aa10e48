"""Curated, sourced tables on Xiaomi's electric-car business.

>>> import helpers
>>> helpers.list_tables()            # names of the tables
>>> df = helpers.load_table("deliveries")
>>> df.attrs["units"], df.attrs["sources"]
>>> helpers.verify()                 # [] when every quote and value checks out

Charts and citations live in ``helpers.pages.charts`` and ``helpers.pages.cite`` and are
imported on their own, so that ``import helpers`` stays light.
"""
from .data.checks import verify
from .data.errors import DataError
from .data.loading import list_tables, load_table, sources

__all__ = ["list_tables", "load_table", "sources", "verify", "DataError"]
