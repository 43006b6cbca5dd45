"""Device flow: the user confirms the sign-in in a browser while the app polls for a token."""

import os
import sys
import time
from typing import Any

import requests

IDENTITY = {"test": "https://identity.testkontur.ru", "production": "https://identity.kontur.ru"}
DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"


def main() -> None:
    identity = address("KONTUR_IDENTITY_URL", IDENTITY)
    # [START device_flow]
    client = {
        "client_id": setting("KONTUR_CLIENT_ID"),
        "client_secret": setting("KONTUR_API_KEY"),  # the API key: never in the code
        "scope": "extern.api",
    }
    device = answer(send("POST", f"{identity}/connect/deviceauthorization", data=client))
    print("Open", device["verification_uri_complete"])
    print("or open", device["verification_uri"], "and enter the code", device["user_code"])
    print(f"The code expires in {device['expires_in']} s. Waiting...", flush=True)

    poll = {**client, "grant_type": DEVICE_CODE, "device_code": device["device_code"]}
    token = wait_for_token(f"{identity}/connect/token", poll, device.get("interval", 5))
    print("token_type:", token["token_type"])
    print("expires_in:", token["expires_in"])
    print("access_token:", token["access_token"])
    # [END device_flow]


def wait_for_token(url: str, poll: dict[str, str], interval: int) -> dict[str, Any]:
    """Poll the token endpoint until the user confirms (RFC 8628: `interval` seconds apart)."""
    while True:
        time.sleep(interval)
        response = send("POST", url, data=poll)
        try:
            error = response.json().get("error") if response.status_code == 400 else None
        except ValueError:  # not JSON: answer() says so
            error = None
        if error == "authorization_pending":  # the user has not confirmed yet
            continue
        if error == "slow_down":  # polled too often: wait 5 s longer from now on
            interval += 5
            continue
        return answer(response)  # the token, or stop: expired_token, access_denied, ...


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
