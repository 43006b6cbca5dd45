"""What Kontur's documentation does not promise never appears on a page unmarked.

The sandbox answers with values of its own choosing, copied from the one real token
response the official docs ever showed (2020-2023): a lifetime of 86400 seconds, a
64-hex-character token, its Cache-Control and Pragma headers, a 32-character trace id.
It answers `invalid_client` to a key of the other environment and accepts `extern.api` as
the scope of a client credentials token. Kontur documents none of these today. Wherever a
page shows one, it must sit inside a mark of docs/_ext/provenance.py (`:inferred:`,
`:formerly-documented:`, `:sandbox:` or their directives: an element with the class
`provenance`), in both languages. Recorded outputs of the examples are the sandbox's by
definition: each is shown under the caption "What the example prints in the sandbox".

What the pages do say about Kontur's servers has its source beside it: every link out of a
page's text is an address that docs/sources.toml lists (the sources of the facts the site
is written from), and a mark that rests on one source links to that source.

A mark is read, not only looked at: it never interrupts a sentence (it follows the sentence
or clause it marks, as a footnote's number does), its link says what it is to a screen
reader, and both languages carry the same marks.
"""

import copy
import re
import subprocess
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from site_build import (
    EXTENSIONS,
    LANGUAGES,
    REPO,
    SiteBuild,
    extension,
    html_pages,
    soup,
    sphinx_build,
)

#: The elements read one by one: the smallest blocks of text a reader sees.
BLOCKS = "p, pre, dt, h1, h2, h3, h4, caption"
#: What marks a block: a mark of the provenance extension, or a recorded example output.
MARKED = ".provenance, .example-output"
#: What holds no claim about the servers: the published files' SHA-256 checksums (in the
#: downloads table), which are 64 hexadecimal characters too.
NOT_CLAIMS = re.compile(r"^downloads$")


@dataclass(frozen=True)
class Claim:
    """A statement that needs a mark: a block of text matching every pattern."""

    name: str
    patterns: tuple[str, ...]
    page: str = ""  # only on this page ("" = every page)
    prose_only: bool = False  # code blocks may show it unmarked

    def found_in(self, text: str) -> bool:
        return all(re.search(pattern, text, re.IGNORECASE) for pattern in self.patterns)


OTHER_ENVIRONMENT = r"боев|другой площадк|production|other environment"
CLAIMS = (
    Claim("a token lifetime of 86400 seconds", (r"\b86400\b",)),
    Claim("a 64-character token", (r"\b[0-9a-f]{64}\b|\b64\b",)),
    Claim("the token response's Cache-Control", (r"no-store,\s*no-cache,\s*max-age=0",)),
    Claim("the token response's Pragma", (r"Pragma:\s*no-cache",)),
    Claim("a 32-character trace id", (r"\b[0-9a-f]{32}\b|\b32\b",)),
    Claim("invalid_client for the other environment's key", (r"invalid_client", OTHER_ENVIRONMENT)),
    Claim(
        "extern.api as the client credentials scope",
        (r"(?<!client_id=)extern\.api",),
        page="auth/client-credentials.html",
        prose_only=True,
    ),
)


def unmarked_text(block: Tag) -> str:
    """The text of a block without the marked parts inside it."""
    bare = copy.copy(block)
    for marked in bare.select(MARKED):
        marked.decompose()
    return " ".join(bare.get_text(" ").split())


def unmarked_claims(built_site: SiteBuild, language: str) -> list[str]:
    root = built_site.html / language
    problems = []
    pages = html_pages(root)
    assert "auth/client-credentials.html" in pages
    for page in pages:
        for block in soup(root / page).select(BLOCKS):
            if block.find_parent(class_=re.compile(r"^(provenance|example-output)$")):
                continue
            if block.find_parent("table", class_=NOT_CLAIMS):
                continue
            text = unmarked_text(block)
            for claim in CLAIMS:
                if claim.page and claim.page != page:
                    continue
                if claim.prose_only and block.name == "pre":
                    continue
                if claim.found_in(text):
                    problems.append(f"{language}/{page}: {claim.name}, unmarked: {text[:160]!r}")
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_sandbox_values_are_marked(built_site: SiteBuild, language: str) -> None:
    problems = unmarked_claims(built_site, language)
    assert not problems, "mark these with :inferred: or :sandbox:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_claims_are_on_the_pages_marked(built_site: SiteBuild, language: str) -> None:
    """The check above looks at real text: each value appears, marked, somewhere."""
    root = built_site.html / language
    marked_text = " ".join(
        element.get_text(" ")
        for page in html_pages(root)
        for element in soup(root / page).select(".provenance")
    )
    missing = [claim.name for claim in CLAIMS if not claim.found_in(marked_text)]
    assert not missing, f"{language}: no marked mention of {missing}"


