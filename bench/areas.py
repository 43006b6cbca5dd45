"""Mutation testing beyond the sandbox: ``make mutate AREA=<area>``.

The sandbox (``AREA=sandbox``, or no AREA) stays with mutmut's own run (``bench/mutation.py``).
The other areas are code that mutmut's in-process switch cannot reach: the extensions run
inside ``sphinx-build`` processes and are imported by their file name, the examples are six
languages, the settings are ``conf.py`` and the ``Makefile``. So each mutant here is
written into a scratch copy of the repository (``_build/mutation/<area>/``), the area's
tests for the mutated file run there (``pytest -x``: the first failure kills it), and the
file is put back.

- Python files (the extensions, ``tools/po.py``, ``tests/snippets_runner.py``, the functions
  of ``conf.py``) get mutmut's own operators (``create_mutations``), inside functions as
  ``make mutate`` has them;
- the examples in every language, and the settings' lines of ``conf.py`` and the
  ``Makefile``, get a small operator set of this module (``text_mutants``): a string
  literal changed, a line deleted, a header name or a number changed, a comparison or a
  boolean operator turned round, a flag dropped.

Every mutant of an area is listed in a stable order and a seeded random sample of
``SAMPLE`` is drawn (140: a kill ratio near 90% within about 5 points, at 95%); a run
checks the sample in its drawn order, so a run stopped by its time budget has checked a
random sample of its own. Verdicts are kept in ``mutants/areas/<area>.json`` (with the
date, the seed and the commit) and a later run goes on from them; ``make bench`` reports
each area's ratio. Survivors judged equivalent are listed in ``tests/equivalent_mutants.toml``
(the file, the line the mutant writes, and why no test could tell it) and left out of the
ratio: a survivor counts as listed when it writes that line in that file, whatever its id
(an edit above it renumbers mutmut's mutants); ``--stale`` names the entries that no mutant
writes any more, and those whose line several different lines become (they must give ``was``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import difflib
import fnmatch
import json
import math
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import REPO

#: Where verdicts are kept, one file per area (``mutants/`` is mutmut's own folder too).
RESULTS = REPO / "mutants" / "areas"
#: Survivors judged equivalent: ``[area."<file>:<mutant id>"]`` with ``line`` and ``why``.
EQUIVALENT = REPO / "tests" / "equivalent_mutants.toml"
SCRATCH = REPO / "_build" / "mutation"
SAMPLE = 140
SEED = 27
TARGET = 0.90
#: Seconds one mutant's tests may take before it counts as killed (a hang is a failure).
TIMEOUT = 600
PYTEST = ("-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-n", "0")
#: Plugins only the sandbox's tests use: importing them cost 1.7 of the 2.7 CPU seconds a
#: pytest process took to start here, more than most mutants' tests (runner, po, examples).
LEAN = ("-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:anyio")


@dataclass(frozen=True)
class Mutant:
    """One change to one file: its id (file, operator, place), what it writes, the new text."""

    id: str
    path: str
    line: int
    before: str
    after: str
    text: str


@dataclass(frozen=True)
class Area:
    """A part of the project, its files, how they are mutated and which tests judge them."""

    name: str
    files: tuple[str, ...]
    #: The pytest arguments (files, node ids) that judge a mutant of ``path``.
    tests: Callable[[str], list[str]]
    #: Where mutants come from: "python" (mutmut's operators, in functions) or "text".
    kind: str = "python"
    #: For text mutants: only lines matching this (settings: the lines that guard behaviour).
    lines: re.Pattern[str] | None = None
    #: Set for its tests: CI=1 fails a test that would skip for lack of a toolchain.
    env: tuple[tuple[str, str], ...] = ()


# -- mutants ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A mutant not written yet: its id, its file, and how to write it (only when drawn)."""

    id: str
    path: str
    write: Callable[[], Mutant]


