"""Baseten's published contract, read from its SDK, and the table of what the tool asks of it.

The SDK (`baseten` on the package index) is generated from Baseten's OpenAPI description:
`baseten/client/managementapi/_client.py` holds each operation's method, path and parameter
model, `_models.py` a pydantic model for every request and answer. Nothing here restates them:
operations are read from the client's source, parameters and answers checked by its models.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal
from urllib.parse import unquote

from baseten.client.managementapi import _client
from pydantic import BaseModel, RootModel, ValidationError

# Every operation the tool sends, once, mapped to the SDK's name for it. A path segment `{}` is
# any one value (an id or a name), as the SDK's own path formats write it. None: an endpoint
# the SDK does not describe (OAuth's token endpoint is truss's, outside the management API).
TOOL_OPERATIONS: dict[tuple[str, str], str | None] = {
    ("GET", "/v1/models"): "get_models",
    ("GET", "/v1/models/{}"): "get_models_model_id",
    ("GET", "/v1/models/{}/deployments"): "get_models_deployments",
    ("GET", "/v1/models/{}/deployments/production"): "get_models_deployments_production",
    ("GET", "/v1/models/{}/deployments/development"): "get_models_deployments_development",
    ("GET", "/v1/models/{}/deployments/{}"): "get_models_deployments_deployment_id",
    ("GET", "/v1/models/{}/deployments/{}/logs"): "get_models_deployments_logs",
    ("GET", "/v1/models/{}/environments"): "get_models_environments",
    ("GET", "/v1/models/{}/environments/{}"): "get_models_environments_env_name",
    ("GET", "/v1/models/{}/environments/{}/logs"): "get_models_environments_logs",
    ("GET", "/v1/models/{}/deployments/{}/startups"): "get_models_deployments_startups",
    ("GET", "/v1/models/{}/environments/{}/startups"): "get_models_environments_startups",
    ("GET", "/v1/chains"): "get_chains",
    ("GET", "/v1/chains/{}"): "get_chains_chain_id",
    ("GET", "/v1/chains/{}/deployments"): "get_chains_deployments",
    ("GET", "/v1/chains/{}/deployments/{}"): "get_chains_deployments_chain_deployment_id",
    (
        "GET",
        "/v1/chains/{}/deployments/{}/chainlets/{}/logs",
    ): "get_chains_deployments_chainlets_logs",
    ("GET", "/v1/training_projects"): "get_training_projects",
    ("GET", "/v1/training_projects/{}/jobs"): "get_training_projects_jobs",
    ("GET", "/v1/training_projects/{}/jobs/{}"): "get_training_projects_jobs_training_job_id",
    ("GET", "/v1/training_projects/{}/jobs/{}/logs"): "get_training_projects_jobs_logs",
    ("GET", "/v1/users/me"): "get_users_me",
    # loops (issue #26): a run, the caller's (or the organization's) runs, a trainer's logs
    ("GET", "/v1/loops/runs"): "get_loops_runs",
    ("GET", "/v1/loops/runs/{}"): "get_loops_runs_run_id",
    ("GET", "/v1/loops/deployments/{}/logs"): "get_loops_deployments_logs",
    # sandboxes (issue #26)
    ("GET", "/v1/sandboxes/instances"): "list_sandboxes",
    ("GET", "/v1/sandboxes/instances/{}"): "get_sandbox",
    ("GET", "/v1/sandboxes/instances/{}/logs"): "get_sandbox_logs",
    ("GET", "/v1/sandboxes/images/{}/logs"): "get_image_build_logs",
    # audit logs (issue #26)
    ("GET", "/v1/audit_logs"): "get_audit_logs",
    ("GET", "/v1/models/{}/audit_logs"): "get_models_audit_logs",
    ("GET", "/v1/chains/{}/audit_logs"): "get_chains_audit_logs",
    ("POST", "/v1/users/auth/device/token"): None,
}


@dataclass(frozen=True)
class SdkOperation:
    """One operation of the SDK's client: what it sends and which model parses the answer."""

    name: str
    method: str
    path: str  # the SDK's path format: "/v1/models/{}/deployments/{}/logs"
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    answer: type[BaseModel]


