"""sources/names.check_name's messages: right for every kind of name the package checks.

The plural used to be the kind plus "s" (`baseten-logs sandboxs`, `chain deployments`): every
kind now names the listing command that exists, with the article its first sound takes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import typer

from baseten_logs.base.errors import UsageError
from baseten_logs.cli.app import app
from baseten_logs.sources.names import LISTED_BY, NameKind, check_name

PACKAGE = Path(__file__).resolve().parents[1] / "baseten_logs"


def _kinds_passed() -> set[str]:
    """The kind of every check_name call in the package (a literal, as NameKind requires)."""
    kinds = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "check_name":
                kind = node.args[2] if len(node.args) > 2 else None
                assert isinstance(kind, ast.Constant), f"{path}: a kind that is not a literal"
                kinds.add(str(kind.value))
    return kinds


def test_every_kind_passed_has_its_listing() -> None:
    passed = _kinds_passed()
    assert {"model", "sandbox", "chain deployment", "environment"} <= passed  # the scan works
    assert passed <= set(LISTED_BY)


@pytest.mark.parametrize("kind", sorted(LISTED_BY))
def test_the_message_reads_right_for_every_kind(kind: NameKind) -> None:
    commands = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    with pytest.raises(UsageError) as bad:
        check_name("NAME", "a/b", kind)
    text = str(bad.value)
    named = text.split("`baseten-logs ")[1].split("`")[0]
    assert named in commands, text
    article = "an" if kind == "environment" else "a"
    assert f"is not {article} {kind} name or id" in text
    with pytest.raises(UsageError) as empty:
        check_name("NAME", "", kind)
    assert f"give {article} {kind} name or id" in str(empty.value)


def test_the_kinds_that_read_wrong_before() -> None:
    with pytest.raises(UsageError) as bad:
        check_name("NAME", "a/b", "sandbox")
    assert "`baseten-logs sandboxes`" in str(bad.value) and "sandboxs" not in str(bad.value)
    with pytest.raises(UsageError) as bad:
        check_name("DEPLOYMENT", "a/b", "chain deployment")
    assert "`baseten-logs chain-deployments` CHAIN" in str(bad.value)
    with pytest.raises(UsageError) as bad:
        check_name("--env", "", "environment")
    assert "give an environment name or id" in str(bad.value)