def python_mutants(path: str) -> Iterator[Candidate]:
    """mutmut's mutants of ``path``, inside functions (as ``make mutate`` makes them)."""
    from mutmut.mutation.file_mutation import create_mutations

    source = (REPO / path).read_text("utf-8")
    cwd = Path.cwd()
    os.chdir(REPO)  # mutmut reads its settings (pyproject.toml) from the current folder
    try:
        module, mutations, _classes, _functions = create_mutations(path, source)
    finally:
        os.chdir(cwd)
    for number, mutation in enumerate(mutations):
        if mutation.contained_by_top_level_function is None:
            continue
        id = f"{path}:py{number}"

        def write(
            id: str = id, old: Any = mutation.original_node, new: Any = mutation.mutated_node
        ) -> Mutant:
            return _mutant(id, path, source, module.deep_replace(old, new).code)

        yield Candidate(id, path, write)


def _mutant(id: str, path: str, source: str, text: str) -> Mutant:
    old, new = source.splitlines(), text.splitlines()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    _tag, a1, a2, b1, b2 = next(op for op in matcher.get_opcodes() if op[0] != "equal")
    before = old[a1].strip() if a2 > a1 else ""
    after = new[b1].strip() if b2 > b1 else "(deleted)"
    return Mutant(id, path, a1 + 1, before, after, text)


#: A comment line in any of the examples' languages, or the settings' files.
COMMENT = re.compile(r"^\s*(#|//|/\*|\*)")
#: Lines whose deletion only breaks the syntax: a closing brace, a shell keyword.
STRUCTURE = re.compile(r"^\s*([{}()\[\];,]+|fi|esac|done|else|then|do|;;|\)|try|finally)\s*$")
#: A string literal, empty ones included, so that a scan never pairs the closing quote of one
#: with the opening quote of the next.
STRING = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'")
NUMBER = re.compile(r"(?<![\w.$-])\d+(?![\w.])")
#: Header names and schemes an example writes, each with a slip a developer could make.
HEADERS = {
    "Authorization": "Authorisation",
    "Bearer": "Bearr",
    "Content-Type": "Content-Typ",
    "Accept": "Acept",
    "X-Kontur-Trace-Id": "X-Kontur-Trace",
}
SWAPS = (
    ("===", "!=="),
    ("!==", "==="),
    ("==", "!="),
    ("!=", "=="),
    ("&&", "||"),
    ("||", "&&"),
    (" and ", " or "),
    (" or ", " and "),
    ("<=", "<"),
    (">=", ">"),
)


#: Flags dropped: the strict build's, and a shell example's options (curl's).
FLAG = re.compile(r"(?<!\S)(?:--fail-on-warning|--keep-going|-n|\$\(STRICT\))(?!\S)")
SHELL_FLAG = re.compile(r"(?<!\S)--?[a-zA-Z][\w-]*(?!\S)")


def _line_changes(line: str, path: str) -> Iterator[tuple[str, str | None]]:
    """(operator, new line) for each slip of this module's set on one line."""
    for match in STRING.finditer(line):
        quote, content = match.group()[0], match.group()[1:-1]
        if not content:
            continue
        yield "string", line[: match.start()] + quote + "XX" + content + quote + line[match.end() :]
    for name, slip in HEADERS.items():
        if name in line:
            yield "header", line.replace(name, slip, 1)
    for match in NUMBER.finditer(line):
        yield "number", line[: match.start()] + str(int(match.group()) + 1) + line[match.end() :]
    for old, new in SWAPS:
        if old in line:
            yield "swap", line.replace(old, new, 1)
    flags = SHELL_FLAG if path.endswith(".sh") else FLAG
    for flag in flags.findall(line):
        dropped = re.sub(rf"(?<!\S){re.escape(flag)}(?!\S) ?", "", line, count=1)
        yield "flag", dropped if line.endswith(" ") else dropped.rstrip(" ")
    if not STRUCTURE.match(line):
        yield "delete", None


def text_mutants(path: str, lines: re.Pattern[str] | None = None) -> Iterator[Candidate]:
    """This module's operators on every line of ``path`` (or those matching ``lines``)."""
    source = (REPO / path).read_text("utf-8")
    rows = source.splitlines(keepends=True)
    for number, row in enumerate(rows):
        line = row.rstrip("\n")
        if not line.strip() or COMMENT.match(line) or (lines and not lines.search(line)):
            continue
        for index, (operator, new) in enumerate(_line_changes(line, path)):
            changed = rows[:number] + ([] if new is None else [new + "\n"]) + rows[number + 1 :]
            text = "".join(changed)
            if text == source:
                continue
            id = f"{path}:{number + 1}:{operator}{index}"
            yield Candidate(id, path, lambda id=id, text=text: _mutant(id, path, source, text))


