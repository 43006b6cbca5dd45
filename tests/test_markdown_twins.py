"""What an integrator's assistant reads: llms.txt, llms-full.txt and each page's Markdown twin.

llms.txt is read with the llmstxt.org reference parser (the ``llms-txt`` package). The
twins are checked against what the built HTML shows and against the example files of
snippets/ themselves: every file an example shows is in the twin whole, in a fenced block
with its language, and every provenance mark of the page is there in words, beside the
statement it marks.
"""

import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from llms_txt import parse_llms_file
from site_build import EXTENSIONS, LANGUAGES, REPO, SiteBuild, html_pages, soup

sys.path.insert(0, str(EXTENSIONS))
from examples import LANGUAGES as EXAMPLE_LANGUAGES
from provenance import KINDS
from provenance import label as mark_label

sys.path.remove(str(EXTENSIONS))

SNIPPETS = REPO / "snippets"
#: Built pages that are no integrator's reading: the writers' guide, and Sphinx's own.
NOT_FOR_READERS = {"404.html", "search.html", "genindex.html", "writing.html"}
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
#: A Russian name quoted on an English page as the reader sees it (the :ru: role in HTML).
QUOTED_NAME = re.compile(r"«[^»\n]*»")


def english_prose(markdown: str) -> str:
    """The text of an English Markdown file without code and quoted Russian names."""
    return QUOTED_NAME.sub("", re.sub(r"`[^`\n]*`", "", FENCED.sub("", markdown)))


FENCED = re.compile(r"^(`{3,})[^\n]*\n.*?^\1$", re.MULTILINE | re.DOTALL)


def reader_pages(root: Path) -> list[str]:
    return [name for name in html_pages(root) if name not in NOT_FOR_READERS]


TWIN_LINK = re.compile(r'<link rel="alternate" type="text/markdown" href="([^"]+)"')


def twin_of(root: Path, name: str) -> Path:
    """The twin a page's head names, as a file of the built site; the page shows it too."""
    html = (root / name).read_text(encoding="utf-8")
    head = TWIN_LINK.search(html)
    assert head, f"{name}: no <link rel=alternate type=text/markdown>"
    visible = re.search(rf'<a [^>]*href="{re.escape(head[1])}"[^>]*>([^<]+)</a>', html)
    assert visible and visible[1].strip(), f"{name}: no visible link to {head[1]}"
    return (root / name).parent / head[1]


def words(text: str) -> str:
    """Text as its words: one space between them, none before punctuation."""
    return re.sub(r" ([.,;:!?])", r"\1", " ".join(text.split()))


def plain(markdown: str) -> str:
    """Markdown as the words it says: no link targets, code marks, emphasis or escapes."""
    text = re.sub(r"\[([^\]]*)\]\([^)\s]*\)", r"\1", markdown)
    text = text.replace("<br/>", " ")
    text = re.sub(r"\\([\\`*_])", r"\1", text)
    text = re.sub(r"[`*]", "", text)
    return words(text.replace("> ", " "))


