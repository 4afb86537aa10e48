"""Command line: ``python -m helpers check [--root DIR]``, ``python -m helpers tables``
and ``python -m helpers publish DEST`` (the checked tables and their descriptor, nothing else).

Every problem is one line naming file, line and column; a bug in this package
is one line too (exit status 2), never a traceback.
"""
from __future__ import annotations

import argparse
import sys

from .data.errors import DataError, escape


def _run(args) -> int:
    from . import list_tables, verify

    if args.command == "tables":
        print("\n".join(list_tables(args.root)))
        return 0
    if args.command == "publish":
        from pathlib import Path

        from .data.publish import publish_tables
        written = publish_tables(Path(args.dest), args.root)
        print(f"published {len(written)} files to {escape(args.dest)}")
        return 0
    problems = verify(args.root)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    print("all tables, quotes and values check out")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers",
                                     description="Check, list and publish the curated tables.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate every table, quote and value; one line per problem")
    check.add_argument("--root", help="project folder holding data/ and seeds/ (default: this checkout)")
    tables = sub.add_parser("tables", help="list the tables")
    tables.add_argument("--root")
    publish = sub.add_parser("publish", help="copy the checked tables and datapackage.json to DEST "
                             "(and remove anything else there)")
    publish.add_argument("dest")
    publish.add_argument("--root")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except DataError as e:
        for line in str(e).splitlines() or [""]:
            print(line, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    except Exception as e:  # noqa: BLE001 - the promise is: no traceback, ever
        print(f"internal error in helpers (please report it): {type(e).__name__}: {escape(str(e))[:300]}",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
