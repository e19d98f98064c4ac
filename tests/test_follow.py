"""Follow mode: late and duplicate lines shown exactly once, memory bounded, honest failures."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from baseten_logs.base.errors import AuthError, TransportError
from baseten_logs.base.timestamps import record_ms
from baseten_logs.reading.follow import (
    MAX_UNTIMED,
    Follower,
    FollowSettings,
    Lateness,
    ShownLines,
    _release,
    problem_of,
    prune,
)
from baseten_logs.reading.pager import Direction, record_key
from tests.fakeapi import record

MS = 1_000_000
T0 = 1_764_150_000.0  # seconds


class LiveLogs:
    """Lines that become visible at their arrival time, on a fake clock that sleeping advances."""

    def __init__(
        self, lines: list[tuple[float, dict[str, Any]]], *, fail_at: frozenset[int] = frozenset()
    ) -> None:
        self.lines = sorted(lines, key=lambda pair: int(pair[1]["timestamp"]))
        self.now = T0
        self.requests = 0
        self.fail_at = fail_at

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def fetch(self, start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        self.requests += 1
        if self.requests in self.fail_at:
            raise TransportError("giving up on /logs after 6 attempts: HTTP 503")  # as the client
        chosen = [
            rec
            for arrival, rec in self.lines
            if arrival <= self.now and start <= int(rec["timestamp"]) // MS <= end
        ]
        if direction == "desc":
            chosen.reverse()
        return chosen[:limit]


def make_lines(seconds: int, rate: int, late_share: float, seed: int = 1) -> list[Any]:
    rng = random.Random(seed)
    lines = []
    for i in range(seconds * rate):
        ts = T0 + i / rate
        ns = int(ts * 1e9) // 1000 * 1000  # several lines share a microsecond-rounded time
        delay = rng.uniform(5, 30) if rng.random() < late_share else rng.uniform(0, 1.5)
        rec = record(ns, f"msg {i % 40}", replica=rng.choice(["aaaaa", "bbbbb", "ccccc"]))
        lines.append((ts + delay, rec))
        if i % 25 == 0:
            lines.append((ts + delay, dict(rec)))  # an exact duplicate line
    return lines


def test_every_line_exactly_once_with_late_lines_and_bounded_memory() -> None:
    lines = make_lines(seconds=300, rate=20, late_share=0.1)
    live = LiveLogs(lines)
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    until_ms = int((T0 + 335) * 1000)  # the last late line arrives by T0 + 330
    shown: list[dict[str, Any]] = []
    peak = 0
    for batch in follower.follow(start_ms=int(T0 * 1000), until_ms=until_ms):
        shown.extend(batch)
        peak = max(peak, len(follower.shown))
    assert Counter(record_key(r) for r in shown) == Counter(record_key(r) for _, r in lines)
    # Memory holds about one overlap (60 s) plus one sweep interval of lines, not the whole run.
    assert peak <= 20 * 1.05 * (60 + 5 + 5) < len(lines) / 4


def test_batches_are_in_time_order() -> None:
    live = LiveLogs(make_lines(seconds=20, rate=20, late_share=0.3))
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    for batch in follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 20) * 1000)):
        stamps = [int(r["timestamp"]) for r in batch]
        assert stamps == sorted(stamps)


def test_lines_a_moment_apart_are_shown_in_time_order() -> None:
    lines = make_lines(seconds=30, rate=30, late_share=0)  # every delay under the settle time
    live = LiveLogs(lines)
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    shown = [
        int(r["timestamp"])
        for b in follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 30) * 1000))
        for r in b
    ]
    assert shown == sorted(shown) and len(shown) == len(lines)


def test_backs_off_when_idle_and_speeds_up_when_lines_flow() -> None:
    live = LiveLogs([])
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        live.sleep(seconds)

    follower = Follower(live.fetch, clock=live.clock, sleep=sleep)
    list(follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 60) * 1000)))
    assert waits[0] < waits[3] and max(waits) == FollowSettings().max_interval
    assert follower.polls / 60 <= 2  # never more than two polls a second


def test_reconnects_after_failed_polls_and_says_so() -> None:
    lines = make_lines(seconds=10, rate=10, late_share=0)
    live = LiveLogs(lines, fail_at=frozenset({2, 3}))
    statuses: list[str] = []
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep, on_status=statuses.append)
    shown = [
        r
        for b in follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 10) * 1000))
        for r in b
    ]
    assert len(shown) == len(lines)
    assert sum("reconnecting" in s for s in statuses) == 2


def test_auth_failure_stops_at_once() -> None:
    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        raise AuthError("refused")

    follower = Follower(fetch, clock=lambda: T0, sleep=lambda s: None)
    with pytest.raises(AuthError):
        next(follower.follow(start_ms=int(T0 * 1000)))


def test_remembered_opening_lines_are_not_shown_again() -> None:
    """Opening lines down to the overlap horizon, the horizon's own millisecond included, are
    not printed again (out of order) by the first sweep, which reaches back to the horizon."""
    lines = make_lines(seconds=10, rate=10, late_share=0)
    live = LiveLogs(lines)
    live.now = T0 + 5
    start_ms = int(live.now * 1000)
    visible = [r for arrival, r in lines if arrival <= live.now]
    horizon = record_ms(visible[len(visible) // 2])  # a millisecond that holds a line
    assert horizon is not None
    settings = FollowSettings(overlap_ms=start_ms - horizon)
    follower = Follower(live.fetch, settings=settings, clock=live.clock, sleep=live.sleep)
    follower.remember(visible, since_ms=horizon)
    later = [
        r
        for b in follower.follow(start_ms=int(live.now * 1000), until_ms=int((T0 + 10) * 1000))
        for r in b
    ]
    assert Counter(record_key(r) for r in visible + later) == Counter(
        record_key(r) for _, r in lines
    )


def test_never_reaches_before_the_floor() -> None:
    live = LiveLogs(make_lines(seconds=120, rate=5, late_share=0))
    live.now = T0 + 100
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    floor = int((T0 + 95) * 1000)
    shown = [
        r
        for b in follower.follow(
            start_ms=int(live.now * 1000), until_ms=int((T0 + 120) * 1000), floor_ms=floor
        )
        for r in b
    ]
    assert shown and min(int(r["timestamp"]) // MS for r in shown) >= floor


def test_shown_lines_counts_duplicates_and_forgets() -> None:
    shown = ShownLines()
    at_ms = int(T0 * 1000)
    twin = record(at_ms * MS, "same")
    assert shown.unseen([twin, dict(twin)]) == [twin, twin]
    assert shown.unseen([twin, dict(twin)]) == []
    assert shown.unseen([twin, dict(twin), dict(twin)]) == [twin]
    shown.forget_before(at_ms + 1)
    assert len(shown) == 0 and shown.milliseconds == 0


def test_stops_with_a_final_sweep_when_the_deployment_ends() -> None:
    lines = make_lines(seconds=120, rate=5, late_share=0)
    live = LiveLogs(lines)
    checks: list[float] = []

    def ended() -> str | None:
        checks.append(live.now)
        return "the deployment is INACTIVE" if live.now >= T0 + 60 else None

    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep, stop_check=ended)
    shown = [r for b in follower.follow(start_ms=int(T0 * 1000)) for r in b]
    assert follower.stopped_because == "the deployment is INACTIVE"
    assert checks[0] == T0 and T0 + 60 <= live.now < T0 + 70  # checked at once, then every 30 s
    assert [round(c - T0) for c in checks] == [0, 30, 60]  # not on every poll
    visible = [r for arrival, r in lines if arrival <= live.now]
    assert Counter(record_key(r) for r in shown) == Counter(record_key(r) for r in visible)


def test_an_overlap_shorter_than_the_polls_reach_doubles_nothing() -> None:
    lines = make_lines(seconds=40, rate=10, late_share=0)  # every delay under 1.5 s
    live = LiveLogs(lines)
    settings = FollowSettings(overlap_ms=2_000)  # shorter than recent_ms (5 s)
    follower = Follower(live.fetch, settings=settings, clock=live.clock, sleep=live.sleep)
    shown = [
        r
        for b in follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 40) * 1000))
        for r in b
    ]
    assert Counter(record_key(r) for r in shown) == Counter(record_key(r) for _, r in lines)


def test_failing_polls_past_until_end_in_an_error_not_a_wait() -> None:
    lines = make_lines(seconds=10, rate=5, late_share=0)
    live = LiveLogs(lines, fail_at=frozenset(range(3, 10_000)))
    troubles: list[str] = []
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep, on_trouble=troubles.append)
    with pytest.raises(TransportError):
        for _ in follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 10) * 1000)):
            pass
    assert len(troubles) == 1  # said once, not on every retry
    assert live.now < T0 + 60


def test_a_crowded_millisecond_is_reported_once() -> None:
    # Past what both ends of the millisecond hold: a follow poll does not ask replica by replica.
    burst = [(T0, record(int(T0 * 1e9) + i, f"b{i}")) for i in range(2500)]
    live = LiveLogs(burst)
    live.now = T0 + 1
    gaps: list[int] = []
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep, on_gap=gaps.append)
    shown = [
        r
        for b in follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 20) * 1000))
        for r in b
    ]
    assert gaps == [int(T0 * 1000)] and follower.gaps == {int(T0 * 1000)}
    assert len(shown) == 2000  # its first and last 1000


def test_a_line_without_a_readable_time_is_shown_once_across_polls() -> None:
    shown = ShownLines()
    odd = record(int(T0 * 1000) * MS, "odd")
    odd["timestamp"] = "not a time"
    timed = record(int(T0 * 1000) * MS, "timed")
    assert shown.unseen([odd, timed]) == [odd, timed]
    assert shown.unseen([dict(odd), dict(timed)]) == []  # the next sweep brings both again
    assert shown.unseen([dict(odd, timestamp=str(int(T0 * 1000) * MS))]) != []  # now it has one


def test_parts_of_one_print_arriving_in_different_polls_keep_the_api_order() -> None:
    # A multi-line print: three parts, one nanosecond, the last part visible first.
    ns = int((T0 + 2) * 1e9)
    parts = ["Batch stats:", "  size: 4", "  p50_ms: 80"]
    lines = [(T0 + 2 + 0.6 * (2 - i), record(ns, text)) for i, text in enumerate(parts)]
    live = LiveLogs(lines)
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    shown = [
        r["message"]
        for batch in follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 10) * 1000))
        for r in batch
    ]
    assert shown == parts


def steadily_late(delay: float, seconds: int = 40, rate: int = 10) -> list[Any]:
    """Lines that all arrive `delay` seconds (plus a little) after their timestamp."""
    rng = random.Random(3)
    lines = []
    for i in range(seconds * rate):
        ts = T0 + i / rate
        rec = record(int(ts * 1e9), f"msg {i}", replica=rng.choice(["aaaaa", "bbbbb"]))
        lines.append((ts + delay + rng.uniform(0, 0.4), rec))
    return lines


def test_the_hold_grows_to_how_late_lines_really_arrive() -> None:
    # 3 s late, twice the initial hold: a fixed 1.5 s hold would print them out of order.
    live = LiveLogs(steadily_late(3.0))
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    lates = []
    for _ in follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 45) * 1000)):
        lates.append(follower.late)
    assert 3_000 < follower.lateness.hold_ms <= FollowSettings().max_settle_ms
    assert sum(lates[len(lates) // 3 :]) == 0  # once measured, nothing comes out of order


@pytest.mark.parametrize(("delay", "until"), [(0.1, 45), (20.0, 65)])
def test_the_hold_stays_short_when_lines_are_prompt_and_is_bounded(
    delay: float, until: int
) -> None:
    live = LiveLogs(steadily_late(delay))
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    list(follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + until) * 1000)))
    if delay < 1:
        assert follower.lateness.hold_ms < FollowSettings().settle_ms
    else:
        assert follower.lateness.hold_ms == FollowSettings().max_settle_ms


def test_a_line_later_than_the_hold_is_counted_as_late() -> None:
    lines = [(T0 + i, record(int((T0 + i) * 1e9), f"on time {i}")) for i in range(12)]
    lines.append((T0 + 11, record(int((T0 + 1) * 1e9), "ten seconds late")))
    live = LiveLogs(lines)
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    late: list[str] = []
    for batch in follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 14) * 1000)):
        late.extend(r["message"] for r in batch[: follower.late])
    assert late == ["ten seconds late"]


def statuses_and_troubles(fail_at: frozenset[int]) -> tuple[list[str], list[str]]:
    """The status lines and trouble messages of five seconds of following, polls in `fail_at`
    failing with HTTP 503."""
    live = LiveLogs(make_lines(seconds=5, rate=5, late_share=0), fail_at=fail_at)
    statuses: list[str] = []
    troubles: list[str] = []
    follower = Follower(
        live.fetch,
        clock=live.clock,
        sleep=live.sleep,
        on_status=statuses.append,
        on_trouble=troubles.append,
    )
    list(follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 5) * 1000)))
    return statuses, troubles


def test_outage_wording_says_what_happens_without_contradiction() -> None:
    statuses, troubles = statuses_and_troubles(frozenset({2}))
    (reconnecting,) = [s for s in statuses if "reconnecting" in s]
    assert reconnecting == "reconnecting… HTTP 503; next try in 1s"
    assert troubles == ["polling failed (HTTP 503); retrying until it works"]


def scripted_follower(batches: list[list[dict[str, Any]]], lates: list[int]) -> type:
    """A Follower class whose batches come as scripted, the `late` first lines of each after
    later lines had been shown."""

    class Scripted:
        def __init__(self, *args: object, **kwargs: object) -> None:
            self.late = 0
            self.stopped_because = None

        def remember(self, *args: object, **kwargs: object) -> None:
            pass

        def saw(self, *args: object, **kwargs: object) -> None:
            pass

        def remember_window(self, *args: object, **kwargs: object) -> None:
            pass

        def reconnecting(self, problem: str, wait: float) -> None:
            pass

        def follow(self, **kwargs: object) -> Any:
            for batch, late in zip(batches, lates, strict=True):
                self.late = late
                yield batch

    return Scripted


def follow_into_text(monkeypatch: pytest.MonkeyPatch, follower: type, feed: Any = None) -> str:
    """What get's follow prints as text after an opening window of nothing, with `follower`."""
    import io

    from baseten_logs.cli.sinks import SinkSet
    from baseten_logs.output.render_text import TextRenderer
    from baseten_logs.reading import run
    from baseten_logs.reading.query import LogQuery

    monkeypatch.setattr(run, "Follower", follower)
    text = io.StringIO()
    now_ms = int(T0 * 1000)
    query = LogQuery(path="/v1/x/logs", since_ms=now_ms, until_ms=now_ms, limit=0)
    sinks: list[Any] = [TextRenderer(text, color=False, utc=True)]
    run._follow(None, query, SinkSet(sinks), FollowSettings(), [], None, lambda ms: None, feed)  # type: ignore[arg-type]
    return text.getvalue()


