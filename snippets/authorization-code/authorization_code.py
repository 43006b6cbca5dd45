"""Authorization code flow: the user signs in in a browser, the app exchanges the code."""

import os
import secrets
import sys
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import requests

IDENTITY = {"test": "https://identity.testkontur.ru", "production": "https://identity.kontur.ru"}
REDIRECT_URI = "http://127.0.0.1:8400/callback"  # the sandbox's; ask Kontur for yours


def main() -> None:
    identity = address("KONTUR_IDENTITY_URL", IDENTITY)
    client_id, api_key = setting("KONTUR_CLIENT_ID"), setting("KONTUR_API_KEY")
    # [START authorization_code]
    state = secrets.token_hex(16)  # ties the answer to this very request (against CSRF)
    print("Open this address in a browser and sign in:")
    print(authorize_url(identity, client_id, state))
    print("Then paste the address the browser was sent to:", flush=True)
    code = code_from(sys.stdin.readline().strip(), state)

    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": client_id,
        "client_secret": api_key,
    }
    token = answer(send("POST", f"{identity}/connect/token", data=form))
    print("token_type:", token["token_type"])
    print("expires_in:", token["expires_in"])
    print("access_token:", token["access_token"])
    # [END authorization_code]


def authorize_url(identity: str, client_id: str, state: str) -> str:
    """The sign-in page's address; a fresh nonce, as OpenID Connect asks, goes into the ID token."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid extern.api",
        "state": state,
        "nonce": secrets.token_hex(16),
    }
    return f"{identity}/connect/authorize?{urlencode(query, quote_via=quote)}"


def code_from(redirect: str, state: str) -> str:
    """The code of the address the browser was sent to; stop if sign-in failed or was forged."""
    query = parse_qs(urlsplit(redirect).query)
    if "error" in query:
        sys.exit(f"{query['error'][0]}: {query.get('error_description', [''])[0]}")
    if query.get("state") != [state] or "code" not in query:
        sys.exit("The address has no code or a foreign state: start over")
    return query["code"][0]


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
    if not response.ok:  # the OpenID provider answers 400 (not 401) with an "error" code
        error = body.get("error", response.reason)
        trace_id = response.headers.get("X-Kontur-Trace-Id", "")
        sys.exit(
            f"{response.status_code} {error}: {body.get('error_description', '')}\n"
            f"X-Kontur-Trace-Id: {trace_id}"
        )
    return body


if __name__ == "__main__":
    main()