_REQUEST = re.compile(r'method="(?P<method>[A-Z]+)",\s*path_fmt="(?P<path>[^"]+)"')


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model in `X | None`, or None."""
    for arg in typing.get_args(annotation) or (annotation,):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


@cache
def sdk_operations() -> dict[str, SdkOperation]:
    """Every operation of the SDK's (synchronous) client, by the SDK's name for it."""
    found: dict[str, SdkOperation] = {}
    for name, function in inspect.getmembers(_client.ApiClient, inspect.isfunction):
        if name.startswith("_"):
            continue
        request = _REQUEST.search(inspect.getsource(function))
        if request is None:
            continue
        hints = typing.get_type_hints(function, vars(_client))
        answer = _model_in(hints.get("return"))
        if answer is None:
            continue  # an operation without a JSON answer: none the tool uses
        found[name] = SdkOperation(
            name=name,
            method=request["method"],
            path=request["path"],
            query=_model_in(hints.get("params")),
            body=_model_in(hints.get("request")),
            answer=answer,
        )
    return found


def segments(path: str) -> list[str]:
    """A raw URL path's segments, each decoded: `%2F` inside one stays inside that one."""
    return [unquote(s) for s in path.strip("/").split("/")]


def tool_operation(method: str, path: str) -> tuple[str, str] | None:
    """The TOOL_OPERATIONS key a request (method, raw path) falls under; the most literal wins
    (`.../deployments/production` is the alias's own operation, not an id's)."""
    parts = segments(path)
    best: tuple[int, tuple[str, str]] | None = None
    for key in TOOL_OPERATIONS:
        wanted_method, template = key
        pattern = template.strip("/").split("/")
        if wanted_method != method or len(pattern) != len(parts):
            continue
        if all(p == "{}" and s != "" or p == s for p, s in zip(pattern, parts, strict=True)):
            literal = sum(p != "{}" for p in pattern)
            if best is None or literal > best[0]:
                best = (literal, key)
    return None if best is None else best[1]


# --- parameters ---------------------------------------------------------------------------


def _unwrapped(annotation: Any) -> list[Any]:
    """The leaf types of an annotation: unions opened, RootModels replaced by their root."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return [leaf for arg in typing.get_args(annotation) for leaf in _unwrapped(arg)]
    if isinstance(annotation, type) and issubclass(annotation, RootModel):
        return _unwrapped(annotation.model_fields["root"].annotation)
    return [annotation]


def enum_values(model: type[BaseModel], name: str) -> tuple[str, ...] | None:
    """The values a field's description enumerates (`Literal["asc", "desc"] | str`), or None.

    The SDK widens every enum with `| str` so that a new server value does not break old
    clients; the values the schema names are the Literal's."""
    for leaf in _unwrapped(model.model_fields[name].annotation):
        if typing.get_origin(leaf) is Literal:
            return tuple(str(v) for v in typing.get_args(leaf))
    return None


def _is_list(model: type[BaseModel], name: str) -> bool:
    return any(
        typing.get_origin(leaf) is list for leaf in _unwrapped(model.model_fields[name].annotation)
    )


def _is_int(model: type[BaseModel], name: str) -> bool:
    return int in _unwrapped(model.model_fields[name].annotation)


_INTEGER = re.compile(r"-?[0-9]+")
# The units the schema's descriptions name ("Epoch milliseconds at which...", "Epoch nanosecond
# timestamp..."), as the digits any time of this century has in them.
_UNITS = {"epoch millisecond": (10**12, 10**13), "epoch nanosecond": (10**18, 10**19)}


