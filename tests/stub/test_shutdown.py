"""A stop (SIGTERM, Ctrl-C, StubServer.stop) lets the requests in flight finish."""

import signal
import subprocess
import sys
import threading
import time

import requests
from stub_helpers import ANY_PORTS, TIMEOUT, client_credentials

from extern_stub import StubServer


def test_stop_waits_for_requests_in_flight() -> None:
    stub = StubServer(api_latency=1.0).start()
    site = stub.sites["test"]
    token = requests.post(
        f"{site.base_url}/connect/token", data=client_credentials(site), timeout=TIMEOUT
    ).json()["access_token"]
    answers: list[requests.Response | Exception] = []

    def call() -> None:
        try:
            answers.append(
                requests.get(
                    f"{site.base_url}/v1",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=TIMEOUT,
                )
            )
        except requests.RequestException as error:
            answers.append(error)

    caller = threading.Thread(target=call)
    caller.start()
    while not site.state.in_flight.get(site.client_id):
        time.sleep(0.01)  # until the request is inside the API
    stub.stop()
    assert site.state.in_flight[site.client_id] == 0  # stop returned after the answer
    caller.join(TIMEOUT)
    (answer,) = answers
    assert isinstance(answer, requests.Response), answer
    assert answer.status_code == 200


def test_sigterm_lets_a_request_in_flight_finish() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "extern_stub", *ANY_PORTS, "--api-latency", "1", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().split()
        base_url, client_id = first[1], first[2].removeprefix("client_id=")
        api_key = first[3].removeprefix("api_key=")
        form = {"grant_type": "client_credentials", "scope": "extern.api"}
        form |= {"client_id": client_id, "client_secret": api_key}
        token = requests.post(f"{base_url}/connect/token", data=form, timeout=TIMEOUT).json()
        answers: list[requests.Response | Exception] = []

        def call() -> None:
            try:
                headers = {"Authorization": f"Bearer {token['access_token']}"}
                answers.append(requests.get(f"{base_url}/v1", headers=headers, timeout=TIMEOUT))
            except requests.RequestException as error:
                answers.append(error)

        caller = threading.Thread(target=call)
        caller.start()
        time.sleep(0.4)  # the request is now waiting out its second of latency
        process.send_signal(signal.SIGTERM)
        caller.join(TIMEOUT)
        assert process.wait(TIMEOUT) == 0
        (answer,) = answers
        assert isinstance(answer, requests.Response), answer
        assert answer.status_code == 200
    finally:
        process.kill()
        process.wait()
        assert process.stdout is not None
        process.stdout.close()
