"""With --chain, MODEL names a chain: a typed name that can be none is told as a chain's (exit 2,
nothing sent), as `chain` tells it, not as "not a model name"."""

from __future__ import annotations

import pytest

from tests.conftest import invoke


@pytest.mark.parametrize("command", [["stats"], ["request", "01a244a2"], ["browse"]])
def test_a_chain_name_is_checked_as_a_chains(command: list[str]) -> None:
    result = invoke(*command, "--chain", "a/b")
    assert result.status == 2
    [line] = result.stderr.splitlines()
    assert "'a/b' is not a chain name or id" in line
