"""The bilingual site: clean builds, matching languages, working links and search."""

import copy
import importlib
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from site_build import LANGUAGES, SiteBuild, html_pages, is_redirect, make_html, soup
from sphinx.search import languages as search_languages
from warm_sphinx import WarmSphinx

CYRILLIC = re.compile(r"[\u0400-\u04FF]")
# Elements whose text is code, not prose, or is deliberately in another language.
NOT_PROSE = "pre, code, kbd, samp, script, style, [lang]:not([lang=en])"


def pages(root: Path) -> list[str]:
    """Every HTML page of one language, relative to its folder.

    Leaves out 404.html: it is served at any address, so its links are absolute
    paths (tests/test_publishing.py checks it).
    """
    return [page for page in html_pages(root) if page != "404.html"]


def local_links(page: Path) -> Iterator[tuple[str, Path, str]]:
    """(href, target file, fragment) for each link that stays on the site."""
    for tag in soup(page).select("a[href], link[href]"):
        href = tag["href"]
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or href.startswith("mailto:"):
            continue
        target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        yield href, target, unquote(parts.fragment)


def test_both_languages_build_without_warnings(built_site: SiteBuild) -> None:
    assert "WARNING" not in built_site.output
    assert "ERROR" not in built_site.output
    for lang in LANGUAGES:
        assert (built_site.html / lang / "index.html").is_file()


def test_every_russian_page_has_an_english_counterpart(built_site: SiteBuild) -> None:
    russian = pages(built_site.html / "ru")
    assert "api-key.html" in russian
    assert pages(built_site.html / "en") == russian


@pytest.mark.parametrize("lang", LANGUAGES)
def test_switcher_leads_to_the_same_page_in_the_other_language(
    built_site: SiteBuild, lang: str
) -> None:
    (other,) = set(LANGUAGES) - {lang}
    root = built_site.html / lang
    for page in pages(root):
        links = soup(root / page).select(".language-switcher a")
        assert [a["hreflang"] for a in links] == [other], page
        target = (root / page).parent / links[0]["href"]
        assert target.resolve() == (built_site.html / other / page).resolve(), page
        assert target.is_file(), page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_declare_their_language_and_no_relative_alternates(
    built_site: SiteBuild, lang: str
) -> None:
    """hreflang alternates must be absolute URLs: a build without the site's address
    (DOCS_BASE_URL) has none; tests/test_publishing.py checks those of a published build."""
    root = built_site.html / lang
    names = html_pages(root)
    assert "api-key.html" in names
    for page in names:
        html = soup(root / page)
        assert html.html["lang"] == lang, page
        assert not html.select("link[rel=alternate][hreflang]"), page


def test_english_pages_have_no_russian_prose(built_site: SiteBuild) -> None:
    root = built_site.html / "en"
    found = []
    for page in pages(root):
        html = copy.copy(soup(root / page))  # the shared tree stays whole
        for tag in html.select(NOT_PROSE):
            tag.decompose()
        found += [
            f"{page}: {line}" for line in html.get_text("\n").splitlines() if CYRILLIC.search(line)
        ]
    assert not found, "Russian text on the English site:\n" + "\n".join(found)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_internal_links_and_anchors_resolve(built_site: SiteBuild, lang: str) -> None:
    root = built_site.html / lang
    broken = []
    anchors: dict[Path, set[str]] = {}  # each page parsed once, however many links lead to it
    for page in pages(root):
        for href, target, fragment in local_links(root / page):
            if not target.is_file():
                broken.append(f"{page}: {href} (no such file)")
            elif fragment and target.suffix == ".html":
                if target not in anchors:
                    anchors[target] = {tag["id"] for tag in soup(target).find_all(id=True)}
                if fragment not in anchors[target]:
                    broken.append(f"{page}: {href} (no such anchor)")
    assert not broken, "\n".join(broken)


def test_sections_have_the_same_anchors_in_both_languages(built_site: SiteBuild) -> None:
    for page in pages(built_site.html / "ru"):
        ids = [
            [s["id"] for s in soup(built_site.html / lang / page).select("section[id]")]
            for lang in LANGUAGES
        ]
        assert ids[0] == ids[1], page


