"""``make bench``: what the site's machinery costs, measured against plain Sphinx.

Prints one table. Every figure is the median of several runs, measured in this run on
this machine next to a baseline measured the same way: the machine is shared and noisy,
so ratios matter and absolute seconds do not. Builds read a snapshot of ``docs/`` and
``snippets/`` taken at the start, so edits made meanwhile do not change the result, and
write to a scratch folder, never to ``_build/``.

Settings come from the environment (``make bench BENCH_RUNS=5``) or the options of
``python -m bench.run --help``:

``BENCH_RUNS`` (3)
    runs per figure;
``BENCH_QUICK`` (unset)
    ``1``: one run, small scale sizes, short stub windows -- for trying the harness out;
``BENCH_SCALE`` (``50,200,800``)
    extra generated pages for the scale rows;
``BENCH_TEST_RUNS`` (1)
    runs of ``make test``: one takes one to two minutes;
``BENCH_PYTEST_ARGS`` (none)
    extra pytest arguments for ``make test``, to try a setting: ``-n 0`` runs serially;
``BENCH_SCALE_RUNS`` (1)
    runs per scale size: the 800-page build alone takes minutes, and at that length
    one run is steadier than a median of short ones;
``BENCH_ONLY`` (all)
    comma-separated parts: ``builds``, ``test``, ``stub``, ``scale``;
``BENCH_STRICT`` (unset)
    ``1``: exit with status 1 when a target is missed, not only when something fails;
``BENCH_MAKE_ARGS`` (none)
    extra arguments for every measured ``make``, to try a setting: ``JOBS=2``.

Peak memory is the largest resident set of any one process of a measured command
(``getrusage(RUSAGE_CHILDREN).ru_maxrss`` of a wrapper process that runs only that
command): for ``make html`` that is the bigger of the two parallel Sphinx builds.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import platform
import re
import runpy
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

REPO = Path(__file__).resolve().parent.parent
BASELINE_CONF = Path(__file__).with_name("baseline_conf.py")
#: Parts of the benchmark, in the order they run.
PARTS = ("builds", "test", "stub", "scale")
#: The page edited for the one-page rebuild (a leaf: no other page includes it).
EDITED_PAGE = "api-key.rst"
#: The example the generated scale pages show.
SCALE_EXAMPLE = "client-credentials"
#: How the table names the parts of `make test`.
PART_LABELS = {
    "site": "site tests (incl. their own build)",
    "examples": "examples against the stub",
    "stub": "stub server",
    "browser": "browser (chromium)",
    "bench": "bench helpers",
}
#: Make variables that would tie the measured `make` runs to the one running `make bench`.
MAKE_ENV = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKE_TERMOUT", "MAKE_TERMERR")

# -- targets (issue 6) --------------------------------------------------------------------

COLD_RATIO_MAX = 2.5  # cold bilingual build / single-language plain Sphinx build
NOOP_SECONDS_MAX = 2.0
EDIT_SECONDS_MAX = 3.0
TEST_SECONDS_MAX = 120.0
#: Plain Sphinx is scaled up to this many extra pages (it grows too; more costs minutes).
BASELINE_SCALE_MAX = 200
#: Per-page cost at the largest size over the cost at the next size: at most this.
SCALE_GROWTH_MAX = 1.3

# -- pure helpers (tested in tests/test_bench.py) -----------------------------------------

_ENV_SUMMARY = re.compile(r"(\d+) added, (\d+) changed, (\d+) removed")
_READING = re.compile(r"reading sources\.\.\. \[\s*\d+%\] (\S+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_STUB_LINE = re.compile(r"^(\w+) (https?://\S+) client_id=(\S+) api_key=(\S+)\s*$")
_DIRECTIVE = re.compile(r"^\s*\.\. ([A-Za-z][\w:+.-]*)::", re.MULTILINE)
_ROLE = re.compile(r"(?<![\w`]):([A-Za-z][\w:+.-]*):`")


def median(values: Iterable[float]) -> float:
    """The median; a benchmark figure from several runs."""
    values = list(values)
    if not values:
        raise ValueError("median of no values")
    return statistics.median(values)


def reread_count(output: str) -> int | None:
    """Pages Sphinx (re-)read, summed over every build in ``output``; None if none reported.

    Each build prints ``updating environment: [...] N added, M changed, K removed``; the
    added and changed pages are the ones it reads. Parallel builds interleave their
    output, so only the counts, printed in one piece, are matched.
    """
    counts = _ENV_SUMMARY.findall(_ANSI.sub("", output))
    if not counts:
        return None
    return sum(int(added) + int(changed) for added, changed, _removed in counts)


def reread_pages(output: str) -> list[str]:
    """The names of the pages read, in order, from ``reading sources... [ 50%] name``."""
    return _READING.findall(_ANSI.sub("", output))


def part_of_test(classname: str) -> str:
    """The part of ``make test`` a pytest test belongs to, from its module path alone."""
    module = classname.lower()
    for part, words in (
        ("browser", ("browser", "playwright")),
        ("stub", ("stub",)),
        ("doctests", ("doctest",)),
        ("examples", ("snippet", "example")),
        ("bench", ("bench",)),
    ):
        if any(word in module for word in words):
            return part
    return "site"


@dataclass(frozen=True)
class JUnitSummary:
    """What one pytest run reported in its JUnit XML."""

    seconds: float
    parts: dict[str, float]
    tests: int
    failures: int
    skipped: int


def parse_junit(text: str) -> JUnitSummary:
    """Seconds per part (setup, call and teardown of each test), and the totals."""
    root = ElementTree.fromstring(text)  # noqa: S314 - our own pytest wrote it
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    parts: dict[str, float] = {}
    seconds = 0.0
    tests = failures = skipped = 0
    for suite in suites:
        seconds += float(suite.get("time", 0))
        for case in suite.iter("testcase"):
            part = part_of_test(case.get("classname", ""))
            parts[part] = parts.get(part, 0.0) + float(case.get("time", 0))
            tests += 1
            if case.find("failure") is not None or case.find("error") is not None:
                failures += 1
            elif case.find("skipped") is not None:
                skipped += 1
    return JUnitSummary(seconds, parts, tests, failures, skipped)


@dataclass(frozen=True)
class StubSite:
    """One site as ``python -m extern_stub`` announces it."""

    name: str
    base_url: str
    client_id: str
    api_key: str


def parse_stub_line(line: str) -> StubSite | None:
    """``test http://127.0.0.1:PORT client_id=ID api_key=KEY`` -> StubSite; else None."""
    match = _STUB_LINE.match(line.strip())
    return StubSite(*match.groups()) if match else None


