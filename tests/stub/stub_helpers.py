"""Short ways to call the stub in its own tests."""

import errno
import re
import socket
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager

import requests

from extern_stub import Site

TIMEOUT = 5
#: `python -m extern_stub` options of every test that starts one: any free ports, never the
#: documented 8401 and 8402, which belong to the reader (a sandbox may be running there).
ANY_PORTS = ("--test-port", "0", "--production-port", "0")
#: How a test file starts the sandbox as a process: ``[sys.executable, "-m", "extern_stub", ...``.
STARTS_THE_SANDBOX = re.compile(r'"-m",\s*"extern_stub"')


@contextmanager
def held(ports: list[int]) -> Iterator[list[int]]:
    """Listen on each port on 127.0.0.1, as a reader's sandbox would; yields the ports
    something else already held.

    SO_REUSEPORT lets the other pytest worker hold them too at the same time; a sandbox
    (which does not set it) still cannot bind them.
    """
    taken_already = []
    with ExitStack() as stack:
        for port in ports:
            listener = stack.enter_context(socket.socket())
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            try:
                listener.bind(("127.0.0.1", port))
            except OSError as error:
                if error.errno != errno.EADDRINUSE:
                    raise
                taken_already.append(port)  # a running sandbox, say: held all the same
                continue
            listener.listen()
        yield taken_already


# The redirect URI registered for the demo client of both sites.
CALLBACK = "http://127.0.0.1:8400/callback"


def call_token(site: Site, data: dict | None = None, **kwargs) -> requests.Response:
    """POST a form to the token endpoint of ``site``."""
    return requests.post(f"{site.base_url}/connect/token", data=data, timeout=TIMEOUT, **kwargs)


def client_credentials(site: Site, **extra: str) -> dict[str, str]:
    """A valid client-credentials form for the demo client of ``site``."""
    return {
        "grant_type": "client_credentials",
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "scope": "extern.api",
        **extra,
    }


def password_form(site: Site, **extra: str) -> dict[str, str]:
    """A password-grant form for the site's demo user (the grant the official SDK uses)."""
    return {
        "grant_type": "password",
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "username": site.user_login,
        "password": site.user_password,
        "scope": "extern.api",
        **extra,
    }


def get_token(site: Site, data: dict | None = None, **kwargs) -> dict:
    """The token response of a successful request (default: client credentials)."""
    answer = call_token(site, data or client_credentials(site), **kwargs)
    assert answer.status_code == 200, answer.text
    return answer.json()


def api_get(site: Site, path: str, token: str | None, **kwargs) -> requests.Response:
    """GET an Extern API path of ``site`` with ``token``."""
    headers = kwargs.pop("headers", {})
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.get(f"{site.base_url}{path}", headers=headers, timeout=TIMEOUT, **kwargs)


def oauth_error(answer: requests.Response, status: int = 400) -> str:
    """The ``error`` of an OAuth error answer, after checking its shape and headers."""
    assert answer.status_code == status, (answer.status_code, answer.text)
    assert answer.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert answer.headers["Cache-Control"] == "no-store, no-cache, max-age=0"
    assert answer.headers["Pragma"] == "no-cache"
    assert len(answer.headers["X-Kontur-Trace-Id"]) == 32
    body = answer.json()
    assert set(body) == {"error", "error_description"}
    assert_sentence(body["error_description"])
    return body["error"]


def extern_error(answer: requests.Response, status: int) -> str:
    """The ``id`` of an Extern API error answer, after checking its shape."""
    assert answer.status_code == status, (answer.status_code, answer.text)
    assert answer.headers["Content-Type"].startswith("application/json")
    body = answer.json()
    assert set(body) >= {"id", "status-code", "message", "trace-id"}
    assert body["status-code"] == status
    assert body["trace-id"] == answer.headers["X-Kontur-Trace-Id"]
    assert body["id"].startswith("urn:error:externapi:")
    assert_sentence(body["message"])
    return body["id"].removeprefix("urn:error:externapi:")


# A parameter name may open a sentence in lower case ("client_id is missing.").
PARAMETER_FIRST = re.compile(r"[a-z]+_[a-z_]+\b|[a-z]+ (?:is|must) ")


def assert_sentence(text: str) -> None:
    """Error descriptions are read by people: one sentence, opened by a capital letter or a
    parameter name, closed by a full stop, not shouted."""
    assert text[:1].isupper() or PARAMETER_FIRST.match(text), text
    assert text.endswith("."), text
    assert not text.isupper(), text


def csrf_field(page: requests.Response) -> str:
    """The anti-forgery token in the hidden field of a form page."""
    match = re.search(r'name="csrf_token" value="([0-9a-f]{32})"', page.text)
    assert match is not None, page.text
    return match.group(1)


def post_from_page(page_url: str, target: str, data: dict, **kwargs) -> requests.Response:
    """Open the form page at ``page_url`` as a browser does, then post ``data`` to ``target``
    with the page's anti-forgery token (field and cookie)."""
    with requests.Session() as browser:
        page = browser.get(page_url, timeout=TIMEOUT)
        form = {"csrf_token": csrf_field(page), **data}
        return browser.post(target, data=form, timeout=TIMEOUT, **kwargs)


def post_device_form(site: Site, **fields: str) -> requests.Response:
    """Open the /device page as a browser does, then post its form with ``fields``."""
    return post_from_page(f"{site.base_url}/device", f"{site.base_url}/device", fields)


@contextmanager
def limit_reached(site: Site, token: str, path: str = "/v1") -> Iterator[list[Future]]:
    """Hold 20 requests of the token's client in flight (the limit), for the body of the
    ``with``: each lasts 3 s, and the body starts once the sandbox counts all 20."""
    client_id = site.access_token(token).client_id  # type: ignore[union-attr]
    site.api_delay = 3.0
    with ThreadPoolExecutor(max_workers=20) as pool:
        held = [pool.submit(api_get, site, path, token) for _ in range(20)]
        deadline = time.monotonic() + 10
        while site.state.in_flight.get(client_id, 0) < 20:
            assert time.monotonic() < deadline, "the 20 requests never were in flight at once"
            time.sleep(0.01)
        yield held


def sign_in(
    site: Site, scope: str = "openid extern.api", verifier: str | None = None, **extra: str
) -> dict:
    """The token response after the demo user signs in (authorization code flow); ``extra``
    goes to the authorize request, ``verifier`` (PKCE) to the code exchange."""
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": site.client_id,
            "redirect_uri": CALLBACK,
            "scope": scope,
            "state": "s",
            **extra,
        }
    )
    location = site.authorize(f"{site.base_url}/connect/authorize?{query}")
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["code"]
    answer = exchange(site, code, **({"code_verifier": verifier} if verifier else {}))
    assert answer.status_code == 200, answer.text
    return answer.json()


def exchange(site: Site, code: str, **extra: str) -> requests.Response:
    """Exchange an authorization ``code`` of the demo client at the token endpoint."""
    form = {
        "grant_type": "authorization_code",
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "code": code,
        "redirect_uri": CALLBACK,
        **extra,
    }
    return call_token(site, form)