def area_mutants(area: Area) -> list[Candidate]:
    """Every mutant of the area, in a stable order."""
    found: list[Candidate] = []
    for pattern in area.files:
        for path in sorted(REPO.glob(pattern)):
            relative = str(path.relative_to(REPO))
            if area.kind == "python" and path.suffix == ".py":
                found += python_mutants(relative)
            else:
                found += text_mutants(relative, area.lines)
    return found


def sample(candidates: list[Candidate], size: int = SAMPLE, seed: int = SEED) -> list[Mutant]:
    """A seeded random sample, in its drawn order (any first part is a random sample too)."""
    drawn = random.Random(seed).sample(candidates, min(size, len(candidates)))  # noqa: S311
    return [candidate.write() for candidate in drawn]


# -- the areas and their tests ---------------------------------------------------------------

#: The tests that judge each extension, the cheapest first (``pytest -x``: a mutant dies at
#: the first failure): its small projects, built in seconds, where it has them; the whole
#: site's build only where nothing smaller shows what it does.
EXTENSION_TESTS = {
    "accessibility": ["tests/test_accessibility_small.py", "tests/test_site.py"],
    "descriptions": ["tests/test_descriptions_small.py", "tests/test_publishing.py"],
    "downloads": ["tests/test_downloads_small.py", "tests/test_downloads.py"],
    "example_records": ["tests/test_examples_extension.py"],
    "examples": ["tests/test_examples_extension.py", "tests/test_example_tabs.py"],
    "foreign": ["tests/test_markdown_twins_small.py", "tests/test_markdown_twins.py"],
    "labels": ["tests/test_examples_extension.py", "tests/test_glossary.py"],
    "language_links": ["tests/test_extensions.py", "tests/test_site.py"],
    "literals": [
        "tests/test_glossary.py",
        "tests/test_translation_state_small.py",
        "tests/test_po_tools.py",
    ],
    # What the control does is only seen run in chromium, against a sandbox.
    "live_examples": [
        "tests/test_live_examples_small.py",
        "tests/browser/test_live_examples.py",
    ],
    "markdown_twins": ["tests/test_markdown_twins_small.py", "tests/test_markdown_twins.py"],
    "navigation_cache": [
        "tests/test_navigation_cache_small.py",
        "tests/test_navigation_cache.py",
    ],
    "page_cache": ["tests/test_page_cache.py"],
    "po_files": ["tests/test_translation_state_small.py", "tests/test_po_tools.py"],
    "provenance": ["tests/test_provenance.py"],
    "published_addresses": [
        "tests/test_published_addresses_small.py",
        "tests/test_writer_changes.py",
        "tests/test_publishing.py",
    ],
    "quiet_build": ["tests/test_site.py"],
    "translation_state": ["tests/test_translation_state_small.py"],
    "warned_pages": ["tests/test_warned_pages.py"],
}
#: Tests of those files that build nothing or a small project: run before the file's others,
#: which share the whole site's build (a session fixture, made at the first test asking).
SMALL_FIRST = {
    "tests/test_downloads.py": (
        "test_made_once_and_again",
        "test_the_sdist_is_normalized",
        "test_the_examples_zip_is_dated",
        "test_the_sandbox_package_names",
    ),
    "tests/test_provenance.py": (
        "test_every_kind_of_mark",
        "test_the_mark_follows",
        "test_a_mark_inside",
    ),
    # The descriptions' own test before the two clean builds compared byte for byte.
    "tests/test_publishing.py": ("test_every_page_is_described", "test_read_the_docs"),
}


def _extension_tests(path: str) -> list[str]:
    """The tests of one extension, its declaration to Sphinx first, then its own tests,
    each file's small ones before the rest."""
    tests = [
        f"tests/test_extensions.py::test_extension_declares_parallel_safety[{Path(path).stem}]"
    ]
    for file in EXTENSION_TESTS[Path(path).stem]:
        small = SMALL_FIRST.get(file)
        if small is None:
            tests.append(file)
            continue
        ids = _collected(file)
        tests += sorted(ids, key=lambda id: not any(f"::{name}" in id for name in small))
    return tests