def marked_text(mark: Tag) -> str:
    """The words of a marked statement in the HTML, without its badge."""
    copy = BeautifulSoup(str(mark), "html.parser")
    for badge in copy.select("[class*=provenance-badge]"):
        badge.decompose()
    return words(copy.get_text())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_llms_txt_lists_every_reader_page_with_links_that_resolve(
    built_site: SiteBuild, lang: str
) -> None:
    root = built_site.html / lang
    parsed = parse_llms_file((root / "llms.txt").read_text(encoding="utf-8"))
    home = soup(root / "index.html").select_one("h1").get_text(" ", strip=True)
    assert parsed.title == home.removesuffix("¶").strip()
    assert parsed.summary, "llms.txt has no summary"
    links = [link for section in parsed.sections.values() for link in section]
    assert links, "llms.txt lists no page"
    listed = {}
    for link in links:
        path = urlsplit(link["url"]).path
        assert not urlsplit(link["url"]).scheme, link["url"]  # a local build stays relative
        assert (root / path).is_file(), f"{lang}/llms.txt: {link['url']} is not in the site"
        assert link["desc"], f"{lang}/llms.txt: {link['title']} has no description"
        listed[path] = link
    expected = {twin_of(root, name).relative_to(root).as_posix() for name in reader_pages(root)}
    assert set(listed) == expected
    for target in re.findall(r"\]\(([^)]+)\)", parsed.info):
        assert (root / target).is_file(), f"{lang}/llms.txt: {target} is not in the site"
    full = (root / "llms-full.txt").read_text(encoding="utf-8")
    for path in listed:
        title = re.search(r"^# .+$", (root / path).read_text(encoding="utf-8"), re.M)[0]
        assert re.search(f"^{re.escape(title)}$", full, re.M), f"{lang}/llms-full.txt: no {path}"
    for target in re.findall(r"\]\(([^)\s]+)\)", FENCED.sub("", full)):
        if not urlsplit(target).scheme and not target.startswith("#"):
            file = root / target.partition("#")[0]
            assert file.is_file(), f"{lang}/llms-full.txt: {target} is not in the site"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_twin_holds_every_example_file_whole_and_the_marks_of_its_page(
    built_site: SiteBuild, lang: str
) -> None:
    root = built_site.html / lang
    language_of = {suffix: language for _label, suffix, language in EXAMPLE_LANGUAGES}
    examples_seen = marks_seen = 0
    for name in reader_pages(root):
        page = soup(root / name)
        twin = twin_of(root, name).read_text(encoding="utf-8")
        for example in page.select("div.example"):
            task = next(c.removeprefix("example-") for c in example["class"] if c != "example")
            files = sorted((SNIPPETS / task).iterdir())
            for path in files:
                if path.name.startswith("output."):
                    language = "text"
                elif path.suffix in language_of:
                    language = language_of[path.suffix]
                else:
                    continue
                text = path.read_text(encoding="utf-8").rstrip()
                block = re.compile(
                    rf"^(`{{3,}}){re.escape(language)}\n{re.escape(text)}\n\1$", re.M
                )
                assert block.search(twin), f"{lang}/{name}: {task}/{path.name} is not whole"
                examples_seen += 1
        said_in_twin = plain(twin)
        for kind in KINDS:
            label = mark_label(kind, lang)
            for mark in page.select(f"span.provenance-{kind}"):
                statement = f"{marked_text(mark)} ({label})"
                assert statement in said_in_twin, f"{lang}/{name}: {statement!r} not in the twin"
                marks_seen += 1
            for block in page.select(f"div.provenance-{kind}"):
                # The quotation opens with the mark's words, then the block's first words
                # (paragraph or code; the marks inside were seen by the loop above).
                title = block.select_one(".admonition-title")
                first = marked_text(title.find_next_sibling())[:40]
                unmarked = said_in_twin
                for other in KINDS:
                    unmarked = unmarked.replace(f" ({mark_label(other, lang)})", "")
                quotations = unmarked.split(f"{label}:")[1:]
                assert any(first in quoted[:200] for quoted in quotations), (
                    f"{lang}/{name}: {first!r} not in a quotation opening with {label!r}"
                )
                marks_seen += 1
        if lang == "en":
            assert not CYRILLIC.search(english_prose(twin)), f"{name}: Russian in the English twin"
    # The site shows its examples and marks: a check that saw none checked nothing.
    assert examples_seen >= 6 * len(EXAMPLE_LANGUAGES) and marks_seen >= 10


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_for_writers_have_no_twin_and_are_not_listed(
    built_site: SiteBuild, lang: str
) -> None:
    root = built_site.html / lang
    llms = (root / "llms.txt").read_text(encoding="utf-8")
    for name in NOT_FOR_READERS:
        assert not (root / name).with_suffix(".md").exists(), name
        assert Path(name).stem + ".md" not in llms, name
    if lang == "en":
        full = (root / "llms-full.txt").read_text(encoding="utf-8")
        assert not CYRILLIC.search(english_prose(full))
        assert not CYRILLIC.search(llms)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_llms_full_is_every_twin_in_the_order_of_llms_txt(built_site: SiteBuild, lang: str) -> None:
    root = built_site.html / lang
    parsed = parse_llms_file((root / "llms.txt").read_text(encoding="utf-8"))
    twins = [link["url"] for section in parsed.sections.values() for link in section]
    full = (root / "llms-full.txt").read_text(encoding="utf-8")
    where = -1
    for number, twin in enumerate(twins):
        anchor = (root / twin).read_text(encoding="utf-8").splitlines()[0]
        assert anchor.startswith("<a id="), twin
        # Each twin after the first is set apart by two blank lines, nothing else.
        found = full.index(anchor if number == 0 else f"\n\n\n{anchor}\n")
        assert found > where, f"{lang}/llms-full.txt: {twin} out of order"
        where = found
    assert full.startswith(anchor_of(root / twins[0]))


def anchor_of(twin: Path) -> str:
    return twin.read_text(encoding="utf-8").splitlines()[0]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_tab_of_a_twin_is_under_its_label(built_site: SiteBuild, lang: str) -> None:
    """Tabs the pages write themselves (the shells of the running-examples page) come panel
    after panel in the twin, each under its tab's label, in the page's order."""
    root = built_site.html / lang
    page = soup(root / "running-examples.html")
    labels = [
        button.get_text(strip=True)
        for button in page.select("article [role=tab]")
        if not button.find_parent(class_=["example", "example-env"])
    ]
    assert len(labels) >= 3, labels
    twin = (root / "running-examples.md").read_text(encoding="utf-8")
    found = re.findall(r"^\*\*(.+):\*\*$", twin, re.M)
    assert [label for label in found if label in labels] == labels
