"""``make bench`` (``python -m bench``): what the site's machinery costs, measured against
plain Sphinx.

Prints one table. Every figure is the median of several runs, measured in this run on
this machine next to a baseline measured the same way: the machine is shared and noisy,
so ratios matter and absolute seconds do not. Builds read a snapshot of ``docs/`` and
``snippets/`` taken at the start, so edits made meanwhile do not change the result, and
write to a scratch folder, never to ``_build/``.

Each part lives in its own module: ``builds`` (cold build, rebuilds), ``suite``
(``make test``), ``sandbox`` (the stub), ``scale`` (generated pages); ``harness`` runs
and measures a command, ``report`` makes the table, ``options`` reads the settings.

Peak memory is the largest resident set of any one process of a measured command
(``getrusage(RUSAGE_CHILDREN).ru_maxrss`` of a wrapper process that runs only that
command): for ``make html`` that is the bigger of the two parallel Sphinx builds.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import Bench, Settings
from bench.options import PARTS, settings_from
from bench.report import render_table


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def header(settings: Settings, pages: int, load_before: str) -> str:
    return (
        f"make bench -- {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, Sphinx {importlib.metadata.version('sphinx')}; "
        f"site: {pages} pages; "
        f"median of {settings.runs} run(s){' (quick)' if settings.quick else ''}; "
        f"load average before {load_before}, after {load_average()}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    settings = settings_from(argv, dict(os.environ), about=__doc__ or "")
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        bench = Bench(settings, Path(scratch))
        for name, part in PARTS.items():
            if name in settings.only:
                print(f"bench: {name}...", file=sys.stderr, flush=True)
                part(bench)
        print(header(settings, bench.pages, load_before))
        print()
        print(render_table(bench.rows))
        print()
        for note in bench.notes:
            print(f"- {note}")
        print(f"- targets: {bench.met} met, {bench.missed} missed.")
        for problem in bench.problems:
            print(f"\n{problem}")
    if bench.problems:
        return 1
    return 1 if settings.strict and bench.missed else 0


if __name__ == "__main__":
    sys.exit(main())