def test_get_marks_late_lines_in_text_and_leaves_json_lines_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    from baseten_logs.cli.sinks import SinkSet
    from baseten_logs.output.render_json import JsonLinesRenderer
    from baseten_logs.output.render_text import TextRenderer
    from baseten_logs.reading import run
    from baseten_logs.reading.query import LogQuery

    batches = [[record(int((T0 + 2) * 1e9), "on time")], [record(int((T0 + 1) * 1e9), "late")]]
    monkeypatch.setattr(run, "Follower", scripted_follower(batches, [0, 1]))
    text, jsonl = io.StringIO(), io.StringIO()
    sinks: list[Any] = [TextRenderer(text, color=False, utc=True), JsonLinesRenderer(jsonl)]
    now_ms = int(T0 * 1000)
    query = LogQuery(path="/v1/x/logs", since_ms=now_ms, until_ms=now_ms, limit=0)
    run._follow(None, query, SinkSet(sinks), FollowSettings(), [], None, lambda ms: None)  # type: ignore[arg-type]
    shown = text.getvalue().splitlines()
    assert shown[0].endswith("on time")
    assert shown[1].endswith("late  (late: arrived after the lines above)")
    assert "(late" not in jsonl.getvalue()


def test_late_lines_are_counted_among_the_lines_a_local_filter_keeps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The survivor (`training -f --grep`): the polls bring every line and the filter
    # runs here. A late line the filter drops must not make the next kept one "late".
    from baseten_logs.reading.feed import Feed
    from baseten_logs.reading.query import Filters, LogQuery

    batches = [
        [record(int((T0 + 3) * 1e9), "keep: on time")],
        [record(int((T0 + 1) * 1e9), "drop: late"), record(int((T0 + 4) * 1e9), "keep: new")],
        [record(int((T0 + 2) * 1e9), "keep: late"), record(int((T0 + 5) * 1e9), "keep: last")],
    ]
    query = LogQuery(path="/v1/x/logs", since_ms=0, until_ms=0, limit=0)
    feed = replace(Feed.single(query), local=Filters(search_pattern="^keep"))
    shown = follow_into_text(monkeypatch, scripted_follower(batches, [0, 1, 1]), feed)
    assert [line.split("a1b2c  ", 1)[1] for line in shown.splitlines()] == [
        "keep: on time",
        "keep: new",
        "keep: late  (late: arrived after the lines above)",
        "keep: last",
    ]


