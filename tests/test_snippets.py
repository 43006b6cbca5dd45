"""Every example in snippets/ runs against the stub, on both sites, and prints what the page shows.

Tasks, examples and their languages are found on disk (tests/snippets_runner.py), and
what the sandbox must receive for a task is its expect.toml: adding an example touches
only its folder and its page. What is collected is compared with what is on disk, so a
file that is not collected fails the suite; a language whose toolchain is missing skips,
and fails when CI is set. Running and recording share tests/snippets_runner.py.
"""

import dataclasses
import http.server
import os
import re
import runpy
import shutil
import socket
import subprocess
import sys
import threading
import urllib.parse
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from site_build import REPO, SiteBuild, html_pages, soup
from snippets_runner import (
    BY_SUFFIX,
    EXPECT,
    LANGUAGES,
    OUTPUTS,
    PUBLIC_URLS,
    SITES,
    SNIPPETS,
    Example,
    Language,
    Run,
    Task,
    base_env,
    built,
    chosen_tasks,
    class_archive,
    device_polls,
    examples,
    file_name,
    lint,
    match_requests,
    mismatch,
    missing_toolchain,
    public,
    record,
    run,
    state_of,
    task_folders,
    tasks,
)

from extern_stub import Site, StubServer

TRACE_ID = re.compile(r"X-Kontur-Trace-Id: [0-9a-f]{32}\b")
#: How a stack trace, an unhandled error or a warning starts, in each language.
STACK_TRACES = (
    "Traceback",  # Python
    "Exception in thread",  # Java
    "\tat ",
    "Unhandled Exception",  # C#
    "   at ",  # C#, JavaScript
    "node:internal",
    "Stack trace:",  # PHP
    "Fatal error",
    "Warning:",
    "Deprecated:",
    "Notice:",
)

ALL = examples()
TASKS = {task.name: task for task in tasks()}


def where(predicate: Callable[[Task], bool]) -> list[Example]:
    """The examples of every task for which `predicate(task)` holds."""
    return [example for example in ALL if predicate(TASKS[example.task])]


def ids(example: Example) -> str:
    return example.id


def require(language: Language, linting: bool = False) -> None:
    """Skip (fail under CI) when this machine cannot run (or lint) `language`'s examples."""
    if problem := missing_toolchain(language, linting):
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)


@pytest.fixture(autouse=True)
def _toolchain(request: pytest.FixtureRequest) -> None:
    example = getattr(request.node, "callspec", None) and request.node.callspec.params.get(
        "example"
    )
    if isinstance(example, Example):
        require(example.language)
        if example.language.suffix == ".sh":
            assert shutil.which("curl") == "/usr/bin/curl", "the curl examples need real curl"


def assert_clean(result: Run, site: Site) -> None:
    """What no run may ever print: a stack trace or a warning, or an api-key (of either site)."""
    for needle in STACK_TRACES:
        assert needle not in result.output, result.output
    assert site.api_key not in result.output


def assert_failed_cleanly(result: Run, site: Site, *needles: str) -> None:
    """A non-zero exit with one line of message (plus the trace id when there is one)."""
    assert result.returncode != 0, result.output
    assert_clean(result, site)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 or (len(lines) == 2 and TRACE_ID.fullmatch(lines[1])), result.stderr
    for needle in needles:
        assert needle in result.stderr, result.output


# -- what is on disk is what runs ------------------------------------------------------------


def test_every_example_is_collected() -> None:
    assert ALL, "no examples found"
    on_disk = sorted(
        path
        for folder in task_folders()
        for path in folder.iterdir()
        if path.name not in (EXPECT, *OUTPUTS)
    )
    assert on_disk == sorted(example.path for example in ALL), "a file that is not an example"
    for example in ALL:
        assert example.path.name == file_name(example.task, example.path.suffix), example.id
    languages = {}
    for name, task in TASKS.items():
        assert task.requests, f"snippets/{name}/{EXPECT}: list the requests the sandbox receives"
        for output in OUTPUTS:
            assert (task.folder / output).is_file(), f"{name}: no {output}; run make snippets"
        languages[name] = [e.language.name for e in ALL if e.task == name]
        assert languages[name][0] == LANGUAGES[0].name, f"{name}: no {LANGUAGES[0].name} example"
    every = [language.name for language in LANGUAGES]
    for name, found in languages.items():
        assert found == every, f"{name}: examples in {found}, expected one in each of {every}"


