"""Mutation scores per module from mutmut's results, minus the survivors accepted as harmless.

`make mutate` runs mutmut (results in `mutants/`), then this script. A mutant is *killed* when a
test failed or timed out under it. A surviving mutant that changes no behaviour a user could see
is listed in `scripts/mutmut-accepted.txt` with the reason; every other survivor is printed with
its change, so a run shows only what is new. The score of a module is killed / (mutants that
change behaviour), i.e. accepted survivors are left out of the denominator.
"""

from __future__ import annotations

import ast
import difflib
import fnmatch
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
ACCEPTED = ROOT / "scripts" / "mutmut-accepted.txt"
GOAL = 90.0

# The modules in scope are pyproject's `only_mutate`, the one list (add a module there). Of the
# renderers only the escaping and level parts are scored (inert.py is the escaping every renderer
# calls; timestamps.py reads the times the pager's seams compare): ONLY_FUNCTIONS names them.
PYPROJECT = ROOT / "pyproject.toml"
ONLY_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "output.render_github": (
        "x_escape_data",
        "x_escape_property",
        "x_neutralize_commands",
        "x__single_line",
    ),
    "output.page_writer": ("x_as_text",),
    "output.render_text": (
        "xǁTextRendererǁ_clean",
        "xǁTextRendererǁ_odd_line",
        "xǁTextRendererǁwrite_page",
        "xǁTextRendererǁ__init__",
    ),
    "output.line_prefix": (
        "xǁLinePrefixǁ__init__",
        "xǁLinePrefixǁuntimed_column",
    ),
}


def scoped_modules(pyproject: Path = PYPROJECT) -> list[str]:
    """The dotted modules (under baseten_logs) of pyproject's only_mutate, in its order.

    Read with a pattern, not a TOML parser: the script runs on every Python the package claims,
    and 3.10 has no tomllib.
    """
    block = re.search(r"^only_mutate = \[(.*?)^\]", pyproject.read_text("utf-8"), re.M | re.S)
    if block is None:
        raise SystemExit(f"{pyproject.name}: no only_mutate list under [tool.mutmut]")
    paths = re.findall(r'^\s*"baseten_logs/([\w/]+)\.py"', block.group(1), re.M)
    return [path.replace("/", ".") for path in paths]


SCOPE: dict[str, tuple[str, ...]] = {m: ONLY_FUNCTIONS.get(m, ("*",)) for m in scoped_modules()}


def layer_of(module: str) -> str:
    """`reading.pager` -> `reading/`: the scores are summed per layer as well."""
    return module.split(".", 1)[0] + "/"


KILLED = {1, 3}  # a test failed (3: pytest's internal error, also a failure under the mutant)
TYPE_CHECKED = {37}  # mypy rejected the mutant (pyproject's type_check_command): `make check` fails
TIMEOUT = {36, -24, 24, 152, 255}  # the tests hung: detected too
SURVIVED = {0}
NO_TESTS = {5, 33}  # no test reaches the mutated function: undetected


@dataclass
class Tally:
    killed: int = 0
    accepted: int = 0
    survivors: list[tuple[str, str, str]] = field(default_factory=list)  # name, key, change
    unchecked: int = 0
    other: int = 0

    @property
    def behaviour_changing(self) -> int:
        return self.killed + len(self.survivors) + self.other

    @property
    def score(self) -> float:
        total = self.behaviour_changing
        return 100.0 * self.killed / total if total else 100.0


def pattern_for(module: str, function: str) -> str:
    return f"baseten_logs.{module}.{function}__mutmut_*"


def mutmut_patterns() -> list[str]:
    """The mutant names `mutmut run` is given (printed for the Makefile)."""
    return [pattern_for(m, f) for m, functions in SCOPE.items() for f in functions]


def in_scope(module: str, name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern_for(module, f)) for f in SCOPE[module])