def test_an_outage_right_after_the_opening_page_is_retried_not_fatal() -> None:
    # -f -n N: the lines of the overlap older than the N shown are fetched to be counted as
    # seen. That fetch failing (a brief outage right after start) reconnects like any poll.
    lines = make_lines(seconds=10, rate=10, late_share=0)
    live = LiveLogs(lines, fail_at=frozenset({1, 2}))
    live.now = T0 + 5
    visible = [r for arrival, r in lines if arrival <= live.now]
    shown_first = visible[-3:]  # the opening page showed only the newest three
    oldest_shown = int(shown_first[0]["timestamp"]) // MS
    statuses: list[str] = []
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep, on_status=statuses.append)
    horizon = int((T0 - 60) * 1000)
    follower.remember_window(horizon, oldest_shown)
    follower.remember(
        [r for r in shown_first if int(r["timestamp"]) // MS > oldest_shown], since_ms=horizon
    )
    later = [
        r
        for b in follower.follow(start_ms=int(live.now * 1000), until_ms=int((T0 + 10) * 1000))
        for r in b
    ]
    assert sum("reconnecting" in s for s in statuses) == 2
    skipped = {record_key(r) for r in visible if int(r["timestamp"]) // MS <= oldest_shown}
    assert not skipped & {record_key(r) for r in later}  # what was skipped stays skipped
    assert Counter(record_key(r) for r in shown_first + later) == Counter(
        record_key(r) for _, r in lines if int(r["timestamp"]) // MS > oldest_shown
    ) + Counter(record_key(r) for r in shown_first if int(r["timestamp"]) // MS == oldest_shown)


def test_a_new_run_of_failures_is_told_again_and_waits_from_the_start() -> None:
    lines = make_lines(seconds=10, rate=10, late_share=0)
    live = LiveLogs(lines, fail_at=frozenset({2, 5}))
    statuses: list[str] = []
    trouble: list[str] = []
    follower = Follower(
        live.fetch,
        clock=live.clock,
        sleep=live.sleep,
        on_status=statuses.append,
        on_trouble=trouble.append,
    )
    list(follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 10) * 1000)))
    waits = [s.rsplit("next try in ", 1)[-1] for s in statuses if "reconnecting" in s]
    assert waits == ["1s", "1s"]  # a success in between: the backoff starts over
    assert len(trouble) == 2


