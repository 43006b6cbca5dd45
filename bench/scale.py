"""Cold bilingual builds with extra generated pages: the cost per page must not grow.

Plain Sphinx gets the same pages up to BASELINE_SCALE_MAX, to show how much of any
growth is Sphinx's own.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from bench import baseline
from bench.builds import cold_and_baseline
from bench.harness import Bench, Measurement, copy_sources, measure, remove_catalogs
from bench.report import Row, median

#: The example the generated scale pages show.
SCALE_EXAMPLE = "client-credentials"
#: Plain Sphinx is scaled up to this many extra pages (it grows too; more costs minutes).
BASELINE_SCALE_MAX = 200
#: Per-page cost at the largest size over the cost at the next size: at most this.
SCALE_GROWTH_MAX = 1.3


def per_page(base_seconds: float, seconds_by_size: dict[int, float]) -> dict[int, float]:
    """Seconds each extra page adds: (build with n extra pages - build without) / n."""
    return {n: (seconds - base_seconds) / n for n, seconds in sorted(seconds_by_size.items()) if n}


def scale_growth(costs: dict[int, float]) -> float | None:
    """Per-page cost at the largest size over the cost at the next smaller size."""
    sizes = sorted(costs)
    if len(sizes) < 2 or costs[sizes[-2]] <= 0:
        return None
    return costs[sizes[-1]] / costs[sizes[-2]]


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


def has_example_directive(conf: dict[str, object]) -> bool:
    extensions = conf.get("extensions", [])
    return isinstance(extensions, list) and "examples" in extensions


def add_generated_pages(docs: Path, count: int, example: Sequence[str]) -> None:
    """``count`` pages in ``bench-generated/``, listed by a hidden toctree on the root page."""
    folder = docs / "bench-generated"
    folder.mkdir()
    for number in range(1, count + 1):
        page = generated_page(number, example)
        (folder / f"page-{number:04d}.rst").write_text(page, encoding="utf-8")
    with (docs / "index.rst").open("a", encoding="utf-8") as index:
        index.write("\n.. toctree::\n   :hidden:\n   :glob:\n\n   bench-generated/*\n")


def run(bench: Bench) -> None:
    """Each size: a fresh tree with the extra pages, built cold by the site and by plain
    Sphinx; then the cost per extra page, and its growth from size to size."""
    runs = bench.settings.scale_runs
    if bench.cold_seconds is None:
        cold_and_baseline(bench, runs)
    lines, how = example_block(bench.snapshot / "snippets", has_example_directive(bench.conf))
    bench.notes.append(f"scale pages: title, prose, a :ref:, and an example in tabs ({how}).")
    site: dict[int, float] = {}
    plain: dict[int, float] = {}
    site_rows: dict[int, Row] = {}
    plain_rows: dict[int, Row] = {}
    for size in bench.settings.scale:
        tree = bench.scratch / f"scale-{size}"
        shutil.rmtree(tree, ignore_errors=True)
        copy_sources(bench.snapshot, tree)
        add_generated_pages(tree / "docs", size, lines)
        builds: list[Measurement] = []
        for _ in range(runs):
            shutil.rmtree(tree / "_build", ignore_errors=True)
            remove_catalogs(tree / "docs")
            builds.append(measure(bench.make("html", tree / "_build", tree / "docs")))
        site_rows[size] = row = bench.row(f"cold `make html` + {size} pages", "", runs=runs)
        if bench.measured(row, f"make html with {size} extra pages", builds):
            site[size] = median(m.seconds for m in builds)
        if size <= BASELINE_SCALE_MAX:
            conf = baseline.write_conf(bench, tree, tree / "baseline-conf")
            builds = []
            for _ in range(runs):
                shutil.rmtree(tree / "baseline", ignore_errors=True)
                builds.append(measure(baseline.command(bench, tree, tree / "baseline", conf)))
            what = f"baseline: plain Sphinx, RU only + {size} pages"
            plain_rows[size] = row = bench.row(what, "", runs=runs)
            if bench.measured(row, f"baseline with {size} extra pages", builds):
                plain[size] = median(m.seconds for m in builds)
        shutil.rmtree(tree, ignore_errors=True)
    bench.notes.append(
        f"plain Sphinx is scaled up to {BASELINE_SCALE_MAX} extra pages only: beyond that "
        "it would add minutes to the run, and its growth shows already."
    )
    for seconds, base, rows, judged in (
        (site, bench.cold_seconds, site_rows, True),
        (plain, bench.baseline_seconds, plain_rows, False),
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
            bench.judge(rows[sizes[-1]], growth <= SCALE_GROWTH_MAX)
