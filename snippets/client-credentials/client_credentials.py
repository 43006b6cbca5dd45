"""Client credentials flow: exchange the service name and API key for an access token."""

import os
import sys
from typing import Any, NoReturn

import requests

IDENTITY = {"test": "https://identity.testkontur.ru", "production": "https://identity.kontur.ru"}


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
    # The OpenID provider answers 400 (not 401) with an "error" code.
    error = answer.get("error", response.reason)
    description = answer.get("error_description", "")
    trace_id = response.headers.get("X-Kontur-Trace-Id", "")
    sys.exit(f"{response.status_code} {error}: {description}\nX-Kontur-Trace-Id: {trace_id}")


site = os.environ.get("KONTUR_SITE") or "test"
if site not in IDENTITY:
    sys.exit("KONTUR_SITE must be test or production")
identity = (os.environ.get("KONTUR_IDENTITY_URL") or IDENTITY[site]).rstrip("/")

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

print("token_type:", token["token_type"])
print("expires_in:", token["expires_in"])
print("access_token:", token["access_token"])