def per_page(base_seconds: float, seconds_by_size: dict[int, float]) -> dict[int, float]:
    """Seconds each extra page adds: (build with n extra pages - build without) / n."""
    return {n: (seconds - base_seconds) / n for n, seconds in sorted(seconds_by_size.items()) if n}


def scale_growth(costs: dict[int, float]) -> float | None:
    """Per-page cost at the largest size over the cost at the next smaller size."""
    sizes = sorted(costs)
    if len(sizes) < 2 or costs[sizes[-2]] <= 0:
        return None
    return costs[sizes[-1]] / costs[sizes[-2]]


def names_used(rst_texts: Iterable[str]) -> tuple[list[str], list[str]]:
    """Directive and role names that reStructuredText sources use, sorted."""
    found_directives: set[str] = set()
    found_roles: set[str] = set()
    for text in rst_texts:
        found_directives.update(_DIRECTIVE.findall(text))
        found_roles.update(_ROLE.findall(text))
    return sorted(found_directives), sorted(found_roles)


def verdict(ok: bool | None) -> str:
    return {True: "pass", False: "FAIL", None: ""}[ok]


@dataclass
class Row:
    """One line of the table."""

    what: str
    value: str
    memory: str = ""
    target: str = ""
    result: str = ""
    runs: str = ""


