"""/openapi.json describes every endpoint, and every answer of the stub matches it."""

import urllib.parse
from collections.abc import Callable

import jsonschema
import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.validation.response.exceptions import InvalidData
from openapi_spec_validator import validate
from stub_helpers import TIMEOUT, client_credentials, get_token, post_device_form, post_from_page

from extern_stub import Site, StubServer
from extern_stub.app import URL_MAP

CALLBACK = "http://127.0.0.1:8400/callback"


# Function-scoped, so mutation testing sees every test here reach the document's code.
@pytest.fixture
def spec(stub_server: StubServer) -> dict:
    answer = requests.get(f"{stub_server.sites['test'].base_url}/openapi.json", timeout=TIMEOUT)
    assert answer.status_code == 200
    return answer.json()


@pytest.fixture
def openapi(spec: dict) -> OpenAPI:
    return OpenAPI.from_dict(spec)


def test_the_document_is_valid_openapi_31(spec: dict, site: Site) -> None:
    assert spec["openapi"].startswith("3.1")
    validate(spec)  # raises on an invalid document
    assert spec["servers"] == [{"url": site.base_url}]


def test_every_route_is_described(spec: dict) -> None:
    described = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    routed = set()
    for rule in URL_MAP.iter_rules():
        path = rule.rule.replace("<account_id>", "{accountId}")
        routed |= {(path, method) for method in rule.methods or () if method != "HEAD"}
    assert described == routed


def interactions(site: Site) -> dict[str, Callable[[], requests.Response]]:
    """One call per kind of answer; each returns the response to check against the spec."""
    base = site.base_url

    def token() -> str:
        return get_token(site)["access_token"]

    def bearer() -> dict[str, str]:
        return {"Authorization": f"Bearer {token()}"}

    def device() -> dict:
        form = {"client_id": site.client_id, "client_secret": site.api_key, "scope": "extern.api"}
        return requests.post(f"{base}/connect/deviceauthorization", data=form, timeout=5).json()

    authorize_query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": site.client_id,
            "redirect_uri": CALLBACK,
            "scope": "openid extern.api",
            "state": "s",
        }
    )
    post = requests.post
    get = requests.get
    return {
        "token": lambda: post(f"{base}/connect/token", data=client_credentials(site), timeout=5),
        "token basic": lambda: post(
            f"{base}/connect/token",
            data={"grant_type": "client_credentials", "scope": "extern.api"},
            auth=(site.client_id, site.api_key),
            timeout=5,
        ),
        "token error": lambda: post(f"{base}/connect/token", data={"a": "b"}, timeout=5),
        "token 413": lambda: post(f"{base}/connect/token", data={"a": "b" * 70000}, timeout=5),
        "device authorization": lambda: post(
            f"{base}/connect/deviceauthorization",
            data={
                "client_id": site.client_id,
                "client_secret": site.api_key,
                "scope": "extern.api",
            },
            timeout=5,
        ),
        "device authorization error": lambda: post(
            f"{base}/connect/deviceauthorization", data={}, timeout=5
        ),
        "device polling": lambda: post(
            f"{base}/connect/token",
            data={
                **client_credentials(site),
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                "device_code": device()["device_code"],
            },
            timeout=5,
        ),
        "device page": lambda: get(f"{base}/device", timeout=5),
        "device page post": lambda: post_device_form(
            site,
            user_code=device()["user_code"],
            login=site.user_login,
            password=site.user_password,
        ),
        "device page wrong code": lambda: post_device_form(site, user_code="x"),
        "device page forged": lambda: post(f"{base}/device", data={"user_code": "x"}, timeout=5),
        "authorize page": lambda: get(f"{base}/connect/authorize?{authorize_query}", timeout=5),
        "authorize error": lambda: get(f"{base}/connect/authorize", timeout=5),
        "authorize redirect error": lambda: get(
            f"{base}/connect/authorize?"
            + authorize_query.replace("response_type=code", "response_type=token"),
            allow_redirects=False,
            timeout=5,
        ),
        "authorize login": lambda: post_from_page(
            f"{base}/connect/authorize?{authorize_query}",
            f"{base}/connect/authorize",
            {
                **dict(urllib.parse.parse_qsl(authorize_query)),
                "login": site.user_login,
                "password": site.user_password,
                "action": "allow",
            },
            allow_redirects=False,
        ),
        "authorize wrong password": lambda: post_from_page(
            f"{base}/connect/authorize?{authorize_query}",
            f"{base}/connect/authorize",
            {**dict(urllib.parse.parse_qsl(authorize_query)), "login": "x", "password": "y"},
            allow_redirects=False,
        ),
        "discovery": lambda: get(f"{base}/.well-known/openid-configuration", timeout=5),
        "jwks": lambda: get(f"{base}/.well-known/openid-configuration/jwks", timeout=5),
        "accounts": lambda: get(f"{base}/v1?skip=1&take=2", headers=bearer(), timeout=5),
        "accounts 400": lambda: get(f"{base}/v1?skip=x", headers=bearer(), timeout=5),
        "accounts 401": lambda: get(f"{base}/v1", timeout=5),
        "account": lambda: get(
            f"{base}/v1/{next(iter(site.registry.accounts))}", headers=bearer(), timeout=5
        ),
        "account 404": lambda: get(f"{base}/v1/nope", headers=bearer(), timeout=5),
        "openapi": lambda: get(f"{base}/openapi.json", timeout=5),
    }


