"""The JavaScript examples run from their pages, in chromium, against a sandbox: the same
lines as the recording, a clear sentence when the sandbox is stopped or refuses the page."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, ConsoleErrors, Served, axe_violations, serve
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Playwright, expect
from site_build import REPO, extension
from snippets_runner import masked, public, tasks

from extern_stub.pytest_plugin import DEVICE_INTERVAL, SEED
from extern_stub.server import StubServer
from extern_stub.sites import Site

pytestmark = pytest.mark.browser

#: Each language runs the examples on one environment: both are covered.
SITE_OF = {"ru": "test", "en": "production"}
#: The site tabs of the recorded output, in each language.
LIVE_SITE_TABS = extension("examples").LABELS
#: Seconds a run may take: the device flow polls every DEVICE_INTERVAL seconds.
RUN_TIMEOUT = 30_000


@pytest.fixture(scope="module")
def sandbox_server(served: Served) -> Iterator[StubServer]:
    """A seeded sandbox that answers the served site's pages, as the reader starts it with
    `kontur-sandbox --allow-origin ...`."""
    with StubServer(
        seed=SEED, device_interval=DEVICE_INTERVAL, allowed_origins=[served.base]
    ) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: StubServer) -> StubServer:
    sandbox_server.reset()
    return sandbox_server


@pytest.fixture(scope="module")
def foreign(served: Served) -> Iterator[Served]:
    """The same site from another origin, one the sandbox was not told of."""
    yield from serve(served.root)


@pytest.fixture
def live_context(browser: Browser, axe: Path) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(path=axe)
    context.set_default_timeout(10_000)
    yield context
    context.close()


def javascript_tab(page: Page, url: str, task: str) -> Locator:
    """The example of `task` on the page at `url`, its JavaScript tab shown."""
    page.goto(url)
    example = page.locator(f".example-{task}").first
    example.get_by_role("tab", name="JavaScript").click()
    return example


def fill_settings(example: Locator, site: str, identity: str) -> None:
    """The Run control's form: the environment and the sandbox's address."""
    control = example.locator(".live-run:visible")
    control.locator("summary").click()
    control.locator('select[name="KONTUR_SITE"]').select_option(site)
    for name in ("KONTUR_IDENTITY_URL", "KONTUR_API_URL"):
        control.locator(f'input[name="{name}"]').fill(identity)


def run(example: Locator) -> None:
    example.locator(".live-run:visible .live-run__start").click()


def output(page: Page | Locator) -> str:
    return page.locator(".live-output .live-output__text").inner_text()


def wait_for_exit(example: Locator) -> str:
    end = example.locator(".live-output .live-output__end")
    expect(end).to_have_text(re.compile(r"\b0\b"), timeout=RUN_TIMEOUT)
    return end.inner_text()


def printed_address(page: Page, pattern: str) -> str:
    expect(page.locator(".live-output__text")).to_contain_text(pattern, timeout=RUN_TIMEOUT)
    match = re.search(rf"{re.escape(pattern)}\S*", output(page))
    assert match, output(page)
    return match.group(0)


def sign_in(context: BrowserContext, site: Site, address: str, button: str) -> Page:
    """Open an address the program printed, sign in as the demo user, press `button`."""
    page = context.new_page()
    page.goto(address)
    page.get_by_label("Login").fill(site.user_login)
    page.get_by_label("Password").fill(site.user_password)
    page.get_by_role("button", name=button).click()
    return page


def approve_device(context: BrowserContext, page: Page, site: Site) -> None:
    address = printed_address(page, f"{site.base_url}/device?user_code=")
    approved = sign_in(context, site, address, "Approve")
    expect(approved.locator("body")).to_contain_text("Device approved")
    approved.close()


def sign_in_and_paste(context: BrowserContext, page: Page, site: Site) -> None:
    """Sign in at the authorize address; paste where the browser was sent into the program."""
    address = printed_address(page, f"{site.base_url}/connect/authorize?")
    redirects: list[str] = []
    browser_page = context.new_page()
    # Nothing listens on the redirect address: the reader copies it from the address bar.
    browser_page.route(
        re.compile(r"^http://127\.0\.0\.1:8400/callback"),
        lambda route: (redirects.append(route.request.url), route.fulfill(body="callback")),
    )
    browser_page.goto(address)
    browser_page.get_by_label("Login").fill(site.user_login)
    browser_page.get_by_label("Password").fill(site.user_password)
    browser_page.get_by_role("button", name="Allow").click()
    browser_page.wait_for_url(re.compile(r"/callback\?"))
    browser_page.close()
    (redirect,) = redirects
    field = page.locator(".live-output__input input")
    expect(field).to_be_visible()
    field.fill(redirect)
    field.press("Enter")


def page_of(served: Served, lang: str, task: str) -> str:
    """The first page of `lang` that shows the example of `task`."""
    for path in sorted((served.root / lang).rglob("*.html")):
        if f"example example-{task} " in path.read_text("utf-8"):
            return path.relative_to(served.root).as_posix()
    raise AssertionError(f"no page of {lang} shows the example {task}")


USERS = {"device": approve_device, "browser": sign_in_and_paste}


def pending_poll(text: str, url: str, site: Site) -> bool:
    """Whether a console error is chromium's line for a token poll answered 400."""
    return url == f"{site.base_url}/connect/token" and "status of 400" in text