def test_tab_order_matches_the_runner() -> None:
    assert [language.name for language in LANGUAGES] == [
        "Python",
        "curl",
        "JavaScript",
        "Java",
        "PHP",
        "C#",
    ]
    assert list(BY_SUFFIX) == [".py", ".sh", ".mjs", ".java", ".php", ".cs"]


@pytest.mark.parametrize("example", ALL, ids=ids)
def test_example_is_lint_clean(example: Example) -> None:
    require(example.language, linting=True)
    assert lint(example) == ""


@pytest.mark.parametrize("example", [e for e in ALL if e.language.suffix == ".java"], ids=ids)
def test_java_runs_map_the_classes_a_first_run_archived(example: Example) -> None:
    """The many JVMs of the suite start from the class archive of a first run (AppCDS):
    without it each would load and verify every class again, a quarter more CPU."""
    logged = subprocess.run(
        [*example.command()[:-1], "-Xlog:class+load", example.path.stem],
        capture_output=True,
        text=True,
        env=base_env(),  # no settings: it stops at the first, having loaded its own classes
        check=False,
    )
    assert f"{example.path.stem} source: shared objects file (top)" in logged.stdout, (
        f"{example.id}: its classes come from {built(example)}, not from {class_archive()}"
    )


# -- make snippets: records only what runs as expect.toml says --------------------------------


def test_recording_refuses_requests_that_expect_toml_does_not_list(stub: StubServer) -> None:
    task = TASKS["client-credentials"]
    wrong = dataclasses.replace(task, requests=({**task.requests[0], "status": 400},))
    with pytest.raises(SystemExit, match=r"client-credentials/expect.toml lists:\n.*status"):
        record(stub, [wrong])
    with pytest.raises(SystemExit, match=r"client-credentials/expect.toml: list the requests"):
        record(stub, [dataclasses.replace(task, requests=())])


def test_recording_one_task() -> None:
    assert [task.name for task in chosen_tasks(["first-request"])] == ["first-request"]
    assert chosen_tasks([]) == tasks()
    with pytest.raises(SystemExit, match=r"no such task folder: snippets/token-refres/"):
        chosen_tasks(["token-refres"])


def test_an_output_that_no_longer_matches_is_named_by_file_and_line() -> None:
    example = next(e for e in ALL if e.task == "client-credentials")
    recorded = example.recorded("test")
    assert mismatch(example, "test", recorded) == ""
    line = recorded.splitlines().index("expires_in: 86400") + 1
    problem = mismatch(example, "test", recorded.replace("expires_in: 86400", "expires_in: 3600"))
    assert problem.startswith(f"snippets/client-credentials/output.test.txt:{line}: "), problem
    assert "recorded: 'expires_in: 86400'\n  printed:  'expires_in: 3600'" in problem
    assert problem.endswith("make snippets TASK=client-credentials")
    longer = mismatch(example, "test", recorded + "one more line\n")
    assert f"output.test.txt:{len(recorded.splitlines()) + 1}: " in longer
    assert "recorded: (nothing: the end)" in longer


# -- every example, both sites: the recorded output and what the stub received ---------------


@pytest.mark.parametrize("site_name", SITES)
@pytest.mark.parametrize("example", ALL, ids=ids)
def test_example_prints_the_recorded_output(
    example: Example, site_name: str, stub: StubServer
) -> None:
    site = stub.sites[site_name]
    result = run(example, site.env(), site)
    assert result.returncode == 0, result.output
    assert result.stderr == ""
    assert not (problem := mismatch(example, site_name, public(result.stdout, site))), problem
    assert_clean(result, site)
    assert match_requests(TASKS[example.task], site.requests, site) == []


@pytest.mark.parametrize("example", where(lambda t: t.user == "browser"), ids=ids)
def test_state_is_random(example: Example, stub: StubServer) -> None:
    site = stub.sites["test"]
    states = set()
    for _ in range(2):
        stub.reset()
        state = state_of(run(example, site.env(), site).stdout)
        assert state and re.fullmatch(r"[0-9a-f]{32}", state), state
        states.add(state)
    assert len(states) == 2


