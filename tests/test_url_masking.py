"""A `user:password@` in a URL never reaches output: every message naming a URL masks it.

Hostile answers (a redirect, an HTML page, text that is not JSON, an empty body) from a server
reached through a URL with credentials in it: each error names the URL, masked, and no part of
the password appears anywhere.
"""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.access.config import mask_url as config_mask_url
from baseten_logs.api.masking import mask_url
from baseten_logs.base.errors import ExitStatus
from tests.conftest import invoke

SECRET = "hunter2hunter2"
URL = f"https://robot:{SECRET}@api.test"
SHOWN = "https://****@api.test"
GET = ("get", "mdl1234", "dep5678", "--since", "2025-11-26T09:00:00Z", "--until", "+5m")
KEY = ("--api-url", URL, "--api-key", "flag-key-0123456789")


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (
            {
                "status_code": 200,
                "text": "<html>login</html>",
                "headers": {"Content-Type": "text/html"},
            },
            f"error: {SHOWN} (from --api-url) does not look like the Baseten API"
            " (HTML answer, HTTP 200)",
        ),
        (
            {"status_code": 200, "text": "hello", "headers": {"Content-Type": "text/plain"}},
            f"error: {SHOWN} (from --api-url) does not look like the Baseten API"
            " (text/plain answer, not JSON, HTTP 200)",
        ),
        (
            {"status_code": 200, "content": b""},
            f"error: {SHOWN} answered /v1/models/mdl1234/deployments/dep5678/logs with something"
            " that is not JSON (unknown content)",
        ),
        (
            {
                "status_code": 302,
                "headers": {"Location": f"https://robot:{SECRET}@elsewhere.test/"},
            },
            f"error: {SHOWN} (from --api-url) redirects to https://****@elsewhere.test/,"
            " which the Baseten API never does",
        ),
        (
            {
                "status_code": 404,
                "text": "<html>nope</html>",
                "headers": {"Content-Type": "text/html"},
            },
            f"error: {SHOWN} (from --api-url) does not look like the Baseten API"
            " (HTML answer, HTTP 404)",
        ),
    ],
    ids=["html", "not-json", "empty", "redirect", "html-404"],
)
def test_an_answer_that_is_not_the_api_names_the_url_masked(
    httpx_mock: HTTPXMock, answer: dict[str, object], words: str
) -> None:
    httpx_mock.add_response(**answer)  # type: ignore[arg-type]
    result = invoke(*GET, *KEY)
    assert result.status == ExitStatus.API
    assert words in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert SECRET not in result.stderr + result.stdout


def test_there_is_one_masking_function() -> None:
    assert config_mask_url is mask_url
    assert mask_url(URL) == SHOWN
    assert mask_url("https://api.test/v1") == "https://api.test/v1"
    assert mask_url("https://only-user@api.test:8443/x") == "https://****@api.test:8443/x"
    assert mask_url("http://[::1") == "<an unparsable URL>"