def render_table(rows: Sequence[Row]) -> str:
    """A Markdown table (pastes into the README), columns padded to line up."""
    header = Row("measure", "median", "peak RSS", "target", "result", "runs")
    cells = [[r.what, r.value, r.runs, r.memory, r.target, r.result] for r in (header, *rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(cells[0]))]

    def line(values: list[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(c) for c in cells[1:])])


def mib(kib: float | None) -> str:
    return "" if kib is None else f"{kib / 1024:.0f} MiB"


def secs(value: float) -> str:
    return f"{value:.2f} s"


def generated_page(number: int, example: Sequence[str]) -> str:
    """A scale page: a label, a title, prose with a reference, and an example in tabs."""
    title = f"Сгенерированная страница {number}"
    lines = [
        f".. _bench-page-{number}:",
        "",
        title,
        "=" * len(title),
        "",
        "Страница для замера масштаба: текст, ссылка на :ref:`главную <home>`, вкладки",
        "и пример, как на настоящих страницах сайта.",
        "",
        "Раздел",
        "------",
        "",
        *example,
    ]
    return "\n".join(lines) + "\n"


def example_block(snippets: Path, use_directive: bool) -> tuple[list[str], str]:
    """The example every scale page shows, and how: the site's ``example`` directive if
    it has one, else sphinx-tabs group tabs that ``literalinclude`` the snippet files."""
    folder = snippets / SCALE_EXAMPLE
    if use_directive and folder.is_dir():
        return [f".. example:: {SCALE_EXAMPLE}", ""], "the `example` directive"
    files = [
        (label, next(iter(sorted(folder.glob(f"*{suffix}"))), None), language)
        for label, suffix, language in (("Python", ".py", "python"), ("curl", ".sh", "sh"))
    ]
    lines = [".. tabs::", ""]
    for label, path, language in files:
        lines += [f"   .. group-tab:: {label}", ""]
        if path is None:  # no snippets yet: a code block in the tab
            lines += [f"      .. code-block:: {language}", "", "         echo example", ""]
        else:
            include = f"/../{snippets.name}/{SCALE_EXAMPLE}/{path.name}"
            lines += [f"      .. literalinclude:: {include}", f"         :language: {language}", ""]
    return lines, "sphinx-tabs group tabs with literalinclude (no `example` directive)"


# -- measuring one command ----------------------------------------------------------------

# Runs one command and reports its wall time and the peak RSS of its biggest process.
_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[2:]).returncode
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(sys.argv[1], "w") as out:
    json.dump({"returncode": code, "seconds": seconds, "max_rss_kib": peak}, out)