@pytest.mark.parametrize("example", where(lambda t: t.user == "browser"), ids=ids)
def test_a_pasted_address_with_a_fragment_is_read_without_it(
    example: Example, stub: StubServer
) -> None:
    """Some browsers show the address sent back with a #fragment: pasted whole, the code and
    the state are still read right, and the example prints what it always does."""
    site = stub.sites["test"]
    result = run(example, site.env(), site, browser=lambda url: site.authorize(url) + "#_=_")
    assert result.returncode == 0, result.output
    assert not (problem := mismatch(example, "test", public(result.stdout, site))), problem
    assert match_requests(TASKS[example.task], site.requests, site) == []


@pytest.mark.parametrize("example", where(lambda t: t.user == "browser"), ids=ids)
def test_the_sign_in_address_carries_any_service_name_whole(
    example: Example, stub: StubServer
) -> None:
    """Every character a query value must escape, in the service name: the address printed
    for the browser gives it back whole."""
    site = stub.sites["test"]
    name = "a b%c#d+e/f?g&h=i:j"
    printed = []
    env = {**site.env(), "KONTUR_CLIENT_ID": name}
    run(example, env, site, browser=lambda url: printed.append(url) or "")
    (url,) = printed
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["client_id"] == [name]


# -- failures: clear message, non-zero exit, no traceback, no api-key ------------------------


@pytest.mark.parametrize("example", where(Task.sends_credentials_first), ids=ids)
def test_test_key_on_production_is_invalid_client(example: Example, stub: StubServer) -> None:
    test, production = stub.sites["test"], stub.sites["production"]
    env = {**test.env(), "KONTUR_IDENTITY_URL": production.base_url}
    env["KONTUR_API_URL"] = production.base_url
    result = run(example, env, production)
    assert_failed_cleanly(result, test, "400 invalid_client: ")
    assert TRACE_ID.search(result.stderr), result.stderr
    assert [request.status for request in production.requests] == [400]


@pytest.mark.parametrize("example", where(lambda t: t.user == "browser"), ids=ids)
def test_test_key_on_production_is_refused_at_sign_in(example: Example, stub: StubServer) -> None:
    test, production = stub.sites["test"], stub.sites["production"]
    env = {**test.env(), "KONTUR_IDENTITY_URL": production.base_url}
    result = run(example, env, production)
    # The browser shows the error; the person has no address to paste.
    assert_failed_cleanly(result, test, "no code")
    assert all(request.path != "/connect/token" for request in production.requests)


@pytest.mark.parametrize("example", where(Task.calls_api), ids=ids)
def test_token_of_another_site_gets_401(example: Example, stub: StubServer) -> None:
    test, production = stub.sites["test"], stub.sites["production"]
    result = run(example, {**test.env(), "KONTUR_API_URL": production.base_url})
    assert_failed_cleanly(result, test, "401 urn:error:externapi:")
    assert re.match(r"401 urn:error:externapi:\S+: \S", result.stderr), result.stderr
    assert TRACE_ID.search(result.stderr), result.stderr


@pytest.mark.parametrize("variable", ["KONTUR_CLIENT_ID", "KONTUR_API_KEY"])
@pytest.mark.parametrize("example", ALL, ids=ids)
def test_missing_variable_is_named(example: Example, variable: str, stub: StubServer) -> None:
    site = stub.sites["test"]
    env = site.env()
    del env[variable]
    result = run(example, env, site)
    assert_failed_cleanly(result, site, variable)
    assert site.requests == []


@pytest.mark.parametrize("example", ALL, ids=ids)
def test_unknown_site_is_refused(example: Example, stub: StubServer) -> None:
    site = stub.sites["test"]
    result = run(example, {**site.env(), "KONTUR_SITE": "prod"}, site)
    assert_failed_cleanly(result, site, "KONTUR_SITE must be test or production")