def test_status_counts_the_lines_and_polls_so_far() -> None:
    live = LiveLogs([])
    statuses: list[str] = []
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep, on_status=statuses.append)
    list(follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 1) * 1000)))
    assert statuses and all(s.endswith(", 0 new lines so far") for s in statuses)
    assert follower.polls == len(statuses)


def test_status_line_tells_the_time_of_the_last_poll_and_the_lines_so_far(
    set_tz: Any,
) -> None:
    set_tz("UTC")
    live = LiveLogs(make_lines(seconds=2, rate=5, late_share=0))
    statuses: list[str] = []
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep, on_status=statuses.append)
    shown = [
        r
        for b in follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 20) * 1000))
        for r in b
    ]
    assert statuses[-1].startswith("following… last poll 09:40:")
    assert statuses[-1].endswith(f", {len(shown)} new lines so far")


def test_a_poll_with_a_new_line_on_its_first_page_only_polls_again_soon() -> None:
    """New lines on any page of a poll count, not only on its last: a late line among the
    first page's 1,000 older ones (the second page all shown before) is lines flowing, so the
    next poll comes after min_interval, not after a longer idle wait."""
    start = T0 - 10
    lines = [(start, record(int((start + i / 1000) * 1e9), f"old {i}")) for i in range(1500)]
    late = record(int((start + 0.1) * 1e9) + 1, "late")
    live = LiveLogs([*lines, (T0 + 3, late)])
    waits: list[tuple[float, float]] = []  # (when, how long)

    def sleep(seconds: float) -> None:
        waits.append((live.now, seconds))
        live.sleep(seconds)

    follower = Follower(live.fetch, clock=live.clock, sleep=sleep)
    shown = [
        r["message"]
        for batch in follower.follow(start_ms=int(start * 1000), until_ms=int((T0 + 15) * 1000))
        for r in batch
    ]
    assert shown.count("late") == 1 and len(shown) == 1501
    after = [seconds for when, seconds in waits if when >= T0 + 3]
    settings = FollowSettings()
    assert after[0] > settings.min_interval  # idle until then: backed off
    assert settings.min_interval in after  # the poll that found the late line


def test_idle_polls_back_off_by_half_each_time() -> None:
    live = LiveLogs([])
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        live.sleep(seconds)

    follower = Follower(live.fetch, clock=live.clock, sleep=sleep)
    list(follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 10) * 1000)))
    assert waits[:3] == [0.75, 1.125, 1.6875]