def test_root_index_offers_both_languages_without_javascript(built_site: SiteBuild) -> None:
    html = soup(built_site.html / "index.html")
    links = {a["hreflang"]: a["href"] for a in html.select("body a[hreflang]")}
    assert links == {"ru": "ru/index.html", "en": "en/index.html"}
    assert not html.select("meta[http-equiv=refresh]")
    assert "navigator.language" in html.script.string


@pytest.mark.parametrize(
    ("lang", "query", "docname"),
    [
        ("ru", "ключа", "api-key"),
        ("en", "keys", "api-key"),
        ("ru", "refresh token", "auth/token-lifetime"),
        ("en", "refresh token", "auth/token-lifetime"),
    ],
)
def test_search_index_finds_the_page(
    built_site: SiteBuild, lang: str, query: str, docname: str
) -> None:
    """Like the search page: a page is found when it holds every word of the query."""
    index_js = (built_site.html / lang / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(index_js.removeprefix("Search.setIndex(").removesuffix(")"))
    language = search_languages[lang]
    if isinstance(language, str):  # Sphinx names most languages by import path
        module, _, name = language.rpartition(".")
        language = getattr(importlib.import_module(module), name)
    stemmer = language(None)
    pages_per_word = []
    for word in query.split():
        stem = stemmer.stem(word)
        found = set()
        for field in ("terms", "titleterms"):  # the search page looks in both
            hits = index[field].get(stem, [])
            hits = hits if isinstance(hits, list) else [hits]
            found |= {index["docnames"][hit] for hit in hits}
        pages_per_word.append(found)
    assert docname in set.intersection(*pages_per_word)


def test_copy_button_leaves_out_prompts(built_site: SiteBuild) -> None:
    script = (built_site.html / "ru" / "_static" / "copybutton.js").read_text(encoding="utf-8")
    prompt = re.search(r"formatCopyText\(text, '([^']*)', true", script)
    assert prompt, "copybutton.js carries no prompt pattern"
    pattern = re.compile(prompt.group(1).replace("\\\\", "\\"))
    assert pattern.match("$ curl")
    assert pattern.match(">>> import os")
    assert pattern.match("... print()")
    assert not pattern.match("export KONTUR_SITE=test")
    page = soup(built_site.html / "ru" / "index.html")
    assert page.select('script[src*="copybutton.js"]')


def test_second_build_is_quiet_and_rewrites_no_page(built_site: SiteBuild, tmp_path: Path) -> None:
    # Sphinx regenerates the index and search pages, sphinx-reredirects the redirects of moved
    # pages, on every build; nothing else may change. The second build goes into a copy (the
    # files' dates kept): other workers read the run's build while this one rewrites pages.
    builddir = tmp_path / "_build"
    shutil.copytree(built_site.builddir, builddir, symlinks=True)
    regenerated = {"genindex.html", "search.html"}
    written = {
        path: path.stat().st_mtime_ns
        for lang in LANGUAGES
        for path in (builddir / "html" / lang).glob("**/*.html")
        if path.name not in regenerated and "_static" not in path.parts and not is_redirect(path)
    }
    again = make_html(builddir)
    assert again.returncode == 0, again.output
    # The two languages build side by side, so their lines may interleave: count the phrase.
    assert again.output.count("0 added, 0 changed, 0 removed") == 2, again.output
    # Quiet: nothing changed, so nothing says so, and MyST does not dump its configuration.
    assert "configuration has changed" not in again.output, again.output
    assert "MdParserConfig" not in again.output, again.output
    rewritten = [str(path) for path, mtime in written.items() if path.stat().st_mtime_ns != mtime]
    assert not rewritten, rewritten


def test_broken_page_fails_the_build_with_file_and_line(
    docs_copy: Path, tmp_path: Path, warm_sphinx: WarmSphinx
) -> None:
    (docs_copy / "broken.rst").write_text(
        ":orphan:\n\nBroken\n======\n\nSee :ref:`no-such-label`.\n\n.. nte:: typo\n",
        encoding="utf-8",
    )
    build = make_html(tmp_path / "_build", sourcedir=docs_copy, sphinx=warm_sphinx)
    assert build.returncode != 0
    assert re.search(r"broken\.rst:6: WARNING: undefined label: 'no-such-label'", build.output)
    assert re.search(r'broken\.rst:8: ERROR: Unknown directive type "nte"', build.output)