@pytest.fixture
def closed_port() -> Iterator[str]:
    """An address where nothing listens."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def html_server() -> Iterator[str]:
    """An address that answers every request with HTTP 200 and a web page, not JSON."""

    class Page(http.server.BaseHTTPRequestHandler):
        def answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b"<!doctype html><title>Welcome</title><p>Not an API."
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


RUNNING_EXAMPLES = (REPO / "docs" / "running-examples.rst").read_text(encoding="utf-8")


@pytest.mark.parametrize("site_name", SITES)
@pytest.mark.parametrize("example", ALL, ids=ids)
def test_failures_say_what_to_check(
    example: Example, site_name: str, closed_port: str, html_server: str, stub: StubServer
) -> None:
    """An address without a scheme, nothing listening, a web page for an answer: one line each.

    The three run at once; the person at the keyboard signs in on the stub first, if the
    task asks it, so that every example reaches its token request (which then fails).
    """
    site = stub.sites[site_name]
    schemeless = site.base_url.removeprefix("http://")
    cases = {
        schemeless: f"KONTUR_IDENTITY_URL must start with http:// or https:// (it is {schemeless}",
        closed_port: f"Cannot connect to {closed_port}/",
        html_server: f"{html_server}/",
    }

    def attempt(address: str) -> Run:
        def browser(url: str) -> str:
            return site.authorize(url.replace(address, site.base_url))

        env = {**site.env(), "KONTUR_IDENTITY_URL": address, "KONTUR_API_URL": address}
        return run(example, env, site, browser=browser)

    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        results = dict(zip(cases, pool.map(attempt, cases), strict=True))
    for address, needle in cases.items():
        assert_failed_cleanly(results[address], site, needle)
        assert results[address].returncode == 1, results[address].output
    assert re.fullmatch(
        rf"Cannot connect to {re.escape(closed_port)}/\S+: is the server \(or sandbox\) running\?"
        r" Check KONTUR_IDENTITY_URL and KONTUR_API_URL\n",
        results[closed_port].stderr,
    ), results[closed_port].stderr
    assert results[schemeless].stderr == f"{cases[schemeless]})\n", results[schemeless].stderr
    assert re.fullmatch(
        rf"{re.escape(html_server)}/\S+ answered HTTP 200, not JSON: wrong address\?\n",
        results[html_server].stderr,
    ), results[html_server].stderr
    if example.task == "client-credentials":  # what the page running-examples.rst shows
        shown = re.search(r"^   (Cannot connect to .*)$", RUNNING_EXAMPLES, re.MULTILINE)
        assert shown, "docs/running-examples.rst no longer shows a refused connection"
        address = PUBLIC_URLS["test"]
        assert results[closed_port].stderr == shown[1].replace(address, closed_port) + "\n"
    assert [r.path for r in site.requests if r.path != "/connect/authorize"] == []


@pytest.fixture
def stalling_server() -> Iterator[str]:
    """An address that accepts connections (the kernel does) and never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=128) as server:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def test_a_server_that_never_answers_times_out(stalling_server: str, stub: StubServer) -> None:
    """Every example gives up by its own timeout, cleanly, on both sites; all at once, to wait
    only once."""
    runnable = [e for e in ALL if not missing_toolchain(e.language)]
    if os.environ.get("CI"):
        assert len(runnable) == len(ALL), [missing_toolchain(e.language) for e in ALL]

    def attempt(case: tuple[Example, str]) -> Run:
        example, site_name = case
        site = stub.sites[site_name]
        env = {
            **site.env(),
            "KONTUR_IDENTITY_URL": stalling_server,
            "KONTUR_API_URL": stalling_server,
        }

        # The person signs in on the stub; the token endpoint then never answers.
        def browser(url: str) -> str:
            return site.authorize(url.replace(stalling_server, site.base_url))

        return run(example, env, site, browser=browser)

    cases = [(example, site_name) for example in runnable for site_name in SITES]
    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        results = dict(zip(cases, pool.map(attempt, cases), strict=True))
    for (example, site_name), result in results.items():
        site = stub.sites[site_name]
        assert_failed_cleanly(result, site, f"No answer from {stalling_server}/")
        assert result.returncode == 1, result.output
        # Its own timeout ended it (30 s), not the runner's (60 s).
        assert result.seconds < 50, f"{example.id} on {site_name}: {result.seconds:.0f} s"
        assert [r.path for r in site.requests if r.path != "/connect/authorize"] == []


# -- the device flow: denied, expired, slow_down ---------------------------------------------


@pytest.mark.parametrize("example", where(lambda t: t.user == "device"), ids=ids)
def test_device_denied(example: Example, stub: StubServer) -> None:
    site = stub.sites["test"]
    result = run(example, site.env(), site, approve=False)
    assert_failed_cleanly(result, site, "400 access_denied: ")
    assert TRACE_ID.search(result.stderr)


@pytest.mark.parametrize("example", where(lambda t: t.user == "device"), ids=ids)
def test_device_code_expired(example: Example, stub: StubServer) -> None:
    site = stub.sites["test"]
    # The person walks away: by the next poll the code's 300 seconds are over.
    result = run(example, site.env(), site, approve=None, on_code=lambda: site.clock.advance(301))
    assert_failed_cleanly(result, site, "400 expired_token: ")
    assert TRACE_ID.search(result.stderr)


