"""Live mode: a line is visible only once the clock passes its arrival (ingestion delay)."""

from __future__ import annotations

from typing import Any

from emu_helpers import FakeClock, call, logs_path

from baseten_logs.emulator import DEMO_DEPLOYMENT_ID, DEMO_MODEL_ID, Emulator


def stamps(emu: Emulator, start: int, end: int) -> list[str]:
    params = {"start_epoch_millis": start, "end_epoch_millis": end, "limit": 1000}
    return [line["timestamp"] for line in call(emu, logs_path(), params).logs]


def test_late_lines_appear_later(make_emu: Any) -> None:
    clock = FakeClock()
    emu = make_emu(clock=clock, late_share=0.3, max_late_s=30.0, lines_per_s=2.0)
    now = emu.now_ms()
    start, end = now - 120_000, now + 60_000
    before = stamps(emu, start, end)
    assert before and all(int(ts) // 1_000_000 <= now for ts in before)
    clock.advance(40)
    after = stamps(emu, start, end)
    assert set(before) < set(after)
    # Some lines that happened before the first request were not yet visible then.
    assert any(int(ts) // 1_000_000 <= now and ts not in before for ts in after)
    # The API and the ground truth agree on what is visible at each moment.
    truth = emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, start, end)
    assert [line["timestamp"] for line in truth][::-1] == after


def test_new_lines_arrive_at_the_configured_rate(make_emu: Any) -> None:
    clock = FakeClock()
    emu = make_emu(clock=clock, lines_per_s=200.0, late_share=0.0)
    settled = emu.now_ms() - 5_000  # older than the longest normal ingestion delay
    seen = len(emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, settled - 10_000, settled))
    clock.advance(10)
    later = emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, settled, settled + 10_000)
    assert 1_200 < seen < 2_800
    assert 1_200 < len(later) < 2_800


def test_nothing_from_the_future(make_emu: Any) -> None:
    emu = make_emu()
    now = emu.now_ms()
    assert stamps(emu, now + 1, now + 3_600_000) == []
