"""Every name or id placed in a URL path is one percent-encoded segment.

Chain and training project names are tried as ids first, so they go into a path as typed: a `?`
once started a query string there, a `#` a fragment, and a `%` an escape of something else.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from baseten_logs.base.errors import ExitStatus
from baseten_logs.emulator import Emulator, EmulatorConfig
from baseten_logs.sources.paths import api_path
from tests.conftest import invoke

ODD = "a?b#c%d e&f=g"
ODD_SEGMENT = "a%3Fb%23c%25d%20e%26f%3Dg"


@pytest.mark.parametrize(
    ("segments", "path"),
    [
        (("models",), "/v1/models"),
        (
            ("models", "q4w8x2z", "deployments", "production"),
            "/v1/models/q4w8x2z/deployments/production",
        ),
        (("chains", ODD, "deployments"), f"/v1/chains/{ODD_SEGMENT}/deployments"),
        (("training_projects", "a/b", "jobs"), "/v1/training_projects/a%2Fb/jobs"),
        (("models", "%2F"), "/v1/models/%252F"),
        (("models", "модель"), "/v1/models/%D0%BC%D0%BE%D0%B4%D0%B5%D0%BB%D1%8C"),
    ],
)
def test_each_segment_is_encoded_whole(segments: tuple[str, ...], path: str) -> None:
    assert api_path(*segments) == path


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(seed=2, lines_per_s=0.2, rate_limit_per_s=None)) as emulator:
        yield emulator


COMMANDS = {
    "chain": (("chain", ODD), f"/v1/chains/{ODD_SEGMENT}/deployments"),
    "training": (("training", ODD), f"/v1/training_projects/{ODD_SEGMENT}/jobs"),
    "chain --env": (("chain", "rag-pipeline", "--env", ODD), "/v1/chains/c8h4n2r/deployments"),
}


@pytest.mark.parametrize(("args", "path"), COMMANDS.values(), ids=COMMANDS.keys())
def test_a_name_with_url_characters_reaches_the_api_as_one_segment(
    emu: Emulator, args: tuple[str, ...], path: str
) -> None:
    emu.clear_requests()
    env = {"BASETEN_API_URL": emu.url, "BASETEN_API_KEY": emu.api_key}
    result = invoke(*args, "--since", "5m", env=env)
    assert result.status == ExitStatus.NOT_FOUND, result.stderr
    assert ODD in result.stderr  # the name as typed, in the error
    sent = emu.requests
    assert path in [r.path for r in sent]
    assert all(r.query == {} for r in sent if "/logs" not in r.path and r.path != "/v1/models")
