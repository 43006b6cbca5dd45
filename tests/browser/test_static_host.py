"""The static host the browser tests read the site from: its errors in a run's output."""

from http.server import SimpleHTTPRequestHandler

import pytest
from browser_support import StaticServer


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (BrokenPipeError(32, "Broken pipe"), False),
        (ConnectionResetError(), False),
        (ValueError("a bug of the host"), True),
    ],
)
def test_a_browser_gone_mid_answer_prints_nothing_a_real_error_its_traceback(
    error: Exception, shown: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    server = StaticServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
    try:
        try:
            raise error
        except Exception:
            server.handle_error(None, ("127.0.0.1", 1))
    finally:
        server.server_close()
    printed = capsys.readouterr().err
    assert (type(error).__name__ in printed) is shown, printed
