"""Cost per page at scale: the site and plain Sphinx + furo build the same generated pages.

Each size N adds N generated pages to a copy of the snapshot: a title, prose with a
reference, and an example in tabs, like the site's pages, each with an English catalog
like a real page's (the messages of the page that shows the same example, and its own).
Each tree is built cold, in the same run:

- by the site: ``make html``, both languages side by side;
- by plain Sphinx + furo: the baseline's configuration (``bench/baseline_conf.py``: no
  extensions, stand-ins for the directives only extensions know) with the site's theme,
  Russian only, so its figures are per page and language as they stand.

The measure is CPU time, user and system, of every process of a build: on a shared
machine it hardly depends on what else runs, where wall time does. A page's cost is
(CPU with N pages - CPU with none) / N / languages; the site's must stay flat as N grows,
and under ``PAGE_MS_MAX``.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polib

from bench import baseline
from bench.harness import Bench, Measurement, copy_sources, measure, remove_catalogs
from bench.report import Row, median, mib

#: The example the generated scale pages show.
SCALE_EXAMPLE = "client-credentials"
#: The theme plain Sphinx is given for the comparison: the site's.
PLAIN_THEME = "furo"
#: Per-page cost at the largest size over the cost at the next size: at most this.
SCALE_GROWTH_MAX = 1.3
#: CPU milliseconds per page and language the site may cost, at any size.
PAGE_MS_MAX = 40.0
#: The generated page's own messages: Russian source and English translation.
TITLE = ("Сгенерированная страница {number}", "Generated page {number}")
PROSE = (
    "Страница для замера масштаба: текст, ссылка на :ref:`главную <home>`, вкладки и пример, "
    "как на настоящих страницах сайта.",
    "A page for the scale benchmark: text, a link to the :ref:`home page <home>`, tabs and "
    "an example, as on the site's real pages.",
)
SECTION = ("Раздел", "Section")
#: Where generated pages and their catalogs go, inside a tree's docs/.
GENERATED = "bench-generated"
CATALOGS = Path("locale", "en", "LC_MESSAGES")


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
    title = TITLE[0].format(number=number)
    lines = [
        f".. _bench-page-{number}:",
        "",
        title,
        "=" * len(title),
        "",
        PROSE[0],
        "",
        SECTION[0],
        "-" * len(SECTION[0]),
        "",
        *example,
    ]
    return "\n".join(lines) + "\n"


def generated_catalog(number: int, template: polib.POFile | None) -> polib.POFile:
    """The English catalog of a scale page: the template's messages, then its own."""
    catalog = polib.POFile(wrapwidth=0)
    if template is not None:
        catalog.metadata = dict(template.metadata)
        catalog.extend(entry for entry in template if entry.translated())
    own = [(TITLE[0].format(number=number), TITLE[1].format(number=number)), PROSE, SECTION]
    catalog.extend(polib.POEntry(msgid=msgid, msgstr=msgstr) for msgid, msgstr in own)
    return catalog


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


def template_catalog(docs: Path, example: Sequence[str]) -> Path | None:
    """The English catalog of a real page that shows the same example, if there is one."""
    directive = example[0]
    for page in sorted(docs.rglob("*.rst")):
        if directive in page.read_text(encoding="utf-8").splitlines():
            catalog = docs / CATALOGS / page.relative_to(docs).with_suffix(".po")
            if catalog.is_file():
                return catalog
    return None


def add_generated_pages(docs: Path, count: int, example: Sequence[str]) -> None:
    """``count`` pages in ``bench-generated/``, listed by a hidden toctree on the root page,
    each with an English catalog."""
    folder = docs / GENERATED
    folder.mkdir()
    catalogs = docs / CATALOGS / GENERATED
    catalogs.mkdir(parents=True)
    found = template_catalog(docs, example)
    template = polib.pofile(str(found), wrapwidth=0) if found else None
    for number in range(1, count + 1):
        page = generated_page(number, example)
        (folder / f"page-{number:04d}.rst").write_text(page, encoding="utf-8")
        generated_catalog(number, template).save(str(catalogs / f"page-{number:04d}.po"))
    with (docs / "index.rst").open("a", encoding="utf-8") as index:
        index.write(f"\n.. toctree::\n   :hidden:\n   :glob:\n\n   {GENERATED}/*\n")


@dataclass
class Builder:
    """One of the two builds compared: how to build a tree, and what it measured."""

    name: str
    languages: int
    cpu: dict[int, float]
    rows: dict[int, Row]


