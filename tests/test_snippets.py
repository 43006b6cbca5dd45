"""Every example in snippets/ runs against the stub, on both sites, and prints what the page shows.

The examples are collected from the files, and their number is asserted, so an example
that is not collected fails the suite. Running and recording share tests/snippets_runner.py.
"""

import re
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from site_build import SiteBuild, soup
from snippets_runner import (
    SITES,
    SNIPPETS,
    Example,
    Run,
    device_polls,
    examples,
    masked,
    public,
    run,
    state_of,
)

from extern_stub import Site, StubServer

#: Four tasks, each in Python and curl. Adding or removing an example changes this on purpose.
EXPECTED_TASKS = {"client-credentials", "first-request", "device-flow", "authorization-code"}
EXPECTED_EXAMPLES = 8
REDIRECT_URI = "http://127.0.0.1:8400/callback"
FORM = "application/x-www-form-urlencoded"
TRACE_ID = re.compile(r"X-Kontur-Trace-Id: [0-9a-f]{32}\b")
#: Tasks whose first request presents the client credentials to the token endpoints.
CLIENT_FIRST = sorted(EXPECTED_TASKS - {"authorization-code"})

ALL = examples()


def by_task(*tasks: str) -> list[Example]:
    return [example for example in ALL if example.task in tasks]


def ids(example: Example) -> str:
    return example.id


def assert_clean(result: Run, site: Site) -> None:
    """What no run may ever print: a traceback, or an api-key (of either site)."""
    assert "Traceback" not in result.output, result.output
    assert site.api_key not in result.output


def assert_failed_cleanly(result: Run, site: Site, *needles: str) -> None:
    assert result.returncode != 0, result.output
    assert_clean(result, site)
    for needle in needles:
        assert needle in result.stderr, result.output


@pytest.fixture(autouse=True)
def _real_curl() -> None:
    assert shutil.which("curl") == "/usr/bin/curl", "the curl examples must run with real curl"


def test_every_example_is_collected() -> None:
    assert len(ALL) == EXPECTED_EXAMPLES
    assert {example.task for example in ALL} == EXPECTED_TASKS
    on_disk = sorted(p for p in SNIPPETS.glob("*/*") if p.is_file() and p.suffix != ".txt")
    assert on_disk == sorted(example.path for example in ALL)
    for task in EXPECTED_TASKS:
        languages = sorted(example.language for example in by_task(task))
        assert languages == ["curl", "python"], task
        for site in SITES:
            assert (SNIPPETS / task / f"output.{site}.txt").is_file()


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
    assert masked(public(result.stdout, site)) == masked(example.recorded(site_name))
    assert_clean(result, site)
    CHECK_REQUESTS[example.task](site, result)


def assert_token_request(request: object, site: Site, **form: str) -> None:
    """A POST of a form to the token endpoint with the client's credentials in the body."""
    assert request.method == "POST"
    assert request.content_type.startswith(FORM)
    assert request.form.to_dict() == {
        "client_id": site.client_id,
        "client_secret": site.api_key,
        **form,
    }
    assert len(request.form) == len(request.form.to_dict(flat=False)), "a repeated parameter"


def check_client_credentials(site: Site, result: Run) -> None:
    (token,) = site.requests
    assert token.path == "/connect/token"
    assert_token_request(token, site, grant_type="client_credentials", scope="extern.api")


def check_first_request(site: Site, result: Run) -> None:
    token, accounts = site.requests
    assert token.path == "/connect/token"
    assert_token_request(token, site, grant_type="client_credentials", scope="extern.api")
    assert (accounts.method, accounts.path) == ("GET", "/v1")
    assert accounts.query.to_dict() == {"skip": "0", "take": "10"}
    assert re.fullmatch(r"Bearer [0-9a-f]{64}", accounts.headers["Authorization"])
    assert accounts.status == 200
    # The Extern API never sees the api-key.
    assert site.api_key not in str(accounts.headers) + accounts.body.decode()


def check_device_flow(site: Site, result: Run) -> None:
    start, *polls = site.requests
    assert start.path == "/connect/deviceauthorization"
    assert start.method == "POST"
    assert start.content_type.startswith(FORM)
    assert start.form.to_dict() == {
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "scope": "extern.api",
    }
    device_code = polls[0].form["device_code"]
    for poll in polls:
        assert poll.path == "/connect/token"
        assert_token_request(
            poll,
            site,
            grant_type="urn:ietf:params:oauth:grant-type:device_code",
            scope="extern.api",
            device_code=device_code,
        )
    # Approved after the first poll: one authorization_pending, then the token. A third
    # poll would mean the example polled faster than `interval` and was told slow_down.
    assert [poll.status for poll in polls] == [400, 200]


def check_authorization_code(site: Site, result: Run) -> None:
    authorize = site.requests[0]
    assert (authorize.method, authorize.path) == ("GET", "/connect/authorize")
    query = authorize.query.to_dict()
    assert query == {
        "response_type": "code",
        "client_id": site.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid extern.api",
        "state": state_of(result.stdout),
    }
    assert re.fullmatch(r"[0-9a-f]{32}", query["state"])
    token = site.requests[-1]
    assert token.path == "/connect/token"
    code = token.form.get("code", "")
    assert code
    assert_token_request(
        token, site, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI
    )
    assert token.status == 200


CHECK_REQUESTS = {
    "client-credentials": check_client_credentials,
    "first-request": check_first_request,
    "device-flow": check_device_flow,
    "authorization-code": check_authorization_code,
}