def test_failed_polls_wait_twice_as_long_each_time_and_say_why() -> None:
    lines = make_lines(seconds=10, rate=10, late_share=0)
    live = LiveLogs(lines, fail_at=frozenset({2, 3, 4}))
    statuses: list[str] = []
    trouble: list[str] = []
    follower = Follower(
        live.fetch,
        clock=live.clock,
        sleep=live.sleep,
        on_status=statuses.append,
        on_trouble=trouble.append,
    )
    list(follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 10) * 1000)))
    waits = [s.rsplit("next try in ", 1)[-1] for s in statuses if "reconnecting" in s]
    assert waits == ["1s", "2s", "4s"]
    assert trouble == ["polling failed (HTTP 503); retrying until it works"]


def test_polls_between_sweeps_reach_back_only_a_little() -> None:
    """Every poll re-reading the whole minute-long overlap would multiply the load on the API."""
    live = LiveLogs(make_lines(seconds=30, rate=5, late_share=0))  # lines flow: 0.5 s polls
    reaches: list[int] = []
    inner = live.fetch

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        reaches.append(int(live.now * 1000) - start)
        return inner(start, end, direction, limit)

    follower = Follower(fetch, clock=live.clock, sleep=live.sleep)
    list(follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 30) * 1000)))
    settings = FollowSettings()
    long_reaches = [r for r in reaches if r > settings.recent_ms + 2_000]
    # A sweep every 5 s reaches back the overlap; the polls in between (every 0.5 s) do not.
    assert 0 < len(long_reaches) <= len(reaches) // 5


def test_a_one_millisecond_window_is_still_polled() -> None:
    line = record(int(T0 * 1000) * MS, "the only line")
    live = LiveLogs([(T0 + 1, line)])  # it arrives a second late
    start = int(T0 * 1000)
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    shown = [r for b in follower.follow(start_ms=start, until_ms=start, floor_ms=start) for r in b]
    assert shown == [line]


class ScriptedPolls:
    """An API whose answer to each poll is scripted by the time of the poll (fake clock)."""

    def __init__(self, script: dict[float, list[dict[str, Any]]]) -> None:
        self.script = script  # seconds after T0 -> the lines listed, in the API's order
        self.now = T0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def fetch(self, start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        listed = [lines for at, lines in self.script.items() if at <= self.now - T0 + 1e-9]
        return list(listed[-1]) if listed else []


def untimed(message: str) -> dict[str, Any]:
    line = record(0, message)
    line["timestamp"] = "not a time"
    return line


def test_a_batch_is_in_time_order_with_untimed_lines_last_and_one_print_in_api_order() -> None:
    # A three-part print (one nanosecond) whose last part is listed a poll before the others,
    # a line of the same nanosecond the next poll no longer lists, and a line with no readable
    # time that the API lists first.
    ns = int((T0 - 1.2) * 1e9)
    parts = [record(ns, text) for text in ("Batch stats:", "  size: 4", "  p50_ms: 80")]
    older, gone, odd = record(ns - 10**8, "older"), record(ns, "gone"), untimed("odd")
    live = ScriptedPolls({0: [gone, parts[2]], 0.5: [odd, older, *parts]})
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    shown = [r["message"] for r in next(follower.follow(start_ms=int(T0 * 1000)))]
    assert shown == ["older", "Batch stats:", "  size: 4", "  p50_ms: 80", "gone", "odd"]
    assert live.now == T0 + 0.5  # the first poll's lines were held (1.5 s) until now


def test_a_line_exactly_as_old_as_the_hold_is_shown_by_that_poll() -> None:
    line = record(int(T0 * 1000 - FollowSettings().settle_ms) * MS, "just settled")
    live = ScriptedPolls({0: [line]})
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    assert next(follower.follow(start_ms=int(T0 * 1000))) == [line]
    assert live.now == T0


def test_only_lines_behind_what_was_shown_count_as_late() -> None:
    # The second poll brings a line older than one shown (late), a second part of the print
    # already shown (same nanosecond: not out of order) and a new line.
    first = record(int((T0 - 3) * 1e9), "first part")
    live = ScriptedPolls({0: [first]})
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    batches = follower.follow(start_ms=int(T0 * 1000))
    assert next(batches) == [first]
    late = record(int((T0 - 4) * 1e9), "late")
    second = record(int((T0 - 3) * 1e9), "second part")
    new = record(int((T0 - 2) * 1e9), "new")
    live.script[0.5] = [late, first, second, new]
    assert next(batches) == [late, second, new]
    assert follower.late == 1


def test_a_late_batch_does_not_move_back_how_far_lines_were_shown() -> None:
    # The survivor: after a batch of late lines alone, how far lines were shown fell
    # back to them, and a line older than one shown before was no longer counted late.
    newest = record(int((T0 - 3) * 1e9), "newest")
    live = ScriptedPolls({0: [newest]})
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    batches = follower.follow(start_ms=int(T0 * 1000))
    assert next(batches) == [newest]
    first_late = record(int((T0 - 5) * 1e9), "late")
    live.script[0.5] = [first_late, newest]
    assert (next(batches), follower.late) == ([first_late], 1)
    second_late = record(int((T0 - 4) * 1e9), "late too")  # after the first, before `newest`
    live.script[live.now - T0 + 0.5] = [first_late, second_late, newest]
    assert (next(batches), follower.late) == ([second_late], 1)


def test_a_line_behind_the_opening_windows_newest_is_late() -> None:
    # `get -f -n 3` (make demo's follow step): the opening window showed a line; the first
    # poll's line older than it came after it, and is marked late as any later batch's is.
    opened = record(int((T0 - 3) * 1e9), "opening's newest")
    live = ScriptedPolls({})
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    follower.remember([opened], since_ms=int((T0 - 60) * 1000))
    behind = record(int((T0 - 4) * 1e9), "arrived after it")
    live.script[0] = [behind, opened]
    assert (next(follower.follow(start_ms=int((T0 - 5) * 1000))), follower.late) == ([behind], 1)


def test_an_untimed_opening_line_is_not_shown_again() -> None:
    odd = untimed("odd")
    timed = record(int((T0 - 3) * 1e9), "timed")
    live = ScriptedPolls({0: [odd, timed]})
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    follower.remember([odd, timed], since_ms=int((T0 - 60) * 1000))
    shown = [
        r for b in follower.follow(start_ms=int(T0 * 1000), until_ms=int(T0 * 1000)) for r in b
    ]
    assert shown == []


def test_a_crowded_millisecond_among_the_skipped_lines_is_reported_at_the_first_poll() -> None:
    at = int((T0 - 30) * 1000)
    burst = [(T0 - 30, record(at * MS + i, f"b{i}")) for i in range(2500)]
    live = LiveLogs(burst)
    told: list[tuple[int, float]] = []
    follower = Follower(
        live.fetch,
        clock=live.clock,
        sleep=live.sleep,
        on_gap=lambda ms: told.append((ms, live.now)),
    )
    follower.remember_window(int((T0 - 60) * 1000), int(T0 * 1000))
    list(follower.follow(start_ms=int(T0 * 1000), until_ms=int(T0 * 1000)))
    assert told == [(at, T0)]


def test_every_line_up_to_the_overlap_late_is_shown() -> None:
    """A sweep reaches back the overlap from the previous sweep, so a line that arrives just
    under a minute late is shown even when it arrives right after a sweep."""
    rng = random.Random(5)
    lines = []
    for i in range(400):
        ts = T0 + i / 10
        lines.append((ts + rng.uniform(56, 59.9), record(int(ts * 1e9), f"msg {i}")))
    live = LiveLogs(lines)
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    shown = [
        r
        for b in follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 100) * 1000))
        for r in b
    ]
    assert Counter(record_key(r) for r in shown) == Counter(record_key(r) for _, r in lines)


