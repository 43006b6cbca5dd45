"""/openapi.json describes every endpoint, and every answer of the stub matches it."""

import urllib.parse
from collections.abc import Callable, Iterator

import jsonschema
import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.exceptions import OpenAPIError
from openapi_core.validation.response.exceptions import InvalidData
from openapi_spec_validator import validate
from stub_helpers import (
    TIMEOUT,
    assert_sentence,
    client_credentials,
    get_token,
    post_device_form,
    post_from_page,
)

import extern_stub
from extern_stub import Site, StubServer
from extern_stub.app import URL_MAP, is_identity_path

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
    assert spec["info"]["version"] == extern_stub.__version__


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


# JSON Schema 2020-12's keywords and OpenAPI 3.1's additions to them. A misspelt keyword is
# legal JSON Schema (unknown keywords are ignored), so it would silently check nothing.
SCHEMA_KEYWORDS = {
    *jsonschema.Draft202012Validator.VALIDATORS,
    *("$schema", "$id", "$anchor", "$dynamicAnchor", "$defs", "$comment", "$vocabulary"),
    *("title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly"),
    *("format", "contentMediaType", "contentEncoding", "contentSchema"),
    *("discriminator", "xml", "externalDocs", "example"),
}


def schemas_in(node: object, where: str = "#") -> Iterator[tuple[str, dict]]:
    """Every schema object of the document (under a ``schema`` key or a component), with
    where it is, and the schemas nested in it."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "schema" or where == "#/components/schemas":
                yield from nested_schemas(value, f"{where}/{key}")
            else:
                yield from schemas_in(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from schemas_in(value, f"{where}/{index}")


def nested_schemas(schema: object, where: str) -> Iterator[tuple[str, dict]]:
    if not isinstance(schema, dict):
        return
    yield where, schema
    for key in ("properties", "$defs", "patternProperties"):
        for name, inner in schema.get(key, {}).items():
            yield from nested_schemas(inner, f"{where}/{key}/{name}")
    for key in ("items", "additionalProperties", "not", "contains", "propertyNames"):
        yield from nested_schemas(schema.get(key), f"{where}/{key}")
    for key in ("allOf", "anyOf", "oneOf", "prefixItems"):
        for index, inner in enumerate(schema.get(key, [])):
            yield from nested_schemas(inner, f"{where}/{key}/{index}")


def test_schemas_use_only_known_keywords(spec: dict) -> None:
    found = list(schemas_in(spec))
    assert len(found) > 50  # the walk reaches the operations' and the components' schemas
    unknown = {where: set(schema) - SCHEMA_KEYWORDS for where, schema in found}
    assert {where: keys for where, keys in unknown.items() if keys} == {}


def operations(spec: dict) -> Iterator[tuple[str, str, dict]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_security_names_declared_schemes(spec: dict) -> None:
    schemes = set(spec["components"]["securitySchemes"])
    named = {
        name
        for _, _, operation in operations(spec)
        for requirement in operation.get("security", [])
        for name in requirement
    }
    assert named == schemes


def test_tags_are_declared_and_follow_the_servers_split(spec: dict) -> None:
    declared = [tag["name"] for tag in spec["tags"]]
    for path, method, operation in operations(spec):
        (tag,) = operation["tags"]
        assert tag in declared, (path, method, tag)
        if path == "/openapi.json":
            assert tag == "stub"
        else:
            assert (tag == "identity") == is_identity_path(path), (path, method, tag)


def test_operations_ask_for_the_credentials_the_server_checks(spec: dict) -> None:
    """The Extern API and userinfo need a bearer token; the token endpoints take Basic too."""
    for path, method, operation in operations(spec):
        security = operation.get("security", [])
        if path.startswith(("/v1", "/connect/userinfo")):
            assert security == [{"bearer": []}], (path, method)
        elif path in {"/connect/token", "/connect/deviceauthorization"}:
            assert security == [{}, {"basic": []}], (path, method)
        else:
            assert security == [], (path, method)


def documented(openapi: OpenAPI, prepared: requests.PreparedRequest) -> bool:
    """Whether the document accepts the request."""
    try:
        openapi.validate_request(RequestsOpenAPIRequest(prepared))
    except OpenAPIError:
        return False
    return True


def accepted(answer: requests.Response) -> bool:
    """Whether the server did what was asked: a 2xx, not an error page or error redirect."""
    return answer.ok and answer.status_code != 302


# Successful GETs that send every query parameter the document describes, one per operation.
QUERY_CASES = ["authorize page with every parameter", "accounts", "device page with a code"]
# A parameter that only means something with another: left out together (RFC 7636 4.3).
LEFT_OUT_TOGETHER = {"code_challenge": {"code_challenge_method"}}


@pytest.mark.parametrize("name", QUERY_CASES)
def test_query_parameters_agree_with_the_server(
    openapi: OpenAPI, spec: dict, site: Site, name: str
) -> None:
    """Each parameter of a successful request is documented, and leaving it out is refused by
    the server exactly when the document calls it required."""
    good = {**interactions(site), **query_cases(site)}[name]()
    assert accepted(good), good.text
    url = urllib.parse.urlsplit(good.request.url)
    sent = urllib.parse.parse_qsl(url.query)
    operation = spec["paths"][url.path]["get"]
    described = {p["name"]: p.get("required", False) for p in operation["parameters"]}
    assert sorted(key for key, _ in sent) == sorted(described)
    for left_out in described:
        gone = {left_out, *LEFT_OUT_TOGETHER.get(left_out, ())}
        query = urllib.parse.urlencode([(key, value) for key, value in sent if key not in gone])
        without = requests.Request(
            "GET", url._replace(query=query).geturl(), headers=dict(good.request.headers)
        ).prepare()
        with requests.Session() as session:
            answer = session.send(without, allow_redirects=False, timeout=TIMEOUT)
        assert accepted(answer) == documented(openapi, without), (left_out, answer.status_code)
        assert accepted(answer) != described[left_out], left_out


def query_cases(site: Site) -> dict[str, Callable[[], requests.Response]]:
    def authorize() -> requests.Response:
        query = {
            "response_type": "code",
            "client_id": site.client_id,
            "redirect_uri": CALLBACK,
            "scope": "openid extern.api",
            "state": "s",
            "nonce": "n",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
            "prompt": "login",
        }
        return requests.get(f"{site.base_url}/connect/authorize", params=query, timeout=TIMEOUT)

    def device_page() -> requests.Response:
        form = {"client_id": site.client_id, "client_secret": site.api_key, "scope": "extern.api"}
        codes = requests.post(
            f"{site.base_url}/connect/deviceauthorization", data=form, timeout=TIMEOUT
        ).json()
        return requests.get(codes["verification_uri_complete"], timeout=TIMEOUT)

    return {
        "authorize page with every parameter": authorize,
        "device page with a code": device_page,
    }


def test_every_documented_body_is_required_by_document_and_server(
    openapi: OpenAPI, spec: dict, site: Site
) -> None:
    with_bodies = [(path, method) for path, method, op in operations(spec) if "requestBody" in op]
    assert len(with_bodies) >= 4
    for path, method in with_bodies:
        empty = requests.Request(method.upper(), f"{site.base_url}{path}").prepare()
        with requests.Session() as session:
            answer = session.send(empty, allow_redirects=False, timeout=TIMEOUT)
        assert not accepted(answer), (path, answer.status_code)
        assert not documented(openapi, empty), path


def test_every_description_is_a_sentence(spec: dict) -> None:
    def descriptions(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "description" and isinstance(value, str):
                    yield value
                else:
                    yield from descriptions(value)
        elif isinstance(node, list):
            for value in node:
                yield from descriptions(value)

    found = list(descriptions(spec))
    assert len(found) > 40
    for text in found:
        assert_sentence(text)


def test_defaults_are_what_the_server_uses(spec: dict, site: Site) -> None:
    token = get_token(site)["access_token"]
    answer = requests.get(
        f"{site.base_url}/v1", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
    )
    assert answer.status_code == 200
    defaults = {
        p["name"]: p["schema"]["default"] for p in spec["paths"]["/v1"]["get"]["parameters"]
    }
    assert defaults == {name: answer.json()[name] for name in defaults}


def test_a_redirect_without_location_would_be_caught(openapi: OpenAPI, site: Site) -> None:
    answer = interactions(site)["authorize redirect error"]()
    assert answer.status_code == 302
    openapi.validate_response(
        RequestsOpenAPIRequest(answer.request), RequestsOpenAPIResponse(answer)
    )
    del answer.headers["Location"]
    with pytest.raises(OpenAPIError):
        openapi.validate_response(
            RequestsOpenAPIRequest(answer.request), RequestsOpenAPIResponse(answer)
        )