#: Tests of tests/test_snippets.py that build the whole site: left to the extensions' area.
SITE_BUILDS = ("test_pages_show_every_example", "test_the_pages_say_how", "test_copied_code")


#: The runner's tests, cheapest first: `pytest -x` stops at the first failure, so a mutant
#: most tests see dies in the first seconds. An id runs at the place of the first pattern it
#: matches; ids no pattern matches are left out (the site's builds, the examples of other
#: languages than Python past client-credentials, a server that never answers: 30 s of
#: waiting for what the examples do, not the runner).
RUNNER_ORDER = tuple(
    re.compile(pattern)
    for pattern in (
        # What the runner says with no example run: milliseconds each.
        r"test_runner_checks\.py::test_(?!the_runner_names|the_right|recording|a_compiled|what|make)",
        r"test_snippets\.py::test_(every_example_is_collected|tab_order|an_output_that_no)",
        # The control and the wrong examples: a Python run each.
        r"test_runner_checks\.py::test_the_(runner_names|right)",
        # How it runs each language: one task's example in each, on the test site.
        r"::test_example_prints_the_recorded_output\[client-credentials/[^\]]*-test\]",
        # How it plays the person at the keyboard: the Python example of every task.
        r"::test_example_prints_the_recorded_output\[[\w-]+/\w+\.py-test\]",
        r"::test_(missing_variable|unknown_site|failures_say)\w*\[client-credentials/\w+\.py",
        r"::test_(state_is_random|sign_in_refused|device_denied)\[[\w-]+/\w+\.py\]",
        r"::test_example_is_lint_clean\[client-credentials/",
        # Compiling into an empty cache (the scratch copy keeps what earlier mutants compiled),
        # and Java's class archive made there (the shared cache has one already).
        r"::test_a_compiled_(language|java)",
        # A Python started under another locale, or left running with a child of its own.
        r"::test_what_an_example_(prints|left)",
        r"::test_(recording_|make_snippets)",
        r"\[[\w-]+/\w+\.py[\]-]",
        r"::test_example_prints_the_recorded_output\[client-credentials/",
        # How a reader runs each language: the archive's README, every language once.
        r"::test_the_archive_readme_commands",
    )
)


def _runner_tests(_path: str) -> list[str]:
    """The runner's tests in RUNNER_ORDER: its checks on the wrong examples, one task's
    example in each language, the Python example of every task (Python's run costs least;
    the runner plays each task's user the same in every language)."""
    ids = [
        id
        for id in _collected("tests/test_runner_checks.py") + _collected("tests/test_snippets.py")
        if not any(name in id for name in SITE_BUILDS)
    ]
    rank = {id: next((n for n, p in enumerate(RUNNER_ORDER) if p.search(id)), None) for id in ids}
    return [
        *LEAN,
        *sorted((id for id in ids if rank[id] is not None), key=lambda id: rank[id] or 0),
    ]


#: The one test that sees an example give up by its own timeout: every example at once,
#: against a server that never answers (half a minute of waiting), so it runs last.
NEVER_ANSWERS = "tests/test_snippets.py::test_a_server_that_never_answers_times_out"


def _example_tests(path: str) -> list[str]:
    """Every test of tests/test_snippets.py that runs this one example file."""
    file = Path(path)
    mine = _snippet_tests(lambda id: f"{file.parent.name}/{file.name}" in id)
    return [*LEAN, *mine, NEVER_ANSWERS]


def _snippet_tests(keep: Callable[[str], bool]) -> list[str]:
    ids = [id for id in _collected("tests/test_snippets.py") if keep(id)]
    return [id for id in ids if not any(name in id for name in SITE_BUILDS)]


_COLLECTED: dict[str, list[str]] = {}