@pytest.mark.parametrize(
    ("bounds", "delay", "hold"),
    [
        ({"max_settle_ms": 2_000}, 3.0, 2_000),
        ({"recent_ms": 3_000}, 3.0, 3_000),
        ({"overlap_ms": 2_000}, 1.6, 2_000),
    ],
)
def test_the_hold_never_exceeds_its_bound_nor_what_every_poll_still_sees(
    bounds: dict[str, int], delay: float, hold: int
) -> None:
    live = LiveLogs(steadily_late(delay))
    follower = Follower(
        live.fetch, settings=FollowSettings(**bounds), clock=live.clock, sleep=live.sleep
    )
    list(follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 45) * 1000)))
    assert follower.lateness.hold_ms == hold


def test_the_hold_shrinks_again_when_lines_become_prompt() -> None:
    late = steadily_late(3.0, seconds=40, rate=10)
    prompt = [
        (T0 + 40 + i / 10, record(int((T0 + 40 + i / 10) * 1e9), f"prompt {i}")) for i in range(600)
    ]
    live = LiveLogs(late + prompt)
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    list(follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 100) * 1000)))
    assert follower.lateness.hold_ms == FollowSettings().min_settle_ms


POLLED_MS = int(T0 * 1000)  # the previous poll


def lines_late_by(*late_ms: int) -> list[dict[str, Any]]:
    """Lines first seen by a poll after POLLED_MS, this much older than it."""
    return [record((POLLED_MS - ms) * MS, f"{ms} ms late") for ms in late_ms]


def test_the_hold_is_measured_from_twenty_lines_on() -> None:
    lateness = Lateness(initial_ms=1_500, low_ms=0, high_ms=5_000)
    lateness.observe(lines_late_by(*[0] * 19), previous_poll_ms=POLLED_MS)
    assert lateness.hold_ms == 1_500  # too few to measure
    lateness.observe(lines_late_by(0), previous_poll_ms=POLLED_MS)
    assert lateness.hold_ms == 250  # on time: only the safety margin


def test_the_hold_covers_the_95th_percentile_of_lateness() -> None:
    lateness = Lateness(initial_ms=1_500, low_ms=0, high_ms=5_000)
    lateness.observe(lines_late_by(*range(400)), previous_poll_ms=POLLED_MS)
    assert lateness.hold_ms == 380 + 250
    lateness = Lateness(initial_ms=1_500, low_ms=0, high_ms=5_000)
    lateness.observe(lines_late_by(*range(0, 1000, 10)), previous_poll_ms=POLLED_MS)
    assert lateness.hold_ms == 950 + 250


def test_lines_without_a_time_do_not_stop_the_measurement() -> None:
    lateness = Lateness(initial_ms=1_500, low_ms=0, high_ms=5_000)
    lateness.observe([untimed("odd"), *lines_late_by(*[700] * 20)], previous_poll_ms=POLLED_MS)
    assert lateness.hold_ms == 950


