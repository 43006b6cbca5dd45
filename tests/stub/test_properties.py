"""Property-based tests: nothing a client sends makes the stub answer 5xx or an unknown error.

Most examples run in-process against the site's WSGI application (same code as over HTTP, much
faster); a smaller set goes over real HTTP to cover the server itself.
"""

import base64
import json
import urllib.parse

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from extern_stub import Site, StubServer
from extern_stub.app import SiteApp
from extern_stub.errors import OAUTH_ERROR_CODES

PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
HTTP_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Header values as HTTP carries them: latin-1, no control characters.
header_text = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=60,
).map(str.strip)

FIELD_NAMES = [
    "grant_type",
    "client_id",
    "client_secret",
    "scope",
    "username",
    "password",
    "device_code",
    "code",
    "redirect_uri",
    "refresh_token",
    "code_verifier",
]
GRANTS = [
    "client_credentials",
    "password",
    "urn:ietf:params:oauth:grant-type:device_code",
    "authorization_code",
    "refresh_token",
    "implicit",
]


@st.composite
def nearly_valid_forms(draw: st.DrawFn, site: Site) -> list[tuple[str, str]]:
    """A well-formed form of some grant with a few mutations: fields dropped, changed, repeated."""
    alternatives = {
        "grant_type": st.sampled_from(
            [*GRANTS, "implicit", "client-credentials", "CLIENT_CREDENTIALS"]
        ),
        "client_id": st.sampled_from([site.client_id, "stub-service-only-test", "x" * 301, ""]),
        "client_secret": st.sampled_from([site.api_key, "123123", "x" * 301, ""]),
        "scope": st.sampled_from(["extern.api", "openid extern.api", "email", "", "a b"]),
        "username": st.sampled_from([site.user_login, "nobody"]),
        "password": st.sampled_from([site.user_password, "wrong"]),
        "device_code": st.text(max_size=10),
        "code": st.text(max_size=10),
        "redirect_uri": st.sampled_from(["http://127.0.0.1:8400/callback", "x"]),
        "refresh_token": st.text(max_size=10),
    }
    form = {
        "grant_type": draw(st.sampled_from(GRANTS)),
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "scope": draw(st.sampled_from(["extern.api", "openid extern.api", "email"])),
    }
    grant_fields = {
        "password": {"username": site.user_login, "password": site.user_password},
        "urn:ietf:params:oauth:grant-type:device_code": {"device_code": "D" * 64},
        "authorization_code": {"code": "C" * 64, "redirect_uri": "http://127.0.0.1:8400/callback"},
        "refresh_token": {"refresh_token": "R" * 64},
    }
    pairs = [*form.items(), *grant_fields.get(form["grant_type"], {}).items()]
    for _ in range(draw(st.integers(0, 3))):
        core = st.sampled_from(list(form))
        name = draw(st.one_of(core, core, st.sampled_from(list(alternatives))))
        action = draw(st.sampled_from(["drop", "change", "repeat", "arbitrary"]))
        if action == "arbitrary":
            pairs.append((draw(st.text(max_size=10)), draw(st.text(max_size=20))))
        elif action == "repeat":
            pairs.append((name, draw(alternatives[name])))
        else:
            pairs = [(key, value) for key, value in pairs if key != name]
            if action == "change":
                pairs.append((name, draw(alternatives[name])))
    return pairs


@st.composite
def token_requests(draw: st.DrawFn, site: Site) -> tuple[bytes, dict[str, str]]:
    """A body and headers for the token endpoint: half almost right, half anything."""
    if draw(st.booleans()):
        # Well formed: a nearly valid form, the right content type, credentials that agree.
        body = urllib.parse.urlencode(draw(nearly_valid_forms(site))).encode()
        headers = {
            "Content-Type": draw(
                st.sampled_from(
                    [
                        "application/x-www-form-urlencoded",
                        "application/x-www-form-urlencoded; charset=UTF-8",
                    ]
                )
            )
        }
        if draw(st.booleans()):
            credentials = f"{site.client_id}:{site.api_key}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
    else:
        body, headers = draw(anything_requests(site))
    extra = draw(st.dictionaries(st.sampled_from(["X-Anything", "Accept", "Cookie"]), header_text))
    headers.update(extra)
    return body, headers