def _collected(test_file: str) -> list[str]:
    if test_file not in _COLLECTED:
        result = subprocess.run(  # noqa: S603 - the project's own tests
            [sys.executable, "-m", "pytest", "--collect-only", "-q", *PYTEST[2:], test_file],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        _COLLECTED[test_file] = [line for line in result.stdout.splitlines() if "::" in line]
    return _COLLECTED[test_file]


AREAS = {
    area.name: area
    for area in (
        Area("extensions", ("docs/_ext/*.py",), _extension_tests),
        Area("po", ("tools/po.py",), lambda _path: [*LEAN, "tests/test_po_tools.py"]),
        # A mutant that makes the runner think a toolchain is missing must not pass as a skip:
        # this machine has every one, as CI has.
        Area("runner", ("tests/snippets_runner.py",), _runner_tests, env=(("CI", "1"),)),
        Area("examples", ("snippets/*/*.*",), _example_tests, kind="text"),
        Area(
            "settings",
            ("Makefile", "conf.py"),
            lambda _path: [
                "tests/test_settings.py",
                "tests/test_writing_walkthroughs.py::test_make_guide_builds_the_guide_apart",
            ],
            kind="text",
            # The switches that guard behaviour: strictness, the untranslated preview.
            lines=re.compile(
                r"STRICT|ALLOW_UNTRANSLATED|nitpicky|translation_allow|value in \(|"
                r"os\.environ\.get\(name|raise ConfigError|return (True|False)"
            ),
        ),
    )
}
#: Files of snippets/ that are no examples: what the sandbox must receive, recorded outputs.
NOT_EXAMPLES = ("expect.toml", "output.*.txt", "outputs.sha256", "README.md")


def mutants_of(area: Area) -> list[Candidate]:
    found = area_mutants(area)
    if area.name == "examples":
        found = [
            m for m in found if not any(fnmatch.fnmatch(Path(m.path).name, p) for p in NOT_EXAMPLES)
        ]
    return found


# -- running ---------------------------------------------------------------------------------


def scratch_copy(area: str) -> Path:
    """A copy of the repository's files as committed or changed now (not what is ignored)."""
    copy = SCRATCH / area
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],  # noqa: S607
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    shutil.rmtree(copy, ignore_errors=True)
    for name in filter(None, files):
        source = REPO / name.decode()
        if source.is_file():
            target = copy / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target, follow_symlinks=False)
    for shared in (".venv", "node_modules", ".git"):  # read, never written by the tests
        if (REPO / shared).exists():
            (copy / shared).symlink_to(REPO / shared)
    return copy


def judge(
    mutant: Mutant, tests: list[str], copy: Path, env: tuple[tuple[str, str], ...] = ()
) -> tuple[str, float]:
    """Run ``tests`` in ``copy`` with ``mutant`` applied: "killed" or "survived", seconds.

    A test named that the mutant made vanish (its parameters changed) fails nothing, as in
    the whole suite: the others run without it ("not collected" when none fails)."""
    target = copy / mutant.path
    original = target.read_bytes()
    target.write_text(mutant.text, "utf-8")
    started = time.monotonic()
    vanished: list[str] = []
    try:
        code, said = _pytest(tests, copy, env)
        if code == 4 and "ERROR: not found: " in said:
            named = [test for test in tests if "::" in test or test.endswith(".py")]
            files = sorted({test.split("::")[0] for test in named})
            options = [test for test in tests if test not in named]
            _code, listed = _pytest(["--collect-only", *options, *files], copy, env)
            present = set(listed.splitlines())
            vanished = [t for t in tests if "::" in t and t not in present]
            code, said = _pytest([t for t in tests if t not in vanished], copy, env)
    finally:
        target.write_bytes(original)
    seconds = time.monotonic() - started
    if code == 5:  # nothing collected: no test judged it
        return "no tests", seconds
    if code == 0 and vanished:
        return "not collected", seconds
    return ("survived" if code == 0 else "killed"), seconds


def _pytest(tests: list[str], copy: Path, env: tuple[tuple[str, str], ...]) -> tuple[int, str]:
    """pytest's exit code on ``tests`` in ``copy`` (-1: it hung), and what it printed."""
    try:
        result = subprocess.run(  # noqa: S603 - the project's own tests
            [sys.executable, "-m", "pytest", *PYTEST, *tests],
            cwd=copy,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            env={k: v for k, v in os.environ.items() if k != "ALLOW_UNTRANSLATED"} | dict(env),
        )
    except subprocess.TimeoutExpired:
        return -1, ""
    return result.returncode, result.stdout + result.stderr