@pytest.mark.parametrize("example", where(lambda t: t.user == "device"), ids=ids)
def test_device_slow_down_lengthens_the_interval(example: Example, stub: StubServer) -> None:
    site = stub.sites["test"]
    interval = site.device_interval  # the example was told 1 s; the server now wants 2 s
    try:
        result = run(
            example,
            site.env(),
            site,
            on_code=lambda: setattr(site, "device_interval", interval + 1),
            after_polls=2,
        )
    finally:
        site.device_interval = interval
    assert result.returncode == 0, result.output
    # pending, slow_down, then (5 s later, as RFC 8628 asks) the token.
    assert [poll.status for poll in device_polls(site)] == [400, 400, 200]


# -- the authorization code flow: refused, forged state ---------------------------------------


@pytest.mark.parametrize("example", where(lambda t: t.user == "browser"), ids=ids)
def test_sign_in_refused(example: Example, stub: StubServer) -> None:
    site = stub.sites["test"]
    result = run(example, site.env(), site, approve=False)
    assert_failed_cleanly(result, site, "access_denied")
    assert all(request.path != "/connect/token" for request in site.requests)


@pytest.mark.parametrize("example", where(lambda t: t.user == "browser"), ids=ids)
def test_foreign_state_is_refused(example: Example, stub: StubServer) -> None:
    site = stub.sites["test"]
    forged = "state=" + "0" * 32

    result = run(
        example,
        site.env(),
        site,
        browser=lambda url: re.sub(r"state=\w+", forged, site.authorize(url)),
    )
    assert_failed_cleanly(result, site, "foreign state")
    assert all(request.path != "/connect/token" for request in site.requests)


# -- the pages show every example, and only examples from snippets/ --------------------------

HIGHLIGHT = {language.highlight: language for language in LANGUAGES}


def code_blocks(page: Path) -> Iterator[tuple[list[str], str]]:
    for block in soup(page).select("div[class*=highlight-]"):
        yield block["class"], block.pre.get_text()


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_pages_show_every_example_and_its_outputs(built_site: SiteBuild, lang: str) -> None:
    files = {
        path: path.read_text(encoding="utf-8")
        for path in SNIPPETS.glob("*/*")
        if path.suffix in BY_SUFFIX or path.name in OUTPUTS
    }
    shown: set[Path] = set()
    for page in (built_site.html / lang).rglob("*.html"):
        for classes, text in code_blocks(page):
            language = next(c.removeprefix("highlight-") for c in classes if "highlight-" in c)
            # An example's region is checked in test_example_tabs.py; its file is shown whole.
            if {"example-env", "example-region"} & set(classes):
                continue
            if language not in (*HIGHLIGHT, "text"):
                continue
            sources = {path for path, content in files.items() if content == text}
            if language != "text":  # any code of an example language on a page is an example
                assert sources, f"{page}: a {language} block that is not in snippets/:\n{text}"
            shown |= sources
    assert sorted(shown) == sorted(files)


def as_copied(text: str, conf: dict[str, object]) -> str:
    """What sphinx-copybutton puts on the clipboard for a block's `text` (copybutton_funcs.js).

    When some lines start with a prompt, only those are copied, prompts removed (and empty
    lines); the last newline goes, so that pasting into a terminal runs nothing.
    """
    prompt = str(conf["copybutton_prompt_text"])
    if not conf.get("copybutton_prompt_is_regexp"):
        prompt = re.escape(prompt)
    line_prompt = re.compile(f"^({prompt})(.*)")
    lines = text.split("\n")
    if any(line_prompt.match(line) for line in lines):
        matches = [(line, line_prompt.match(line)) for line in lines]
        text = "\n".join(
            match.group(2) if match else line
            for line, match in matches
            if match or not line.strip()
        )
    return text.removesuffix("\n")


