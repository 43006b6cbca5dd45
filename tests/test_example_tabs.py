"""Each tab of an example shows what its label says, on the built site, in both languages.

A language tab holds one file of the task's folder in snippets/, highlighted as that file's
language, under that language's name; a site tab holds the output recorded on the site it
names, and the environment variables of that site. What a label means is read from the
files and from Pygments, never from the tables of docs/_ext/examples.py that the pages
are made from, so a label, an output or a file swapped there (or in a translation) fails.
"""

import re
import textwrap
from pathlib import Path

import pytest
from bs4 import Tag
from pygments.lexers import get_lexer_for_filename
from site_build import LANGUAGES, REPO, SiteBuild, html_pages, soup

SNIPPETS = REPO / "snippets"
#: The one tab not named after its file's language: the shell scripts are the curl examples.
LABEL_OF_LEXER = {"Bash": "curl"}
#: The site (as in KONTUR_SITE and output.<site>.txt) each site tab names, per language.
SITE_LABELS = {
    "ru": {"Тестовая площадка": "test", "Боевая площадка": "production"},
    "en": {"Test environment": "test", "Production environment": "production"},
}


def tabs(block: Tag) -> list[tuple[str, Tag]]:
    """(label, panel) of each tab of one sphinx-tabs block, in order."""
    labels = [
        button.get_text().strip() for button in block.select(":scope > [role=tablist] > [role=tab]")
    ]
    panels = block.select(":scope > [role=tabpanel]")
    return list(zip(labels, panels, strict=True))


def shown_code(panel: Tag) -> tuple[str, str]:
    """The highlighting language of the one code block in `panel`, and its text."""
    (block,) = panel.select("div[class*=highlight-]")
    return code_of(block)


def code_of(block: Tag) -> tuple[str, str]:
    """The highlighting language of a code block, and its text."""
    (language,) = [
        c.removeprefix("highlight-") for c in block["class"] if c.startswith("highlight-")
    ]
    return language, block.pre.get_text()


def region(path: Path) -> str:
    """The lines of `path` between its [START ...] and [END ...] comments, dedented."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(n for n, line in enumerate(lines) if "[START " in line)
    end = next(n for n, line in enumerate(lines) if "[END " in line)
    return textwrap.dedent("".join(lines[start + 1 : end]))


def example_blocks(built_site: SiteBuild, lang: str) -> list[tuple[str, Tag]]:
    """(page, div.example) of every example on the site in `lang`."""
    root = built_site.html / lang
    return [
        (page, container)
        for page in html_pages(root)
        for container in soup(root / page).select("div.example.container")
    ]


def language_tab_problems(page: str, task: str, label: str, panel: Tag) -> list[str]:
    """What is wrong with one language tab: it shows a region of one file of the task first,
    then that whole file in place, then a link to download it, all under the file's language."""
    where = f"{page}, {task}, tab {label!r}"
    blocks = panel.select("div[class*=highlight-]")
    if len(blocks) != 2 or "example-region" not in blocks[0]["class"]:
        return [f"{where}: expected the region, then the whole program"]
    highlight, shown = code_of(blocks[0])
    whole_highlight, code = code_of(blocks[1])
    files = [
        path for path in (SNIPPETS / task).iterdir() if path.read_text(encoding="utf-8") == code
    ]
    if len(files) != 1:
        return [f"{where}: shows {len(files)} files of snippets/{task}/, not one"]
    lexer = get_lexer_for_filename(files[0].name)
    expected = LABEL_OF_LEXER.get(lexer.name, lexer.name)
    problems = []
    if label != expected:
        problems.append(f"{where}: shows {files[0].name}, which belongs under {expected!r}")
    if {highlight, whole_highlight} - set(lexer.aliases):
        problems.append(f"{where}: {files[0].name} highlighted as {highlight}, not {lexer.name}")
    if shown != region(files[0]):
        problems.append(f"{where}: the first block is not the region of {files[0].name}")
    return problems


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_tab_shows_its_language(built_site: SiteBuild, lang: str) -> None:
    problems = []
    checked = 0
    for page, container in example_blocks(built_site, lang):
        task = next(
            c.removeprefix("example-") for c in container["class"] if c.startswith("example-")
        )
        code_tabs = container.select(":scope > div.sphinx-tabs")[0]
        for label, panel in tabs(code_tabs):
            problems += language_tab_problems(page, task, label, panel)
            checked += 1
    assert checked >= 6, f"{lang}: expected examples in several languages on the pages"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_output_is_under_the_site_it_was_recorded_on(built_site: SiteBuild, lang: str) -> None:
    labels = SITE_LABELS[lang]
    checked = set()
    for page, container in example_blocks(built_site, lang):
        task = next(
            c.removeprefix("example-") for c in container["class"] if c.startswith("example-")
        )
        _code_tabs, site_tabs = container.select(":scope > div.sphinx-tabs")
        shown = tabs(site_tabs)
        assert sorted(label for label, _panel in shown) == sorted(labels), f"{page}, {task}"
        for label, panel in shown:
            highlight, text = shown_code(panel)
            recorded = SNIPPETS / task / f"output.{labels[label]}.txt"
            assert highlight == "text", f"{page}, {task}, {label}"
            assert text == recorded.read_text(encoding="utf-8"), (
                f"{page}, {task}: {label} shows another output"
            )
            checked.add(labels[label])
    assert checked == set(labels.values()), f"{lang}: no example outputs on the pages"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_environment_tab_sets_its_site(built_site: SiteBuild, lang: str) -> None:
    labels = SITE_LABELS[lang]
    root = built_site.html / lang
    checked = 0
    for page in html_pages(root):
        for container in soup(root / page).select("div.example-env.container"):
            (block,) = container.select(":scope > div.sphinx-tabs")
            shown = tabs(block)
            assert sorted(label for label, _panel in shown) == sorted(labels), page
            for label, panel in shown:
                _highlight, code = shown_code(panel)
                assert f"export KONTUR_SITE={labels[label]}\n" in code, f"{page}: {label}"
                assert not environment_problems(labels[label], code), (page, label, code)
                checked += 1
    assert checked >= 2, f"{lang}: no environment tabs on the pages"


