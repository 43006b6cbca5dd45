"""What publishing needs: reproducible pages, 404 pages, OpenGraph, a favicon, a sitemap."""

import filecmp
import json
import os
import re
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from site_build import LANGUAGES, REPO, SiteBuild, built_once, html_pages, soup
from warm_sphinx import shared

BASE_URL = "https://docs.example.test/kontur"
OG_LOCALES = {"ru": "ru_RU", "en": "en_US"}
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def differences(one: Path, two: Path) -> list[str]:
    """Files that differ between two folders, or exist in only one of them."""
    found = []
    compare = filecmp.dircmp(one, two)
    found += [f"only in the first build: {name}" for name in compare.left_only]
    found += [f"only in the second build: {name}" for name in compare.right_only]
    _, mismatch, errors = filecmp.cmpfiles(one, two, compare.common_files, shallow=False)
    found += [f"differs: {one / name}" for name in mismatch + errors]
    for name in compare.common_dirs:
        found += differences(one / name, two / name)
    return found


def test_two_clean_builds_are_byte_identical(
    built_site: SiteBuild, rebuilt_site: SiteBuild
) -> None:
    assert not differences(built_site.html, rebuilt_site.html), "\n".join(
        differences(built_site.html, rebuilt_site.html)
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_404_page_works_at_any_address(built_site: SiteBuild, lang: str) -> None:
    page = soup(built_site.html / lang / "404.html")
    assert page.html["lang"] == lang
    assert (
        page.h1.find(string=True).strip()
        == {"ru": "Страница не найдена", "en": "Page not found"}[lang]
    )
    # Served for any missing address, so every local link is a path from the host's root.
    links = [tag.get("href") or tag.get("src") for tag in page.select("link[href], script[src]")]
    links += [a["href"] for a in page.select("a[href]") if not a["href"].startswith("#")]
    relative = [url for url in links if not re.match(r"(/|https?:|mailto:)", url)]
    assert not relative, relative
    for url in links:
        if url.startswith("/"):
            assert (built_site.html / url.split("?")[0].lstrip("/")).is_file(), url
    (switch,) = page.select(".language-switcher a")
    assert switch["href"] == f"/{set(LANGUAGES).difference([lang]).pop()}/index.html"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_404_page_is_not_in_the_search_index(built_site: SiteBuild, lang: str) -> None:
    index_js = (built_site.html / lang / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(index_js.removeprefix("Search.setIndex(").removesuffix(")"))
    not_found = index["docnames"].index("404")
    hits = [
        term
        for field in ("terms", "titleterms")
        for term, docs in index[field].items()
        if not_found in (docs if isinstance(docs, list) else [docs])
    ]
    assert not hits, f"the 404 page is found by: {hits}"
    assert index["terms"], "the search index is empty"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_has_opengraph_tags_and_the_favicon(built_site: SiteBuild, lang: str) -> None:
    root = built_site.html / lang
    generated = {"search.html", "genindex.html"}  # no document, so no description to share
    for name in sorted(set(html_pages(root)) - generated):
        page = soup(root / name)
        og = {tag["property"]: tag["content"] for tag in page.select("meta[property^='og:']")}
        assert og["og:title"] == page.h1.find(string=True).strip(), name
        assert og["og:site_name"] == "Kontur.Extern API", name
        assert og["og:type"] == "website", name
        assert og["og:locale"] == OG_LOCALES[lang], name
        assert og["og:url"].endswith(name), name
        (icon,) = page.select("link[rel~=icon]")
        # 404.html links by path from the host's root (the site's folder here).
        base = built_site.html if icon["href"].startswith("/") else (root / name).parent
        assert (base / icon["href"].lstrip("/")).resolve() == root / "_static/favicon.svg", name
    assert (root / "_static/favicon.svg").read_bytes().startswith(b"<svg")


CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Punctuation run together or after a space ("API;, the", "token..", "( client_id"), and
# the ellipsis sphinxext-opengraph puts where it cuts a text short.
GARBLED = re.compile(r"[;,:.]\s*[;,:]|[;,:]\s*\.|\.\.|\s[;,:.)]|\(\s|…$")


def page_text(page: Path) -> str:
    """What a reader reads on the page (its article), on one line, in small letters."""
    text = " ".join(soup(page).select_one("article").get_text(" ").split()).lower()
    # get_text(" ") spaces every element: "(see <a>the page</a>)." reads "( see the page ) ."
    return re.sub(r"\(\s+", "(", re.sub(r"\s+([).,;:])", r"\1", text))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_is_described_in_sentences_of_its_language(
    built_site: SiteBuild, lang: str
) -> None:
    """Search engines and link previews show the description: whole sentences of the page,
    punctuated as written, in the page's language; the same in meta and OpenGraph."""
    root = built_site.html / lang
    names = sorted(set(html_pages(root)) - {"search.html", "genindex.html"})
    assert "api-key.html" in names
    problems = []
    for name in names:
        page = soup(root / name)
        (meta,) = page.select("meta[name=description]")
        description = meta["content"]
        assert page.select_one("meta[property='og:description']")["content"] == description
        if not description.endswith((".", "!", "?")) or not 40 <= len(description) <= 300:
            problems.append(f"{name}: not whole sentences: {description!r}")
        if found := GARBLED.search(description):
            problems.append(f"{name}: {found.group()!r} in {description!r}")
        if bool(CYRILLIC.search(description)) != (lang == "ru"):
            problems.append(f"{name}: not in the page's language: {description!r}")
        # Every clause is the page's own text, not cut short or run into the next block.
        text = page_text(root / name)
        for clause in re.split(r"(?<=[.;!?])\s+", description):
            if clause.lower().rstrip(".;!?") not in text:
                problems.append(f"{name}: {clause!r} is not on the page")
    assert not problems, "\n".join(problems)


def test_local_build_has_no_sitemap(built_site: SiteBuild) -> None:
    """Without a known address a sitemap would hold relative URLs, which it must not."""
    for lang in LANGUAGES:
        assert not (built_site.html / lang / "sitemap.xml").exists()
        assert not soup(built_site.html / lang / "index.html").select("link[rel=canonical]")


def build_for_the_host(folder: Path) -> SiteBuild:
    builddir = folder / "_build"
    env = {k: v for k, v in os.environ.items() if not k.startswith("READTHEDOCS")}
    result = subprocess.run(
        ["make", "--no-print-directory", "html", f"BUILDDIR={builddir}", *shared().make_vars],
        cwd=REPO,
        env={**env, "DOCS_BASE_URL": BASE_URL},
        capture_output=True,
        text=True,
        check=False,
    )
    return SiteBuild(builddir, result.returncode, result.stdout + result.stderr)


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both languages built for a static host at BASE_URL (`DOCS_BASE_URL`), once per run."""
    build = built_once(tmp_path_factory, "published", build_for_the_host)
    assert build.returncode == 0, build.output
    return build.html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_sitemap_lists_every_page_with_hreflang_alternates(published: Path, lang: str) -> None:
    tree = ElementTree.parse(published / lang / "sitemap.xml")  # noqa: S314 (our own build)
    urls = {
        url.findtext(f"{SITEMAP}loc"): {
            link.get("hreflang"): link.get("href") for link in url.iter(f"{XHTML}link")
        }
        for url in tree.getroot().iter(f"{SITEMAP}url")
    }
    expected = {
        name
        for name in html_pages(published / lang)
        if name not in {"404.html", "search.html", "genindex.html"}
    }
    assert set(urls) == {f"{BASE_URL}/{lang}/{name}" for name in expected}
    for loc, alternates in urls.items():
        name = loc.removeprefix(f"{BASE_URL}/{lang}/")
        assert alternates == {code: f"{BASE_URL}/{code}/{name}" for code in LANGUAGES}, loc
        for code in LANGUAGES:
            assert (published / code / name).is_file(), f"{code}/{name}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_published_pages_carry_absolute_addresses(published: Path, lang: str) -> None:
    page = soup(published / lang / "auth" / "index.html")
    url = f"{BASE_URL}/{lang}/auth/index.html"
    assert page.select_one("link[rel=canonical]")["href"] == url
    assert page.select_one("meta[property='og:url']")["content"] == url
    alternates = {
        tag["hreflang"]: tag["href"] for tag in page.select("link[rel=alternate][hreflang]")
    }
    assert alternates == {code: f"{BASE_URL}/{code}/auth/index.html" for code in LANGUAGES}
    # The switcher stays relative: the same build also works from a copy of the folder.
    switch = page.select_one(".language-switcher a")["href"]
    assert not switch.startswith(("/", "http"))
    not_found = soup(published / lang / "404.html")
    assert not_found.select_one("link[rel~=icon]")["href"] == f"/kontur/{lang}/_static/favicon.svg"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_published_markdown_links_are_absolute(published: Path, lang: str) -> None:
    """An assistant given one file of llms.txt or a twin can follow every link from it."""
    here = f"{BASE_URL}/{lang}/"
    twin = (published / lang / "auth" / "client-credentials.md").read_text(encoding="utf-8")
    llms = (published / lang / "llms.txt").read_text(encoding="utf-8")
    for name, text in (("auth/client-credentials.md", twin), ("llms.txt", llms)):
        targets = re.findall(r"\]\(([^)\s]+)\)", text)
        assert f"{here}running-examples.md" in targets, name
        for target in targets:
            assert target.startswith(("https://", "http://", "mailto:")), f"{name}: {target}"
            if target.startswith(here):
                path = target.removeprefix(here).partition("#")[0]
                assert (published / lang / path).is_file(), f"{name}: {target}"
    page = soup(published / lang / "auth" / "client-credentials.html")
    head = page.select_one('link[rel=alternate][type="text/markdown"]')
    assert head["href"] == f"{here}auth/client-credentials.md"


def test_read_the_docs_builds_one_language_per_project_with_the_same_flags() -> None:
    config = yaml.safe_load((REPO / ".readthedocs.yaml").read_text(encoding="utf-8"))
    assert config["version"] == 2
    commands = "\n".join(config["build"]["commands"])
    assert "make html-$READTHEDOCS_LANGUAGE" in commands
    assert "$READTHEDOCS_OUTPUT/html" in commands
