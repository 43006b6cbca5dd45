"""The site's own builds: cold, both languages, against plain Sphinx; then a no-op rebuild
and a rebuild after editing one page, which must re-read that page alone."""

from __future__ import annotations

import re
import shutil

from bench import baseline
from bench.harness import Bench, Measurement, measure, remove_catalogs
from bench.report import median, mib, secs

# -- targets --------------------------------------------------------------------------------

COLD_RATIO_MAX = 2.5  # cold bilingual build / single-language plain Sphinx build
NOOP_SECONDS_MAX = 2.0
EDIT_SECONDS_MAX = 3.0
#: The page edited for the one-page rebuild (a leaf: no other page includes it).
EDITED_PAGE = "api-key.rst"

_ENV_SUMMARY = re.compile(r"(\d+) added, (\d+) changed, (\d+) removed")
_READING = re.compile(r"reading sources\.\.\. \[\s*\d+%\] (\S+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


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


def cold_and_baseline(bench: Bench, runs: int) -> tuple[list[Measurement], list[Measurement]]:
    """Cold `make html` and the baseline of the snapshot, interleaved so that a burst of
    load on the machine hits both alike."""
    tree = bench.snapshot
    conf = baseline.write_conf(bench, tree, bench.scratch / "baseline-conf")
    plain: list[Measurement] = []
    cold: list[Measurement] = []
    # One untimed round first: a fresh clone's first build also writes bytecode caches
    # and fills the OS file cache, which no later build pays for.
    for index in range(runs + 1):
        if index == 1:
            plain.clear()
            cold.clear()
        shutil.rmtree(bench.scratch / "baseline", ignore_errors=True)
        plain.append(measure(baseline.command(bench, tree, bench.scratch / "baseline", conf)))
        shutil.rmtree(bench.scratch / "build", ignore_errors=True)
        remove_catalogs(tree / "docs")
        cold.append(measure(bench.make("html", bench.scratch / "build", tree / "docs")))
    if all(m.ok for m in plain):
        bench.baseline_seconds = median(m.seconds for m in plain)
    if all(m.ok for m in cold):
        bench.cold_seconds = median(m.seconds for m in cold)
    note = baseline.stand_ins_note(conf)
    if note:
        bench.notes.append(note)
    return cold, plain


def run(bench: Bench) -> None:
    """Baseline vs cold bilingual build, then no-op and one-page rebuilds."""
    runs = bench.settings.runs
    tree = bench.snapshot
    build = bench.scratch / "build"
    cold, plain = cold_and_baseline(bench, runs)
    base_row = bench.row(f"baseline: plain Sphinx, RU only ({bench.pages} pages)", "", runs=runs)
    bench.measured(base_row, "baseline build", plain)
    cold_row = bench.row(
        "cold `make html`, RU + EN", "", target=f"≤ {COLD_RATIO_MAX}x baseline", runs=runs
    )
    if not bench.measured(cold_row, "cold make html", cold):
        return
    if bench.cold_seconds and bench.baseline_seconds:
        ratio = bench.cold_seconds / bench.baseline_seconds
        cold_row.value += f" = {ratio:.2f}x baseline"
        bench.judge(cold_row, ratio <= COLD_RATIO_MAX)
    else:
        cold_row.result = "n/a: no baseline"

    noop = [measure(bench.make("html", build, tree / "docs")) for _ in range(runs)]
    rebuild_row(bench, "no-op rebuild, RU + EN", noop, NOOP_SECONDS_MAX, expected_reads=0)

    page = tree / "docs" / EDITED_PAGE
    if not page.exists():
        bench.row(f"rebuild after editing {EDITED_PAGE}", "", result="n/a: no such page")
        return
    edits = []
    for number in range(runs):
        with page.open("a", encoding="utf-8") as source:
            source.write(f"\n.. bench: edit {number}\n")  # a comment: no new messages
        edits.append(measure(bench.make("html", build, tree / "docs")))
    rebuild_row(
        bench, f"rebuild after editing {EDITED_PAGE}", edits, EDIT_SECONDS_MAX, expected_reads=2
    )


def rebuild_row(
    bench: Bench, what: str, runs: list[Measurement], limit: float, expected_reads: int
) -> None:
    row = bench.row(what, "", target=f"< {limit:g} s, re-reads {expected_reads}", runs=len(runs))
    if not all(m.ok for m in runs):
        bench.failed(row, what, next(m for m in runs if not m.ok))
        return
    seconds = median(m.seconds for m in runs)
    reads = [reread_count(m.output) for m in runs]
    if any(r is None for r in reads):
        row.value = f"{secs(seconds)}, re-read count not reported"
        bench.judge(row, False)
        return
    most = max(r for r in reads if r is not None)
    pages = sorted(set(reread_pages(runs[-1].output)))
    listed = f" ({', '.join(pages)})" if pages else ""
    row.value = f"{secs(seconds)}, re-read {most} page(s){listed}"
    row.memory = mib(max(m.max_rss_kib for m in runs))
    bench.judge(row, seconds < limit and most <= expected_reads)
