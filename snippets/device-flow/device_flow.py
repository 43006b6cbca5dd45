"""Device flow: the user confirms the sign-in in a browser while the app polls for a token."""

import os
import sys
import time
from typing import Any, NoReturn

import requests

IDENTITY = {"test": "https://identity.testkontur.ru", "production": "https://identity.kontur.ru"}
DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"


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

client = {
    "client_id": setting("KONTUR_CLIENT_ID"),
    "client_secret": setting("KONTUR_API_KEY"),
    "scope": "extern.api",
}
response = send("POST", f"{identity}/connect/deviceauthorization", data=client)
if not response.ok:
    fail(response)
device = response.json()

print("Open", device["verification_uri_complete"])
print("or open", device["verification_uri"], "and enter the code", device["user_code"])
print(f"The code expires in {device['expires_in']} s. Waiting...", flush=True)

interval = device.get("interval", 5)
poll = {**client, "grant_type": DEVICE_CODE, "device_code": device["device_code"]}
while True:
    time.sleep(interval)
    response = send("POST", f"{identity}/connect/token", data=poll)
    error = response.json().get("error") if response.status_code == 400 else None
    if error == "authorization_pending":  # the user has not confirmed yet
        continue
    if error == "slow_down":  # polled too often: wait 5 s longer from now on
        interval += 5
        continue
    if not response.ok:  # expired_token, access_denied, ...
        fail(response)
    break

token = response.json()
print("token_type:", token["token_type"])
print("expires_in:", token["expires_in"])
print("access_token:", token["access_token"])
