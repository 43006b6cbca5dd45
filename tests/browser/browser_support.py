"""What the browser tests share: the browser's settings, a static host, page helpers."""

import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.sync_api import ConsoleMessage, Page
from site_build import LANGUAGES, REPO, html_pages

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
# axe-core, pinned in package-lock.json (`make node` installs it).
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
# What axe checks: WCAG 2.1 A and AA, and its best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
PHONE = {"width": 390, "height": 844}

# Two pages with group tabs (Python | curl, and test | production), a code block with
# prompts, added to a scratch copy of docs/, so that tabs and copying are exercised
# even before the real pages carry examples.
TABS_PAGE = """\
:orphan:

.. _{name}:

Вкладки {name}
==============

.. tabs::

   .. group-tab:: Python

      .. code-block:: python

         print("python {name} one")

   .. group-tab:: curl

      .. code-block:: sh

         curl https://example.test/{name}/one

.. tabs::

   .. group-tab:: Тестовая площадка

      Тест.

   .. group-tab:: Боевая площадка

      Бой.

.. tabs::

   .. group-tab:: Python

      .. code-block:: python

         print("python {name} two")

   .. group-tab:: curl

      .. code-block:: sh

         curl https://example.test/{name}/two

.. code-block:: console

   $ export KONTUR_SITE=test
   $ echo "$KONTUR_SITE"

.. code-block:: pycon

   >>> import os
   >>> os.environ["KONTUR_SITE"]
   'test'
"""


@dataclass(frozen=True)
class Served:
    """A built site served over HTTP: ``url("ru/index.html")`` is a page's address."""

    root: Path
    base: str

    def url(self, path: str) -> str:
        return f"{self.base}/{path}"


class StaticHost(SimpleHTTPRequestHandler):
    """Serves files like a static host: a missing page gets its language's 404.html."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        lang = self.path.lstrip("/").split("/", 1)[0]
        page = Path(self.directory) / lang / "404.html"
        if code != 404 or lang not in LANGUAGES or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output for failures


class StaticServer(ThreadingHTTPServer):
    """The static host's server: a browser that goes away mid-answer (a new page, a closed
    tab) is no error of the site's, and its traceback would only clutter a passing run."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # broken pipe, reset
            super().handle_error(request, client_address)


def serve(root: Path) -> Iterator[Served]:
    """Serve `root` on 127.0.0.1 on a free port for as long as the generator lives."""

    def handler(*args: Any) -> StaticHost:
        return StaticHost(*args, directory=str(root))

    server = StaticServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(root, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class ConsoleErrors:
    """Console errors and uncaught exceptions of a page: (text, URL of the source)."""

    def __init__(self, page: Page) -> None:
        self.errors: list[tuple[str, str]] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append((f"uncaught: {error}", "")))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append((message.text, message.location.get("url", "")))

    def take(self) -> list[tuple[str, str]]:
        errors, self.errors = self.errors, []
        return errors


def site_pages(root: Path) -> list[str]:
    """Every page of one language, relative to the site root (`ru/api-key.html`)."""
    return [f"{root.name}/{page}" for page in html_pages(root)]


def axe_violations(page: Page) -> list[str]:
    """What axe-core finds wrong with the page as it is now, one line per rule broken.

    axe must be in the page: ``context.add_init_script(path=AXE)``.
    """
    violations = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                      resultTypes: ["violations"]})
            .then(result => result.violations.map(v => [
                v.id, v.impact, v.help, v.nodes.map(n => n.target.join(" "))]))""",
        AXE_TAGS,
    )
    return [
        f"{rule} ({impact}): {help}: {', '.join(targets[:5])}"
        for rule, impact, help, targets in violations
    ]