@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("task", [task.name for task in tasks()])
def test_the_javascript_example_runs_from_its_page_as_recorded(
    live_context: BrowserContext, served: Served, sandbox: StubServer, task: str, lang: str
) -> None:
    (spec,) = [candidate for candidate in tasks() if candidate.name == task]
    site = sandbox.sites[SITE_OF[lang]]
    page = live_context.new_page()
    console = ConsoleErrors(page)
    example = javascript_tab(page, served.url(page_of(served, lang, task)), task)
    fill_settings(example, site.name, site.base_url)
    example.get_by_role("tab", name=LIVE_SITE_TABS[site.name][lang]).click()
    recording = example.locator(".example-output:visible pre").inner_text()
    run(example)
    if spec.user:
        USERS[spec.user](live_context, page, site)
    ended = wait_for_exit(example)
    assert "0" in ended
    recorded = (spec.folder / f"output.{site.name}.txt").read_text("utf-8")
    assert masked(public(output(example), site)) == masked(recorded)
    # In place of the recording, marked as a live run, with the way back.
    assert not example.locator(".example-output:visible").count()
    expect(example.locator(".live-output__title")).to_contain_text(LIVE_SITE_TABS[site.name][lang])
    assert site.api_key not in page.locator("body").inner_text()
    assert not axe_violations(page)
    example.get_by_role("button", name=re.compile("recording|запись")).click()
    expect(example.locator(".example-output:visible pre")).to_have_text(recording)
    assert not example.locator(".live-output").is_visible()
    errors = console.take()
    if spec.user == "device":
        # A poll before the person approved is answered 400, authorization_pending (RFC 8628,
        # 3.5), and chromium logs every 4xx answer to fetch as an error: on a busy machine
        # the approval comes after the first poll.
        errors = [(text, url) for text, url in errors if not pending_poll(text, url, site)]
    assert not errors


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_a_stopped_sandbox_is_named_with_the_command_that_starts_it(
    live_context: BrowserContext, served: Served, lang: str
) -> None:
    with StubServer() as stopped:
        address = stopped.sites["test"].base_url
    page = live_context.new_page()
    url = served.url(f"{lang}/auth/client-credentials.html")
    example = javascript_tab(page, url, "client-credentials")
    fill_settings(example, "test", address)
    run(example)
    status = example.locator(".live-run:visible .live-run__status")
    expect(status).to_contain_text(address)
    expect(status.locator("code")).to_have_text("kontur-sandbox")
    assert not page.locator(".live-output").count()


NOT_LOADED = {"ru": "Не удалось загрузить программу примера", "en": "Could not load"}


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_a_program_that_does_not_load_is_named_with_its_address(
    live_context: BrowserContext, served: Served, sandbox: StubServer, lang: str
) -> None:
    """The download behind the tab fails (a stale page, a lost connection): the control
    says which file and why, and runs nothing."""
    page = live_context.new_page()
    page.route("**/*.mjs", lambda route: route.fulfill(status=404, body="not found"))
    example = javascript_tab(
        page, served.url(f"{lang}/auth/client-credentials.html"), "client-credentials"
    )
    fill_settings(example, "test", sandbox.sites["test"].base_url)
    run(example)
    status = example.locator(".live-run:visible .live-run__status")
    expect(status).to_contain_text(NOT_LOADED[lang])
    expect(status).to_contain_text("client_credentials.mjs")
    expect(status).to_contain_text("HTTP 404")
    assert not page.locator(".live-output").count()


