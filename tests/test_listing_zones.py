"""Every listing with a time column shows it in the zone chosen (--tz, --utc, BASETEN_LOGS_TZ,
the config's tz), its header naming the zone, as README's tz row says of "the listings"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from baseten_logs.emulator import Emulator, EmulatorConfig
from tests.conftest import invoke

LISTINGS_WITH_TIMES = [
    ["deployments", "llama-3-8b"],
    ["chains"],
    ["chain-deployments", "rag-pipeline"],
    ["training-projects"],
    ["training-jobs", "llama-finetune"],
    ["loops-runs"],
    ["sandboxes"],
]


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(seed=3)) as emulator:
        yield emulator


@pytest.mark.parametrize("listing", LISTINGS_WITH_TIMES, ids=lambda words: words[0])
def test_the_time_column_is_in_the_zone_chosen(emu: Emulator, listing: list[str]) -> None:
    env = {"BASETEN_API_URL": emu.url, "BASETEN_API_KEY": emu.api_key}
    typed = invoke(*listing, "-o", "table", "--tz", "Asia/Tokyo", env=env)
    assert typed.status == 0, typed.stderr
    header = typed.stdout.splitlines()[0]
    assert "(Asia/Tokyo)" in header and "(UTC)" not in header
    setting = invoke(*listing, "-o", "table", env={**env, "BASETEN_LOGS_TZ": "+05:30"})
    assert setting.status == 0, setting.stderr
    assert "(+05:30)" in setting.stdout.splitlines()[0]