def test_untimed_lines_are_remembered_up_to_a_bound() -> None:
    shown = ShownLines()
    lines = [untimed(f"odd {i}") for i in range(MAX_UNTIMED + 1)]
    assert len(shown.unseen(lines[:MAX_UNTIMED])) == MAX_UNTIMED
    assert len(shown) == MAX_UNTIMED
    assert shown.unseen([lines[0]]) == []  # the oldest is still remembered
    shown.unseen([lines[MAX_UNTIMED]])
    assert len(shown) == MAX_UNTIMED
    assert shown.unseen([lines[0]]) == [lines[0]]  # now it was forgotten


def test_the_counts_of_lines_shown_include_untimed_ones() -> None:
    shown = ShownLines()
    shown.unseen([untimed("odd"), record(int(T0 * 1e9), "timed")])
    assert len(shown) == 2


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        ("giving up on /logs after 6 attempts: HTTP 503: upstream busy", "HTTP 503: upstream busy"),
        ("connection refused: api.test", "connection refused: api.test"),
        (
            "connection refused by api.test:443 (the URL from BASETEN_API_URL), after 4 attempts",
            "connection refused by api.test:443",
        ),
        (
            "connection refused by api.test:443 (the URL from --api-url), after 1 attempt",
            ("connection refused by api.test:443"),
        ),
    ],
)
def test_an_outage_is_told_as_what_failed(message: str, problem: str) -> None:
    assert problem_of(TransportError(message)) == problem


def test_the_reconnect_line_says_the_same_thing_each_round_of_a_refusing_server() -> None:
    """The client gives up after as many attempts as fit its 3 s for refusals: 4 one round, 3
    the next; its count is not the follower's and must not show as one."""
    live = LiveLogs([])
    rounds = iter(
        [
            "connection refused by api.test:443 (the URL from BASETEN_API_URL), after 4 attempts",
            "connection refused by api.test:443 (the URL from BASETEN_API_URL), after 3 attempts",
            "giving up on /logs after 6 attempts: connection refused by api.test:443",
        ]
    )

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        live.requests += 1
        message = next(rounds, None) if live.requests > 1 else None
        if message is not None:
            raise TransportError(message)
        return []

    statuses: list[str] = []
    troubles: list[str] = []
    follower = Follower(
        fetch, clock=live.clock, sleep=live.sleep, on_status=statuses.append,
        on_trouble=troubles.append,
    )  # fmt: skip
    list(follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 20) * 1000)))
    problems = [s.split("; next try")[0] for s in statuses if "reconnecting" in s]
    assert problems == ["reconnecting… connection refused by api.test:443"] * 3
    assert troubles == [
        "polling failed (connection refused by api.test:443); retrying until it works"
    ]


def test_a_first_poll_that_fails_is_told_and_retried_after_a_second() -> None:
    statuses, troubles = statuses_and_troubles(frozenset({1}))
    assert [s for s in statuses if "reconnecting" in s] == [
        "reconnecting… HTTP 503; next try in 1s"
    ]
    assert troubles == ["polling failed (HTTP 503); retrying until it works"]


def test_only_opening_lines_a_poll_can_bring_back_are_kept_in_memory() -> None:
    """An opening window of hours (say --since 2h -f) must not all be held for follow."""
    horizon = int((T0 - 60) * 1000)
    opening = [record(int((T0 - 600 + i) * 1e9), f"opening {i}") for i in range(600)]
    follower = Follower(LiveLogs([]).fetch)
    follower.remember(opening, since_ms=horizon)
    assert len(follower.shown) == 60


def test_failed_polls_wait_at_most_the_reconnect_cap() -> None:
    live = LiveLogs([], fail_at=frozenset(range(2, 9)))
    statuses: list[str] = []
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep, on_status=statuses.append)
    list(follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 100) * 1000)))
    waits = [s.rsplit("next try in ", 1)[-1] for s in statuses if "reconnecting" in s]
    assert waits == ["1s", "2s", "4s", "8s", "16s", "30s", "30s"]


def test_the_deployment_is_checked_every_30_seconds_to_the_millisecond() -> None:
    live = LiveLogs([])
    checks: list[float] = []

    def ended() -> str | None:
        checks.append(live.now - T0)
        return "the deployment is INACTIVE" if len(checks) == 3 else None

    def tick(seconds: float) -> None:
        live.sleep(1.0)  # a clock that moves one whole second per wait

    follower = Follower(live.fetch, clock=live.clock, sleep=tick, stop_check=ended)
    list(follower.follow(start_ms=int(T0 * 1000)))
    assert checks == [0, 30, 60]


def test_following_ends_when_the_grace_after_until_is_over_to_the_millisecond() -> None:
    live = LiveLogs([])
    follower = Follower(live.fetch, clock=live.clock, sleep=lambda seconds: live.sleep(1.0))
    list(follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 10) * 1000)))
    assert live.now == T0 + 10 + FollowSettings().recent_ms / 1000


def test_a_sweep_comes_every_5_seconds_to_the_millisecond() -> None:
    live = LiveLogs([])
    sweeps: list[float] = []
    inner = live.fetch

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        if int(live.now * 1000) - start >= FollowSettings().overlap_ms:
            sweeps.append(live.now - T0)
        return inner(start, end, direction, limit)

    follower = Follower(fetch, clock=live.clock, sleep=lambda seconds: live.sleep(1.0))
    list(follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 20) * 1000)))
    assert sweeps == [5, 10, 15, 20, 25]  # the last one at the end of the grace after --until


# --- bounded per poll, whatever the window holds ------------------------------------------------


def test_a_poll_of_many_pages_is_shown_a_page_at_a_time() -> None:
    # A line every millisecond for 20 s, all arrived: before, one batch held the whole window.
    lines = [(T0, record(int(T0 * 1000 + i) * MS, f"m{i}")) for i in range(20_000)]
    live = LiveLogs(lines)
    live.now = T0 + 30
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    batches = follower.follow(start_ms=int(T0 * 1000), until_ms=int((T0 + 20) * 1000))
    sizes = [len(batch) for batch in batches]
    assert sum(sizes) == 20_000 and max(sizes) <= 1000


