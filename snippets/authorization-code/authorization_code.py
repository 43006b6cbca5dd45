"""Authorization code flow: the user signs in in a browser, the app exchanges the code."""

import os
import secrets
import sys
from typing import Any, NoReturn
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import requests

IDENTITY = {"test": "https://identity.testkontur.ru", "production": "https://identity.kontur.ru"}
REDIRECT_URI = "http://127.0.0.1:8400/callback"  # the sandbox's; ask Kontur for yours


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
client_id = setting("KONTUR_CLIENT_ID")
api_key = setting("KONTUR_API_KEY")

# A fresh random state ties the answer to this very request (protection against CSRF).
state = secrets.token_hex(16)
# A fresh nonce, as OpenID Connect asks: the provider puts it into the ID token it issues.
nonce = secrets.token_hex(16)
query = {
    "response_type": "code",
    "client_id": client_id,
    "redirect_uri": REDIRECT_URI,
    "scope": "openid extern.api",
    "state": state,
    "nonce": nonce,
}
print("Open this address in a browser and sign in:")
print(f"{identity}/connect/authorize?{urlencode(query, quote_via=quote)}")
print("Then paste the address the browser was sent to:", flush=True)

redirect = parse_qs(urlsplit(sys.stdin.readline().strip()).query)
if "error" in redirect:
    sys.exit(f"{redirect['error'][0]}: {redirect.get('error_description', [''])[0]}")
if redirect.get("state") != [state] or "code" not in redirect:
    sys.exit("The address has no code or a foreign state: start over")

form = {
    "grant_type": "authorization_code",
    "code": redirect["code"][0],
    "redirect_uri": REDIRECT_URI,
    "client_id": client_id,
    "client_secret": api_key,
}
response = send("POST", f"{identity}/connect/token", data=form)
if not response.ok:
    fail(response)
token = response.json()

print("token_type:", token["token_type"])
print("expires_in:", token["expires_in"])
print("access_token:", token["access_token"])