def test_a_page_of_a_foreign_origin_is_refused(
    live_context: BrowserContext, served: Served, foreign: Served, sandbox: StubServer
) -> None:
    """The same site from an origin the sandbox was not told of: nothing reaches the
    token endpoint, and the reader is told the option that would allow it."""
    site = sandbox.sites["test"]
    page = live_context.new_page()
    url = foreign.url("en/auth/client-credentials.html")
    example = javascript_tab(page, url, "client-credentials")
    fill_settings(example, "test", site.base_url)
    run(example)
    status = example.locator(".live-run:visible .live-run__status")
    expect(status.locator("code")).to_have_text(f"kontur-sandbox --allow-origin {foreign.base}")
    assert foreign.base != served.base
    assert "/connect/token" not in [request.path for request in site.requests]
    assert not page.locator(".live-output").count()


@pytest.fixture
def public_browser(playwright: Playwright, served: Served) -> Iterator[Browser]:
    """A chromium that takes the served site for a public one, as the published site is:
    its requests to the sandbox cross into the loopback address space (Local Network
    Access). Chromium's own flag for testing that, from its documentation."""
    port = served.base.rsplit(":", 1)[1]
    override = f"--ip-address-space-overrides=127.0.0.1:{port}=public"
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, override]
    )
    yield browser
    browser.close()


def test_a_public_page_runs_once_the_browser_allows_local_network_access(
    public_browser: Browser, served: Served, sandbox: StubServer
) -> None:
    """Without the permission (headless chromium cannot ask) the Run control says the
    browser blocks the page; with it, the example runs as recorded."""
    site = sandbox.sites["test"]
    url = served.url("en/auth/client-credentials.html")
    denied = public_browser.new_context()
    page = denied.new_page()
    example = javascript_tab(page, url, "client-credentials")
    fill_settings(example, "test", site.base_url)
    run(example)
    status = example.locator(".live-run:visible .live-run__status")
    expect(status).to_have_text(extension("live_examples").LABELS["blocked"]["en"])
    assert not site.requests  # nothing reached the sandbox
    denied.close()
    allowed = public_browser.new_context()
    allowed.grant_permissions(["local-network-access"], origin=served.base)
    page = allowed.new_page()
    example = javascript_tab(page, url, "client-credentials")
    fill_settings(example, "test", site.base_url)
    run(example)
    wait_for_exit(example)
    recorded = (REPO / "snippets/client-credentials/output.test.txt").read_text("utf-8")
    assert public(output(example), site) == recorded
    allowed.close()


def run_program(page: Page, served: Served, sandbox: StubServer, source: str) -> Locator:
    """Run `source` from the client credentials page's Run control, as if it were the
    file the page offers for download."""
    page.route("**/client_credentials.mjs", lambda route: route.fulfill(body=source))
    example = javascript_tab(
        page, served.url("en/auth/client-credentials.html"), "client-credentials"
    )
    fill_settings(example, "test", sandbox.sites["test"].base_url)
    run(example)
    return example


SHIM_PROGRAM = """\
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";

console.log("site:", process.env.KONTUR_SITE, "expires_in:", 86400);
console.error("to stderr");
console.log(randomBytes(16).toString("hex").length, await sleep(10, "slept"));
for await (const line of createInterface({ input: process.stdin })) {
  console.log("read:", line);
  break;
}
stop();
console.log("not printed: process.exit stopped the program");
parent.document.body.dataset.afterExit = "ran";

function stop() {
  process.exit(3);
}
"""


def test_the_shim_gives_a_program_what_node_gives_it(
    live_context: BrowserContext, served: Served, sandbox: StubServer
) -> None:
    """process.env and process.exit, console.log and .error, node:crypto, node:readline,
    node:timers/promises: what the examples use of Node.js."""
    page = live_context.new_page()
    example = run_program(page, served, sandbox, SHIM_PROGRAM)
    field = example.locator(".live-output__input input")
    expect(field).to_be_visible()
    assert output(example) == "site: test expires_in: 86400\nto stderr\n32 slept\n"
    field.fill("typed line")
    field.press("Enter")
    expect(example.locator(".live-output__end")).to_contain_text("3")
    page.wait_for_timeout(200)
    assert (
        output(example) == "site: test expires_in: 86400\nto stderr\n32 slept\nread: typed line\n"
    )
    assert example.locator(".live-output__stderr").inner_text() == "to stderr\n"
    assert page.evaluate("document.body.dataset.afterExit") is None
    assert not field.is_visible()


def test_stop_ends_a_running_program(
    live_context: BrowserContext, served: Served, sandbox: StubServer
) -> None:
    source = (
        "for (let n = 0; ; n++) {\n"
        "  console.log('tick', n);\n"
        "  await new Promise((r) => setTimeout(r, 50));\n"
        "}\n"
    )
    page = live_context.new_page()
    example = run_program(page, served, sandbox, source)
    expect(example.locator(".live-output__text")).to_contain_text("tick 3")
    example.get_by_role("button", name="Stop").click()
    expect(example.locator(".live-output__end")).to_have_text("The program was stopped.")
    printed = output(example)
    page.wait_for_timeout(300)
    assert output(example) == printed
    assert not page.locator("iframe").count()  # the program's frame, and its timers, are gone