def test_a_line_is_remembered_by_a_digest_not_its_text() -> None:
    shown = ShownLines()
    huge = record(int(T0 * 1000) * MS, "x" * 1_000_000)
    assert shown.unseen([huge]) == [huge]
    assert shown._by_ms == {int(T0 * 1000): hash(record_key(huge))}  # 8 bytes, not a MB
    assert shown.unseen([dict(huge)]) == []


def test_lines_remembered_are_bounded_dropping_the_oldest_milliseconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("baseten_logs.reading.follow.MAX_SHOWN", 100)
    shown = ShownLines()
    at = int(T0 * 1000)
    shown.unseen([record((at + i) * MS, f"m{i}") for i in range(250)])
    assert len(shown) <= 100 and shown.milliseconds <= 100
    assert shown.unseen([record((at + 249) * MS, "m249")]) == []  # the newest are kept


def test_lines_held_for_time_order_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every line newer than the hold: before, all of them waited; past the bound the oldest go.
    monkeypatch.setattr("baseten_logs.reading.follow.MAX_PENDING", 50)
    now = T0 + 100
    lines = [(now, record(int(now * 1000 - 100 + i // 10) * MS, f"m{i}")) for i in range(500)]
    live = LiveLogs(lines)
    live.now = now
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    first = next(follower.follow(start_ms=int((now - 1) * 1000)))
    assert len(first) == 450  # 50 held, the oldest shown at once
    stamps = [int(r["timestamp"]) for r in first]
    assert stamps == sorted(stamps)


# The bounds and the per-poll counts, at their edges (survivors of `make mutate`).


def test_a_flood_shows_what_is_due_and_the_oldest_held_past_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("baseten_logs.reading.follow.MAX_PENDING", 5)
    at = int(T0 * 1000)
    due = [record((at - 10 + i) * MS, f"due {i}") for i in range(3)]
    newer = [record((at + 8 - i) * MS, f"newer {i}") for i in range(8)]  # newest first
    ready, held = _release(due + newer, cutoff=at)
    assert ready == due + newer[::-1][:3]  # what is due, then the oldest three held
    assert held == newer[::-1][3:]  # the bound's worth, the newest, oldest first
    ready, held = _release(newer[3:], cutoff=at)  # exactly the bound: all held, as they came
    assert (ready, held) == ([], newer[3:])


def test_a_polls_counts_are_pruned_before_the_seam_only() -> None:
    at = int(T0 * 1000)
    kept = {(at + 5, 7): 2, (at + 5, at + 4): 1, (at + 6, 3): 1}  # a digest may be any number
    counts: Counter[tuple[int, int]] = Counter({(at + 4, 7): 1, **kept})
    page = [record((at + 4) * MS, "a"), record((at + 5) * MS + 3, "b"), {"message": "untimed"}]
    prune(counts, page)
    assert counts == Counter(kept)  # the seam (at + 5) and after stay
    prune(counts, [{"message": "no time at all"}])  # nothing to tell the seam by: kept
    assert counts == Counter(kept)


def test_two_copies_of_a_line_on_two_pages_of_one_poll_are_both_shown() -> None:
    """A poll judged a page at a time shares its counts: the second page's copy is the poll's
    second, new beyond the one shown."""
    shown = ShownLines()
    at = int(T0 * 1000)
    line = record(at * MS, "twice")
    in_poll: Counter[tuple[int, int]] = Counter()
    assert shown.unseen([line], in_poll) == [line]
    assert shown.unseen([dict(line)], in_poll) == [line]
    assert shown.unseen([dict(line)]) == []  # the next poll: one copy, shown already


def test_lines_remembered_at_the_bound_are_all_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("baseten_logs.reading.follow.MAX_SHOWN", 6)
    at = int(T0 * 1000)
    shown = ShownLines()
    shown.unseen([record((at + i) * MS, f"m{i}") for i in range(6)])
    assert len(shown) == 6 and shown.milliseconds == 6  # at the bound, not past it
    crowded = ShownLines()  # one millisecond past the bound alone: kept (nothing older to drop)
    crowded.unseen([record(at * MS + i, f"c{i}") for i in range(9)])
    assert len(crowded) == 9
    two = ShownLines()  # two milliseconds past it: the older one goes
    two.unseen([record(at * MS + i, f"a{i}") for i in range(4)])
    two.unseen([record((at + 1) * MS + i, f"b{i}") for i in range(4)])
    assert len(two) == 4 and two.milliseconds == 1


def test_a_line_and_its_twin_on_two_pages_of_one_poll_are_both_shown() -> None:
    """Two identical lines in one millisecond, the first the last of a poll's first page and
    the second the first of its next: the poll is judged as a whole, so both are shown."""
    at = int(T0 * 1000)
    lines = [(T0, record((at + i) * MS, f"m{i}")) for i in range(999)]
    twin = record((at + 999) * MS, "twin")
    lines += [(T0, twin), (T0, dict(twin)), (T0, record((at + 1000) * MS, "after"))]
    live = LiveLogs(lines)
    live.now = T0 + 30
    follower = Follower(live.fetch, clock=live.clock, sleep=live.sleep)
    batches = follower.follow(start_ms=at, until_ms=at + 1000)
    shown = [r["message"] for batch in batches for r in batch]
    assert len(shown) == 1002 and shown.count("twin") == 2