def function_sources(path: Path) -> dict[str, str]:
    """Source of every function mutmut wrote into a mutated module, by name."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    sources = {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and "__mutmut_" in node.name:
            sources[node.name] = "\n".join(lines[node.lineno - 1 : node.end_lineno])
    return sources


def change_of(name: str, sources: dict[str, str]) -> tuple[str, str]:
    """(stable key, readable change) of one mutant: its function and the lines it alters.

    The key does not depend on mutmut's numbering, which shifts when a function is edited.
    """
    function = name.rsplit(".", 1)[-1]
    base = function.rsplit("__mutmut_", 1)[0]
    # The def line stays in (a default argument can be mutated), without the function's name.
    original = sources.get(f"{base}__mutmut_orig", "").replace(f"{base}__mutmut_orig", base)
    mutated = sources.get(function, "").replace(function, base)
    original, mutated = original.splitlines(), mutated.splitlines()
    removed, added = [], []
    matcher = difflib.SequenceMatcher(None, original, mutated, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += [line.strip() for line in original[i1:i2]]
            added += [line.strip() for line in mutated[j1:j2]]
    change = f"{' / '.join(removed)}  ->  {' / '.join(added)}"
    digest = hashlib.sha1(f"{base}\n{change}".encode()).hexdigest()[:10]
    return f"{name.rsplit('.', 1)[0]}.{base} {digest}", change


def load_accepted() -> dict[str, str]:
    accepted = {}
    for line in ACCEPTED.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        function, digest, reason = line.split(maxsplit=2)
        accepted[f"{function} {digest}"] = reason
    return accepted


def tally_all(
    accepted: dict[str, str], *, quiet: bool = False
) -> tuple[dict[str, Tally], set[str]]:
    """Each scoped module's tally from mutants/, and the accepted keys that were seen."""
    used: set[str] = set()
    tallies: dict[str, Tally] = {}
    for module in SCOPE:
        path = MUTANTS / "baseten_logs" / module.replace(".", "/")
        meta = path.with_name(f"{path.name}.py.meta")
        if not meta.is_file():
            if not quiet:
                print(f"{module}: no results (run `make mutate`)")
            continue
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        sources = function_sources(path.with_name(f"{path.name}.py"))
        tally = tallies[module] = Tally()
        for name, code in sorted(codes.items()):
            if not in_scope(module, name):
                continue
            if code is None:
                tally.unchecked += 1
            elif code in KILLED or code in TIMEOUT or code in TYPE_CHECKED:
                tally.killed += 1
            elif code in SURVIVED or code in NO_TESTS:
                key, change = change_of(name, sources)
                if key in accepted:
                    tally.accepted += 1
                    used.add(key)
                else:
                    tally.survivors.append((name, key, change))
            else:
                tally.other += 1  # suspicious, segfault...: counted as not killed
    return tallies, used


def by_layer(tallies: dict[str, Tally]) -> dict[str, Tally]:
    layers: dict[str, Tally] = {}
    for module, t in tallies.items():
        total = layers.setdefault(layer_of(module), Tally())
        total.killed += t.killed
        total.accepted += t.accepted
        total.survivors += t.survivors
        total.unchecked += t.unchecked
        total.other += t.other
    return layers


def print_rows(title: str, tallies: dict[str, Tally]) -> None:
    print(f"{title:<18} {'mutants':>7} {'killed':>6} {'accepted':>8} {'new':>4}  score")
    for name, t in tallies.items():
        total = t.behaviour_changing + t.accepted
        mark = "" if t.score >= GOAL else f"  (below {GOAL:.0f}%)"
        unchecked = f"  ({t.unchecked} not run)" if t.unchecked else ""
        print(
            f"{name:<18} {total:>7} {t.killed:>6} {t.accepted:>8} {len(t.survivors):>4}"
            f"  {t.score:5.1f}%{mark}{unchecked}"
        )


def survivors() -> list[str]:
    """The mutants to test again (`make mutate`): every survivor not accepted as harmless.

    mutmut keeps a verdict until the mutated function changes; a test added since to kill a
    survivor would otherwise never be run against it.
    """
    tallies, _ = tally_all(load_accepted(), quiet=True)
    return [name for t in tallies.values() for name, _, _ in t.survivors]


def main() -> int:
    accepted = load_accepted()
    tallies, used = tally_all(accepted)
    print_rows("module", tallies)
    print()
    print_rows("layer", by_layer(tallies))
    found = [s for t in tallies.values() for s in t.survivors]
    if found:
        print(f"\n{len(found)} surviving mutants not accepted (`mutmut show NAME`: the diff):")
        for name, key, change in found:
            print(f"  {name}\n    {key}  {change}")
    stale = set(accepted) - used
    if stale and len(tallies) == len(SCOPE):
        print(f"\n{len(stale)} accepted survivors no longer survive or exist (remove them):")
        for key in sorted(stale):
            print(f"  {key}")
    return 0 if all(t.score >= GOAL and not t.unchecked for t in tallies.values()) else 1


if __name__ == "__main__":
    if sys.argv[1:] == ["--patterns"]:
        print(" ".join(mutmut_patterns()))
        sys.exit(0)
    if sys.argv[1:] == ["--survivors"]:
        print(" ".join(survivors()))
        sys.exit(0)
    sys.exit(main())
