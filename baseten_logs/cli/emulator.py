"""`baseten-logs emulator`: the local Baseten API in the foreground, for trying and scripting."""

from __future__ import annotations

import errno
import ipaddress
from typing import cast

from baseten_logs.base.errors import UsageError


def check_loopback(host: str) -> str:
    """The emulator is a local stand-in with a well-known key: never expose it beyond this host."""
    if host == "localhost":
        return host
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise UsageError("--host", f"{host!r} is not a loopback address", hint="use 127.0.0.1")


def run_emulator(
    *,
    host: str,
    port: int,
    seed: int,
    lines_per_s: float,
    latency_s: float,
    error_rate: float,
    end_inclusive: bool,
    late_share: float,
    id_style: str = "7",
    timestamps: str = "ns",
    latency_jitter_s: float = 0.0,
    rate_limit: int = 100,
    training_window_2h: bool = False,
) -> None:
    from baseten_logs.emulator import EmulatorConfig, serve
    from baseten_logs.emulator.config import (
        ID_STYLES,
        TIMESTAMP_FORMS,
        TRAINING_WINDOW_2H,
        IdStyle,
        TimestampForm,
    )
    from baseten_logs.reading.query import parse_choice

    style = parse_choice(id_style, flag="--id-style", choices=ID_STYLES)
    form = parse_choice(timestamps, flag="--timestamps", choices=TIMESTAMP_FORMS)
    config = EmulatorConfig(
        seed=seed,
        lines_per_s=lines_per_s,
        latency_s=latency_s,
        latency_jitter_s=latency_jitter_s,
        rate_limit_per_s=rate_limit or None,
        error_rate=error_rate,
        end_inclusive=end_inclusive,
        late_share=late_share,
        id_style=cast("IdStyle", style),
        timestamp_form=cast("TimestampForm", form),
        training_max_window_ms=TRAINING_WINDOW_2H if training_window_2h else None,
    )
    try:
        serve(
            config,
            host=check_loopback(host),
            port=port,
            announce=lambda text: print(text, flush=True),
        )
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        raise UsageError("--port", f"port {port} is in use; try --port 0 (any free port)") from None
