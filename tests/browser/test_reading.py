"""What a reader does on the built site, in a real chromium, in both languages."""

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browser_support import DESKTOP, PHONE, ConsoleErrors, Served, axe_violations, site_pages
from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from site_build import LANGUAGES
from snippets_runner import LANGUAGES as EXAMPLE_LANGUAGES
from snippets_runner import examples

pytestmark = pytest.mark.browser

PYTHON, CURL = "Python", "curl"


def example_languages() -> set[str]:
    """The languages the examples in snippets/ are written in."""
    return {example.language.name for example in examples()}


def other(lang: str) -> str:
    (result,) = set(LANGUAGES) - {lang}
    return result


def shot_name(path: str, kind: str) -> str:
    return path.removesuffix(".html").replace("/", "_") + f"-{kind}.png"


#: The pages of a language are checked in this many parts (`pages[part::PARTS]`), so that the
#: test workers share them out evenly: all of them take a minute or so of one worker's time
#: for each language and screen size, axe-core most of it.
PARTS = 4
#: The tab of a screen size ("desktop", "phone"), and the console errors of its pages.
ReadingTab = Callable[[str], tuple[Page, ConsoleErrors]]


@pytest.fixture(scope="module")
def reading_tab(browser: Browser, axe: Path) -> Iterator[ReadingTab]:
    """A browser tab per screen size ("desktop", "phone"), axe-core in each of its pages,
    kept for every part: the site's styles and scripts stay in its cache."""
    tabs: dict[str, tuple[Page, ConsoleErrors]] = {}
    contexts: list[BrowserContext] = []

    def tab(kind: str) -> tuple[Page, ConsoleErrors]:
        if kind not in tabs:
            phone = kind == "phone"
            viewport = PHONE if phone else DESKTOP
            context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
            context.add_init_script(path=axe)
            contexts.append(context)
            page = context.new_page()
            tabs[kind] = page, ConsoleErrors(page)
        return tabs[kind]

    yield tab
    for context in contexts:
        context.close()