#: A mention of the sources that a reader may want to open.
SOURCE_MENTION = re.compile(
    r"документаци\w* Контура|Kontur\W?s documentation|официальн\w+ SDK|official C# SDK", re.I
)
#: Where the sources live: the published docs, their repository and the SDK's.
SOURCE_ADDRESSES = ("https://developer.kontur.ru/", "https://github.com/skbkontur/")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_mention_of_the_sources_links_to_the_page_meant(
    built_site: SiteBuild, language: str
) -> None:
    root = built_site.html / language
    unlinked, mentions = [], 0
    for page in html_pages(root):
        for block in soup(root / page).select("article p"):
            words = copy.copy(block)
            for badge in words.select(".provenance-badge"):  # a mark's label is no mention
                badge.decompose()
            if not SOURCE_MENTION.search(words.get_text(" ")):
                continue
            mentions += 1
            links = [a.get("href", "") for a in block.select("a.reference.external")]
            if not any(href.startswith(SOURCE_ADDRESSES) for href in links):
                unlinked.append(
                    f"{language}/{page}: {' '.join(block.get_text(' ').split())[:120]!r}"
                )
    assert mentions > 10, f"{language}: only {mentions} mentions of the sources found"
    assert not unlinked, "link the source meant:\n" + "\n".join(unlinked)


#: The sources of the site's claims and every address of them a page may link to.
SOURCES_FILE = REPO / "docs" / "sources.toml"


def known_sources() -> tuple[dict[str, set[str]], set[str]]:
    """Each source's key -> the addresses it lists; and the links that are no source."""
    table = tomllib.loads(SOURCES_FILE.read_text(encoding="utf-8"))
    sources = {source["key"]: set(source["urls"]) for source in table["source"]}
    return sources, set(table["tools"]["urls"])


def mark_sources() -> dict[str, str]:
    """docs/_ext/provenance.py's SOURCES: each kind of mark -> the source it rests on."""
    return extension("provenance").SOURCES


def test_every_kind_of_mark_names_a_known_source() -> None:
    sources, _ = known_sources()
    kinds = mark_sources()
    unknown = {kind: key for kind, key in kinds.items() if key and key not in sources}
    assert not unknown, f"not a [[source]] key of {SOURCES_FILE.name}: {unknown}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_source_link_is_a_known_source(built_site: SiteBuild, language: str) -> None:
    """A link out of a page's text goes to an address that docs/sources.toml lists."""
    sources, tools = known_sources()
    known = set().union(*sources.values()) | tools
    root = built_site.html / language
    unknown, links = [], 0
    for page in html_pages(root):
        for link in soup(root / page).select("article a.reference.external[href^='http']"):
            links += 1
            if link["href"] not in known:
                unknown.append(f"{language}/{page}: {link['href']}")
    assert links > 40, f"{language}: only {links} external links found"
    assert not unknown, f"not an address of {SOURCES_FILE.name}:\n" + "\n".join(unknown)


