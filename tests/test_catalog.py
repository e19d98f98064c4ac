"""`models` and `deployments`: JSON lines for scripts, a table for people, the cache they fill."""

from __future__ import annotations

import json

import pytest

from baseten_logs.access.config import Credentials
from baseten_logs.base.errors import ExitStatus, NotFoundError
from baseten_logs.cli.catalog import run_deployments, run_models
from baseten_logs.sources.cache import Cache
from baseten_logs.sources.names import AmbiguousName
from baseten_logs.sources.resolve import cached_deployments, cached_models
from tests.fakecatalog import API_URL, BARE, LLAMA, FakeCatalog

KEY = "test-key-0123456789abcdef"
CREDENTIALS = Credentials(KEY, API_URL, "BASETEN_API_KEY", "BASETEN_API_URL")

MODELS_TABLE = """\
NAME        ID       TEAM      DEPLOYMENTS  PRODUCTION
bare        b1a2r3e  acme-ml   0            -
embedder    e3m8b1a  acme-ml   1            e4p7q2r
embedder    r7e2m9b  research  1            r1k8w3s
llama-3-8b  q4w8x2z  acme-ml   4            3w1k9p5
mistral     n4m3e2a  acme-ml   1            p0p0p0p
"""

DEPLOYMENTS_TABLE = """\
NAME         ID       STATUS        REPLICAS  ROLE         CREATED (UTC)
development  d7m2v8n  ACTIVE        1         development  2026-03-20 08:30
v3           3w1k9p5  ACTIVE        3         production   2026-03-01 10:00
v2           k2k2k2k  BUILD_FAILED  0         -            2026-02-02T0Z
v2           k1k1k1k  INACTIVE      0         -            2026-02-01 00:00
"""


@pytest.fixture
def cache() -> Cache:
    return Cache.for_api(API_URL, KEY)


@pytest.fixture(autouse=True)
def fixed_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")


