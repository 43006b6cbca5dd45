"""Addresses are forever: a page that moved or was deleted leaves a redirect behind.

``docs/published-addresses.txt`` lists every page address the site has ever had
(``terms.html``, ``auth/index.html``), one a line; every HTML build adds the pages it
finds and never removes a line. ``docs/redirects.toml`` says where each moved or deleted
page went::

    "terms" = "glossary"

From it, sphinx-reredirects writes ``terms.html`` in each language, leading to
``glossary.html``. The build fails, naming the address and the file's line, when a
listed address has neither a page nor a redirect (a reader's bookmark would 404), when
a redirect leads to no page, and when a redirected page exists again.
"""

import os
import posixpath
import tomllib
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import ConfigError
from sphinx.util import logging
from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

#: Both files live in the source folder (docs/), beside the pages they speak of.
ADDRESSES = "published-addresses.txt"
REDIRECTS = "redirects.toml"
HEADER = (
    "# Every page address the site has ever published, one a line; `make html` adds new\n"
    "# pages and never removes one. A page that is gone needs a redirect in redirects.toml.\n"
)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_redirects(srcdir: Path) -> dict[str, tuple[str, int]]:
    """Old page -> (the page that replaces it, the line of redirects.toml saying so)."""
    path = srcdir / REDIRECTS
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{_shown(path)}: {error}") from error
    lines = text.splitlines()
    found = {}
    for old, new in table.items():
        line = next(
            (n for n, text in enumerate(lines, 1) if text.lstrip().startswith((f'"{old}"', old))),
            0,
        )
        if not isinstance(new, str):
            raise ConfigError(f"{_shown(path)}:{line}: {old!r} must name one page, as a string")
        found[old] = (new, line)
    return found


def read_addresses(srcdir: Path) -> dict[str, int]:
    """Each published address (``auth/index.html``) -> its line in the list."""
    path = srcdir / ADDRESSES
    if not path.is_file():
        return {}
    return {
        line.strip(): number
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.strip() and not line.startswith("#")
    }


def _set_redirects(app: Sphinx) -> None:
    """sphinx-reredirects's ``redirects``: each old page's address of the new page, relative.

    Set once the builder starts, after Sphinx compared the settings with the last build's:
    sphinx-reredirects declares them read with the pages, so a line added to redirects.toml
    would read every page again, though it only adds a redirect file (written every build).
    """
    config = app.config
    config.redirects = {
        old: posixpath.relpath(f"{new}.html", posixpath.dirname(old) or ".")
        for old, (new, _line) in read_redirects(Path(app.srcdir)).items()
    }
    # A page of the reader's language: a title, a link for when scripts are off.
    config.redirect_html_template_file = f"_templates/redirect-{config.language}.html"


def check(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Every published address leads somewhere; every redirect leads to a page."""
    if app.builder.format != "html":
        return []
    srcdir = Path(app.srcdir)
    redirects = read_redirects(srcdir)
    where = _shown(srcdir / REDIRECTS)
    for old, (new, line) in redirects.items():
        if old in env.found_docs:
            logger.warning(
                "%r is a page again: remove its redirect to %r",
                old,
                new,
                location=f"{where}:{line}",
            )
        if new not in env.found_docs:
            logger.warning(
                "the redirect of %r leads to %r, which is no page: name the page that replaces it",
                old,
                new,
                location=f"{where}:{line}",
            )
    listed = _shown(srcdir / ADDRESSES)
    for address, line in read_addresses(srcdir).items():
        page = address.removesuffix(".html")
        if page not in env.found_docs and page not in redirects:
            logger.warning(
                "published address %s would 404: its page is gone; say in %s which page "
                'replaces it ("%s" = "<page>")',
                address,
                where,
                page,
                location=f"{listed}:{line}",
            )
    return []  # checked on every build, read or not: no page to write again


def remove_stale_pages(app: Sphinx, exception: Exception | None) -> None:
    """Delete the HTML pages a clean build would not write: an incremental build is a clean one.

    Sphinx never deletes the output of a page that is gone; copying the folder to a host
    would publish it, with its old navigation.
    """
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    written = {app.builder.get_target_uri(docname) for docname in app.env.found_docs}
    written |= {f"{old}.html" for old in read_redirects(Path(app.srcdir))}
    extra = ("genindex", "search", *app.config.html_additional_pages)
    written |= {f"{page}.html" for page in extra}
    # A page's Markdown twin (page.md, see markdown_twins) goes with its page.
    pages = {app.builder.get_target_uri(docname) for docname in app.env.found_docs}
    written |= {page.removesuffix(".html") + ".md" for page in pages}
    for path in [*outdir.rglob("*.html"), *outdir.rglob("*.md")]:
        relative = path.relative_to(outdir)
        if relative.parts[0].startswith("_") or relative.as_posix() in written:
            continue
        path.unlink()
        logger.info("removed %s: no page writes it any more", _shown(path))


def record(app: Sphinx, exception: Exception | None) -> None:
    """Add the pages of this build to the published addresses (never remove one)."""
    if exception is not None or app.builder.format != "html":
        return
    path = Path(app.srcdir, ADDRESSES)
    known = read_addresses(Path(app.srcdir))
    pages = {f"{docname}.html" for docname in app.env.found_docs}
    if pages <= set(known):
        return
    text = HEADER + "".join(f"{address}\n" for address in sorted(set(known) | pages))
    # The other language's build may write the same at the same time: replace, never mix.
    scratch = path.with_name(f".{path.name}.{os.getpid()}")
    scratch.write_text(text, encoding="utf-8")
    scratch.replace(path)
    logger.info("recorded the new page addresses in %s", _shown(path))


def setup(app: Sphinx) -> ExtensionMetadata:
    """Redirects from docs/redirects.toml; the published addresses checked and recorded."""
    app.setup_extension("sphinx_reredirects")
    app.connect("builder-inited", _set_redirects, priority=400)  # before sphinx-reredirects
    app.connect("env-updated", check)
    app.connect("build-finished", remove_stale_pages)
    app.connect("build-finished", record)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