#: What each variable of an environment tab holds: a placeholder saying so, in its words.
PLACEHOLDER_OF = {"KONTUR_CLIENT_ID": "client-id", "KONTUR_API_KEY": "api-key"}


def environment_problems(site: str, code: str) -> list[str]:
    """What is wrong with one environment tab's `export` lines for `site`: each variable set
    once, in order, the service name's placeholder under KONTUR_CLIENT_ID and the api-key's
    under KONTUR_API_KEY, and the test site's placeholders alone saying "test"."""
    exports = re.findall(r"^export (\w+)=(.*)$", code, re.MULTILINE)
    names = [name for name, _value in exports]
    if names != ["KONTUR_SITE", *PLACEHOLDER_OF]:
        return [f"sets {names}"]
    problems = []
    for name, value in exports[1:]:
        if not value.endswith(PLACEHOLDER_OF[name]):
            problems.append(f"{name}={value}: not a {PLACEHOLDER_OF[name]} placeholder")
        if ("-test-" in value) != (site == "test"):
            problems.append(f"{name}={value}: a placeholder of the other site")
    return problems


def test_environment_problems_are_found() -> None:
    right = "export KONTUR_SITE=test\nexport KONTUR_CLIENT_ID=your-test-client-id\n"
    right += "export KONTUR_API_KEY=your-test-api-key\n"
    assert environment_problems("test", right) == []
    swapped = (
        right.replace("client-id", "@").replace("api-key", "client-id").replace("@", "api-key")
    )
    assert len(environment_problems("test", swapped)) == 2
    assert len(environment_problems("production", right)) == 2
    assert environment_problems("test", right.replace("SITE", "ENV")) != []


#: What names a request in the code: the address of an endpoint the examples call.
REQUEST = re.compile(r"/connect/(token|deviceauthorization)\b|/v1\b")
#: The reader sees the request within this many lines of a tab.
FIRST_SCREEN = 15


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_tab_shows_the_request_first_and_the_whole_program_in_reach(
    built_site: SiteBuild, lang: str
) -> None:
    """In every language tab of every task: the first request within the first 15 lines
    shown, and the whole program both expandable in place and downloadable."""
    root = built_site.html / lang
    problems, tasks = [], set()
    for page, container in example_blocks(built_site, lang):
        task = next(
            c.removeprefix("example-") for c in container["class"] if c.startswith("example-")
        )
        code_tabs = container.select(":scope > div.sphinx-tabs")[0]
        for label, panel in tabs(code_tabs):
            where = f"{page}, {task}, tab {label!r}"
            tasks.add(task)
            first = panel.select_one("div[class*=highlight-]")
            lines = first.pre.get_text().splitlines() if first else []
            line = next((n for n, text in enumerate(lines, 1) if REQUEST.search(text)), None)
            if line is None or line > FIRST_SCREEN:
                problems.append(f"{where}: the first request is on shown line {line}")
            details = panel.select_one("details")
            summary = details and details.select_one(":scope > summary")
            program = details and details.select_one("div.highlight pre")
            if not (summary and summary.get_text(strip=True) and program):
                problems.append(f"{where}: no whole program to expand in place")
                continue
            link = panel.select_one("a.download[href]")
            target = link and (root / page).parent / link["href"]
            if not target or not target.is_file():
                problems.append(f"{where}: no download of the program")
            elif target.read_text(encoding="utf-8") != program.get_text():
                problems.append(f"{where}: the download is not the program shown")
    assert tasks == {path.name for path in SNIPPETS.iterdir() if path.is_dir()}, tasks
    assert not problems, "\n".join(problems)