NAMES = [
    "token",
    "token basic",
    "token error",
    "token 413",
    "device authorization",
    "device authorization error",
    "device polling",
    "device page",
    "device page post",
    "device page wrong code",
    "device page forged",
    "authorize page",
    "authorize error",
    "authorize redirect error",
    "authorize login",
    "authorize wrong password",
    "discovery",
    "jwks",
    "accounts",
    "accounts 400",
    "accounts 401",
    "account",
    "account 404",
    "openapi",
]


def test_every_interaction_is_checked(site: Site) -> None:
    assert sorted(interactions(site)) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_answer_matches_the_document(openapi: OpenAPI, site: Site, name: str) -> None:
    answer = interactions(site)[name]()
    assert answer.status_code < 500
    assert "X-Kontur-Trace-Id" in answer.headers
    openapi.validate_response(
        RequestsOpenAPIRequest(answer.request), RequestsOpenAPIResponse(answer)
    )


@pytest.mark.parametrize("name", ["token", "token basic", "device authorization", "accounts"])
def test_successful_requests_match_the_document(openapi: OpenAPI, site: Site, name: str) -> None:
    answer = interactions(site)[name]()
    assert answer.status_code == 200
    openapi.validate_request(RequestsOpenAPIRequest(answer.request))


def test_a_wrong_answer_would_be_caught(openapi: OpenAPI, site: Site) -> None:
    """The check above can fail: a token answer without expires_in does not match."""
    answer = interactions(site)["token"]()
    answer._content = b'{"access_token": "' + b"0" * 64 + b'", "token_type": "Bearer"}'
    with pytest.raises(InvalidData):
        openapi.validate_response(
            RequestsOpenAPIRequest(answer.request), RequestsOpenAPIResponse(answer)
        )


@pytest.mark.parametrize(
    ("method", "path", "schema"),
    [
        ("GET", "/connect/token", "OAuthError"),
        ("PUT", "/connect/authorize", "OAuthError"),
        ("GET", "/connect/nothing", "OAuthError"),
        ("DELETE", "/v1", "ExternError"),
        ("GET", "/nothing", "ExternError"),
        ("POST", "/openapi.json", "ExternError"),
    ],
)
def test_unknown_paths_and_methods_match_the_error_schemas(
    spec: dict, site: Site, method: str, path: str, schema: str
) -> None:
    answer = requests.request(method, f"{site.base_url}{path}", timeout=TIMEOUT)
    assert answer.status_code in {404, 405}
    jsonschema.validate(answer.json(), spec["components"]["schemas"][schema])


def test_the_smallest_skip_and_take_match_the_document(openapi: OpenAPI, site: Site) -> None:
    token = get_token(site)["access_token"]
    answer = requests.get(
        f"{site.base_url}/v1?skip=0&take=0",
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200
    openapi.validate_request(RequestsOpenAPIRequest(answer.request))