"""


@dataclass(frozen=True)
class Measurement:
    seconds: float
    max_rss_kib: int
    returncode: int
    output: str

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
    return Measurement(data["seconds"], data["max_rss_kib"], data["returncode"], completed.stdout)


def tail(output: str, lines: int = 15) -> str:
    return "\n".join("    " + line for line in output.rstrip().splitlines()[-lines:])


# -- the benchmark ------------------------------------------------------------------------


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
    test_runs: int = 1
    pytest_args: str = ""
    make_args: list[str] = field(default_factory=list)


@dataclass
class Bench:
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

    # -- commands

    def make(self, target: str, builddir: Path, sourcedir: Path, *variables: str) -> list[str]:
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

    def baseline_command(self, tree: Path, out: Path, conf: Path) -> list[str]:
        """Plain Sphinx over ``tree/docs``, Russian, one process, configured by ``conf``."""
        sphinx_build = self.venv / "bin" / "sphinx-build"
        return [
            str(sphinx_build),
            "-b",
            "html",
            "-j",
            "1",
            "-c",
            str(conf),
            "-D",
            "language=ru",
            "-d",
            str(out / "doctrees"),
            str(tree / "docs"),
            str(out / "html"),
        ]

    def write_baseline_conf(self, tree: Path, folder: Path) -> Path:
        """bench/baseline_conf.py as ``folder/conf.py``, with the names ``tree``'s pages use."""
        folder.mkdir(parents=True, exist_ok=True)
        texts = (p.read_text(encoding="utf-8") for p in (tree / "docs").rglob("*.rst"))
        used_directives, used_roles = names_used(texts)
        settings = {
            "project": self.conf.get("project", "docs"),
            "root_doc": self.conf.get("root_doc", "index"),
            "exclude_patterns": list(self.conf.get("exclude_patterns", [])),  # type: ignore[call-overload]
            "directives": used_directives,
            "roles": used_roles,
        }
        (folder / "baseline.json").write_text(json.dumps(settings), encoding="utf-8")
        shutil.copyfile(BASELINE_CONF, folder / "conf.py")
        return folder

    def cold_and_baseline(self, runs: int) -> tuple[list[Measurement], list[Measurement]]:
        """Cold `make html` and the baseline of the snapshot, interleaved so that a burst of
        load on the machine hits both alike."""
        tree = self.snapshot
        conf = self.write_baseline_conf(tree, self.scratch / "baseline-conf")
        baseline: list[Measurement] = []
        cold: list[Measurement] = []
        # One untimed round first: a fresh clone's first build also writes bytecode caches
        # and fills the OS file cache, which no later build pays for.
        for index in range(runs + 1):
            if index == 1:
                baseline.clear()
                cold.clear()
            shutil.rmtree(self.scratch / "baseline", ignore_errors=True)
            baseline.append(measure(self.baseline_command(tree, self.scratch / "baseline", conf)))
            shutil.rmtree(self.scratch / "build", ignore_errors=True)
            remove_catalogs(tree / "docs")
            cold.append(measure(self.make("html", self.scratch / "build", tree / "docs")))
        if all(m.ok for m in baseline):
            self.baseline_seconds = median(m.seconds for m in baseline)
        if all(m.ok for m in cold):
            self.cold_seconds = median(m.seconds for m in cold)
        stand_ins = conf / "stand-ins.json"
        if stand_ins.exists():
            used = json.loads(stand_ins.read_text(encoding="utf-8"))
            names = [f"{n}::" for n in used["directives"]] + [f":{n}:" for n in used["roles"]]
            self.notes.append(
                "baseline: plain `sphinx-build -b html -j 1` of the same Russian pages, no "
                f"extensions, default theme; stand-ins for {', '.join(names) or 'nothing'} keep "
                "their content and drop the rest; Markdown pages are read as plain paragraphs."
            )
        return cold, baseline

    # -- parts

    def builds(self) -> None:
        """Baseline vs cold bilingual build, then no-op and one-page rebuilds."""
        runs = self.settings.runs
        tree = self.snapshot
        build = self.scratch / "build"
        cold, baseline = self.cold_and_baseline(runs)
        base_row = self.row(f"baseline: plain Sphinx, RU only ({self.pages} pages)", "", runs=runs)
        self.measured(base_row, "baseline build", baseline)
        cold_row = self.row(
            "cold `make html`, RU + EN", "", target=f"≤ {COLD_RATIO_MAX}x baseline", runs=runs
        )
        if not self.measured(cold_row, "cold make html", cold):
            return
        if self.cold_seconds and self.baseline_seconds:
            ratio = self.cold_seconds / self.baseline_seconds
            cold_row.value += f" = {ratio:.2f}x baseline"
            self.judge(cold_row, ratio <= COLD_RATIO_MAX)
        else:
            cold_row.result = "n/a: no baseline"

        noop = [measure(self.make("html", build, tree / "docs")) for _ in range(runs)]
        self.rebuild_row("no-op rebuild, RU + EN", noop, NOOP_SECONDS_MAX, expected_reads=0)

        page = tree / "docs" / EDITED_PAGE
        if not page.exists():
            self.row(f"rebuild after editing {EDITED_PAGE}", "", result="n/a: no such page")
            return
        edits = []
        for number in range(runs):
            with page.open("a", encoding="utf-8") as source:
                source.write(f"\n.. bench: edit {number}\n")  # a comment: no new messages
            edits.append(measure(self.make("html", build, tree / "docs")))
        self.rebuild_row(
            f"rebuild after editing {EDITED_PAGE}", edits, EDIT_SECONDS_MAX, expected_reads=2
        )

    def rebuild_row(
        self, what: str, runs: list[Measurement], limit: float, expected_reads: int
    ) -> None:
        row = self.row(what, "", target=f"< {limit:g} s, re-reads {expected_reads}", runs=len(runs))
        if not all(m.ok for m in runs):
            self.failed(row, what, next(m for m in runs if not m.ok))
            return
        seconds = median(m.seconds for m in runs)
        reads = [reread_count(m.output) for m in runs]
        if any(r is None for r in reads):
            row.value = f"{secs(seconds)}, re-read count not reported"
            self.judge(row, False)
            return
        most = max(r for r in reads if r is not None)
        pages = sorted(set(reread_pages(runs[-1].output)))
        listed = f" ({', '.join(pages)})" if pages else ""
        row.value = f"{secs(seconds)}, re-read {most} page(s){listed}"
        row.memory = mib(max(m.max_rss_kib for m in runs))
        self.judge(row, seconds < limit and most <= expected_reads)

    def test(self) -> None:
        """`make test` once installed, split by part: lint and the build timed alone, pytest's
        share per part from its JUnit XML, and the rest (pytest start-up, collection, make)."""
        out = self.scratch / "test"
        junit = out / "junit.xml"
        pytest_args = f"-q -p no:cacheprovider --junitxml={junit} {self.settings.pytest_args}"
        # Set-up, not timed: make test installs chromium first if it can.
        subprocess.run(  # noqa: S603 - our own make target
            self.make("browser", out / "_build", REPO / "docs"),
            env=child_env(),
            capture_output=True,
            check=False,
        )
        runs: list[Measurement] = []
        lints: list[Measurement] = []
        builds: list[Measurement] = []
        summaries: list[JUnitSummary] = []
        for _ in range(self.settings.test_runs):
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            command = self.make("test", out / "_build", REPO / "docs", f"PYTEST_ARGS={pytest_args}")
            runs.append(measure(command))
            if junit.exists():
                summaries.append(parse_junit(junit.read_text(encoding="utf-8")))
            lints.append(measure(self.make("lint", out / "lint", REPO / "docs")))
            builds.append(measure(self.make("html", out / "html", REPO / "docs")))

        row = self.row(
            "`make test` (lint, build, pytest)",
            "",
            target=f"< {TEST_SECONDS_MAX:g} s",
            runs=len(runs),
        )
        failed = next((m for m in runs if not m.ok), None)
        if failed is not None and not summaries:
            self.failed(row, "make test", failed)
            return
        total = median(m.seconds for m in runs)
        row.value = secs(total)
        row.memory = mib(max(m.max_rss_kib for m in runs))
        if failed is not None:
            failures = summaries[-1].failures
            row.result = (
                f"FAIL: {failures} test(s) failed" if failures else "FAIL: make test failed"
            )
            self.missed += 1
            self.problems.append(
                f"make test exited with {failed.returncode}:\n{tail(failed.output)}"
            )
        else:
            self.judge(row, total < TEST_SECONDS_MAX)
        last = summaries[-1]
        self.notes.append(
            f"make test: {last.tests} tests, {last.failures} failed, {last.skipped} skipped "
            "(last run); lint and `make html` are timed alone, right after it; a pytest part is "
            "the setup, call and teardown time of its tests (summed over workers with -n)."
        )
        accounted = 0.0
        for label, alone in (("lint", lints), ("`make html`, cold", builds)):
            if all(m.ok for m in alone):
                seconds = median(m.seconds for m in alone)
                accounted += seconds
                memory = mib(max(m.max_rss_kib for m in alone))
                self.row(f"  ├ {label}", secs(seconds), memory, runs=len(alone))
        parts = sorted({p for s in summaries for p in s.parts})
        for part in parts:
            seconds = median(s.parts.get(part, 0.0) for s in summaries)
            accounted += seconds
            label = f"  ├ pytest: {PART_LABELS.get(part, part)}"
            self.row(label, secs(seconds), runs=len(summaries))
        self.row(
            "  └ the rest: pytest start-up and collection, make",
            secs(max(total - accounted, 0)),
            runs=len(runs),
        )
        for missing in ("examples", "doctests", "stub", "browser"):
            if missing not in parts:
                self.notes.append(f"make test: no {missing} tests yet.")

    def stub(self) -> None:
        """Tokens per second with 8 concurrent clients; median latency of GET /v1."""
        if importlib.util.find_spec("extern_stub") is None:
            self.row(
                "stub: client_credentials, 8 clients", "", result="n/a: extern_stub not present"
            )
            return
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "extern_stub",
                "--test-port",
                "0",
                "--production-port",
                "0",
                "--seed",
                "1",
            ],
            cwd=REPO,
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            site = wait_for_stub(process, timeout=30)
            if site is None:
                self.row("stub: client_credentials, 8 clients", "", result="FAIL: did not start")
                self.missed += 1
                return
            rates: list[float] = []
            errors = 0
            latencies: list[float] = []
            for _ in range(self.settings.runs):
                rate, failed = token_rate(site, 8, self.settings.stub_seconds, 20_000)
                rates.append(rate)
                errors += failed
                latencies.append(api_latency(site, self.settings.stub_requests))
            peak = peak_rss_kib(process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        note = f", {errors} failed" if errors else ""
        runs = len(rates)
        rate = f"{median(rates):.0f} tokens/s{note}"
        latency = f"{median(latencies) * 1000:.1f} ms"
        self.row("stub: client_credentials, 8 clients", rate, mib(peak), runs=runs)
        self.row("stub: GET /v1 latency, one client", latency, mib(peak), runs=runs)

    def scale(self) -> None:
        """Cold bilingual builds with extra generated pages: cost per page must not grow.

        Plain Sphinx gets the same pages up to BASELINE_SCALE_MAX, to show how much of any
        growth is Sphinx's own.
        """
        runs = self.settings.scale_runs
        if self.cold_seconds is None:
            self.cold_and_baseline(runs)
        lines, how = example_block(self.snapshot / "snippets", has_example_directive(self.conf))
        self.notes.append(f"scale pages: title, prose, a :ref:, and an example in tabs ({how}).")
        site: dict[int, float] = {}
        plain: dict[int, float] = {}
        site_rows: dict[int, Row] = {}
        plain_rows: dict[int, Row] = {}
        for size in self.settings.scale:
            tree = self.scratch / f"scale-{size}"
            shutil.rmtree(tree, ignore_errors=True)
            copy_sources(self.snapshot, tree)
            add_generated_pages(tree / "docs", size, lines)
            builds = []
            for _ in range(runs):
                shutil.rmtree(tree / "_build", ignore_errors=True)
                remove_catalogs(tree / "docs")
                builds.append(measure(self.make("html", tree / "_build", tree / "docs")))
            site_rows[size] = row = self.row(f"cold `make html` + {size} pages", "", runs=runs)
            if self.measured(row, f"make html with {size} extra pages", builds):
                site[size] = median(m.seconds for m in builds)
            if size <= BASELINE_SCALE_MAX:
                conf = self.write_baseline_conf(tree, tree / "baseline-conf")
                builds = []
                for _ in range(runs):
                    shutil.rmtree(tree / "baseline", ignore_errors=True)
                    builds.append(measure(self.baseline_command(tree, tree / "baseline", conf)))
                what = f"baseline: plain Sphinx, RU only + {size} pages"
                plain_rows[size] = row = self.row(what, "", runs=runs)
                if self.measured(row, f"baseline with {size} extra pages", builds):
                    plain[size] = median(m.seconds for m in builds)
            shutil.rmtree(tree, ignore_errors=True)
        self.notes.append(
            f"plain Sphinx is scaled up to {BASELINE_SCALE_MAX} extra pages only: beyond that "
            "it would add minutes to the run, and its growth shows already."
        )
        for seconds, base, rows, judged in (
            (site, self.cold_seconds, site_rows, True),
            (plain, self.baseline_seconds, plain_rows, False),
        ):
            if base is None or not seconds:
                continue
            costs = per_page(base, seconds)
            sizes = sorted(costs)
            for size in sizes:
                rows[size].value += f" = {costs[size] * 1000:.1f} ms/page"
                if size != sizes[0]:
                    previous = sizes[sizes.index(size) - 1]
                    rows[size].value += f" ({costs[size] / costs[previous]:.2f}x)"
            growth = scale_growth(costs)
            if judged and growth is not None:
                rows[sizes[-1]].target = f"ms/page ≤ {SCALE_GROWTH_MAX}x previous"
                self.judge(rows[sizes[-1]], growth <= SCALE_GROWTH_MAX)

    def measured(self, row: Row, what: str, runs: list[Measurement]) -> bool:
        """Fill in a build row: median seconds and peak memory, or the failure."""
        failed = next((m for m in runs if not m.ok), None)
        if failed is not None:
            self.failed(row, what, failed)
            return False
        row.value = secs(median(m.seconds for m in runs))
        row.memory = mib(max(m.max_rss_kib for m in runs))
        return True


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


def has_example_directive(conf: dict[str, object]) -> bool:
    extensions = conf.get("extensions", [])
    return isinstance(extensions, list) and "examples" in extensions


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


def add_generated_pages(docs: Path, count: int, example: Sequence[str]) -> None:
    """``count`` pages in ``bench-generated/``, listed by a hidden toctree on the root page."""
    folder = docs / "bench-generated"
    folder.mkdir()
    for number in range(1, count + 1):
        page = generated_page(number, example)
        (folder / f"page-{number:04d}.rst").write_text(page, encoding="utf-8")
    with (docs / "index.rst").open("a", encoding="utf-8") as index:
        index.write("\n.. toctree::\n   :hidden:\n   :glob:\n\n   bench-generated/*\n")


# -- the stub ------------------------------------------------------------------------------


def wait_for_stub(process: subprocess.Popen[str], timeout: float) -> StubSite | None:
    """The test site the stub announces on its first lines, or None."""
    found: list[StubSite] = []
    done = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            site = parse_stub_line(line)
            if site and site.name == "test":
                found.append(site)
                done.set()
        done.set()

    threading.Thread(target=read, daemon=True).start()  # also drains output afterwards
    done.wait(timeout)
    return found[0] if found else None


def connection(site: StubSite) -> http.client.HTTPConnection:
    parts = urlsplit(site.base_url)
    if parts.hostname != "127.0.0.1":
        raise ValueError(f"the benchmark only talks to 127.0.0.1, not {parts.hostname}")
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)


