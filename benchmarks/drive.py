"""``reindex`` with the page step turned off, as a whole process, to tell what the pages cost.

    python -m benchmarks.drive --vault DIR reindex [--full] [--no-pages]

The CLI has no switch for it, so this opens a session and calls the reindex use-case the way the CLI
does, with ``pages=False``. Prints the same one-line summary.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.drive")
    parser.add_argument("--vault", required=True)
    parser.add_argument("command", choices=["reindex"])
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--no-pages", action="store_true")
    args = parser.parse_args(argv)

    from vaulttool.usecases.reindex import reindex
    from vaulttool.usecases.report import Reporter
    from vaulttool.usecases.session import open_session

    with open_session(args.vault, "reindex") as session:
        summary = reindex(session, Reporter(), full=args.full, pages=not args.no_pages)
    print(summary.line())
    for path, reason in summary.failed:
        print(f"failed: {path}: {reason}", file=sys.stderr)
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
