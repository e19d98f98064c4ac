"""Errors and exit statuses: domain errors become statuses only at the CLI edge.

The tree::

    BasetenLogsError                 any failure we can explain in one line
    ├── UsageError                   bad input; nothing was sent         -> USAGE (2)
    ├── ConfigError                  no API key / unreadable config      -> USAGE (2)
    ├── ApiError                     the API answered, but not usefully  -> API (5)
    │   ├── AuthError                401 / 403                           -> AUTH (3)
    │   └── NotFoundError            404                                 -> NOT_FOUND (4)
    ├── TransportError               network failure after retries       -> API (5)
    │   └── PageFailing              5xx again and again for one logs page: the Pager asks smaller
    ├── IncompleteError              a millisecond held more than a page -> INCOMPLETE (6)
    └── pipes.OutputError            stdout or --save cannot be written  -> WRITE (74)
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Exit statuses, documented in the README; scripts rely on them."""

    OK = 0
    MATCHED = 1  # --fail-on found a line at or above its level
    USAGE = 2
    AUTH = 3
    NOT_FOUND = 4
    API = 5
    INCOMPLETE = 6
    INTERNAL = 70  # EX_SOFTWARE: a bug of ours, reported in one line
    WRITE = 74  # EX_IOERR: stdout or --save could not be written (a full disk, a closed stdout)
    HANGUP = 129  # SIGHUP (128 + 1): ended like Ctrl-C, after printing what was fetched
    INTERRUPTED = 130
    TERMINATED = 143  # SIGTERM (128 + 15), as `timeout`, CI cancellation and `kill` send


class BasetenLogsError(Exception):
    """A failure that can be told to the user in one line."""

    status: ExitStatus = ExitStatus.API

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(BasetenLogsError):
    """Bad input; raised before any request is sent."""

    status = ExitStatus.USAGE

    def __init__(self, flag: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(f"{flag}: {message}", hint=hint)
        self.flag = flag


class ConfigError(BasetenLogsError):
    status = ExitStatus.USAGE


class ApiError(BasetenLogsError):
    status = ExitStatus.API


class AuthError(ApiError):
    status = ExitStatus.AUTH


class NotFoundError(ApiError):
    status = ExitStatus.NOT_FOUND


class TransportError(BasetenLogsError):
    status = ExitStatus.API


class PageFailing(TransportError):
    """A logs page the server failed (5xx) several times in a row, asked for with a `limit` the
    caller may halve: a page too big to gather in time is the usual cause. Raised only to a
    caller that said it would ask again smaller (see ApiClient.get_logs)."""


class IncompleteError(BasetenLogsError):
    status = ExitStatus.INCOMPLETE
