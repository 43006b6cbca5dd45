"""A real chromium (Debian's, driven by Playwright) against the built site, served over HTTP.

Never downloads Playwright's own browsers: it launches ``$CHROMIUM`` (default
``/usr/bin/chromium``; ``make browser`` installs it). Without it the browser tests
skip, except when ``CI`` is set: there they fail.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import AXE, CHROMIUM, CHROMIUM_ARGS, DESKTOP, TABS_PAGE, Served, serve
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from site_build import REPO, RUSSIAN_ONLY, SiteBuild, built_once, make_html
from warm_sphinx import shared


@pytest.fixture(scope="session")
def served(built_site: SiteBuild) -> Iterator[Served]:
    """The `built_site` fixture's build, over HTTP."""
    yield from serve(built_site.html)


def build_with_tabs_pages(scratch: Path) -> SiteBuild:
    shutil.copytree(REPO / "docs", scratch / "docs")
    if (REPO / "snippets").is_dir():  # pages include examples from ../snippets
        (scratch / "snippets").symlink_to(REPO / "snippets")
    for name in ("tabs-a", "tabs-b"):
        (scratch / "docs" / f"{name}.rst").write_text(TABS_PAGE.format(name=name), "utf-8")
    # The two pages are Russian only: the English build previews them as untranslated.
    # Forks of the test process's warm Sphinx, as the run's other builds of the site.
    return make_html(scratch / "_build", scratch / "docs", options=RUSSIAN_ONLY, sphinx=shared())


@pytest.fixture(scope="session")
def tabs_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The real docs plus two pages with group tabs (tabs-a, tabs-b), built once and served."""
    build = built_once(tmp_path_factory, "tabs", build_with_tabs_pages)
    assert build.returncode == 0, build.output
    yield from serve(build.html)


@pytest.fixture(scope="session")
def screenshots(built_site: SiteBuild) -> Path:
    """Where screenshots go: $SCREENSHOT_DIR (`make test`: _build/screenshots), else the build's."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or built_site.builddir / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} is missing: run `make browser` as root (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def axe() -> Path:
    """axe-core's script, to inject into pages; missing: skip, or fail when CI is set."""
    if not AXE.is_file():
        message = f"{AXE} is missing: run `make node` (npm ci)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh desktop browser profile: empty storage, light colour scheme, Russian locale."""
    context = browser.new_context(viewport=DESKTOP, color_scheme="light", locale="ru-RU")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