def copied_code(built_site: SiteBuild, lang: str) -> dict[tuple[str, str], str]:
    """(task, tab label) -> the code a reader copies from that tab, from every page."""
    conf = runpy.run_path(str(REPO / "conf.py"))
    copied = {}
    for page in (built_site.html / lang).rglob("*.html"):
        for container in soup(page).select("div.example"):
            task = next(c.removeprefix("example-") for c in container["class"] if c != "example")
            tabs = container.select_one("div.sphinx-tabs")
            labels = [button.get_text().strip() for button in tabs.select("[role=tab]")]
            panels = tabs.select(":scope > [role=tabpanel]")
            for label, panel in zip(labels, panels, strict=True):
                # What sphinx-copybutton copies from the whole program: its text, prompts aside.
                code = panel.select_one("details div.highlight pre").get_text()
                copied[task, label] = as_copied(code, conf)
    return copied


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_pages_say_how_the_tests_run_each_language(built_site: SiteBuild, lang: str) -> None:
    """Every command a reader types, as the copied-code test runs it, is on a page."""
    text = " ".join(
        " ".join(soup(built_site.html / lang / page).get_text().split())
        for page in html_pages(built_site.html / lang)
    )
    for language in LANGUAGES:
        example = SNIPPETS / "client-credentials" / file_name("client-credentials", language.suffix)
        for command in language.reader(example):
            assert " ".join(command) in text, f"{language.name}: no page says {' '.join(command)}"


def test_copying_keeps_code_and_drops_prompts() -> None:
    conf = runpy.run_path(str(REPO / "conf.py"))
    code = "$site = 1;\nconst a = { ...b };\n"
    assert as_copied(code, conf) == code.removesuffix("\n")
    assert as_copied("$ export A=1\nout\n\n$ echo $A\n", conf) == "export A=1\n\necho $A"


@pytest.fixture(scope="session")
def copied(built_site: SiteBuild) -> dict[str, dict[tuple[str, str], str]]:
    """The code of every tab of every page, per language, read once for the session."""
    return {lang: copied_code(built_site, lang) for lang in ("ru", "en")}


@pytest.mark.parametrize("example", ALL, ids=ids)
def test_copied_code_is_the_example_file(
    example: Example, copied: dict[str, dict[tuple[str, str], str]]
) -> None:
    """A reader copies a tab's whole program: it is the example file itself, which the tests
    run on both sites; the page's commands to run it are run as the archive's README gives
    them (test_the_archive_readme_commands_run_as_written)."""
    ru, en = copied["ru"], copied["en"]
    key = (example.task, example.language.name)
    assert key in ru, f"{example.id}: no {example.language.name} tab on any page"
    assert en[key] == ru[key]
    assert ru[key] == example.path.read_text(encoding="utf-8").removesuffix("\n")


# -- the examples archive: its README's commands, as written, from the unpacked archive ------

README_COMMAND = re.compile(r"^\| (?P<language>[^|]+?) \| `(?P<command>[^`]+)` \|", re.MULTILINE)


def test_the_archive_readme_commands_run_as_written(stub: StubServer, tmp_path: Path) -> None:
    """Each command of the examples archive's README, run in the unpacked client-credentials
    folder with the sandbox's variables, prints the recorded output."""
    sys.path.insert(0, str(REPO / "docs" / "_ext"))  # as conf.py imports its extensions
    import downloads

    downloads.build_examples_zip(REPO, tmp_path, "0")
    (archive,) = tmp_path.glob("*.zip")
    with zipfile.ZipFile(archive) as unpacked:
        unpacked.extractall(tmp_path / "unpacked")
    (readme,) = (tmp_path / "unpacked").glob("*/README.md")
    commands = {m["language"]: m["command"] for m in README_COMMAND.finditer(readme.read_text())}
    assert sorted(commands) == sorted(language.name for language in LANGUAGES)
    for language in LANGUAGES:  # the commands the page running-examples.rst gives
        path = SNIPPETS / "client-credentials" / file_name("client-credentials", language.suffix)
        given = " && ".join(" ".join(command) for command in language.reader(path))
        assert commands[language.name] == given, language.name
    example = next(e for e in ALL if e.task == "client-credentials")
    site = stub.sites["test"]
    # `python3` is the project's interpreter, which has requests installed.
    env = {**site.env(), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    for language in LANGUAGES:
        if missing_toolchain(language):
            require(language)
        stub.reset()
        result = run(
            example,
            env,
            site,
            command=["sh", "-c", commands[language.name]],
            cwd=readme.parent / "client-credentials",
        )
        assert result.returncode == 0, f"{language.name}: {result.output}"
        assert not mismatch(example, "test", public(result.stdout, site)), language.name
