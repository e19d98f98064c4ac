"""Every answer the emulator gives on the tool's routes parses with the SDK's answer model.

Each id style and timestamp form the emulator can serve (hostile and fault modes aside: they
are broken on purpose) is checked, and the SDK's own client, pointed at the emulator, calls
each operation and parses what it gets, as truss and Baseten's other clients would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from baseten.client.managementapi import _models as sdk_models
from baseten.client.managementapi._client import ApiClient as SdkClient

from baseten_logs.emulator import (
    DEMO_DEPLOYMENT_ID,
    DEMO_DEV_DEPLOYMENT_ID,
    DEMO_MODEL_ID,
    Emulator,
    EmulatorConfig,
)
from baseten_logs.emulator.chains import (
    CHAIN_DEPLOYMENT_ID,
    CHAIN_ID,
    CHAINLETS,
    TRAINING_OLD_JOB_ID,
    TRAINING_PROJECT_ID,
)
from baseten_logs.emulator.config import ID_STYLES, TIMESTAMP_FORMS
from baseten_logs.emulator.deployments import iso
from baseten_logs.emulator.loops import RUN_WITH_SAMPLER, TRAINER_ID
from baseten_logs.emulator.sandboxes import IMAGE, TRACED_SANDBOX
from tests.contract.sdk import (
    TOOL_OPERATIONS,
    SdkOperation,
    answer_problems,
    event_model,
    sdk_operations,
    unit_problem,
)


def arguments(emu: Emulator) -> dict[str, dict[str, str]]:
    """Each SDK operation the tool uses, with path arguments this emulator knows."""
    model, chain, project = emu.id(DEMO_MODEL_ID), emu.id(CHAIN_ID), emu.id(TRAINING_PROJECT_ID)
    deployment = {"model_id": model, "deployment_id": emu.id(DEMO_DEPLOYMENT_ID)}
    chain_deployment = {"chain_id": chain, "chain_deployment_id": emu.id(CHAIN_DEPLOYMENT_ID)}
    job = {"training_project_id": project, "training_job_id": emu.id(TRAINING_OLD_JOB_ID)}
    return {
        "get_models": {},
        "get_models_model_id": {"model_id": model},
        "get_models_deployments": {"model_id": model},
        "get_models_deployments_production": {"model_id": model},
        "get_models_deployments_development": {"model_id": model},
        "get_models_deployments_deployment_id": deployment,
        "get_models_deployments_logs": deployment,
        "get_models_environments": {"model_id": model},
        "get_models_environments_env_name": {"model_id": model, "env_name": "production"},
        "get_models_environments_logs": {"model_id": model, "env_name": "production"},
        "get_models_deployments_startups": deployment,  # --events
        "get_models_environments_startups": {"model_id": model, "env_name": "production"},
        "get_chains": {},
        "get_chains_chain_id": {"chain_id": chain},
        "get_chains_deployments": {"chain_id": chain},
        "get_chains_deployments_chain_deployment_id": chain_deployment,
        "get_chains_deployments_chainlets_logs": {
            **chain_deployment,
            "chainlet_id": emu.id(CHAINLETS[0][1]),
        },
        "get_training_projects": {},
        "get_training_projects_jobs": {"training_project_id": project},
        "get_training_projects_jobs_training_job_id": job,
        "get_training_projects_jobs_logs": job,
        "get_users_me": {},
        # loops
        "get_loops_runs": {},
        "get_loops_runs_run_id": {"run_id": emu.id(RUN_WITH_SAMPLER)},
        "get_loops_deployments_logs": {"deployment_id": emu.id(TRAINER_ID)},
        **{name: args for name, (args, _) in sandbox_arguments(emu).items()},
        "get_audit_logs": {},
        "get_models_audit_logs": {"model_id": model},
        "get_chains_audit_logs": {"chain_id": chain},
    }


SANDBOX_OPERATIONS = ("list_sandboxes", "get_sandbox", "get_sandbox_logs", "get_image_build_logs")


def sandbox_arguments(emu: Emulator) -> dict[str, tuple[dict[str, str], dict[str, Any]]]:
    """The sandbox routes the tool sends (cursor and offset paged, RFC 3339 windows), with
    path arguments and parameters that make a non-empty answer."""
    now = emu.now_ms()
    window = {"start_time": iso(now - 600_000), "end_time": iso(now), "limit": 1000}
    return {
        "list_sandboxes": ({}, {}),
        "get_sandbox": ({"sandbox_name": TRACED_SANDBOX}, {}),
        "get_sandbox_logs": ({"sandbox_name": TRACED_SANDBOX}, window),
        "get_image_build_logs": ({"image_name": IMAGE}, {"limit": 1000}),
    }


def emulated_arguments(emu: Emulator) -> dict[str, tuple[dict[str, str], dict[str, Any]]]:
    """The operations the emulator serves that the tool does not send yet (issue #26), with
    path arguments and parameters that make a non-empty answer."""
    model = emu.id(DEMO_MODEL_ID)
    deployment = {"model_id": model, "deployment_id": emu.id(DEMO_DEPLOYMENT_ID)}
    trainer = {"deployment_id": emu.id(TRAINER_ID)}
    now = emu.now_ms()
    month = {"start_epoch_millis": now - 40 * 86_400_000, "end_epoch_millis": now}
    return {
        "get_loops_deployments_deployment_id": (trainer, {}),
        "get_models_deployments_startups": (deployment, {**month, "limit": 100}),
        "get_models_deployments_startups_summary": (deployment, month),
        "get_models_environments_startups": (
            {"model_id": model, "env_name": "production"},
            {**month, "limit": 100},
        ),
        "get_models_environments_startups_summary": (
            {"model_id": model, "env_name": "production"},
            month,
        ),
    }


def served_arguments(emu: Emulator) -> dict[str, tuple[dict[str, str], dict[str, Any]]]:
    """The routes served beside the logs' own, with parameters that make a non-empty answer:
    those ahead of the tool, and the sandboxes' and the audit trail's, which the tool now sends
    (#26 items 2 and 3)."""
    tool = arguments(emu)
    audit = {name: (tool[name], {"limit": 200}) for name in AUDIT_OPERATIONS}
    return {**sandbox_arguments(emu), **emulated_arguments(emu), **audit}


def _path(operation: SdkOperation, args: dict[str, str]) -> str:
    return operation.path.format(*(quote(v, safe="") for v in args.values()))


def _window(operation: SdkOperation, emu: Emulator) -> dict[str, Any]:
    """A logs request's window: the last 2 hours, or a finished job's last day; a sandbox's
    last 10 minutes in RFC 3339, an image's build in its default day; an audit
    trail's: the last 40 days, in its largest page (200); start attempts: 40 days, 100 a page."""
    if operation.name in SANDBOX_OPERATIONS:
        return sandbox_arguments(emu)[operation.name][1]
    if operation.query is None or "start_epoch_millis" not in operation.query.model_fields:
        return {}
    if "audit" in operation.name:
        now = emu.now_ms()
        return {"start_epoch_millis": now - 40 * 86_400_000, "end_epoch_millis": now, "limit": 200}
    if "startups" in operation.name:  # start attempts are rare: 40 days, the endpoint's page cap
        end = emu.now_ms()
        return {"start_epoch_millis": end - 40 * 86_400_000, "end_epoch_millis": end, "limit": 100}
    end = emu.now_ms() - (2 * 86_400_000 if "training" in operation.name else 0)
    return {"start_epoch_millis": end - 7_200_000, "end_epoch_millis": end, "limit": 1000}


def _answers(emu: Emulator, names: list[str]) -> Iterator[tuple[str, Any]]:
    args = arguments(emu)
    operations = sdk_operations()
    headers = {"Authorization": f"Api-Key {emu.api_key}"}
    with httpx.Client(base_url=emu.url, headers=headers) as http:
        for name in names:
            operation = operations[name]
            reply = http.get(_path(operation, args[name]), params=_window(operation, emu))
            assert reply.status_code == 200, (name, reply.text[:300])
            yield name, reply.json()


def test_every_sdk_operation_of_the_table_is_checked_here(emu: Emulator) -> None:
    used = {name for name in TOOL_OPERATIONS.values() if name is not None}
    assert set(arguments(emu)) == used


LOGS_OPERATIONS = sorted(
    n for n in TOOL_OPERATIONS.values() if n is not None and "logs" in n and "audit" not in n
)
AUDIT_OPERATIONS = sorted(n for n in TOOL_OPERATIONS.values() if n is not None and "audit" in n)
OTHER_OPERATIONS = sorted(
    n for n in TOOL_OPERATIONS.values() if n is not None and n not in LOGS_OPERATIONS
)


@pytest.mark.parametrize("style", ID_STYLES)
def test_catalogue_answers_parse_in_every_id_style(style: str) -> None:
    config = EmulatorConfig(id_style=style, rate_limit_per_s=None)  # type: ignore[arg-type]
    with Emulator(config) as emu:
        for name, payload in _answers(emu, OTHER_OPERATIONS):
            assert answer_problems(sdk_operations()[name].answer, payload) == [], name


@pytest.mark.parametrize("extra_fields", [False, True], ids=["documented", "extra-fields"])
@pytest.mark.parametrize("form", TIMESTAMP_FORMS)
@pytest.mark.parametrize("style", ["7", "long"])
def test_logs_answers_parse_in_every_timestamp_form(
    style: str, form: str, extra_fields: bool
) -> None:
    config = EmulatorConfig(
        id_style=style,  # type: ignore[arg-type]
        timestamp_form=form,  # type: ignore[arg-type]
        extra_fields=extra_fields,
        rate_limit_per_s=None,
    )
    with Emulator(config) as emu:
        for name, payload in _answers(emu, LOGS_OPERATIONS):
            assert payload["logs"], f"{name} sent no lines to check"
            assert answer_problems(sdk_operations()[name].answer, payload) == [], name
            query = sdk_operations()[name].query
            # Epoch windows, epoch nanosecond lines; the sandbox routes' are RFC 3339 both.
            epoch_ns = query is not None and "start_epoch_millis" in query.model_fields
            if form == "ns" and epoch_ns:  # the documented form: epoch ns, as the schema says
                stamps = {int(line["timestamp"]) for line in payload["logs"]}
                wrong = [unit_problem(sdk_models.Log, "timestamp", t) for t in stamps]
                assert [w for w in wrong if w is not None] == [], name


def test_a_wrong_field_name_or_unit_is_caught() -> None:
    # The checks themselves: a misspelt required field, a time in milliseconds.
    line = {"timestamp": "1790000000000000000", "message": "m", "replica": None}
    assert answer_problems(sdk_models.GetLogsResponse, {"logs": [line]}) == []
    misspelt = {k if k != "replica" else "replica_id": v for k, v in line.items()}
    assert answer_problems(sdk_models.GetLogsResponse, {"logs": [misspelt]}) != []
    assert unit_problem(sdk_models.Log, "timestamp", 1_790_000_000_000) is not None


# --- the SDK's own client -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sdk(emu: Emulator) -> Iterator[SdkClient]:
    with httpx.Client() as http:
        headers = {"Authorization": f"Api-Key {emu.api_key}"}
        yield SdkClient(http, base_url=emu.url, headers=headers)


@pytest.mark.parametrize("name", sorted(n for n in TOOL_OPERATIONS.values() if n is not None))
def test_the_sdks_client_calls_each_operation_and_parses_the_answer(
    emu: Emulator, sdk: SdkClient, name: str
) -> None:
    operation = sdk_operations()[name]
    kwargs: dict[str, Any] = dict(arguments(emu)[name])
    window = _window(operation, emu)
    audit = name in AUDIT_OPERATIONS  # its direction is upper case, its entries `items`
    if window and operation.query is not None:
        kwargs["params"] = operation.query(**window, direction="ASC" if audit else "asc")
    answer = getattr(sdk, name)(**kwargs)
    assert isinstance(answer, operation.answer)
    if window:  # something to check: lines, audit events or start attempts
        assert answer.items if audit else (getattr(answer, "logs", None) or answer.items)  # type: ignore[attr-defined]


def test_the_sdks_client_reads_logs_by_the_deprecated_post_forms(
    emu: Emulator, sdk: SdkClient
) -> None:
    args = arguments(emu)
    end = emu.now_ms()
    request = sdk_models.GetDeploymentLogsRequest(
        start_epoch_millis=end - 600_000,
        end_epoch_millis=end,
        limit=50,  # type: ignore[arg-type]  # pydantic reads an int as the SDK's Limit6
        min_level="INFO",
        excludes=["health"],
    )
    posted = sdk.post_models_deployments_logs(
        **args["get_models_deployments_logs"], request=request
    )
    got = sdk.get_models_deployments_logs(
        **args["get_models_deployments_logs"],
        params=sdk_models.GetModelsDeploymentsLogsParams(**request.model_dump(exclude_unset=True)),
    )
    assert posted == got and len(posted.logs) == 50
    job = args["get_training_projects_jobs_logs"]
    job_end = end - 2 * 86_400_000
    body = sdk_models.GetTrainingJobLogsRequest(
        start_epoch_millis=job_end - 3_600_000, end_epoch_millis=job_end, direction="asc"
    )
    assert sdk.post_training_projects_jobs_logs(**job, request=body).logs


def test_the_sdks_client_searches_training_jobs_newest_first(emu: Emulator, sdk: SdkClient) -> None:
    order = [sdk_models.OrderBy(field="created_at", order="desc")]
    request = sdk_models.SearchTrainingJobsRequest(
        project_id=emu.id(TRAINING_PROJECT_ID), order_by=order
    )
    jobs = sdk.post_training_jobs_search(request=request).training_jobs
    assert [j.name for j in jobs] == ["lora-r16", "lora-r8"]
    finished = sdk_models.SearchTrainingJobsRequest(statuses=["TRAINING_JOB_COMPLETED"])
    assert [j.id for j in sdk.post_training_jobs_search(request=finished).training_jobs] == [
        emu.id(TRAINING_OLD_JOB_ID)
    ]


def test_the_sdks_client_learns_who_the_key_belongs_to(sdk: SdkClient) -> None:
    me = sdk.get_users_me()
    assert me.user_id and me.workspace_name


def test_the_development_alias_is_the_development_deployment(emu: Emulator, sdk: SdkClient) -> None:
    model = emu.id(DEMO_MODEL_ID)
    assert sdk.get_models_deployments_development(model_id=model).id == emu.id(
        DEMO_DEV_DEPLOYMENT_ID
    )


# --- the routes the emulator serves ahead of the tool (issue #26) -----------------------------


def _emulated_answers(emu: Emulator) -> Iterator[tuple[str, Any]]:
    operations = sdk_operations()
    headers = {"Authorization": f"Api-Key {emu.api_key}"}
    with httpx.Client(base_url=emu.url, headers=headers) as http:
        for name, (args, params) in served_arguments(emu).items():
            reply = http.get(_path(operations[name], args), params=params)
            assert reply.status_code == 200, (name, reply.text[:300])
            yield name, reply.json()


def _nothing_empty(name: str, payload: Any) -> None:
    """An empty list would validate whatever the emulator puts in its entries."""
    for key in ("logs", "items", "runs"):
        if key in payload:
            assert payload[key], f"{name} sent no {key} to check"


@pytest.mark.parametrize("form", TIMESTAMP_FORMS)
@pytest.mark.parametrize("style", ID_STYLES)
def test_the_emulated_routes_answers_parse_in_every_style_and_form(style: str, form: str) -> None:
    config = EmulatorConfig(
        id_style=style,  # type: ignore[arg-type]
        timestamp_form=form,  # type: ignore[arg-type]
        rate_limit_per_s=None,
    )
    with Emulator(config) as emu:
        for name, payload in _emulated_answers(emu):
            _nothing_empty(name, payload)
            assert answer_problems(sdk_operations()[name].answer, payload) == [], name


def test_every_audit_event_parses_with_its_own_model(emu: Emulator) -> None:
    for name, payload in _answers(emu, AUDIT_OPERATIONS):
        assert payload["items"], f"{name} sent no items to check"
        assert answer_problems(sdk_operations()[name].answer, payload) == [], name
        for item in payload["items"]:
            model = event_model(item["event_type"])
            assert model is not None, item["event_type"]
            assert answer_problems(model, item["event_data"]) == [], (name, item["event_type"])


def test_every_operation_the_emulator_serves_is_the_sdks(emu: Emulator) -> None:
    assert set(emulated_arguments(emu)) <= set(sdk_operations())
    # The start-ups lists are the tool's now (--events) and stay here too: the refusal checks
    # (limits, cursors) take their parameters from this table. No other operation is in both.
    shared = {"get_models_deployments_startups", "get_models_environments_startups"}
    assert set(emulated_arguments(emu)) & set(arguments(emu)) == shared


EMULATED = (
    "get_loops_deployments_deployment_id",
    "get_models_deployments_startups",
    "get_models_deployments_startups_summary",
    "get_models_environments_startups",
    "get_models_environments_startups_summary",
)


@pytest.mark.parametrize("name", EMULATED)
def test_the_sdks_client_calls_each_emulated_operation(
    emu: Emulator, sdk: SdkClient, name: str
) -> None:
    args, params = emulated_arguments(emu)[name]
    operation = sdk_operations()[name]
    kwargs: dict[str, Any] = dict(args)
    if operation.query is not None:
        kwargs["params"] = operation.query(**params)
    answer = getattr(sdk, name)(**kwargs)
    assert isinstance(answer, operation.answer)
    assert set(EMULATED) == set(emulated_arguments(emu))