def request(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: str | None,
    headers: dict[str, str],
) -> tuple[int, bytes]:
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def token_form(site: StubSite) -> str:
    return urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": site.client_id,
            "client_secret": site.api_key,
            "scope": "extern.api",
        }
    )


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def token_rate(site: StubSite, clients: int, seconds: float, cap: int) -> tuple[float, int]:
    """Tokens per second that ``clients`` threads get, each on its own keep-alive connection."""
    body = token_form(site)
    ok = [0] * clients
    failed = [0] * clients
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(index: int) -> None:
        conn = connection(site)
        start.wait()
        while time.perf_counter() < deadline[0] and sum(ok) < cap:
            try:
                status, data = request(conn, "POST", "/connect/token", body, FORM)
            except (OSError, http.client.HTTPException):
                failed[index] += 1
                conn.close()
                conn = connection(site)
                continue
            if status == 200 and b"access_token" in data:
                ok[index] += 1
            else:
                failed[index] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    return sum(ok) / (time.perf_counter() - began), sum(failed)


def api_latency(site: StubSite, count: int) -> float:
    """Median seconds of ``GET /v1`` from one client with a valid token."""
    conn = connection(site)
    try:
        status, data = request(conn, "POST", "/connect/token", token_form(site), FORM)
        if status != 200:
            raise RuntimeError(f"the stub refused a token: {status} {data[:200]!r}")
        auth = {"Authorization": f"Bearer {json.loads(data)['access_token']}"}
        times = []
        for _ in range(count):
            began = time.perf_counter()
            status, data = request(conn, "GET", "/v1", None, auth)
            times.append(time.perf_counter() - began)
            if status != 200:
                raise RuntimeError(f"GET /v1 answered {status}: {data[:200]!r}")
        return median(times)
    finally:
        conn.close()


