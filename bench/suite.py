"""``make test``, timed whole and split by part: lint and the build timed alone, pytest's
share per part from its JUnit XML, and the rest (pytest start-up, collection, make)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

from bench.harness import REPO, Bench, Measurement, child_env, measure
from bench.report import median, mib, secs, tail

TEST_SECONDS_MAX = 120.0
#: How the table names the parts of `make test`.
PART_LABELS = {
    "site": "site tests (incl. their own build)",
    "examples": "examples against the stub",
    "stub": "stub server",
    "browser": "browser (chromium)",
    "bench": "bench helpers",
    "doctests": "doctests",
}


#: The example file in a test's parameters: `[client-credentials/client_credentials.py-test]`.
_EXAMPLE_FILE = re.compile(r"/\w+(\.[a-z]+)(?=[\]-])")


def example_suffix(name: str) -> str | None:
    """The suffix of the example file a test runs (`.py`, `.mjs`, ...), from the test's name."""
    match = _EXAMPLE_FILE.search(name)
    return match.group(1) if match else None


def language_names() -> dict[str, str]:
    """Suffix -> tab label of each example language, in tab order (docs/_ext/examples.py)."""
    extensions = REPO / "docs" / "_ext"
    spec = importlib.util.spec_from_file_location("examples", extensions / "examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(extensions))  # as conf.py does: it imports its neighbours
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(extensions))
    return {suffix: label for label, suffix, _highlight in module.LANGUAGES}


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
    #: Seconds of the example tests per example file suffix; "" for tests of every language.
    languages: dict[str, float]


def parse_junit(text: str) -> JUnitSummary:
    """Seconds per part (setup, call and teardown of each test), and the totals."""
    root = ElementTree.fromstring(text)  # noqa: S314 - our own pytest wrote it
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    parts: dict[str, float] = {}
    languages: dict[str, float] = {}
    seconds = 0.0
    tests = failures = skipped = 0
    for suite in suites:
        seconds += float(suite.get("time", 0))
        for case in suite.iter("testcase"):
            part = part_of_test(case.get("classname", ""))
            parts[part] = parts.get(part, 0.0) + float(case.get("time", 0))
            if part == "examples":
                suffix = example_suffix(case.get("name", "")) or ""
                languages[suffix] = languages.get(suffix, 0.0) + float(case.get("time", 0))
            tests += 1
            if case.find("failure") is not None or case.find("error") is not None:
                failures += 1
            elif case.find("skipped") is not None:
                skipped += 1
    return JUnitSummary(seconds, parts, tests, failures, skipped, languages)


def language_rows(bench: Bench, summaries: list[JUnitSummary]) -> None:
    """How long the examples of each language take, in tab order (not added to the total)."""
    names = language_names()
    found = {suffix for summary in summaries for suffix in summary.languages}
    for suffix in [*names, *sorted(found - set(names))]:
        if suffix in found:
            seconds = median(summary.languages.get(suffix, 0.0) for summary in summaries)
            label = f"examples in {names.get(suffix, suffix)}" if suffix else "all at once"
            bench.row(f"  │       {label}", secs(seconds), runs=len(summaries))
    bench.notes.append(
        "make test: a language's examples are its tests' setup, call and teardown times; "
        "'all at once' are the tests that run every language together (the silent server)."
    )


def run(bench: Bench) -> None:
    """`make test` once installed, then lint and a cold build alone, split into rows."""
    out = bench.scratch / "test"
    junit = out / "junit.xml"
    pytest_args = f"-q -p no:cacheprovider --junitxml={junit} {bench.settings.pytest_args}"
    # Set-up, not timed: make test installs chromium first if it can.
    subprocess.run(  # noqa: S603 - our own make target
        bench.make("browser", out / "_build", REPO / "docs"),
        env=child_env(),
        capture_output=True,
        check=False,
    )
    runs: list[Measurement] = []
    lints: list[Measurement] = []
    builds: list[Measurement] = []
    summaries: list[JUnitSummary] = []
    for _ in range(bench.settings.test_runs):
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        command = bench.make("test", out / "_build", REPO / "docs", f"PYTEST_ARGS={pytest_args}")
        runs.append(measure(command))
        if junit.exists():
            summaries.append(parse_junit(junit.read_text(encoding="utf-8")))
        lints.append(measure(bench.make("lint", out / "lint", REPO / "docs")))
        builds.append(measure(bench.make("html", out / "html", REPO / "docs")))

    row = bench.row(
        "`make test` (lint, build, pytest)",
        "",
        target=f"< {TEST_SECONDS_MAX:g} s",
        runs=len(runs),
    )
    failed = next((m for m in runs if not m.ok), None)
    if failed is not None and not summaries:
        bench.failed(row, "make test", failed)
        return
    total = median(m.seconds for m in runs)
    # CPU beside the wall time: on a shared machine it says more about the suite.
    row.value = f"{secs(total)} (CPU {secs(median(m.cpu_seconds for m in runs))})"
    row.memory = mib(max(m.max_rss_kib for m in runs))
    if failed is not None:
        failures = summaries[-1].failures
        row.result = f"FAIL: {failures} test(s) failed" if failures else "FAIL: make test failed"
        bench.missed += 1
        bench.problems.append(f"make test exited with {failed.returncode}:\n{tail(failed.output)}")
    else:
        bench.judge(row, total < TEST_SECONDS_MAX)
    last = summaries[-1]
    bench.notes.append(
        f"make test: {last.tests} tests, {last.failures} failed, {last.skipped} skipped "
        "(last run); lint and `make html` are timed alone, right after it; pytest's row is "
        "its wall time (JUnit's), and each part under it the setup, call and teardown time "
        "of its tests summed over the workers (they add up to about pytest's times the workers)."
    )
    accounted = 0.0
    for label, alone in (("lint", lints), ("`make html`, cold", builds)):
        if all(m.ok for m in alone):
            seconds = median(m.seconds for m in alone)
            accounted += seconds
            memory = mib(max(m.max_rss_kib for m in alone))
            bench.row(f"  ├ {label}", secs(seconds), memory, runs=len(alone))
    pytest_seconds = median(s.seconds for s in summaries)
    accounted += pytest_seconds
    bench.row("  ├ pytest (wall)", secs(pytest_seconds), runs=len(summaries))
    parts = sorted({p for s in summaries for p in s.parts})
    for part in parts:
        seconds = median(s.parts.get(part, 0.0) for s in summaries)
        label = f"  │   · {PART_LABELS.get(part, part)} (worker time)"
        bench.row(label, secs(seconds), runs=len(summaries))
        if part == "examples":
            language_rows(bench, summaries)
    bench.row(
        "  └ the rest: make's own steps, pytest's start-up",
        secs(max(total - accounted, 0)),
        runs=len(runs),
    )
    for missing in ("examples", "doctests", "stub", "browser"):
        if missing not in parts:
            bench.notes.append(f"make test: no {missing} tests yet.")
