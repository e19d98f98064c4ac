"""Fixtures for the emulator's tests: emulators on a fake clock, closed after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from emu_helpers import FakeClock

from baseten_logs.emulator import Emulator, EmulatorConfig

MakeEmu = Callable[..., Emulator]


@pytest.fixture
def make_emu() -> Iterator[MakeEmu]:
    """Emulators with a fake clock at T0 and no rate limit unless overridden; closed after."""
    made: list[Emulator] = []

    def make(**overrides: Any) -> Emulator:
        options: dict[str, Any] = {"clock": FakeClock(), "rate_limit_per_s": None, "seed": 7}
        options.update(overrides)
        emu = Emulator(EmulatorConfig(**options))
        made.append(emu)
        return emu

    yield make
    for emu in made:
        assert emu.errors == []
        emu.close()


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    """A shared emulator for tests that do not change its runtime state."""
    with Emulator(EmulatorConfig(clock=FakeClock(), rate_limit_per_s=None, seed=7)) as shared:
        yield shared
        assert shared.errors == []