def test_state_is_random(stub: StubServer) -> None:
    site = stub.sites["test"]
    states = set()
    for example in by_task("authorization-code"):
        for _ in range(2):
            stub.reset()
            states.add(state_of(run(example, site.env(), site).stdout))
    assert len(states) == 4


# -- failures: clear message, non-zero exit, no traceback, no api-key ------------------------


@pytest.mark.parametrize("example", by_task(*CLIENT_FIRST), ids=ids)
def test_test_key_on_production_is_invalid_client(example: Example, stub: StubServer) -> None:
    test, production = stub.sites["test"], stub.sites["production"]
    env = {**test.env(), "KONTUR_IDENTITY_URL": production.base_url}
    env["KONTUR_API_URL"] = production.base_url
    result = run(example, env, production)
    assert_failed_cleanly(result, test, "400 invalid_client: ")
    assert TRACE_ID.search(result.stderr), result.stderr
    assert [request.status for request in production.requests] == [400]


@pytest.mark.parametrize("example", by_task("authorization-code"), ids=ids)
def test_test_key_on_production_is_refused_at_sign_in(example: Example, stub: StubServer) -> None:
    test, production = stub.sites["test"], stub.sites["production"]
    env = {**test.env(), "KONTUR_IDENTITY_URL": production.base_url}
    result = run(example, env, production)
    # The browser shows the error; the person has no address to paste.
    assert_failed_cleanly(result, test, "no code")
    assert all(request.path != "/connect/token" for request in production.requests)


@pytest.mark.parametrize("example", by_task("first-request"), ids=ids)
def test_token_of_another_site_gets_401(example: Example, stub: StubServer) -> None:
    test, production = stub.sites["test"], stub.sites["production"]
    result = run(example, {**test.env(), "KONTUR_API_URL": production.base_url})
    assert_failed_cleanly(result, test, "401 urn:error:externapi:")
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


@pytest.mark.parametrize("example", ALL, ids=ids)
def test_unreachable_server_is_reported(
    example: Example, closed_port: str, stub: StubServer
) -> None:
    site = stub.sites["test"]
    env = {**site.env(), "KONTUR_IDENTITY_URL": closed_port, "KONTUR_API_URL": closed_port}
    result = run(example, env)
    if example.task == "authorization-code":  # it only talks to the server after sign-in
        assert_failed_cleanly(result, site, "no code")
    else:
        assert_failed_cleanly(result, site, f"Cannot reach {closed_port}")


@pytest.mark.parametrize("example", by_task("authorization-code"), ids=ids)
def test_unreachable_token_endpoint_after_sign_in(
    example: Example, closed_port: str, stub: StubServer
) -> None:
    site = stub.sites["test"]
    env = {**site.env(), "KONTUR_IDENTITY_URL": closed_port}
    # The person signs in (on the stub), then the token endpoint is gone.
    result = run(
        example,
        env,
        site,
        browser=lambda url: site.authorize(url.replace(closed_port, site.base_url)),
    )
    assert_failed_cleanly(result, site, f"Cannot reach {closed_port}")


# -- the device flow: denied, expired, slow_down ---------------------------------------------


@pytest.mark.parametrize("example", by_task("device-flow"), ids=ids)
def test_device_denied(example: Example, stub: StubServer) -> None:
    site = stub.sites["test"]
    result = run(example, site.env(), site, approve=False)
    assert_failed_cleanly(result, site, "400 access_denied: ")
    assert TRACE_ID.search(result.stderr)


@pytest.mark.parametrize("example", by_task("device-flow"), ids=ids)
def test_device_code_expired(example: Example, stub: StubServer) -> None:
    site = stub.sites["test"]
    # The person walks away: by the next poll the code's 300 seconds are over.
    result = run(example, site.env(), site, approve=None, on_code=lambda: site.clock.advance(301))
    assert_failed_cleanly(result, site, "400 expired_token: ")


@pytest.mark.parametrize("example", by_task("device-flow"), ids=ids)
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


@pytest.mark.parametrize("example", by_task("authorization-code"), ids=ids)
def test_sign_in_refused(example: Example, stub: StubServer) -> None:
    site = stub.sites["test"]
    result = run(example, site.env(), site, approve=False)
    assert_failed_cleanly(result, site, "access_denied")
    assert all(request.path != "/connect/token" for request in site.requests)


@pytest.mark.parametrize("example", by_task("authorization-code"), ids=ids)
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


def code_blocks(page: Path) -> Iterator[tuple[list[str], str]]:
    for block in soup(page).select("div[class*=highlight-]"):
        yield block["class"], block.pre.get_text()


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_pages_show_every_example_and_its_outputs(built_site: SiteBuild, lang: str) -> None:
    files = {
        path: path.read_text(encoding="utf-8")
        for path in SNIPPETS.glob("*/*")
        if path.suffix in (".py", ".sh", ".txt")
    }
    shown: set[Path] = set()
    for page in (built_site.html / lang).rglob("*.html"):
        for classes, text in code_blocks(page):
            language = next(c.removeprefix("highlight-") for c in classes if "highlight-" in c)
            if "example-env" in classes or language not in ("python", "sh", "text"):
                continue
            sources = {path for path, content in files.items() if content == text}
            if language != "text":  # any Python or shell code on a page is an example file
                assert sources, f"{page}: a {language} block that is not in snippets/:\n{text}"
            shown |= sources
    assert sorted(shown) == sorted(files)