def load(area: str, results: Path = RESULTS) -> dict:
    path = results / f"{area}.json"
    return json.loads(path.read_text("utf-8")) if path.is_file() else {}


def save(area: str, record: dict) -> None:
    path = RESULTS / f"{area}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", "utf-8")


def commit() -> str:
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    return ""


def run_area(area: Area, size: int, budget: float, fresh: bool, again: bool = False) -> dict:
    """Check the area's sample, going on from the verdicts kept, for at most ``budget`` s;
    ``again``: the survivors kept are checked again (after new tests), but those listed as
    equivalent (no test can kill them: each would cost a run of every test of its file)."""
    chosen = sample(mutants_of(area), size)
    record = {} if fresh else load(area.name)
    if record.get("seed") != SEED or record.get("sample") != size:
        record = {}
    verdicts: dict = record.get("verdicts", {})
    if again:
        entries = equivalent_listed(area.name)
        verdicts = {
            id: v
            for id, v in verdicts.items()
            if v["verdict"] == "killed" or listed(id, v["line"], v.get("was", ""), entries)
        }
    record.update(
        area=area.name,
        seed=SEED,
        sample=size,
        population=len(mutants_of(area)),
        commit=commit(),
    )
    copy = scratch_copy(area.name)
    started = time.monotonic()
    try:
        for number, mutant in enumerate(chosen, 1):
            if mutant.id in verdicts and verdicts[mutant.id]["line"] == mutant.after:
                continue
            if time.monotonic() - started > budget:
                print(f"time budget spent: {number - 1} of {len(chosen)} looked at")
                break
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            verdict, seconds = judge(mutant, area.tests(mutant.path), copy, area.env)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            # CPU seconds of its tests and what they started: on a shared machine, the
            # measure of what a mutant costs (wall seconds follow the load).
            cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            verdicts[mutant.id] = {
                "verdict": verdict,
                "line": mutant.after,
                "was": mutant.before,
                "at": mutant.line,
                "seconds": round(seconds, 1),
                "cpu": round(cpu, 1),
            }
            shown = f"[{number}/{len(chosen)}] {verdict}: {mutant.id}"
            shown += f" ({seconds:.0f} s, cpu {cpu:.1f} s)"
            print(f"{shown}: {mutant.after}", flush=True)
            record["verdicts"] = verdicts
            record["date"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
            save(area.name, record)
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    record["verdicts"] = {m.id: verdicts[m.id] for m in chosen if m.id in verdicts}
    save(area.name, record)
    return record


# -- the ratio -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaKills:
    area: str
    date: str
    sample: int
    population: int
    killed: int
    survivors: tuple[str, ...]
    equivalent: tuple[str, ...]

    @property
    def checked(self) -> int:
        return self.killed + len(self.survivors)

    @property
    def ratio(self) -> float:
        relevant = self.checked - len(self.equivalent)
        return self.killed / relevant if relevant else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% interval of the ratio (Wilson's score interval: sound near 100% too)."""
        n = self.checked - len(self.equivalent)
        if not n:
            return 0.0, 1.0
        z, p = 1.96, self.ratio
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)

    def summary(self) -> str:
        return (
            f"{self.area}: {self.killed} of {self.checked - len(self.equivalent)} mutants killed"
            f" ({self.ratio:.1%}; 95% interval {self.interval[0]:.0%} to {self.interval[1]:.0%}),"
            f" {len(self.equivalent)} equivalent left out;"
            f" {self.checked} of a seeded sample of {self.sample} checked, out of"
            f" {self.population} ({self.date})"
        )


def equivalent_listed(area: str, listing: Path = EQUIVALENT) -> dict[str, dict]:
    """The area's entries: ``{"<file>:<id when judged>": {"line": ..., "why": ...}}``."""
    if not listing.is_file():
        return {}
    return tomllib.loads(listing.read_text("utf-8")).get(area, {})


def file_of(id: str) -> str:
    """The file a mutant id names: ``tests/snippets_runner.py`` of ``...py:py638``."""
    return id.split(":", 1)[0]


def listed(id: str, line: str, was: str, entries: dict[str, dict]) -> bool:
    """Whether the mutant ``id``, which writes ``line`` where ``was`` stood, is an entry's.

    Its file and the line it writes say which, not its id: mutmut numbers the mutants of a
    file in order, so a line added above one renumbers it, while the line it writes stays
    the same wherever it moves (two mutants writing one line in one file are the same change
    in two places, judged alike: ``check=None`` is ``check=False`` wherever it stands). An
    entry may name the line it replaced too (``was``): a deletion must, as every deletion
    writes the same "(deleted)"."""
    return any(
        file_of(key) == file_of(id)
        and entry["line"] == line
        and entry.get("was", was) == was
        and (line != "(deleted)" or "was" in entry)
        for key, entry in entries.items()
    )


def stale(area: Area, listing: Path = EQUIVALENT) -> dict[str, str]:
    """The area's entries that match no mutant of its files now (their code changed), or
    mutants that replace different lines (``output = None``): each with what is wrong."""
    written = [candidate.write() for candidate in mutants_of(area)]
    problems = {}
    for key, entry in equivalent_listed(area.name, listing).items():
        replaced = {m.before for m in written if listed(m.id, m.after, m.before, {key: entry})}
        if not replaced:
            problems[key] = "no mutant writes its line"
        elif len(replaced) > 1:
            problems[key] = f"its line replaces {len(replaced)} different lines: give `was`"
    return problems


def read(area: str, listing: Path = EQUIVALENT, results: Path = RESULTS) -> AreaKills | None:
    """The verdicts of the area's runs so far, or None when none was checked."""
    record = load(area, results)
    verdicts = record.get("verdicts", {})
    if not verdicts:
        return None
    survivors = tuple(sorted(id for id, v in verdicts.items() if v["verdict"] != "killed"))
    entries = equivalent_listed(area, listing)
    equivalent = tuple(
        id
        for id in survivors
        if listed(id, verdicts[id]["line"], verdicts[id].get("was", ""), entries)
    )
    return AreaKills(
        area=area,
        date=record.get("date", ""),
        sample=record.get("sample", 0),
        population=record.get("population", 0),
        killed=sum(v["verdict"] == "killed" for v in verdicts.values()),
        survivors=survivors,
        equivalent=equivalent,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.areas", description=__doc__.split("\n")[0]
    )
    parser.add_argument("area", choices=sorted(AREAS))
    parser.add_argument("--sample", type=int, default=SAMPLE, help="mutants drawn (default 140)")
    parser.add_argument("--budget", type=float, default=math.inf, help="seconds to spend at most")
    parser.add_argument("--fresh", action="store_true", help="forget the verdicts kept")
    parser.add_argument(
        "--again", action="store_true", help="check the survivors kept again (not the equivalent)"
    )
    parser.add_argument("--list", action="store_true", help="list the sample, run nothing")
    parser.add_argument("--survivors", action="store_true", help="only report, with survivors")
    parser.add_argument(
        "--stale", action="store_true", help="list the equivalents matching no mutant, or many"
    )
    args = parser.parse_args(argv)
    area = AREAS[args.area]
    if args.stale:
        problems = stale(area)
        lines = EQUIVALENT.read_text("utf-8").splitlines()
        for id, problem in problems.items():
            header = f'[{area.name}."{id}"]'
            where = next((n for n, line in enumerate(lines, 1) if line == header), 0)
            print(f"{EQUIVALENT.relative_to(REPO)}:{where}: {header}: {problem}")
        return 1 if problems else 0
    if args.list:
        for mutant in sample(mutants_of(area), args.sample):
            print(f"{mutant.id}: {mutant.before!r} -> {mutant.after!r}")
        return 0
    if not args.survivors:
        run_area(area, args.sample, args.budget, args.fresh, args.again)
    kills = read(args.area)
    if kills is None:
        print(f"{args.area}: nothing checked yet", file=sys.stderr)
        return 1
    print(kills.summary())
    verdicts = load(args.area)["verdicts"]
    for id in sorted(set(kills.survivors) - set(kills.equivalent)):
        print(f"  survived: {id}: {verdicts[id]['was']!r} -> {verdicts[id]['line']!r}")
    return 0 if kills.ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