def test_an_example_that_fails_says_why_and_exits_1(
    live_context: BrowserContext, served: Served, sandbox: StubServer
) -> None:
    """The examples' own failures: a missing setting stops the program at once (nothing
    after process.exit runs); an error answer shows its trace id (a header CORS exposes)."""
    page = live_context.new_page()
    example = javascript_tab(
        page, served.url("en/auth/client-credentials.html"), "client-credentials"
    )
    fill_settings(example, "test", sandbox.sites["test"].base_url)
    example.locator('input[name="KONTUR_CLIENT_ID"]').fill("")
    run(example)
    expect(example.locator(".live-output__end")).to_contain_text("exit code 1")
    assert output(example) == "KONTUR_CLIENT_ID is not set\n"
    page.wait_for_timeout(300)
    assert "/connect/token" not in [request.path for request in sandbox.sites["test"].requests]
    example.locator('input[name="KONTUR_CLIENT_ID"]').fill(sandbox.sites["test"].client_id)
    example.locator('input[name="KONTUR_API_KEY"]').fill("not-the-key")
    run(example)
    expect(example.locator(".live-output__text")).to_contain_text("X-Kontur-Trace-Id")
    expect(example.locator(".live-output__end")).to_contain_text("exit code 1")
    lines = output(example).splitlines()
    assert lines[0].startswith("400 invalid_client: "), lines
    assert re.fullmatch(r"X-Kontur-Trace-Id: [0-9a-f]{32}", lines[1]), lines
    assert len(lines) == 2


def test_the_settings_stay_in_the_browser_tab(
    live_context: BrowserContext, served: Served, sandbox: StubServer
) -> None:
    """Kept in sessionStorage only: a reload keeps them, localStorage never has them."""
    page = live_context.new_page()
    url = served.url("ru/auth/client-credentials.html")
    example = javascript_tab(page, url, "client-credentials")
    fill_settings(example, "production", "http://127.0.0.1:9")
    example.locator('input[name="KONTUR_API_KEY"]').fill("reader-key")
    example.locator('input[name="KONTUR_API_KEY"]').press("Tab")
    page.reload()
    example = page.locator(".example-client-credentials").first
    example.get_by_role("tab", name="JavaScript").click()
    example.locator(".live-run summary").click()
    assert example.locator('select[name="KONTUR_SITE"]').input_value() == "production"
    assert (
        example.locator('input[name="KONTUR_IDENTITY_URL"]').input_value() == "http://127.0.0.1:9"
    )
    assert example.locator('input[name="KONTUR_API_KEY"]').input_value() == "reader-key"
    assert "reader-key" in page.evaluate("sessionStorage.getItem('kontur-live-settings')")
    assert "reader-key" not in page.evaluate("JSON.stringify(localStorage)")
    # A new tab starts from the sandbox's own values.
    other = live_context.new_page()
    example = javascript_tab(other, url, "client-credentials")
    example.locator(".live-run summary").click()
    assert example.locator('select[name="KONTUR_SITE"]').input_value() == "test"


def test_a_page_opened_as_a_file_says_to_serve_it(
    live_context: BrowserContext, served: Served
) -> None:
    page = live_context.new_page()
    url = (served.root / "ru" / "auth" / "client-credentials.html").as_uri()
    example = javascript_tab(page, url, "client-credentials")
    run(example)
    status = example.locator(".live-run:visible .live-run__status")
    expect(status.locator("code")).to_have_text("python3 -m http.server 8000")
    assert not page.locator(".live-output").count()


def test_the_run_control_works_from_the_keyboard(
    live_context: BrowserContext, served: Served, sandbox: StubServer
) -> None:
    """Enter on the Run button runs; Enter on Show the recording brings it back and puts
    the focus on the Run button again."""
    page = live_context.new_page()
    url = served.url("en/auth/client-credentials.html")
    example = javascript_tab(page, url, "client-credentials")
    fill_settings(example, "test", sandbox.sites["test"].base_url)
    start = example.locator(".live-run:visible .live-run__start")
    start.focus()
    page.keyboard.press("Enter")
    wait_for_exit(example)
    back = example.get_by_role("button", name="Show the recording")
    back.focus()
    page.keyboard.press("Enter")
    expect(example.locator(".example-output:visible")).to_have_count(1)
    assert page.evaluate("document.activeElement.classList.contains('live-run__start')")
