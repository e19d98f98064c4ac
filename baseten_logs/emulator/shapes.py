"""Parts of the management API's answers that the logs tool never reads but the schema requires.

Baseten's published schema (its SDK's models) marks these fields required: an answer without
them is not one the real API gives, and other clients (truss, the SDK) refuse to parse it. The
values are plausible defaults, the same for every deployment.
"""

from __future__ import annotations

import re
from typing import Any

AUTOSCALING_SETTINGS: dict[str, Any] = {
    "min_replica": 0,
    "max_replica": 1,
    "autoscaling_window": 60,
    "scale_down_delay": 900,
    "concurrency_target": 1,
    "target_utilization_percentage": 70,
}
REQUEST_BACKPRESSURE_SETTINGS: dict[str, Any] = {"policy": None}
PROMOTION_SETTINGS: dict[str, Any] = {
    "redeploy_on_promotion": False,
    "rolling_deploy": False,
    "promotion_cleanup_strategy": "SCALE_TO_ZERO",
    "rolling_deploy_config": None,
    "ramp_up_while_promoting": False,
    "ramp_up_duration_seconds": 600,
}
# Who the emulator's keys belong to (`GET /v1/users/me`).
USER: dict[str, Any] = {
    "user_id": "u9k2m7q",
    "email": "dev@example.com",
    "name": "Demo Developer",
    "workspace_name": "acme-ml",
}
_GPU = re.compile(r"(?P<gpu>[A-Za-z0-9]+):(?P<count>[0-9]+)x(?P<memory>[0-9]+)")


def instance_type(name: str) -> dict[str, Any]:
    """The instance type object for a name such as `H100:1x80` (GPU:COUNTxGIB)."""
    found = _GPU.fullmatch(name)
    count = int(found["count"]) if found else 0
    return {
        "id": name,
        "name": name,
        "memory_limit_mib": 65_536 * max(count, 1),
        "millicpu_limit": 8_000 * max(count, 1),
        "gpu_count": count,
        "gpu_type": found["gpu"] if found else None,
        "gpu_memory_limit_mib": int(found["memory"]) * 1024 if found else None,
    }