def run(bench: Bench) -> None:
    """Each size (0 first): a fresh tree with the extra pages, built cold by the site and by
    plain Sphinx + furo; then the CPU cost per page and language, and its growth."""
    runs = bench.settings.scale_runs
    lines, how = example_block(bench.snapshot / "snippets", has_example_directive(bench.conf))
    site = Builder("site, RU + EN", 2, {}, {})
    plain = Builder(f"plain Sphinx + {PLAIN_THEME}, RU", 1, {}, {})
    largest_plain = max(
        (n for n in bench.settings.scale if n <= bench.settings.plain_max), default=0
    )
    for size in [0, *bench.settings.scale]:
        tree = bench.scratch / f"scale-{size}"
        shutil.rmtree(tree, ignore_errors=True)
        copy_sources(bench.snapshot, tree)
        if size:
            add_generated_pages(tree / "docs", size, lines)
        # One untimed round before the first size: a run's first cold build also pays
        # for bytecode and other first-time caches, which would inflate the +0 base.
        # A quick run, only trying the harness out, goes without it.
        rounds = runs + 1 if size == 0 and not bench.settings.quick else runs
        builds: list[Measurement] = []
        for _ in range(rounds):
            shutil.rmtree(tree / "_build", ignore_errors=True)
            remove_catalogs(tree / "docs")
            builds.append(measure(bench.make("html", tree / "_build", tree / "docs"), timeout=7200))
        record(bench, site, size, builds[rounds - runs :])
        if size <= bench.settings.plain_max:
            conf = baseline.write_conf(bench, tree, tree / "baseline-conf", theme=PLAIN_THEME)
            builds = []
            for _ in range(rounds):
                shutil.rmtree(tree / "baseline", ignore_errors=True)
                command = baseline.command(bench, tree, tree / "baseline", conf)
                builds.append(measure(command, timeout=7200))
            record(bench, plain, size, builds[rounds - runs :])
        shutil.rmtree(tree, ignore_errors=True)
    bench.notes.append(
        f"scale: +N generated pages (title, prose, a :ref:, an example in tabs: {how}; "
        "an English catalog each), built cold by the site (`make html`, RU and EN side by "
        f"side) and by plain Sphinx + {PLAIN_THEME} (the baseline's stand-ins, RU only) up to "
        f"{largest_plain} pages (BENCH_PLAIN_MAX); figures are CPU time, user + system, of "
        "all the build's processes; ms/page/lang = (CPU at N - CPU at 0) / N / languages."
    )
    costs = {b.name: per_page_and_language(b) for b in (site, plain)}
    for builder in (site, plain):
        sizes = sorted(costs[builder.name])
        for size in sizes:
            cost = costs[builder.name][size]
            row = builder.rows[size]
            row.value += f" = {cost * 1000:.1f} ms/page/lang"
            if size != sizes[0]:
                previous = sizes[sizes.index(size) - 1]
                row.value += f" ({cost / costs[builder.name][previous]:.2f}x)"
            if builder is plain and costs[site.name].get(size):
                row.value += f"; {cost / costs[site.name][size]:.1f}x the site's"
            if builder is site:
                row.target = f"≤ {PAGE_MS_MAX:g} ms/page/lang"
                bench.judge(row, cost * 1000 <= PAGE_MS_MAX)
    growth = scale_growth(costs[site.name])
    if growth is not None:
        largest = max(costs[site.name])
        row = bench.row(
            f"scale: site, growth of ms/page/lang to +{largest}",
            f"{growth:.2f}x",
            target=f"≤ {SCALE_GROWTH_MAX}x",
        )
        bench.judge(row, growth <= SCALE_GROWTH_MAX)


def record(bench: Bench, builder: Builder, size: int, builds: list[Measurement]) -> None:
    """A row for one build of one size: CPU and wall time, peak memory; or its failure."""
    row = bench.row(f"scale +{size}: {builder.name}", "", runs=len(builds))
    builder.rows[size] = row
    failed = next((m for m in builds if not m.ok), None)
    if failed is not None:
        bench.failed(row, f"{builder.name} with {size} extra pages", failed)
        return
    cpu = median(m.cpu_seconds for m in builds)
    wall = median(m.seconds for m in builds)
    builder.cpu[size] = cpu
    row.value = f"CPU {cpu:.1f} s (wall {wall:.1f} s)"
    row.memory = mib(max(m.max_rss_kib for m in builds))


def per_page_and_language(builder: Builder) -> dict[int, float]:
    if 0 not in builder.cpu:
        return {}
    costs = per_page(builder.cpu[0], builder.cpu)
    return {n: cost / builder.languages for n, cost in costs.items()}
