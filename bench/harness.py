"""What every part of the benchmark shares: the settings, a snapshot of the sources, the
rows of the table, and running one command while measuring its time and memory."""

from __future__ import annotations

import json
import os
import runpy
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.report import Row, median, mib, secs, tail, verdict

REPO = Path(__file__).resolve().parent.parent
#: Make variables that would tie the measured `make` runs to the one running `make bench`.
MAKE_ENV = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKE_TERMOUT", "MAKE_TERMERR")


@dataclass
class Settings:
    runs: int
    quick: bool
    scale: list[int]
    only: set[str]
    strict: bool
    stub_seconds: float
    stub_requests: int
    scale_runs: int = 1
    plain_max: int = 200
    test_runs: int = 1
    pytest_args: str = ""
    make_args: list[str] = field(default_factory=list)


# -- measuring one command ----------------------------------------------------------------

# Runs one command and reports its wall time, the CPU time of all its processes (user and
# system, children included once waited for) and the peak RSS of its biggest process.
_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[2:]).returncode
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as out:
    json.dump({"returncode": code, "seconds": seconds, "max_rss_kib": usage.ru_maxrss,
               "cpu_seconds": usage.ru_utime + usage.ru_stime}, out)
"""


@dataclass(frozen=True)
class Measurement:
    seconds: float
    max_rss_kib: int
    returncode: int
    output: str
    cpu_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in MAKE_ENV}
    env.update(extra or {})
    return env


def measure(command: Sequence[str], cwd: Path = REPO, timeout: float = 900) -> Measurement:
    """Run ``command`` once in a wrapper process: seconds, peak RSS, status, output."""
    with tempfile.TemporaryDirectory(prefix="bench-run-") as scratch:
        report = Path(scratch) / "report.json"
        completed = subprocess.run(  # noqa: S603 - the benchmark's own commands
            [sys.executable, "-c", _WRAPPER, str(report), *command],
            cwd=cwd,
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        if not report.exists():
            return Measurement(0.0, 0, completed.returncode or 1, completed.stdout)
        data = json.loads(report.read_text(encoding="utf-8"))
    return Measurement(
        data["seconds"],
        data["max_rss_kib"],
        data["returncode"],
        completed.stdout,
        data["cpu_seconds"],
    )


# -- one run of the benchmark ---------------------------------------------------------------


@dataclass
class Bench:
    """One run: its settings, scratch folder and snapshot, and the table it fills in."""

    settings: Settings
    scratch: Path
    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missed: int = 0
    met: int = 0
    cold_seconds: float | None = None
    baseline_seconds: float | None = None

    def __post_init__(self) -> None:
        self.venv = Path(sys.prefix)
        self.conf = read_conf()
        self.snapshot = self.scratch / "snapshot"
        copy_sources(REPO, self.snapshot)
        self.pages = len(list(source_files(self.snapshot / "docs", self.conf)))

    # -- bookkeeping

    def row(
        self,
        what: str,
        value: str,
        memory: str = "",
        target: str = "",
        result: str = "",
        runs: int = 0,
    ) -> Row:
        row = Row(what, value, memory, target, result, str(runs) if runs else "")
        self.rows.append(row)
        return row

    def judge(self, row: Row, ok: bool | None) -> None:
        row.result = verdict(ok)
        if ok is True:
            self.met += 1
        elif ok is False:
            self.missed += 1

    def failed(self, row: Row, what: str, run: Measurement) -> None:
        row.value, row.result = "failed", "FAIL"
        self.missed += 1
        self.problems.append(f"{what} exited with {run.returncode}:\n{tail(run.output)}")

    def measured(self, row: Row, what: str, runs: list[Measurement]) -> bool:
        """Fill in a build row: median seconds and peak memory, or the failure."""
        failed = next((m for m in runs if not m.ok), None)
        if failed is not None:
            self.failed(row, what, failed)
            return False
        row.value = secs(median(m.seconds for m in runs))
        row.memory = mib(max(m.max_rss_kib for m in runs))
        return True

    # -- commands

    def make(self, target: str, builddir: Path, sourcedir: Path, *variables: str) -> list[str]:
        """The project's own ``make target``, on ``sourcedir``, writing to ``builddir``."""
        ready = self.venv / ".installed"
        return [
            "make",
            "-C",
            str(REPO),
            "--no-print-directory",
            "-o",
            str(ready),  # never reinstall mid-run because pyproject.toml was touched
            target,
            f"VENV={self.venv}",
            f"BUILDDIR={builddir}",
            f"SOURCEDIR={sourcedir}",
            *variables,
            *self.settings.make_args,
        ]


# -- files ----------------------------------------------------------------------------------


def read_conf() -> dict[str, object]:
    """The site's conf.py settings (project, exclude_patterns, extensions...)."""
    saved = list(sys.path)
    try:
        return {
            k: v for k, v in runpy.run_path(str(REPO / "conf.py")).items() if not k.startswith("_")
        }
    finally:
        sys.path[:] = saved


def source_files(docs: Path, conf: dict[str, object]) -> Iterable[Path]:
    """The pages Sphinx reads: .rst and .md files outside the excluded folders."""
    excluded = {"_build", "_root", "locale", "_ext", "_templates", "_static"}
    for path in sorted(docs.rglob("*")):
        parts = set(path.relative_to(docs).parts)
        if path.suffix in {".rst", ".md"} and path.name != "README.md" and not excluded & parts:
            yield path


def copy_sources(root: Path, target: Path) -> None:
    """``docs/`` and ``snippets/`` of ``root`` into ``target`` (compiled catalogs left out)."""
    ignore = shutil.ignore_patterns("*.mo", "__pycache__")
    shutil.copytree(root / "docs", target / "docs", ignore=ignore)
    if (root / "snippets").is_dir():
        shutil.copytree(root / "snippets", target / "snippets", ignore=ignore)


def remove_catalogs(docs: Path) -> None:
    """Delete compiled .mo files, as in a fresh clone: a cold build compiles them."""
    for mo in docs.rglob("*.mo"):
        mo.unlink()
