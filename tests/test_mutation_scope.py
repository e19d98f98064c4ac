"""`make mutate` measures what issue 17 asks: the score covers what mutmut mutates.

A module named in scripts/mutation_score.py but missing from pyproject's only_mutate would show
"no results" (or an old score) instead of failing; a render function renamed out of the scope
would silently drop out of the score. These checks read files only: no mutmut run.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def score_script() -> ModuleType:
    path = ROOT / "scripts" / "mutation_score.py"
    spec = importlib.util.spec_from_file_location("mutation_score", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("mutation_score", module)  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def only_mutate() -> set[str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"only_mutate = \[(.*?)\]", text, re.DOTALL)
    assert block is not None
    paths = re.findall(r'"baseten_logs/([\w/]+)\.py"', block.group(1))
    return {path.replace("/", ".") for path in paths}


def test_the_scored_modules_are_the_mutated_ones() -> None:
    assert set(score_script().SCOPE) == only_mutate()


def test_every_mutated_module_exists_and_the_issue_25_modules_are_in_scope() -> None:
    for module in only_mutate():
        assert (ROOT / "baseten_logs" / f"{module.replace('.', '/')}.py").is_file(), module
    wanted = {"reading.fetch", "reading.feed", "reading.level_filter", "reading.merge"}
    assert wanted | {"output.summary"} <= only_mutate()


def test_the_scope_is_one_list_a_new_module_joins_in_one_line(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pyproject.write_text(
        text.replace("only_mutate = [\n", 'only_mutate = [\n    "baseten_logs/reading/run.py",\n'),
        encoding="utf-8",
    )
    assert score_script().scoped_modules(pyproject)[0] == "reading.run"


def test_scores_are_summed_per_layer() -> None:
    script = score_script()
    tally = script.Tally
    layers = script.by_layer(
        {
            "reading.pager": tally(killed=9),
            "reading.merge": tally(killed=1, unchecked=2),
            "api.client": tally(killed=3, accepted=1),
        }
    )
    assert {name: (t.killed, t.accepted, t.unchecked) for name, t in layers.items()} == {
        "reading/": (10, 0, 2),
        "api/": (3, 1, 0),
    }


def defined_names(module: str) -> set[str]:
    """mutmut's names for a module's functions: `xǁClassǁmethod` for a method, `x_function`."""
    path = ROOT / "baseten_logs" / (module.replace(".", "/") + ".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {f"x_{node.name}" for node in tree.body if isinstance(node, ast.FunctionDef)}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names |= {
                f"xǁ{node.name}ǁ{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef)
            }
    return names


def test_every_scoped_function_exists() -> None:
    """A function named in a module's scope (the renderers' escaping and level parts) must
    exist there: renamed or moved out, it would silently drop out of the score."""
    for module, scoped in score_script().SCOPE.items():
        if scoped == ("*",):
            continue
        missing = set(scoped) - defined_names(module)
        assert not missing, f"not in {module}: {sorted(missing)}"


def test_every_accepted_survivor_gives_a_reason() -> None:
    accepted = score_script().load_accepted()
    assert accepted
    for key, reason in accepted.items():
        function, digest = key.split()
        assert function.startswith("baseten_logs."), key
        assert re.fullmatch(r"[0-9a-f]{10}", digest), key
        assert len(reason.split()) >= 3, f"{key}: a reason, not a word"


def test_a_mutant_mypy_rejects_is_killed_not_a_survivor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pyproject's type_check_command: mutmut marks a mutant that does not type-check 37 and
    runs no test on it; `make check` would fail on it, so it counts as killed."""
    script = score_script()
    module = tmp_path / "baseten_logs" / "reading"
    module.mkdir(parents=True)
    (module / "merge.py").write_text("", encoding="utf-8")
    codes = {
        "baseten_logs.reading.merge.x_f__mutmut_1": 37,
        "baseten_logs.reading.merge.x_f__mutmut_2": 1,
        "baseten_logs.reading.merge.x_f__mutmut_3": 36,
    }
    meta = {"exit_code_by_key": codes}
    (module / "merge.py.meta").write_text(json.dumps(meta), encoding="utf-8")
    monkeypatch.setattr(script, "MUTANTS", tmp_path)
    monkeypatch.setattr(script, "SCOPE", {"reading.merge": ("*",)})
    tallies, _ = script.tally_all({}, quiet=True)
    merge = tallies["reading.merge"]
    assert (merge.killed, merge.survivors, merge.other, merge.score) == (3, [], 0, 100.0)