@pytest.mark.parametrize("part", range(PARTS))
@pytest.mark.parametrize("kind", ["desktop", "phone"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_loads_cleanly_and_accessibly(
    reading_tab: ReadingTab,
    served: Served,
    screenshots: Path,
    lang: str,
    kind: str,
    part: int,
) -> None:
    """No console errors, no axe-core violation in the light or the dark colour scheme,
    no horizontal scrolling on a phone; a screenshot of each. One browser page visits the
    pages of the part in turn."""
    every = site_pages(served.root / lang)
    assert f"{lang}/api-key.html" in every
    pages = every[part::PARTS]
    assert pages, f"{lang}: {len(every)} pages, fewer than the parts they are checked in"
    problems = []
    phone = kind == "phone"
    page, console = reading_tab(kind)
    console.take()  # what an earlier part left, reported there
    for path in pages:
        page.emulate_media(color_scheme="light")
        response = page.goto(served.url(path), wait_until="load")
        assert response is not None
        if response.status != 200:
            problems.append(f"{path}: HTTP {response.status}")
        page.screenshot(path=screenshots / shot_name(path, kind), full_page=True)
        for scheme in ("light", "dark"):  # furo follows the system's scheme by default
            page.emulate_media(color_scheme=scheme)
            problems += [f"{path} ({kind}, {scheme}): {v}" for v in axe_violations(page)]
        problems += [f"{path} ({kind}): console: {text} {url}" for text, url in console.take()]
        if phone:
            width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if width[0] > width[1]:
                problems.append(f"{path}: {width[0]}px wide on a {width[1]}px phone screen")
            # Every tab of a row (six languages) is on the screen: the row wraps.
            off_screen = page.eval_on_selector_all(
                ".sphinx-tabs-tab",
                """tabs => tabs.filter(t => t.offsetParent !== null).filter(t => {
                    const box = t.getBoundingClientRect();
                    return box.left < 0 || box.right > window.innerWidth;
                }).map(t => t.textContent.trim())""",
            )
            if off_screen:
                problems.append(f"{path}: tabs off a phone screen: {off_screen}")
    assert not problems, "\n".join(problems)


def sections(page: Page) -> list[str]:
    """Ids of the sections below the page title."""
    return page.eval_on_selector_all("article section section[id]", "els => els.map(e => e.id)")


def switch_at_last_section(page: Page, served: Served, path: str) -> str | None:
    """On `path` (the page shown), at its last section, switch language: the other
    language's page, at the same section. The path landed on, None if `path` has no section."""
    ids = sections(page)
    if not ids:
        return None
    anchor = ids[-1]  # the last section: far from the top, where a reader lands by link
    page.goto(served.url(f"{path}#{anchor}"))  # same document: no load
    lang = path.split("/", 1)[0]
    page.locator(".sidebar-drawer .language-switcher__link").click()
    page.wait_for_url(f"**/{other(lang)}/**")
    landed = path.replace(f"{lang}/", f"{other(lang)}/", 1)
    assert page.url == f"{served.url(landed)}#{anchor}", path
    assert page.locator(f"[id='{anchor}']").count() == 1, path
    return landed


def test_switcher_keeps_the_page_and_the_section(page: Page, served: Served) -> None:
    """Each way, on every page: the switch from a Russian page lands on its English page,
    where the switch back is checked, so each page is loaded once."""
    checked = dict.fromkeys(LANGUAGES, 0)
    back_checked = set()
    for lang in LANGUAGES:
        for path in site_pages(served.root / lang):
            if path in back_checked:
                continue
            page.goto(served.url(path))
            landed = switch_at_last_section(page, served, path)
            if landed is None:
                continue
            checked[lang] += 1
            if switch_at_last_section(page, served, landed):  # and back, from the page landed on
                checked[other(lang)] += 1
                back_checked.add(landed)
    for lang, count in checked.items():
        assert count >= 2, f"{lang}: no page with sections to switch between"


def tab_states(page: Page) -> list[tuple[str, bool]]:
    """(label, selected and its panel shown) of every language tab (Python, curl, ...)."""
    return page.eval_on_selector_all(
        ".sphinx-tabs-tab.group-tab",
        """(tabs, labels) => tabs.filter(t => labels.includes(t.textContent.trim())).map(t => [
            t.textContent.trim(),
            t.getAttribute("aria-selected") === "true"
              && !document.getElementById(t.getAttribute("aria-controls")).hidden,
        ])""",
        [language.name for language in EXAMPLE_LANGUAGES],
    )


def chosen(page: Page) -> set[str]:
    return {label for label, selected in tab_states(page) if selected}


def pages_with_tabs(served: Served, lang: str) -> list[str]:
    return [
        path
        for path in site_pages(served.root / lang)
        if 'class="sphinx-tabs-tab group-tab' in (served.root / path).read_text("utf-8")
    ]


def check_curl_choice_persists(
    context: BrowserContext, served: Served, paths: list[str], label: str = CURL
) -> None:
    """Choose curl (or `label`) on the first page; every example everywhere follows, for good."""
    first, *rest = paths
    page = context.new_page()
    page.goto(served.url(first))
    assert len(tab_states(page)) >= 2, f"{first}: expected several examples with tabs"
    assert chosen(page) == {PYTHON}, first
    exact = re.compile(f"^{re.escape(label)}$")  # "Java" is not "JavaScript"
    page.locator(".sphinx-tabs-tab.group-tab", has_text=exact).first.click()
    assert chosen(page) == {label}, f"{first}: not every example switched to {label}"
    for path in [*rest, first]:
        page.goto(served.url(path))
        assert chosen(page) == {label}, f"{path}: the choice of {label} was forgotten"
    page.reload()
    assert chosen(page) == {label}, f"{first}: forgotten after a reload"
    page.close()
    # A new visit: a new tab (new session storage) ...
    again = context.new_page()
    again.goto(served.url(first))
    assert chosen(again) == {label}, f"{first}: forgotten in a new tab"
    again.close()


def test_tab_choice_switches_every_example_and_is_remembered(
    browser: Browser, context: BrowserContext, tabs_site: Served
) -> None:
    for lang in LANGUAGES:
        paths = [f"{lang}/tabs-a.html", f"{lang}/tabs-b.html"]
        check_curl_choice_persists(context, tabs_site, paths)
        blank = context.new_page()  # the next language starts afresh
        blank.goto(tabs_site.url("index.html"))
        blank.evaluate("localStorage.clear()")
        blank.close()
    # ... and after the browser is closed and opened again (storage kept, session gone).
    page = context.new_page()
    page.goto(tabs_site.url("en/tabs-a.html"))
    page.locator(".sphinx-tabs-tab.group-tab", has_text=CURL).first.click()
    # Choosing a site (test | production) keeps the language choice.
    page.locator(".sphinx-tabs-tab.group-tab").filter(has_text="Боевая").first.click()
    state = context.storage_state()
    reopened = browser.new_context(viewport=DESKTOP, storage_state=state)
    page = reopened.new_page()
    page.goto(tabs_site.url("en/tabs-b.html"))
    assert chosen(page) == {CURL}
    production = page.locator(".sphinx-tabs-tab.group-tab").filter(has_text="Боевая").first
    assert production.get_attribute("aria-selected") == "true"
    reopened.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_tab_choice_on_the_real_pages(context: BrowserContext, served: Served, lang: str) -> None:
    paths = pages_with_tabs(served, lang)
    if not paths:
        pytest.skip("no page of the site has example tabs yet (the scratch pages test them)")
    # The last language of the tab row (C# once every language is there), by its exact label.
    shown = example_languages()
    last = [language.name for language in EXAMPLE_LANGUAGES if language.name in shown][-1]
    check_curl_choice_persists(context, served, paths, label=last)


def copied_text(page: Page, block: str) -> str:
    """Click the copy button of the code block matching `block`; what the clipboard holds."""
    code = page.locator("div.highlight", has_text=block).first
    code.hover()
    code.locator("button.copybtn").click()
    return page.evaluate("navigator.clipboard.readText()")


def test_copy_button_copies_code_without_prompts(
    browser: Browser, tabs_site: Served, served: Served
) -> None:
    context = browser.new_context(viewport=DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(tabs_site.url("ru/tabs-a.html"))
    assert copied_text(page, "export KONTUR_SITE") == (
        'export KONTUR_SITE=test\necho "$KONTUR_SITE"'
    )
    assert copied_text(page, "import os") == 'import os\nos.environ["KONTUR_SITE"]'
    # And on the real site: a doctest session copies only its input lines, without prompts,
    # and a block without prompts copies exactly its text.
    checked = set()
    for path in site_pages(served.root / "en"):
        if checked == {"session", "plain"}:
            break  # a further page has only kinds already checked
        page.goto(served.url(path))
        for block in page.locator("div.highlight pre").all():
            text = block.inner_text().rstrip()
            kind = "session" if text.startswith(">>> ") else "plain"
            if kind in checked:
                continue
            lines = text.splitlines()
            expected = (
                "\n".join(line[4:] for line in lines if line.startswith((">>> ", "... ")))
                if kind == "session"
                else text
            )
            assert copied_text(page, lines[0]).rstrip() == expected, path
            checked.add(kind)
    assert checked == {"session", "plain"}, f"the English site lacks a code block of kind {checked}"
    context.close()


@pytest.mark.parametrize(("lang", "query"), [("ru", "ключа"), ("en", "keys")])
def test_search_lists_the_api_key_page(page: Page, served: Served, lang: str, query: str) -> None:
    page.goto(served.url(f"{lang}/index.html"))
    search = page.locator(".sidebar-drawer input[name=q]")
    search.fill(query)
    search.press("Enter")
    page.wait_for_url(re.compile(r"search\.html\?q="))
    hit = page.locator("ul.search li a[href*='api-key.html']")
    hit.first.wait_for()
    assert hit.count() >= 1


def luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, two: str) -> float:
    light, dark = sorted((luminance(one), luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# Every piece of code text with its colour and the background of its block.
CODE_COLOURS = """() => [...document.querySelectorAll("div.highlight")].flatMap(block => {
  const background = getComputedStyle(block).backgroundColor;
  return [...block.querySelectorAll("pre, pre span")]
    .filter(el => el.textContent.trim())
    .map(el => [el.textContent.trim().slice(0, 30), getComputedStyle(el).color, background]);
})"""


def check_code_contrast(page: Page, where: str) -> None:
    colours = page.evaluate(CODE_COLOURS)
    assert colours, f"{where}: no code on the page"
    poor = [
        f"{text!r}: {colour} on {background}"
        for text, colour, background in colours
        if contrast(colour, background) < 4.5
    ]
    assert not poor, f"{where}: code hard to read:\n" + "\n".join(poor)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_dark_mode_switch_keeps_code_readable(
    context: BrowserContext, served: Served, screenshots: Path, lang: str
) -> None:
    path = next(
        (
            p
            for p in site_pages(served.root / lang)
            if 'class="highlight' in (served.root / p).read_text()
        ),
        None,
    )
    assert path, f"no page with code on the {lang} site"
    page = context.new_page()
    page.goto(served.url(path))
    body = page.locator("body")
    light_background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert luminance(light_background) > 0.8
    check_code_contrast(page, f"{path}, light")
    toggle = page.locator(".content-icon-container .theme-toggle")
    for _ in range(3):  # furo cycles auto -> dark -> light -> auto
        if body.get_attribute("data-theme") == "dark":
            break
        toggle.click()
    assert body.get_attribute("data-theme") == "dark"
    dark_background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert luminance(dark_background) < 0.1, dark_background
    check_code_contrast(page, f"{path}, dark")
    page.screenshot(path=screenshots / shot_name(path, "dark-desktop"), full_page=True)
    page.reload()
    assert body.get_attribute("data-theme") == "dark", "the dark theme was forgotten"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_missing_page_shows_the_styled_404_page(page: Page, served: Served, lang: str) -> None:
    console = ConsoleErrors(page)
    response = page.goto(served.url(f"{lang}/no/such/page.html"))
    assert response is not None
    assert response.status == 404
    assert (
        page.locator("h1").inner_text()
        == {"ru": "Страница не найдена", "en": "Page not found"}[lang]
    )
    assert page.evaluate(
        "getComputedStyle(document.body).getPropertyValue('--color-brand-primary')"
    )
    # The one error expected: the browser reporting the page's own 404.
    assert [url for _text, url in console.take()] == [served.url(f"{lang}/no/such/page.html")]
    page.locator(".sidebar-drawer .language-switcher__link").click()
    page.wait_for_url(served.url(f"{other(lang)}/index.html"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_markdown_link_is_on_screen_and_reached_by_keyboard(
    browser: Browser, served: Served, lang: str
) -> None:
    """The page's Markdown twin, from a link a reader sees and reaches with Tab alone."""
    path = f"{lang}/auth/client-credentials.html"
    for kind, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        phone = kind == "phone"
        context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
        page = context.new_page()
        page.goto(served.url(path))
        link = page.locator(".markdown-twin a")
        assert link.is_visible(), kind
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], kind
        assert box["height"] >= 24, f"{kind}: a target {box['height']}px high"
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.closest('.markdown-twin') !== null"):
                break
        else:
            pytest.fail(f"{kind}: Tab never reaches the Markdown link")
        twin = page.request.get(served.url(f"{lang}/auth/{link.get_attribute('href')}"))
        assert twin.status == 200, kind
        heading = page.evaluate("document.querySelector('article h1').firstChild.textContent")
        assert f"# {heading}" in twin.text(), kind
        context.close()


# The focused element: its role, label, and whether it is selected (a tab) or shown.
FOCUSED = """() => {
  const el = document.activeElement;
  return [el.getAttribute("role"), el.textContent.trim().slice(0, 40),
          el.getAttribute("aria-selected")];
}"""
# Per row of tabs: the labels of the tabs in the Tab order (tabindex 0), and of the selected.
ROWS = """() => [...document.querySelectorAll('[role="tablist"]')].map(row => {
  const tabs = [...row.querySelectorAll('[role="tab"]')];
  const label = t => t.textContent.trim();
  return [tabs.filter(t => t.tabIndex === 0).map(label),
          tabs.filter(t => t.getAttribute("aria-selected") === "true").map(label)];
})"""


def test_tabs_follow_the_arrow_keys(page: Page, tabs_site: Served) -> None:
    """The WAI-ARIA tabs pattern: arrows, Home and End move to a tab and show it; each row
    has one Tab stop, its selected tab; Tab goes on to the panel shown."""
    page.goto(tabs_site.url("en/tabs-a.html"))
    rows = page.evaluate(ROWS)
    assert rows[0] == [[PYTHON], [PYTHON]], rows
    page.locator('[role="tab"]', has_text=PYTHON).first.focus()
    for key, label in (
        ("ArrowRight", CURL),
        ("ArrowRight", PYTHON),  # wraps around
        ("ArrowLeft", CURL),
        ("Home", PYTHON),
        ("End", CURL),
    ):
        page.keyboard.press(key)
        assert page.evaluate(FOCUSED) == ["tab", label, "true"], key
        rows = page.evaluate(ROWS)
        # The examples' rows (first and third) switch together; each keeps one Tab stop.
        assert rows[0] == rows[2] == [[label], [label]], (key, rows)
    page.keyboard.press("Tab")
    role, text, _ = page.evaluate(FOCUSED)
    assert role == "tabpanel", "Tab"
    assert text.startswith("curl https://example.test/tabs-a/one"), "Tab: not the panel shown"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED) == ["tab", CURL, "true"], "Shift+Tab"
    # A click moves the Tab stop too, in every row of the group.
    page.locator('[role="tab"]', has_text=PYTHON).nth(1).click()
    rows = page.evaluate(ROWS)
    assert rows[0] == rows[2] == [[PYTHON], [PYTHON]], rows


def test_code_that_scrolls_is_reachable_and_scrolls_by_keyboard(
    browser: Browser, served: Served
) -> None:
    """On a phone a long line scrolls inside its block: Tab reaches the block (named), and
    the arrow keys scroll it."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(served.url("en/auth/client-credentials.html"))
    block = page.locator(".highlight pre[tabindex='0']:visible").first
    block.wait_for()  # made a Tab stop once laid out, when it turns out to scroll
    assert block.evaluate("el => el.scrollWidth > el.clientWidth")
    assert block.get_attribute("role") == "group"
    # Named after what it is and the tab it shows under ("Code: Python").
    tab = block.evaluate(
        """el => document.getElementById(
             el.closest("[role=tabpanel]").getAttribute("aria-labelledby")).textContent.trim()"""
    )
    assert block.get_attribute("aria-label") == f"Code: {tab}"
    block.focus()
    assert block.evaluate("el => el.scrollLeft") == 0
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    # Chromium scrolls by keyboard smoothly, over several frames: wait for it to move.
    try:
        page.wait_for_function("el => el.scrollLeft > 0", arg=block.element_handle(), timeout=5000)
    except PlaywrightTimeoutError:
        pytest.fail("the arrow keys do not scroll the code")
    # A block that fits its width is no Tab stop.
    narrow = page.evaluate(
        """() => [...document.querySelectorAll(".highlight pre")].filter(
             el => el.offsetParent && el.scrollWidth <= el.clientWidth && el.tabIndex === 0
           ).length"""
    )
    assert narrow == 0
    context.close()
