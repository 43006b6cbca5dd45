"""First call to the Extern API: get a token, then list the accounts (GET /v1)."""

import os
import sys
from typing import Any, NoReturn

import requests

SITES = {  # the OpenID provider and the Extern API of each environment
    "test": ("https://identity.testkontur.ru", "https://extern-api.testkontur.ru"),
    "production": ("https://identity.kontur.ru", "https://extern-api.kontur.ru"),
}


def setting(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{name} is not set")
    return value


def send(method: str, url: str, **kwargs: Any) -> requests.Response:
    """Send a request with a timeout; stop with a clear message if the server is unreachable."""
    try:
        return requests.request(method, url, timeout=30, **kwargs)
    except requests.RequestException as error:
        sys.exit(f"Cannot reach {url}: {error.__class__.__name__}")


def fail(response: requests.Response) -> NoReturn:
    """Stop with the error code, its description and the trace id for support."""
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    # The OpenID provider answers 400 (not 401) with "error"; the Extern API uses "id".
    error = answer.get("error") or answer.get("id") or response.reason
    description = answer.get("error_description") or answer.get("message") or ""
    trace_id = response.headers.get("X-Kontur-Trace-Id", "")
    sys.exit(f"{response.status_code} {error}: {description}\nX-Kontur-Trace-Id: {trace_id}")


site = os.environ.get("KONTUR_SITE") or "test"
if site not in SITES:
    sys.exit("KONTUR_SITE must be test or production")
identity = (os.environ.get("KONTUR_IDENTITY_URL") or SITES[site][0]).rstrip("/")
api = (os.environ.get("KONTUR_API_URL") or SITES[site][1]).rstrip("/")

form = {
    "grant_type": "client_credentials",
    "client_id": setting("KONTUR_CLIENT_ID"),
    "client_secret": setting("KONTUR_API_KEY"),
    "scope": "extern.api",
}
response = send("POST", f"{identity}/connect/token", data=form)
if not response.ok:
    fail(response)
token = response.json()

# The Extern API gets only the access token, never the API key.
bearer = {"Authorization": f"Bearer {token['access_token']}"}
response = send("GET", f"{api}/v1", params={"skip": 0, "take": 10}, headers=bearer)
if not response.ok:
    fail(response)
print(response.text)
