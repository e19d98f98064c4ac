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
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
ACCEPTED = ROOT / "scripts" / "mutmut-accepted.txt"
GOAL = 90.0

# The modules in scope (dotted, under baseten_logs), and for the renderers only the escaping and
# level parts (inert.py is the escaping every renderer calls; timestamps.py reads the times the
# pager's seams compare). `--patterns` prints them for the Makefile; only_mutate in
# pyproject.toml names the same files (tests/test_mutation_scope.py holds the two in step).
SCOPE: dict[str, tuple[str, ...]] = {
    "reading.pager": ("*",),
    "reading.parallel": ("*",),
    "reading.follow": ("*",),
    "api.client": ("*",),
    "api.body": ("*",),
    "api.retrying": ("*",),
    "api.deadlines": ("*",),
    "api.answer_errors": ("*",),
    "api.connection_errors": ("*",),
    "access.config": ("*",),
    "reading.query": ("*",),
    "base.timeparse": ("*",),
    "output.terminal": ("*",),
    "base.levels": ("*",),
    "sources.resolve": ("*",),
    "sources.names": ("*",),
    "sources.targets": ("*",),
    "sources.deployments": ("*",),
    "sources.environments": ("*",),
    "output.inert": ("*",),
    "base.timestamps": ("*",),
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

KILLED = {1, 3}  # a test failed (3: pytest's internal error, also a failure under the mutant)
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


def main() -> int:
    accepted = load_accepted()
    used: set[str] = set()
    tallies: dict[str, Tally] = {}
    for module in SCOPE:
        path = MUTANTS / "baseten_logs" / module.replace(".", "/")
        meta = path.with_name(f"{path.name}.py.meta")
        if not meta.is_file():
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
            elif code in KILLED or code in TIMEOUT:
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
    print(f"{'module':<18} {'mutants':>7} {'killed':>6} {'accepted':>8} {'new':>4}  score")
    for module, t in tallies.items():
        total = t.behaviour_changing + t.accepted
        mark = "" if t.score >= GOAL else f"  (below {GOAL:.0f}%)"
        unchecked = f"  ({t.unchecked} not run)" if t.unchecked else ""
        print(
            f"{module:<18} {total:>7} {t.killed:>6} {t.accepted:>8} {len(t.survivors):>4}"
            f"  {t.score:5.1f}%{mark}{unchecked}"
        )
    survivors = [s for t in tallies.values() for s in t.survivors]
    if survivors:
        print(f"\n{len(survivors)} surviving mutants not accepted (`mutmut show NAME`: the diff):")
        for name, key, change in survivors:
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
    sys.exit(main())