def prepare_script() -> ModuleType:
    score_script()  # mutate_prepare imports it by name, as it does from scripts/
    path = ROOT / "scripts" / "mutate_prepare.py"
    spec = importlib.util.spec_from_file_location("mutate_prepare", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MUTATED_MERGE = """
def x_f__mutmut_orig(a, b):
    return a + b


def x_f__mutmut_1(a, b):
    return a - b


def x_f__mutmut_2(a, b):
    return a * b


def x_f__mutmut_3(a, b):
    return a / b
"""


def test_accepted_survivors_get_their_verdict_before_any_test(tmp_path: Path) -> None:
    """make mutate: a survivor accepted as harmless is marked survived after generation, so
    mutmut never spends its tests on it again; an untested mutant not accepted stays untested,
    and a verdict already there (a mutant tested, or named to mutmut) is kept."""
    prepare = prepare_script()
    score = sys.modules["mutation_score"]
    module = tmp_path / "baseten_logs" / "reading"
    module.mkdir(parents=True)
    (module / "merge.py").write_text(MUTATED_MERGE, encoding="utf-8")
    name = "baseten_logs.reading.merge.x_f__mutmut_{}".format
    meta = {
        "exit_code_by_key": {name(1): None, name(2): None, name(3): 1},
        "hash_by_function_name": {"x_f": "abc"},
        "type_check_error_by_key": {},
        "durations_by_key": {},
        "estimated_durations_by_key": {},
    }
    (module / "merge.py.meta").write_text(json.dumps(meta), encoding="utf-8")
    sources = score.function_sources(module / "merge.py")
    key_1 = score.change_of(name(1), sources)[0]
    key_3 = score.change_of(name(3), sources)[0]
    accepted = {key_1: "an equivalent change", key_3: "killed since"}

    assert prepare.seed_accepted(accepted, tmp_path) == 1

    written = json.loads((module / "merge.py.meta").read_text(encoding="utf-8"))
    assert written["exit_code_by_key"] == {name(1): 0, name(2): None, name(3): 1}
    assert {k: v for k, v in written.items() if k != "exit_code_by_key"} == {
        k: v for k, v in meta.items() if k != "exit_code_by_key"
    }


def test_every_module_mutated_has_tests_of_its_own_run_first() -> None:
    """tests/mutation_order.py's names for a module's tests match files that exist, for every
    module in the scope: a module renamed or split keeps its tests first."""
    from tests.mutation_order import OWN_TESTS

    files = [path.name for path in (ROOT / "tests").glob("test_*.py")]
    for module in only_mutate():
        stem = module.rsplit(".", 1)[-1]
        names = OWN_TESTS.get(stem, (stem,))
        assert all(any(f.startswith(f"test_{name}") for f in files) for name in names), stem
    assert set(OWN_TESTS) <= {module.rsplit(".", 1)[-1] for module in only_mutate()}


def test_a_mutants_own_tests_run_first_each_part_in_mutmuts_order() -> None:
    from tests.mutation_order import own_tests_first

    nodeids = [
        "tests/test_cli.py::test_a",
        "tests/test_pager.py::test_b",
        "tests/test_parallel.py::test_c",
        "tests/test_smaller_pages.py::test_d[x::y]",
        "tests/test_pager.py::test_e",
    ]
    pager = "baseten_logs.reading.pager.xǁPagerǁ_walk__mutmut_3"
    assert own_tests_first(pager, nodeids) == [1, 3, 4, 0, 2]
    follow = "baseten_logs.reading.follow.x__release__mutmut_1"
    assert own_tests_first(follow, nodeids) == [0, 1, 2, 3, 4]  # none of its own: as given
    for none in ("", "stats", "fail", "list_all_tests"):
        assert own_tests_first(none, nodeids) == [0, 1, 2, 3, 4]
