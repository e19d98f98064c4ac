"""`--env NAME`: an environment of a model, whose logs span every deployment it served.

Its name goes into the URL path, so it is checked first; whether it exists is asked of the API
once and cached. A missing one is named with the environments the model does have.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from baseten_logs.base.errors import BasetenLogsError, NotFoundError
from baseten_logs.sources.cache import RESOLVE_TTL, Cache, cache_key
from baseten_logs.sources.names import listed_objects, some_names
from baseten_logs.sources.paths import api_path
from baseten_logs.sources.targets import ModelRef

if TYPE_CHECKING:  # the client imports httpx: shell completion must not pay for it up front
    from baseten_logs.api.client import ApiClient

# Environment names go into the URL path: refuse anything that could change the path.
ENVIRONMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def check_environment_exists(
    client: ApiClient, model: ModelRef, environment: str, cache: Cache | None
) -> None:
    key = cache_key("environment", model.id, environment)
    if cache is not None and cache.get(key) is True:
        return
    path = api_path("models", model.id, "environments", environment)
    try:
        client.get_json(path)
    except NotFoundError:
        raise unknown_environment(client, model, environment) from None
    if cache is not None:
        cache.put(key, True, ttl=RESOLVE_TTL)


def unknown_environment(client: ApiClient, model: ModelRef, environment: str) -> NotFoundError:
    what = f"{model.label} has no environment {environment!r}"
    path = api_path("models", model.id, "environments")
    try:
        existing = listed_objects(client.get_json(path), "environments", path)
    except BasetenLogsError:
        return NotFoundError(what, hint="check the environment's name in the dashboard")
    names = sorted({str(e["name"]) for e in existing if isinstance(e.get("name"), str)})
    if not names:
        return NotFoundError(what, hint="it has no environments; name a deployment instead")
    return NotFoundError(what, hint=f"its environments: {some_names(names)}")