#: The classes of the kinds of marks, ``provenance-<kind>``.
KIND_CLASSES = {f"provenance-{kind}" for kind in mark_sources()}
#: The block a mark belongs to: its paragraph, list item, cell or its own box.
MARK_BLOCK = ("p", "li", "td", "dd", "div")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_mark_resting_on_a_source_links_to_it(built_site: SiteBuild, language: str) -> None:
    sources, _ = known_sources()
    kinds = mark_sources()
    root = built_site.html / language
    problems, checked = [], 0
    for page in html_pages(root):
        for mark in soup(root / page).select(".provenance"):
            kind = next(
                (name[len("provenance-") :] for name in mark["class"] if name in KIND_CLASSES),
                None,
            )
            if kind is None:
                problems.append(f"{language}/{page}: a mark of no known kind: {mark['class']}")
                continue
            if not kinds[kind]:
                continue
            checked += 1
            block = mark if mark.name == "div" else mark.find_parent(MARK_BLOCK)
            hrefs = {a.get("href") for a in block.select("a.reference.external")}
            if not hrefs & sources[kinds[kind]]:
                text = " ".join(block.get_text(" ").split())[:120]
                problems.append(f"{language}/{page}: {kind} without a link to it: {text!r}")
    assert checked >= 3, f"{language}: only {checked} marks resting on a source found"
    assert not problems, "\n".join(problems)


#: A mark's text block: where a sentence starts and ends.
TEXT_BLOCK = ("p", "li", "dd", "dt", "td", "th", "caption", "h1", "h2", "h3", "h4")
#: Where a sentence or a clause ends: the mark may stand after it.
SENTENCE_END = re.compile(r"[.!?;…][)»”\"]*$")
#: The punctuation that may close a marked phrase before its mark.
CLOSING = '.,;:!?…)]»”"'
#: Where this test puts the mark it looks at, in a copy of its block.
HERE = "\u2063MARK\u2063"


def kind_of(mark: Tag) -> str:
    (kind,) = [
        name[len("provenance-badge-") :] for name in mark["class"] if name != "provenance-badge"
    ]
    return kind


def phrase_marks(page: BeautifulSoup) -> list[Tag]:
    """The marks after a phrase (the role's), as opposed to an admonition's title."""
    return page.select("article sup.provenance-badge")


def around(mark: Tag) -> tuple[str, str]:
    """The text of the mark's block before the mark and after it, other marks left out."""
    block = mark.find_parent(TEXT_BLOCK)
    assert block is not None, f"a mark outside a text block: {mark}"
    index = next(n for n, tag in enumerate(block.select("sup.provenance-badge")) if tag is mark)
    bare = copy.copy(block)
    for number, other in enumerate(bare.select("sup.provenance-badge")):
        if number == index:
            other.replace_with(HERE)
        else:
            other.decompose()
    before, after = " ".join(bare.get_text().split()).split(HERE)
    return before.strip(), after.strip()


def follows_its_phrase(mark: Tag) -> bool:
    """The mark comes right after its marked phrase, or after the punctuation closing it."""
    between = ""
    for sibling in mark.previous_siblings:
        if isinstance(sibling, Tag):
            return "provenance" in sibling.get("class", []) and not between.strip(CLOSING)
        between = str(sibling) + between
    return False


def marks_inside_sentences(root: Path) -> tuple[int, list[str]]:
    """How many phrase marks a language has, and those that interrupt a sentence."""
    count, problems = 0, []
    for page in html_pages(root):
        for mark in phrase_marks(soup(root / page)):
            count += 1
            before, after = around(mark)
            if not follows_its_phrase(mark):
                problems.append(f"{page}: the mark does not follow its phrase: …{before[-80:]}")
            elif after and not SENTENCE_END.search(before):
                problems.append(f"{page}: …{before[-70:]} [MARK] {after[:50]}…")
    return count, problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_mark_interrupts_a_sentence(built_site: SiteBuild, language: str) -> None:
    """A phrase's mark stands at the end of its block or after a sentence's or clause's end."""
    count, problems = marks_inside_sentences(built_site.html / language)
    assert count >= 15, f"{language}: only {count} marks after a phrase found"
    assert not problems, (
        "end the role at the end of its sentence (the mark follows the full stop):\n"
        + "\n".join(problems)
    )