@st.composite
def anything_requests(draw: st.DrawFn, site: Site) -> tuple[bytes, dict[str, str]]:
    """Bodies and headers a confused or hostile client might send."""
    names = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=12))
    arbitrary_pairs = st.lists(st.tuples(names, st.text(max_size=40)), max_size=8)
    body = draw(
        st.one_of(
            nearly_valid_forms(site).map(lambda pairs: urllib.parse.urlencode(pairs).encode()),
            arbitrary_pairs.map(lambda pairs: urllib.parse.urlencode(pairs).encode()),
            st.binary(max_size=200),
            st.text(max_size=200).map(str.encode),
        )
    )
    headers: dict[str, str] = {}
    content_type = draw(
        st.one_of(
            st.sampled_from(
                [
                    "application/x-www-form-urlencoded",
                    "application/x-www-form-urlencoded; charset=latin-1",
                    "application/json",
                    "multipart/form-data; boundary=zz",
                    "multipart/form-data",
                    "",
                ]
            ),
            header_text,
        )
    )
    if content_type:
        headers["Content-Type"] = content_type
    basic_pairs = st.tuples(
        st.sampled_from([site.client_id, "", "a:b", "%zz"]),
        st.sampled_from([site.api_key, "", "x"]),
    )
    auth = draw(
        st.one_of(
            st.none(),
            basic_pairs.map(
                lambda pair: "Basic " + base64.b64encode(":".join(pair).encode()).decode()
            ),
            header_text,
            st.binary(max_size=30).map(lambda raw: "Basic " + base64.b64encode(raw).decode()),
        )
    )
    if auth is not None:
        headers["Authorization"] = auth
    return body, headers


def check_token_answer(status: int, headers: dict[str, str], content: bytes) -> None:
    """The property: 200 with a token, or 400/413 with a known OAuth error, or 401
    invalid_client with a Basic challenge (credentials in Basic only); never anything else."""
    assert status in {200, 400, 401, 413}, (status, content)
    if status == 401:
        assert json.loads(content)["error"] == "invalid_client"
        assert headers["WWW-Authenticate"].startswith("Basic ")
    assert len(headers["X-Kontur-Trace-Id"]) == 32
    assert headers["Content-Type"] == "application/json; charset=UTF-8"
    body = json.loads(content)
    if status == 200:
        assert body["token_type"] == "Bearer"
        assert len(body["access_token"]) == 64
    else:
        assert set(body) == {"error", "error_description"}
        assert body["error"] in OAUTH_ERROR_CODES


@pytest.fixture(scope="module")
def site(stub_server: StubServer) -> Site:
    """The session's test site, cleared of what earlier tests left (settings included)."""
    stub_server.reset()
    return stub_server.sites["test"]


@pytest.fixture(scope="module")
def client(site: Site) -> Client:
    return Client(SiteApp(site))


@PROPERTY_SETTINGS
@given(data=st.data())
def test_token_endpoint_in_process(site: Site, client: Client, data: st.DataObject) -> None:
    body, headers = data.draw(token_requests(site))
    answer = client.post("/connect/token", data=body, headers=headers)
    check_token_answer(answer.status_code, dict(answer.headers), answer.get_data())


@HTTP_SETTINGS
@given(data=st.data())
def test_token_endpoint_over_http(site: Site, data: st.DataObject) -> None:
    body, headers = data.draw(token_requests(site))
    answer = requests.post(f"{site.base_url}/connect/token", data=body, headers=headers, timeout=5)
    check_token_answer(answer.status_code, dict(answer.headers), answer.content)


def test_the_strategy_reaches_success_and_many_errors(
    stub: StubServer, site: Site, client: Client
) -> None:
    """Guard against a strategy that never gets past the first check (on a cleared site:
    the property tests before it leave tokens and failed sign-ins behind)."""
    seen: set[str] = set()

    # 500, not 150: even derandomized, which examples come depended on what else ran in the
    # process (150 missed unsupported_grant_type after the other sandbox tests, not alone).
    @settings(max_examples=500, deadline=None, database=None, derandomize=True)
    @given(data=st.data())
    def collect(data: st.DataObject) -> None:
        body, headers = data.draw(token_requests(site))
        answer = client.post("/connect/token", data=body, headers=headers)
        seen.add(answer.json.get("error", "success"))  # type: ignore[union-attr]

    collect()
    expected = {"success", "invalid_request", "invalid_client", "invalid_scope"}
    expected |= {"unsupported_grant_type", "invalid_grant"}
    assert expected <= seen, seen


paths = st.one_of(
    st.sampled_from(["/v1", "/v1/x", "/connect/token", "/device", "/connect/authorize", "/"]),
    st.text(max_size=30).map(lambda text: "/" + urllib.parse.quote(text)),
)


@PROPERTY_SETTINGS
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]),
    path=paths,
    query=st.lists(st.tuples(st.sampled_from(["skip", "take", "x"]), st.text(max_size=8))),
    authorization=st.one_of(st.none(), header_text, st.just("Bearer " + "0" * 64)),
    body=st.binary(max_size=100),
)
def test_any_request_anywhere_gets_a_clear_4xx_or_success(
    client: Client,
    method: str,
    path: str,
    query: list[tuple[str, str]],
    authorization: str | None,
    body: bytes,
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = client.open(
        path, method=method, query_string=urllib.parse.urlencode(query), headers=headers, data=body
    )
    assert answer.status_code < 500, answer.get_data()
    assert len(answer.headers["X-Kontur-Trace-Id"]) == 32
    if method == "HEAD" or answer.status_code < 400 or not answer.mimetype.endswith("json"):
        return
    error = answer.json
    assert isinstance(error, dict)
    if "error" in error:
        assert error["error"] in OAUTH_ERROR_CODES
    else:
        assert error["id"].startswith("urn:error:externapi:")
        assert error["status-code"] == answer.status_code
