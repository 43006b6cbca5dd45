"""Pages for integrators name only what an integrator has: no maintainer material.

A reader who followed the sandbox page has the sandbox (`kontur-sandbox` and its options)
and the files of the examples archive; not a copy of this repository, its virtual
environment or its Makefile. Every page but the writers' guide is checked, in both
languages, prose and code blocks alike.
"""

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Comment, Doctype, Tag
from site_build import LANGUAGES, REPO, SiteBuild, html_pages, soup

#: The writers' guide: the one page written for those who build the site.
WRITERS_PAGES = {"writing.html"}


def make_targets() -> list[str]:
    """The Makefile's documented targets (those `make help` lists)."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    return re.findall(r"^([a-z][a-z-]*):.*## ", makefile, flags=re.MULTILINE)


def repository_folders() -> list[str]:
    """The top-level folders of the repository, as git tracks them."""
    listed = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return sorted({path.split("/")[0] for path in listed if "/" in path})


def maintainer_material() -> dict[str, re.Pattern[str]]:
    """What only a copy of the repository has, each with the pattern that finds it."""
    targets = "|".join(map(re.escape, make_targets()))
    folders = "|".join(map(re.escape, repository_folders()))
    return {
        "a make target": re.compile(rf"\bmake\s+(?:[A-Z_]+=\S*\s+)*(?:{targets})\b"),
        # A path that starts at the repository's root; inside an address it is the site's.
        "a repository path": re.compile(rf"(?<![\w./:\\-])(?:{folders})[/\\]\w"),
        "the repository's virtual environment": re.compile(
            r"\.venv[/\\](?:bin|Scripts)[/\\]python\S* -m "
        ),
        "the repository itself": re.compile(
            r"репозитори\w* (?:этого сайта|документации)"
            r"|(?:this site[’']s|the documentation[’']s|documentation) repository",
            re.IGNORECASE,
        ),
    }


def reader_text(page: Path) -> str:
    """What a reader reads on the page: its main content, code blocks included."""
    main = soup(page).select_one("article")
    assert main is not None, f"{page}: no article"
    return " ".join(main.get_text(" ").split())


def test_the_patterns_know_the_makefile_and_the_repository() -> None:
    """The checks below see the targets and folders they exist to keep out."""
    assert {"stub", "test", "doctest", "snippets"} <= set(make_targets())
    assert {"snippets", "tests", "extern_stub"} <= set(repository_folders())
    found = maintainer_material()
    for name, text in {
        "a make target": "запустите make stub STUB_TEST_PORT=1",
        "a repository path": "$ sh snippets/client-credentials/client_credentials.sh",
        "the repository's virtual environment": "$ .venv/bin/python -m extern_stub --seed 1",
        "the repository itself": "shipped in this site’s repository",
    }.items():
        assert found[name].search(text), name
    assert found["the repository itself"].search("В репозитории документации примеры лежат")
    innocent = (
        "$ python3 -m venv .venv && .venv/bin/pip install requests; "
        "https://github.com/skbkontur/extern-api-docs/blob/master/docs/howto/index.rst; "
        "$ sh client-credentials/client_credentials.sh; make sure the key is set"
    )
    assert not any(pattern.search(innocent) for pattern in found.values())


@pytest.mark.parametrize("language", LANGUAGES)
def test_reader_pages_have_no_maintainer_material(built_site: SiteBuild, language: str) -> None:
    root = built_site.html / language
    pages = [page for page in html_pages(root) if page not in WRITERS_PAGES]
    assert "sandbox.html" in pages and "running-examples.html" in pages
    problems = []
    for page in pages:
        text = reader_text(root / page)
        for name, pattern in maintainer_material().items():
            problems += [
                f"{language}/{page}: {name}: …{text[max(0, m.start() - 60) : m.end() + 40]}…"
                for m in pattern.finditer(text)
            ]
    assert not problems, "a reader has none of these:\n" + "\n".join(problems)


def test_the_examples_archive_has_no_maintainer_material(built_site: SiteBuild) -> None:
    (archive,) = (built_site.html / "ru" / "downloads").glob("kontur-extern-examples-*.zip")
    problems = []
    with zipfile.ZipFile(archive) as files:
        names = [name for name in files.namelist() if not name.endswith("/")]
        assert any(name.endswith("/README.md") for name in names)
        for name in names:
            try:
                text = files.read(name).decode("utf-8")
            except UnicodeDecodeError:  # a binary file holds no command
                continue
            problems += [
                f"{name}: {kind}: {match.group(0)!r}"
                for kind, pattern in maintainer_material().items()
                for match in pattern.finditer(text)
            ]
    assert not problems, "a reader has none of these:\n" + "\n".join(problems)


#: Shells nothing in this project runs: the examples and their commands run on Linux, from sh.
UNTESTED_SHELLS = ("powershell", "ps1", "bat", "batch", "doscon", "pwsh-session", "ps1con")
#: What a tab holding such commands must say, in the page's language.
NOT_TESTED = {"ru": "не проверялись", "en": "not tested"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_commands_for_untested_shells_say_they_were_not_tested(
    built_site: SiteBuild, language: str
) -> None:
    """A PowerShell or cmd block stands in a tab (or section) that says it was not tested."""
    root = built_site.html / language
    selector = ", ".join(f"div.highlight-{shell}" for shell in UNTESTED_SHELLS)
    seen, problems = 0, []
    for page in html_pages(root):
        for block in soup(root / page).select(selector):
            seen += 1
            holder = block.find_parent(class_="sphinx-tabs-panel") or block.find_parent("section")
            if NOT_TESTED[language] not in holder.get_text(" "):
                problems.append(f"{language}/{page}: {block.get_text()[:60]!r}")
    assert seen, "no PowerShell or cmd block found: is the selector still right?"
    assert not problems, "commands no test ran, not marked as untested:\n" + "\n".join(problems)


#: Names that stay as they are in every language: the site's title, the copyright holder
#: (conf.py), the format of the pages' twins, and the tools the footer credits.
PROPER_NAMES = ("Kontur.Extern API", "SKB Kontur", "Markdown", "Sphinx", "Furo", "@pradyunsg")
#: Attributes a screen reader speaks or a pointer shows.
SPOKEN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")


def theme_words(page: BeautifulSoup, language: str) -> list[str]:
    """The words the theme puts around the page's text, as a reader meets them.

    Every spoken attribute on the page, and the text outside the page's own (its article,
    and the titles that the navigation and the table of contents repeat). What is marked
    as another language (the language switcher's other names) is left out.
    """

    def in_another_language(element: Tag) -> bool:
        return any(each.get("lang", language) != language for each in (element, *element.parents))

    words: list[str] = []
    for element in page.find_all(True):
        if not in_another_language(element):
            words += [element[name] for name in SPOKEN_ATTRIBUTES if element.get(name)]
    for text in page.find_all(string=True):
        holder = text.parent
        if (
            isinstance(text, (Comment, Doctype))
            or not text.strip()
            or holder.name in ("script", "style")
            or holder.find_parent("article")
            or holder.find_parent(class_=["sidebar-tree", "toc-tree"])
            or in_another_language(holder)
        ):
            continue
        words.append(text.strip())
    return words


def english_left(words: list[str]) -> list[str]:
    """The words with English in them and no Russian, proper names aside."""
    left = []
    for word in words:
        rest = word
        for name in PROPER_NAMES:
            rest = rest.replace(name, "")
        if re.search(r"[A-Za-z]{2,}", rest) and not re.search(r"[А-Яа-яЁё]", rest):
            left.append(word)
    return left


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_theme_speaks_the_language_of_the_page(built_site: SiteBuild, language: str) -> None:
    """furo's and sphinx-tabs' labels, buttons and footer are in the page's language.

    A screen reader reads a Russian page's "Toggle site navigation sidebar" with Russian
    pronunciation rules, and a Russian reader should not meet English chrome at all.
    """
    root = built_site.html / language
    problems = []
    for page in html_pages(root):
        words = theme_words(soup(root / page), language)
        wrong = (
            english_left(words)
            if language == "ru"
            else [word for word in words if re.search(r"[А-Яа-яЁё]", word)]
        )
        problems += [f"{language}/{page}: {word!r}" for word in dict.fromkeys(wrong)]
    assert not problems, "words of the theme not in the page's language:\n" + "\n".join(problems)