def accessible_name(link: Tag) -> str:
    """The name a screen reader gives a link: aria-label, else its text, hidden text included."""
    return link.get("aria-label") or " ".join(link.get_text().split())


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_mark_says_what_it_is_to_a_screen_reader(
    built_site: SiteBuild, language: str
) -> None:
    provenance = extension("provenance")
    hint = provenance.HINT[language]
    root = built_site.html / language
    stylesheet = (root / "_static" / "site.css").read_text(encoding="utf-8")
    hidden = re.search(r"\.provenance-hint \{([^}]*)\}", stylesheet)
    assert hidden and "position: absolute" in hidden[1] and "clip-path: inset(50%)" in hidden[1]
    problems, kinds = [], Counter()
    for page in html_pages(root):
        for mark in soup(root / page).select("article .provenance-badge"):
            kind = kind_of(mark)
            kinds[kind] += 1
            label = provenance.LABELS[kind][language]
            (link,) = mark.select("a[href]")
            visible = copy.copy(link)
            for text in visible.select(".provenance-hint"):
                text.decompose()
            if accessible_name(link) != " ".join(f"{label}{hint}".split()):
                problems.append(f"{page}: a mark named {accessible_name(link)!r}")
            if " ".join(visible.get_text().split()) != label:
                problems.append(f"{page}: a mark showing {visible.get_text()!r}, not {label!r}")
            target, fragment = urlsplit(link["href"]).path, unquote(urlsplit(link["href"]).fragment)
            explained = soup((root / page).parent / target) if target else soup(root / page)
            if not fragment or explained.find(id=fragment) is None:
                problems.append(f"{page}: a mark linking to {link['href']}, which is not there")
    assert set(kinds) == set(provenance.KINDS), f"{language}: marks of each kind {kinds}"
    assert not problems, "\n".join(problems)


def test_both_languages_carry_the_same_marks(built_site: SiteBuild) -> None:
    def marks(language: str) -> dict[str, Counter[tuple[str, str]]]:
        root = built_site.html / language
        return {
            page: Counter(
                (mark.name, kind_of(mark))
                for mark in soup(root / page).select("article .provenance-badge")
            )
            for page in html_pages(root)
        }

    russian, english = marks("ru"), marks("en")
    assert sum(russian.values(), Counter()), "no marks found"
    different = [page for page in russian if russian[page] != english.get(page)]
    assert not different, f"pages whose marks differ between ru and en: {different}"


#: A small project with the extension and the section its marks link to.
PROJECT_CONF = f"""
import sys
sys.path.insert(0, {str(EXTENSIONS)!r})
extensions = ["provenance"]
language = "ru"
"""
PROJECT_PAGE = """\
Страница
========

.. _sandbox-marks:

Пометки
-------

{text}
"""


def build_page(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    """Build one page holding `text` as `make html` would (warnings are errors)."""
    (tmp_path / "conf.py").write_text(PROJECT_CONF, encoding="utf-8")
    (tmp_path / "index.rst").write_text(PROJECT_PAGE.format(text=text), encoding="utf-8")
    return subprocess.run(
        [sphinx_build(), "-b", "html", "--fail-on-warning", "-n", "-q", ".", "_build"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_mark_follows_the_punctuation_that_closes_its_phrase(tmp_path: Path) -> None:
    result = build_page(tmp_path, "Срок :inferred:`сутки`. В песочнице (:sandbox:`так же`).")
    assert result.returncode == 0, result.stderr
    page = soup(tmp_path / "_build" / "index.html").select_one("article, body")
    html = " ".join(str(page).split())
    assert '<span class="provenance provenance-inferred">сутки</span>.<sup' in html
    assert '<span class="provenance provenance-sandbox">так же</span>).<sup' in html
    assert html.count('<span class="provenance-hint"> (что значат пометки)</span></a></sup>') == 2


@pytest.mark.parametrize(
    "text",
    ["Ответ :inferred:`скорее всего 401`, как и везде.", "Ответ :inferred:`401` всегда."],
    ids=["before a comma", "before more words"],
)
def test_a_mark_inside_a_sentence_fails_the_build_with_file_and_line(
    tmp_path: Path, text: str
) -> None:
    result = build_page(tmp_path, text)
    assert result.returncode != 0
    assert "index.rst:9: WARNING: a mark inside a sentence" in result.stderr, result.stderr
    (warning,) = [line for line in result.stderr.splitlines() if "a mark inside" in line]
    # Its type, as Sphinx shows it and as `suppress_warnings` would name it.
    assert warning.endswith(" so that the mark follows the full stop [provenance.placement]")
