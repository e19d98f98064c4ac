"""The emulator's deployments, their ids and dates: what the model catalogue and chains share.

Apart from catalogue.py, which holds the chains, so that chains.py can build its chainlets'
deployments without importing the catalogue back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .shapes import AUTOSCALING_SETTINGS, REQUEST_BACKPRESSURE_SETTINGS

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS


def styled_id(base: str, style: str) -> str:
    """A fixed (7 lowercase) id in another of the shapes Baseten's ids come in."""
    if style == "8":
        return base + base[0]
    if style == "mixed":  # every other letter upper case, the first one included
        letters = iter(range(len(base)))
        return "".join(c.upper() if c.isalpha() and next(letters) % 2 == 0 else c for c in base)
    if style == "long":
        return (base * 3)[:16]
    return base


def iso(ms: int) -> str:
    """Format epoch milliseconds the way the management API does."""
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}000Z"


@dataclass(frozen=True)
class Deployment:
    """A deployment and the span of time in which it printed logs."""

    id: str
    name: str
    model_id: str
    created_at_ms: int
    status: str
    is_production: bool
    is_development: bool
    active_replica_count: int
    environment: str | None
    instance_type_name: str
    # Replicas that appear in its logs (a scaled-to-zero deployment once had some).
    log_replicas: int
    logs_from_ms: int
    logs_until_ms: int | None
    base_id: str = ""  # the id in the default style, which EmulatorConfig.rates may name

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "model_id": self.model_id,
            "created_at": iso(self.created_at_ms),
            "is_production": self.is_production,
            "is_development": self.is_development,
            "status": self.status,
            "active_replica_count": self.active_replica_count,
            "environment": self.environment,
            "instance_type_name": self.instance_type_name,
            "autoscaling_settings": AUTOSCALING_SETTINGS,
            "request_backpressure_settings": REQUEST_BACKPRESSURE_SETTINGS,
        }


def deployment(
    model_id: str,
    id: str,
    name: str,
    *,
    created: int,
    status: str = "ACTIVE",
    production: bool = False,
    development: bool = False,
    replicas: int = 1,
    log_replicas: int | None = None,
    until: int | None = None,
    instance: str = "A10G:1x24",
) -> Deployment:
    return Deployment(
        id=id,
        name=name,
        model_id=model_id,
        created_at_ms=created,
        status=status,
        is_production=production,
        is_development=development,
        active_replica_count=replicas,
        environment="production" if production else None,
        instance_type_name=instance,
        log_replicas=log_replicas if log_replicas is not None else max(replicas, 1),
        # A build and a model load come before the first line of the model server.
        logs_from_ms=created + 5 * MINUTE_MS,
        logs_until_ms=until,
        base_id=id,
    )
