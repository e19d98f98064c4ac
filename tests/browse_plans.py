"""browse's plan against an emulator, as the command builds it, for the browse tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from baseten_logs.cli.browse import BrowsePlan, plan_browse
from baseten_logs.emulator import DEMO_DEPLOYMENT_ID, DEMO_MODEL_ID, Emulator, EmulatorConfig


def browse_plan(
    emu: Emulator,
    model: str | None = DEMO_MODEL_ID,
    deployment: str | None = DEMO_DEPLOYMENT_ID,
    **flags: Any,
) -> BrowsePlan:
    """plan_browse with the command's defaults, the emulator's URL and key, no name cache and
    UTC times (a test's expected times do not depend on the machine's zone); `flags` change
    any of them."""
    given: dict[str, Any] = {
        "env": None,
        "team": None,
        "since": None,
        "limit": None,
        "max_lines": "100000",
        "overlap": "60s",
        "utc": True,
        "api_key": emu.api_key,
        "api_url": emu.url,
        "remote": "baseten",
        "no_cache": True,
        "retries": "5",
        "max_rps": "100",
    }
    return plan_browse(model=model, deployment=deployment, **(given | flags))


@contextmanager
def steady_emulator(seed: int) -> Iterator[Emulator]:
    """An emulator without late lines: what the API has of a past span is all the span holds,
    so lines read back compare exactly with a later read of the same span."""
    config = EmulatorConfig(
        seed=seed,
        rates={DEMO_DEPLOYMENT_ID: 20.0},
        rate_limit_per_s=None,
        max_delay_s=0.0,
        late_share=0.0,
    )
    with Emulator(config) as emulator:
        yield emulator
