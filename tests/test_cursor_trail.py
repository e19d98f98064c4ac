"""One stopping rule for every cursor walk (reading/cursor.CursorTrail): each reason a walk stops
though the server says there is more, seen through both walks that ask it, the audit trail's
(reading/audit_pages.CursorWalk) and the sandbox logs' (reading/cursor.walk).

Every test spies on the rule: a walk that decided for itself again (its own limit, its own set
of cursors) would leave the spy's record empty and fail here, whatever it then did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from baseten_logs.api.client import ApiClient
from baseten_logs.reading import cursor
from baseten_logs.reading.audit_pages import CursorWalk
from baseten_logs.reading.cursor import CursorTrail, Stop, walk

# A page as a server answers it: (entries, whether it says there is more, the cursor it names).
# The sandbox logs say "more" only by naming a cursor, so they read (entries, cursor is not None).
Page = tuple[int, bool, str | None]


@dataclass
class Ran:
    """What a walk did: the requests it sent (their cursors), the entries it gave, how it ended
    (None: complete; else the stop it reported), and the rule's verdicts on the way."""

    cursors: list[str | None] = field(default_factory=list)
    entries: int = 0
    stopped: str | None = None
    verdicts: list[str | Stop | None] = field(default_factory=list)


@pytest.fixture
def verdicts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str | Stop | None]]:
    """Every verdict CursorTrail gives in the test, in order."""
    said: list[str | Stop | None] = []
    after = CursorTrail.after

    def spy(self: CursorTrail, **page: Any) -> str | Stop | None:
        said.append(after(self, **page))
        return said[-1]

    monkeypatch.setattr(CursorTrail, "after", spy)
    yield said


def _answers(pages: list[Page]) -> Callable[[], Page]:
    """The pages in turn; past the last, the last again (a server stuck on it)."""
    turn = iter(range(10**6))

    def next_page() -> Page:
        return pages[min(next(turn), len(pages) - 1)]

    return next_page


def run_audit(pages: list[Page], said: list[str | Stop | None]) -> Ran:
    """The audit trail's walk over `pages`."""
    ran = Ran()
    answer = _answers(pages)

    class Client:
        def get_json(self, path: str, params: list[tuple[str, str]]) -> Any:
            ran.cursors.append(dict(params).get("cursor"))
            assert len(ran.cursors) <= 20, "the walk is going round"
            count, more, link = answer()
            items = [{"id": f"e{len(ran.cursors)}.{i}"} for i in range(count)]
            return {"items": items, "pagination": {"has_more": more, "cursor": link}}

    trail = CursorWalk(cast(ApiClient, Client()), "/v1/audit_logs", [("limit", "2")])
    ran.entries = sum(len(page) for page in trail)
    ran.stopped = trail.incomplete
    ran.verdicts = list(said)
    return ran


def run_sandbox(pages: list[Page], said: list[str | Stop | None]) -> Ran:
    """The sandbox logs' walk over `pages` (a gap reported is its stop)."""
    ran = Ran()
    answer = _answers(pages)

    def ask(
        client: ApiClient, start_ms: int, end_ms: int, limit: int, token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        ran.cursors.append(token)
        assert len(ran.cursors) <= 20, "the walk is going round"
        count, more, link = answer()
        assert more == (link is not None), "this endpoint says more only by a cursor"
        return [{"message": "m", "timestamp": "2026-12-06T00:00:00Z"}] * count, link

    gaps: list[int] = []
    pages_read = walk(ask, cast(ApiClient, None), 0, 10**13, on_gap=gaps.append)
    ran.entries = sum(len(page) for page in pages_read)
    ran.stopped = f"a gap at {gaps}" if gaps else None
    ran.verdicts = list(said)
    return ran


WALKS = {"audit": run_audit, "sandbox": run_sandbox}


@pytest.mark.parametrize("name", sorted(WALKS))
@pytest.mark.parametrize(
    "links", [["a", "a"], ["a", "b", "a"]], ids=["same-at-once", "after-another"]
)
def test_a_repeated_cursor_stops_both_walks(
    name: str, links: list[str], verdicts: list[str | Stop | None]
) -> None:
    pages: list[Page] = [(1, True, link) for link in links]
    ran = WALKS[name](pages, verdicts)
    # Each cursor asked once; the one named again is not asked, and the walk says so.
    assert ran.cursors == [None, *dict.fromkeys(links)]
    assert ran.verdicts[-1] is Stop.REPEATED_CURSOR
    assert ran.stopped is not None
    assert ran.entries == len(links)


@pytest.mark.parametrize("name", sorted(WALKS))
def test_empty_pages_in_a_row_stop_both_walks(name: str, verdicts: list[str | Stop | None]) -> None:
    pages: list[Page] = [(0, True, f"c{n}") for n in range(1, 20)]
    ran = WALKS[name](pages, verdicts)
    assert len(ran.cursors) == cursor.EMPTY_PAGES_LIMIT == 3
    assert ran.verdicts[-1] is Stop.EMPTY_PAGES and ran.stopped is not None
    assert ran.entries == 0


@pytest.mark.parametrize("name", sorted(WALKS))
def test_both_walks_keep_the_one_limit_of_empty_pages(
    name: str, verdicts: list[str | Stop | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit is the rule's, read by both: changed there, both walks follow it."""
    monkeypatch.setattr(cursor, "EMPTY_PAGES_LIMIT", 5)
    pages: list[Page] = [(0, True, f"c{n}") for n in range(1, 20)]
    assert len(WALKS[name](pages, verdicts).cursors) == 5


@pytest.mark.parametrize("name", sorted(WALKS))
def test_a_page_with_entries_starts_the_count_of_empty_pages_again(
    name: str, verdicts: list[str | Stop | None]
) -> None:
    pages: list[Page] = [
        (0, True, "a"),
        (0, True, "b"),
        (1, True, "c"),
        (0, True, "d"),
        (0, True, "e"),
        (1, False, None),
    ]
    ran = WALKS[name](pages, verdicts)
    assert len(ran.cursors) == 6 and ran.entries == 2
    assert ran.stopped is None and ran.verdicts == ["a", "b", "c", "d", "e", None]


def test_more_without_a_cursor_stops_the_audit_walk_incomplete(
    verdicts: list[str | Stop | None],
) -> None:
    ran = run_audit([(1, True, None)], verdicts)
    assert ran.cursors == [None] and ran.entries == 1
    assert ran.verdicts == [Stop.NO_CURSOR]
    assert ran.stopped is not None and Stop.NO_CURSOR.value in ran.stopped


@pytest.mark.parametrize("name", sorted(WALKS))
def test_no_more_and_no_cursor_is_the_end_of_both_walks(
    name: str, verdicts: list[str | Stop | None]
) -> None:
    """The sandbox logs have no "more" but the cursor: no cursor is their end, not a stop."""
    ran = WALKS[name]([(2, True, "a"), (1, False, None)], verdicts)
    assert ran.cursors == [None, "a"] and ran.entries == 3
    assert ran.verdicts == ["a", None] and ran.stopped is None


def test_each_reason_reads_as_words() -> None:
    assert Stop.EMPTY_PAGES.text() == "3 empty pages in a row that still said there is more"
    assert "no cursor" in Stop.NO_CURSOR.text()
    assert "sent before" in Stop.REPEATED_CURSOR.text()
