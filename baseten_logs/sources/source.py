"""A run's log source: where its logs are, settled by the API, and the lines it sends checked.

MODEL and DEPLOYMENT may be ids or names, and nothing in an id's shape says which (ids have no
promised length or case). So when both could be ids, the path is built from them as typed and
the first logs request is the probe: a 200 settles it at no extra cost, and only a 404 sends
the tool to name resolution, then the request is sent again. A path from the cache is likewise
trusted until a 404, then resolved afresh.

Requests sent while the first is out (the first slices of `--all`, one per replica) use the same
guess rather than wait a round trip for its answer: a 200 is the common case (an id copied from
the dashboard, a path from the cache), and at 500 ms a request that wait was an eighth of a
200,000-line run. A guess answered 404 waits for the one resolution the first request runs, and
is sent again to the path it settles; a wrong guess costs those few 404s, never a second
resolution. With no guess (names only), requests wait for the resolution.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from baseten_logs.base.errors import NotFoundError, UsageError
from baseten_logs.base.timeparse import format_ms
from baseten_logs.base.timestamps import record_ms

if TYPE_CHECKING:
    from baseten_logs.api.client import ApiClient

T = TypeVar("T")
# Resolves the names afresh; the path to read, or None when there is nothing else to try.
Resolver = Callable[["ApiClient"], str | None]
MAX_UNTIMED_WARNINGS = 10  # lines with an unreadable time named one by one; then one more line


class LogsSource:
    """The logs path of one run, which the first request may still have to settle."""

    def __init__(
        self,
        path: str | None,
        *,
        resolve: Resolver | None = None,
        warn: Callable[[str], None] | None = None,
        on_settled: Callable[[str], None] | None = None,
        label: str | None = None,
    ) -> None:
        if path is None and resolve is None:
            raise ValueError("a source needs a path or a way to find one")
        self._path = path
        self._resolve = resolve  # None once the path is settled
        self._failed: Exception | None = None
        self._lock = threading.Lock()
        self._settling = False  # a request is settling the path (see request)
        self._settled = threading.Condition(self._lock)  # told when it is done, however it ended
        self._warn = warn
        self._on_settled = on_settled
        self._pages = 0
        self._warned: set[Hashable] = set()
        self._untimed = 0
        # The target as people name it (`llama-3-8b (q4w8x2z) / v3 (w8p1zk9)`), once names
        # were looked up; None while only the ids as typed are known.
        self.label = label

    @classmethod
    def fixed(cls, path: str, *, warn: Callable[[str], None] | None = None) -> LogsSource:
        """A path known to be right (tests, the library API)."""
        return cls(path, warn=warn)

    @property
    def path(self) -> str:
        """The path as far as it is known (before the first request, perhaps still a guess)."""
        return self._path or ""

    def request(self, client: ApiClient, send: Callable[[str], T]) -> T:
        """`send(path)` with the right path: settles it on the first call (see the module)."""
        if self._resolve is None:
            return send(self.path)
        with self._lock:
            if self._failed is not None:
                raise self._failed  # waiting workers get the first one's answer, not a retry
            resolve, guess = self._resolve, self._path
            settles = resolve is not None and not self._settling
            if settles:
                self._settling = True
        if resolve is None:
            return send(guess or "")  # settled meanwhile
        if settles:
            return self._settle_once(client, resolve, send)
        if guess is not None:
            try:
                return send(guess)  # beside the first request, not a round trip after it
            except NotFoundError:
                pass  # the first request's resolution tells where to send it again
        with self._settled:
            while self._settling:
                self._settled.wait()
            if self._failed is not None:
                raise self._failed
            unsettled = self._resolve is not None
        if unsettled:  # the first request ended in another error: settle it here
            return self.request(client, send)
        return send(self.path)

    def _settle_once(self, client: ApiClient, resolve: Resolver, send: Callable[[str], T]) -> T:
        """The first request: settles the path; requests waiting on it are told however it ends."""
        try:
            return self._settle(client, resolve, send)
        except (NotFoundError, UsageError) as exc:  # nothing a second try could change
            with self._lock:
                self._failed = exc
            raise
        finally:
            with self._settled:
                self._settling = False
                self._settled.notify_all()

    def _settle(self, client: ApiClient, resolve: Resolver, send: Callable[[str], T]) -> T:
        if self._path is not None:
            try:
                result = send(self._path)
            except NotFoundError:
                found = resolve(client)  # raises its own NotFoundError, with the alternatives
                if found is None or found == self._path:
                    raise
                self._done(found)
            else:
                self._done(self._path)
                return result
        else:
            found = resolve(client)
            if found is None:
                raise NotFoundError("nothing to read logs from")
            self._done(found)
        return send(self.path)

    def _done(self, path: str) -> None:
        with self._lock:
            self._path, self._resolve = path, None
        if self._on_settled is not None:
            self._on_settled(path)

    def check_times(self, page: Sequence[dict[str, Any]], start_ms: int, end_ms: int) -> None:
        """Warn about lines whose time cannot be read; they are shown, but not placed in time."""
        with self._lock:
            self._pages += 1
            number = self._pages
        if self._warn is None or self._untimed > MAX_UNTIMED_WARNINGS:
            return  # nothing more to say: the lines are still shown, no longer tracked here
        for position, record in enumerate(page, 1):
            if record_ms(record) is not None:
                continue
            key = (repr(record.get("timestamp")), repr(record.get("message")))
            with self._lock:
                if key in self._warned or self._untimed > MAX_UNTIMED_WARNINGS:
                    continue  # a seam or a follow poll brought it again
                self._warned.add(key)
                self._untimed += 1
                count = self._untimed
            if count <= MAX_UNTIMED_WARNINGS:  # repr: the API's text, control codes escaped
                shown = repr(record.get("timestamp"))[:40]
                self._warn(
                    f"line {position} of page {number} ({format_ms(start_ms)} to "
                    f"{format_ms(end_ms)}) has a time that cannot be read ({shown}); "
                    "shown where it came, without its place in time"
                )
            if count == MAX_UNTIMED_WARNINGS + 1:
                self._warn(
                    "more lines have times that cannot be read; they are not named one by one"
                )
