"""First call to the Extern API: get a token, then list the accounts (GET /v1)."""

import os
import sys
from typing import Any

import requests

IDENTITY = {"test": "https://identity.testkontur.ru", "production": "https://identity.kontur.ru"}
API = {"test": "https://extern-api.testkontur.ru", "production": "https://extern-api.kontur.ru"}


def main() -> None:
    identity, api = address("KONTUR_IDENTITY_URL", IDENTITY), address("KONTUR_API_URL", API)
    # [START first_request]
    form = {
        "grant_type": "client_credentials",
        "client_id": setting("KONTUR_CLIENT_ID"),
        "client_secret": setting("KONTUR_API_KEY"),  # the API key: never in the code
        "scope": "extern.api",
    }
    token = answer(send("POST", f"{identity}/connect/token", data=form))

    # The Extern API gets only the access token, never the API key.
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    response = send("GET", f"{api}/v1", params={"skip": 0, "take": 10}, headers=bearer)
    answer(response)
    print(response.text)
    # [END first_request]


def setting(name: str) -> str:
    """An environment variable that must be set."""
    return os.environ.get(name) or sys.exit(f"{name} is not set")


def address(variable: str, defaults: dict[str, str]) -> str:
    """The server's address: `variable` if set, else that of the KONTUR_SITE environment."""
    site = os.environ.get("KONTUR_SITE") or "test"
    if site not in defaults:
        sys.exit("KONTUR_SITE must be test or production")
    url = (os.environ.get(variable) or defaults[site]).rstrip("/")
    if not url.startswith(("http://", "https://")):
        sys.exit(f"{variable} must start with http:// or https:// (it is {url})")
    return url


def send(method: str, url: str, **kwargs: Any) -> requests.Response:
    """Send a request with a timeout; stop with a message saying what to check."""
    try:
        return requests.request(method, url, timeout=30, **kwargs)
    except requests.Timeout:
        sys.exit(f"No answer from {url} in 30 s: try again later")
    except requests.RequestException:
        sys.exit(
            f"Cannot connect to {url}: is the server (or sandbox) running?"
            " Check KONTUR_IDENTITY_URL and KONTUR_API_URL"
        )


def answer(response: requests.Response) -> dict[str, Any]:
    """The JSON answer; on an error, stop with its code, description and trace id."""
    try:
        body = response.json()
    except ValueError:
        sys.exit(f"{response.url} answered HTTP {response.status_code}, not JSON: wrong address?")
    if not response.ok:  # the OpenID provider: 400 with "error"; the Extern API: "id"
        error = body.get("error") or body.get("id") or response.reason
        description = body.get("error_description") or body.get("message") or ""
        trace_id = response.headers.get("X-Kontur-Trace-Id", "")
        sys.exit(f"{response.status_code} {error}: {description}\nX-Kontur-Trace-Id: {trace_id}")
    return body


if __name__ == "__main__":
    main()
