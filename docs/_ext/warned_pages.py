"""A page that warned is built again: an incremental build never turns a failure into success.

Sphinx writes a page again only when it (or what it depends on) changed. A warning raised
while a page is written, such as a reference that points nowhere, is then not repeated by
the next build, which "succeeds" and leaves the broken page published. So every page a
warning names is remembered (``<doctreedir>/warned-pages.json``) and read again by the next
build, until it builds without one. A warning about a ``.po`` file names its page.
"""

import json
import logging as std_logging
import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.typing import ExtensionMetadata

#: The file part of a warning's location: ``docs/faq.rst:12``, ``/abs/page.rst:3:<translated>:1``.
LOCATION = re.compile(r"(?P<path>.+?)(?::\d+.*)?")
FILE = "warned-pages.json"


class _RememberWarnedPages(std_logging.Filter):
    """Note the page of every warning that passes (after Sphinx turns locations into text)."""

    def __init__(self, app: Sphinx) -> None:
        super().__init__()
        self.app = app
        self.pages: set[str] = set()

    def filter(self, record: std_logging.LogRecord) -> bool:
        location = LOCATION.fullmatch(str(getattr(record, "location", None) or ""))
        if location and (docname := _page(self.app, Path(location["path"]).resolve())):
            self.pages.add(docname)
        return True


def _page(app: Sphinx, path: Path) -> str | None:
    env = app.env
    if env is None:
        return None
    if path.suffix == ".po":
        for locale_dir in app.config.locale_dirs:
            catalogs = Path(env.srcdir, locale_dir, str(app.config.language), "LC_MESSAGES")
            if path.is_relative_to(catalogs.resolve()):
                return path.relative_to(catalogs.resolve()).with_suffix("").as_posix()
        return None
    return env.path2doc(str(path))


def _filter(app: Sphinx) -> _RememberWarnedPages:
    if not hasattr(app, "warned_pages_filter"):
        app.warned_pages_filter = _RememberWarnedPages(app)  # type: ignore[attr-defined]
        for handler in std_logging.getLogger(logging.NAMESPACE).handlers:
            if isinstance(handler, logging.WarningStreamHandler):
                handler.addFilter(app.warned_pages_filter)  # type: ignore[attr-defined]
    return app.warned_pages_filter  # type: ignore[attr-defined]


def _read_warned_pages(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    path = Path(app.doctreedir, FILE)
    names = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    return [name for name in names if name in env.found_docs and name not in removed]


def _write_warned_pages(app: Sphinx, exception: Exception | None) -> None:
    path = Path(app.doctreedir, FILE)
    pages = set(_filter(app).pages)
    if exception is not None and path.is_file():  # a crashed build proves nothing
        pages |= set(json.loads(path.read_text(encoding="utf-8")))
    if pages or path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(sorted(pages)), encoding="utf-8")


def setup(app: Sphinx) -> ExtensionMetadata:
    """Remember the pages warnings name; read them again next time."""
    _filter(app)
    app.connect("env-get-outdated", _read_warned_pages)
    app.connect("build-finished", _write_warned_pages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
