"""Under `make mutate`, a mutant's own module's tests run first (a pytest hook, see conftest).

mutmut runs, for each mutant, every unit test that reached the mutated function, fastest first,
and stops at the first failure. A function every command reaches (the pager, the client) is
reached by hundreds of tests, most of which pass through it without looking closely: the tests
written for its module are the likeliest to fail, so they go first and most mutants end there.
Which tests run does not change, so neither does any verdict: a mutant survives only if every
one passes. mutmut names the mutant in MUTANT_UNDER_TEST (`baseten_logs.reading.pager.x_...`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

# A module's tests are tests/test_<module>*.py; these modules' are (also) named otherwise.
OWN_TESTS: dict[str, tuple[str, ...]] = {
    "pager": ("pager", "smaller_pages"),
    "prefetch_budget": ("prefetch_budget", "budget_arrivals"),
    "body": ("client",),
    "retrying": ("client",),
    "deadlines": ("client", "server_waits"),
    "answer_errors": ("client",),
    "app_urls": ("config", "url_masking"),
    "stores": ("baseten_cli_profiles", "logins", "config"),
    "targets": ("resolve",),
    "deployments": ("resolve",),
    "environments": ("resolve",),
    "render_github": ("github",),
    "page_writer": ("render",),
    "render_text": ("render", "layout"),
    "line_prefix": ("layout", "render"),
}


def module_of(mutant: str) -> str | None:
    """`pager` for `baseten_logs.reading.pager.xǁPagerǁ_walk__mutmut_3`; None for no mutant
    (mutmut's clean and stats runs name none, or a word such as `fail`)."""
    path, found, _ = mutant.partition(".x")
    if not found or not path.startswith("baseten_logs."):
        return None
    return path.rsplit(".", 1)[-1]


def own_tests_first(mutant: str, nodeids: Sequence[str]) -> list[int]:
    """The order to run `nodeids` in (indexes): the module's own tests first, each part in the
    order given (mutmut's, fastest first)."""
    module = module_of(mutant)
    if module is None:
        return list(range(len(nodeids)))
    prefixes = tuple(f"test_{name}" for name in OWN_TESTS.get(module, (module,)))

    def foreign(index: int) -> bool:
        return not PurePosixPath(nodeids[index].split("::", 1)[0]).name.startswith(prefixes)

    return sorted(range(len(nodeids)), key=foreign)