def unit_problem(model: type[BaseModel], name: str, value: int) -> str | None:
    """Whether an epoch number is in the unit the field's description names (a time in
    seconds where milliseconds are meant is a valid integer, and wrong by a factor 1000)."""
    description = (model.model_fields[name].description or "").lower()
    for unit, (low, high) in _UNITS.items():
        if unit in description and not low <= value < high:
            return f"{name}: {value} is not in {unit}s"
    return None


def query_problems(
    model: type[BaseModel] | None, query: Mapping[str, Sequence[str]], *, as_server: bool = False
) -> list[str]:
    """What in a query string (names to their values, repeated keys kept) the schema refuses:
    unknown names, a scalar sent twice, a value of the wrong type, in the wrong unit, outside its
    enum or range. `as_server`: only what a server would refuse (it ignores unknown names, as
    the models do, and cannot know a number's unit)."""
    if model is None:
        return [] if as_server else [f"{name}: the operation takes no parameters" for name in query]
    problems: list[str] = []
    values: dict[str, Any] = {}
    for name, sent in query.items():
        if name not in model.model_fields:
            if not as_server:
                problems.append(f"{name}: not a parameter of {model.__name__}")
            continue
        if _is_list(model, name):
            values[name] = list(sent)
            continue
        if len(sent) != 1:
            problems.append(f"{name}: sent {len(sent)} times")
            continue
        value = sent[0]
        if _is_int(model, name):
            if not _INTEGER.fullmatch(value):
                problems.append(f"{name}: {value!r} is not an integer")
                continue
            values[name] = int(value)
            wrong_unit = unit_problem(model, name, int(value))
            if wrong_unit is not None and not as_server:
                problems.append(wrong_unit)
            continue
        allowed = enum_values(model, name)
        if allowed is not None and value not in allowed:
            problems.append(f"{name}: {value!r} is not one of {allowed}")
            continue
        values[name] = value
    return problems + _validation_problems(model, values)


def window_days(model: type[BaseModel]) -> int | None:
    """The longest window the start field's description allows ("must not exceed 7 days")."""
    field = model.model_fields.get("start_epoch_millis")
    found = re.search(r"must not exceed (\d+) days", (field and field.description) or "")
    return int(found[1]) if found else None


def _validation_problems(model: type[BaseModel], values: dict[str, Any]) -> list[str]:
    try:
        model.model_validate(values, strict=False)
    except ValidationError as error:
        return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
    return []


def answer_problems(model: type[BaseModel], payload: Any) -> list[str]:
    """Why the SDK's answer model refuses a parsed JSON answer (empty: it parses)."""
    try:
        model.model_validate(payload)
    except ValidationError as error:
        return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
    return []


def event_model(event_type: str) -> type[BaseModel] | None:
    """The SDK's model of an audit-log entry's `event_data` for this event type, or None.

    AuditLogEntry parses an event_data it cannot match as a plain dict (its union ends in
    `dict[str, Any]`), so a misspelt field passes the entry's model: this is the strict one."""
    from baseten.client.managementapi import _models

    for model in vars(_models).values():
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get("event_type")
            if field is not None and typing.get_args(field.annotation) == (event_type,):
                return model
    return None


def limit_bounds(model: type[BaseModel]) -> tuple[int, int] | None:
    """The `limit` parameter's documented bounds (ge, le), or None if it has none."""
    field = model.model_fields.get("limit")
    if field is None:
        return None
    fields = [field]
    for arg in typing.get_args(field.annotation) or (field.annotation,):
        if isinstance(arg, type) and issubclass(arg, RootModel):
            fields.append(arg.model_fields["root"])
    found = {
        name: int(getattr(meta, name))
        for leaf in fields
        for meta in leaf.metadata
        for name in ("ge", "le")
        if getattr(meta, name, None) is not None
    }
    return (found["ge"], found["le"]) if {"ge", "le"} <= set(found) else None