def peak_rss_kib(pid: int) -> int | None:
    """A running process's peak resident set (VmHWM) in KiB, where /proc has it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else None


# -- command line --------------------------------------------------------------------------


def settings_from(argv: Sequence[str] | None, env: dict[str, str]) -> Settings:
    quick = env.get("BENCH_QUICK", "") not in {"", "0"}
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--runs", type=int, default=int(env.get("BENCH_RUNS", 1 if quick else 3)))
    parser.add_argument("--quick", action="store_true", default=quick)
    parser.add_argument(
        "--scale", default=env.get("BENCH_SCALE", "10,40" if quick else "50,200,800")
    )
    parser.add_argument("--only", default=env.get("BENCH_ONLY", ",".join(PARTS)))
    parser.add_argument(
        "--strict", action="store_true", default=env.get("BENCH_STRICT", "") not in {"", "0"}
    )
    parser.add_argument("--scale-runs", type=int, default=int(env.get("BENCH_SCALE_RUNS", 1)))
    parser.add_argument("--test-runs", type=int, default=int(env.get("BENCH_TEST_RUNS", 1)))
    parser.add_argument("--pytest-args", default=env.get("BENCH_PYTEST_ARGS", ""))
    parser.add_argument("--make-args", default=env.get("BENCH_MAKE_ARGS", ""))
    args = parser.parse_args(argv)
    only = {part.strip() for part in args.only.split(",") if part.strip()}
    if unknown := only - set(PARTS):
        parser.error(f"unknown parts {sorted(unknown)}; choose from {', '.join(PARTS)}")
    if min(args.runs, args.scale_runs, args.test_runs) < 1:
        parser.error("--runs, --scale-runs and --test-runs must be at least 1")
    return Settings(
        runs=args.runs,
        quick=args.quick,
        scale=sorted({int(n) for n in args.scale.split(",") if n.strip()}),
        only=only,
        strict=args.strict,
        stub_seconds=1.0 if args.quick else 3.0,
        stub_requests=50 if args.quick else 200,
        scale_runs=args.scale_runs,
        test_runs=args.test_runs,
        pytest_args=args.pytest_args,
        make_args=shlex.split(args.make_args),
    )


def header(settings: Settings, pages: int, load_before: str) -> str:
    sphinx_version = importlib.util.find_spec("sphinx") and __import__("sphinx").__version__
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"make bench -- {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, Sphinx {sphinx_version}; site: {pages} pages; "
        f"median of {settings.runs} run(s){' (quick)' if settings.quick else ''}; "
        f"load average before {load_before}, after {load_after}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    settings = settings_from(argv, dict(os.environ))
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        bench = Bench(settings, Path(scratch))
        steps: list[tuple[str, Callable[[], None]]] = [
            ("builds", bench.builds),
            ("test", bench.test),
            ("stub", bench.stub),
            ("scale", bench.scale),
        ]
        for name, step in steps:
            if name in settings.only:
                print(f"bench: {name}...", file=sys.stderr, flush=True)
                step()
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