def test_models_as_json_lines_are_the_api_objects_unchanged(
    catalog: FakeCatalog, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_models(credentials=CREDENTIALS, output="jsonl") == ExitStatus.OK
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    by_id = {m["id"]: m for m in catalog.models}
    assert lines == [by_id[m["id"]] for m in lines]
    assert [m["name"] for m in lines] == ["bare", "embedder", "embedder", "llama-3-8b", "mistral"]
    assert err == ""
    assert catalog.seen == ["/v1/models"]


def test_piped_output_is_json_lines_by_default(
    catalog: FakeCatalog, capsys: pytest.CaptureFixture[str]
) -> None:
    run_models(credentials=CREDENTIALS, output="auto")
    assert all(line.startswith("{") for line in capsys.readouterr().out.splitlines())


def test_a_terminal_gets_a_table_by_default(
    catalog: FakeCatalog, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    run_models(credentials=CREDENTIALS, output="auto")
    assert capsys.readouterr().out == MODELS_TABLE


def test_models_table(catalog: FakeCatalog, capsys: pytest.CaptureFixture[str]) -> None:
    run_models(credentials=CREDENTIALS, output="table", color="never")
    assert capsys.readouterr().out == MODELS_TABLE


def test_json_array(catalog: FakeCatalog, capsys: pytest.CaptureFixture[str]) -> None:
    run_models(credentials=CREDENTIALS, output="json")
    assert len(json.loads(capsys.readouterr().out)) == 5


def test_deployments_by_model_name(
    catalog: FakeCatalog, capsys: pytest.CaptureFixture[str]
) -> None:
    run_deployments(credentials=CREDENTIALS, model="llama-3-8b", output="table", color="never")
    assert capsys.readouterr().out == DEPLOYMENTS_TABLE
    assert catalog.seen == ["/v1/models", f"/v1/models/{LLAMA}/deployments"]


def test_deployments_as_json_lines_newest_first(
    catalog: FakeCatalog, capsys: pytest.CaptureFixture[str]
) -> None:
    run_deployments(credentials=CREDENTIALS, model=LLAMA, output="jsonl")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d["name"] for d in lines] == ["development", "v3", "v2", "v2"]
    assert set(lines[0]) >= {
        "id",
        "name",
        "status",
        "active_replica_count",
        "environment",
        "is_production",
        "is_development",
        "created_at",
    }


def test_a_coloured_table_colours_statuses(
    catalog: FakeCatalog, capsys: pytest.CaptureFixture[str]
) -> None:
    run_deployments(credentials=CREDENTIALS, model=LLAMA, output="table", color="always")
    out = capsys.readouterr().out
    assert "\x1b[32mACTIVE" in out  # green
    assert "\x1b[1;31mBUILD_FAILED" in out  # bold red
    assert "\x1b[2mINACTIVE" in out  # dim


def test_names_print_as_they_are_not_as_markup(
    catalog: FakeCatalog, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog.models[:] = [dict(catalog.models[0], name="[bold]llama[/bold] :smile:")]
    run_models(credentials=CREDENTIALS, output="table", color="always")
    assert "[bold]llama[/bold] :smile:" in capsys.readouterr().out


def test_an_empty_listing_says_so_on_stderr(
    catalog: FakeCatalog, capsys: pytest.CaptureFixture[str]
) -> None:
    run_deployments(credentials=CREDENTIALS, model="bare", output="table")
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"baseten-logs: model 'bare' ({BARE}) has no deployments\n"
    run_deployments(credentials=CREDENTIALS, model="bare", output="jsonl")
    assert capsys.readouterr() == ("", "")
    run_deployments(credentials=CREDENTIALS, model="bare", output="json")
    assert capsys.readouterr().out == "[]\n"


def test_deployments_of_an_ambiguous_or_unknown_model(catalog: FakeCatalog) -> None:
    with pytest.raises(AmbiguousName):
        run_deployments(credentials=CREDENTIALS, model="embedder", output="jsonl")
    with pytest.raises(NotFoundError):
        run_deployments(credentials=CREDENTIALS, model="nope", output="jsonl")


def test_listings_fill_the_completion_cache(
    catalog: FakeCatalog, cache: Cache, capsys: pytest.CaptureFixture[str]
) -> None:
    run_models(credentials=CREDENTIALS, output="jsonl", cache=cache)
    run_deployments(credentials=CREDENTIALS, model="llama-3-8b", output="jsonl", cache=cache)
    fresh = Cache(cache.path)
    models = cached_models(fresh)
    assert models is not None
    assert {"id": LLAMA, "name": "llama-3-8b", "team_name": "acme-ml"} in models
    deployments = cached_deployments(fresh, LLAMA)
    assert deployments is not None
    assert {d["name"] for d in deployments} == {"v3", "development", "v2"}


def test_verbose_traces_requests(catalog: FakeCatalog, capsys: pytest.CaptureFixture[str]) -> None:
    run_models(credentials=CREDENTIALS, output="jsonl", verbose=True)
    err = capsys.readouterr().err
    assert "GET /v1/models" in err
    assert KEY not in err


def test_a_training_jobs_status_is_never_cut_mid_word_at_60_columns(
    catalog: FakeCatalog, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    from baseten_logs.cli.listings import run_training_jobs

    monkeypatch.setenv("COLUMNS", "60")
    jobs = [
        {
            "id": "j3k9m4x",
            "name": "lora-r16",
            "current_status": "TRAINING_JOB_RUNNING",
            "created_at": "2026-12-06T17:00:00Z",
            "updated_at": "2026-12-06T17:00:00Z",
        },
        {
            "id": "j8w2n5r",
            "name": "lora-r8",
            "current_status": "TRAINING_JOB_COMPLETED",
            "created_at": "2026-12-03T23:00:00Z",
            "updated_at": "2026-12-04T23:00:00Z",
        },
    ]
    path = "/v1/training_projects/t6q2w8z/jobs"
    catalog.overrides[path] = lambda request: httpx.Response(200, json={"training_jobs": jobs})
    run_training_jobs(credentials=CREDENTIALS, project="t6q2w8z", output="table", color="never")
    # The TRAINING_JOB_ every status starts with is left out; JSON keeps the API's value.
    assert capsys.readouterr().out == (
        "NAME      ID       STATUS     CREATED (UTC)  UPDATED (UTC)\n"
        "lora-r16  j3k9m4x  RUNNING    2026-12-06     2026-12-06\n"
        "                              17:00          17:00\n"
        "lora-r8   j8w2n5r  COMPLETED  2026-12-03     2026-12-04\n"
        "                              23:00          23:00\n"
    )
    run_training_jobs(credentials=CREDENTIALS, project="t6q2w8z", output="jsonl")
    shown = [json.loads(line)["current_status"] for line in capsys.readouterr().out.splitlines()]
    assert shown == ["TRAINING_JOB_RUNNING", "TRAINING_JOB_COMPLETED"]
