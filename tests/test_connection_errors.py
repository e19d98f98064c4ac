"""A wrong URL told apart from an outage, and each message's words: where the URL came from and
what to check (connection_errors.connection_mistake, called directly with httpx's errors)."""

from __future__ import annotations

import ssl

import httpx
import pytest

from baseten_logs.api.connection_errors import _causes, connection_mistake


def failed(cause: BaseException) -> httpx.ConnectError:
    """httpx's error for a connection that failed with `cause` underneath, as httpx raises it."""
    error = httpx.ConnectError(str(cause))
    error.__cause__ = cause
    return error


def tls_error(reason: str | None, text: str) -> ssl.SSLError:
    error = ssl.SSLError(1, text)
    error.reason = reason  # type: ignore[assignment]  # ssl sets it (None: not known)
    return error


def mistake(cause: BaseException, url: str, source: str) -> str:
    found = connection_mistake(failed(cause), base_url=httpx.URL(url), url_source=source)
    assert found is not None
    return str(found)


@pytest.mark.parametrize(
    ("source", "check"),
    [
        ("--api-url", "check --api-url"),
        ("BASETEN_API_URL", "check BASETEN_API_URL"),
        ("default", "check --api-url / BASETEN_API_URL"),
        ("the API URL setting", "check --api-url / BASETEN_API_URL"),
        ("~/.trussrc [prod]", "check ~/.trussrc [prod] (--api-url overrides it)"),
    ],
)
def test_the_fix_names_where_the_url_came_from(source: str, check: str) -> None:
    text = mistake(
        tls_error("SSLV3_ALERT_HANDSHAKE_FAILURE", "sslv3 alert"), "https://a.test", source
    )
    assert text == (
        f"the TLS handshake with a.test:443 failed (SSLV3_ALERT_HANDSHAKE_FAILURE; the URL from"
        f" {source}) ({check})"
    )


@pytest.mark.parametrize(
    "error",
    [
        tls_error("WRONG_VERSION_NUMBER", "[SSL] record layer failure"),  # the reason alone
        tls_error(None, "[SSL: WRONG_VERSION_NUMBER] Wrong Version Number (_ssl.c:1006)"),  # text
    ],
)
def test_a_server_without_tls_is_named_by_its_reason_or_its_text(error: ssl.SSLError) -> None:
    text = mistake(error, "https://127.0.0.1:8787/v1/?x=1#top", "--api-url")
    assert text == (
        "127.0.0.1:8787 does not speak TLS, which https:// needs (the URL from --api-url)"
        " (a local server such as the emulator speaks plain http: http://127.0.0.1:8787)"
    )


def test_a_certificate_not_trusted_without_a_word_from_ssl_says_not_verified() -> None:
    # Raised by other code than ssl's: no verify_message, no reason (an AttributeError before).
    error = ssl.SSLCertVerificationError(1, "")
    text = mistake(error, "https://a.test", "--api-url")
    assert text.startswith("the TLS certificate of a.test is not trusted (not verified; ")


def test_a_refused_connection_is_an_outage_not_a_mistake() -> None:
    refused = failed(ConnectionRefusedError(111, "Connection refused"))
    assert connection_mistake(refused, base_url=httpx.URL("https://a.test"), url_source="x") is None


def test_a_tls_error_raised_without_a_reason_is_named_by_its_kind() -> None:
    text = mistake(ssl.SSLError(1, "handshake"), "https://a.test", "--api-url")
    assert text.startswith("the TLS handshake with a.test:443 failed (SSLError; ")


def test_a_cycle_of_causes_is_walked_sixteen_deep_and_no_further() -> None:
    """An error whose causes loop (a library that re-raises what it caught) still ends in a
    message: the walk looks at 16 errors at most."""
    first, second = OSError("one"), OSError("two")
    first.__cause__, second.__cause__ = second, first
    walked = list(_causes(first))
    assert len(walked) == 16 and walked[:3] == [first, second, first]
    refused = failed(first)
    assert connection_mistake(refused, base_url=httpx.URL("https://a.test"), url_source="x") is None
