"""Command line: ``python -m helpers check [--root DIR]`` and ``python -m helpers tables``."""
from __future__ import annotations

import argparse
import sys

from . import list_tables, verify
from .errors import DataError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers",
                                     description="Check and list the curated tables.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate every table, quote and value; one line per problem")
    check.add_argument("--root", help="project folder holding data/ and seeds/ (default: this checkout)")
    tables = sub.add_parser("tables", help="list the tables")
    tables.add_argument("--root")
    args = parser.parse_args(argv)

    if args.command == "tables":
        try:
            print("\n".join(list_tables(args.root)))
        except DataError as e:
            print(e, file=sys.stderr)
            return 1
        return 0
    problems = verify(args.root)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    print("all tables, quotes and values check out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
