"""Chains and training projects: an id is asked for first, a name only after its 404."""

from __future__ import annotations

from typing import Any

import pytest

from baseten_logs.base.errors import NotFoundError, UsageError
from baseten_logs.sources.names import find_by_id_or_name

LISTING = [
    {"id": "abc1234", "name": "rag", "team_name": "b"},
    {"id": "def5678", "name": "rag", "team_name": "a"},
    {"id": "ghi9012", "name": "solo"},
    {"id": "../x", "name": "evil"},  # an id that would change a path is never used
]


def find(wanted: str, asked: list[str], *, teams: bool = True) -> Any:
    def children(found: str) -> list[dict[str, Any]]:
        asked.append(found)
        if found not in {o["id"] for o in LISTING}:
            raise NotFoundError(f"not found: {found}")
        return [{"id": f"{found}-child"}]

    return find_by_id_or_name(
        wanted,
        children=children,
        listing=lambda: LISTING,
        flag="CHAIN",
        kind="chain",
        plural="chains",
        seen="chains",
        none_seen="this key sees no chains",
        teams_in_ambiguity=teams,
    )


def test_an_id_costs_its_childrens_listing_alone() -> None:
    asked: list[str] = []
    assert find("ghi9012", asked) == ("ghi9012", None, [{"id": "ghi9012-child"}])
    assert asked == ["ghi9012"]


def test_a_name_is_looked_up_after_the_ids_404() -> None:
    asked: list[str] = []
    assert find("solo", asked) == ("ghi9012", "solo", [{"id": "ghi9012-child"}])
    assert asked == ["solo", "ghi9012"]


def test_unknown_ambiguous_and_unsafe_names_are_one_line() -> None:
    with pytest.raises(NotFoundError) as missing:
        find("nosuch", [])
    assert str(missing.value) == (
        "no chain named 'nosuch' or with that id (chains this key can see: evil, rag, solo)"
    )
    with pytest.raises(NotFoundError):
        find("evil", [])  # its id would change the path: as if it were not there
    with pytest.raises(UsageError) as twice:
        find("rag", [])
    assert str(twice.value) == "CHAIN: 2 chains are named 'rag' (teams a, b) (use its id)"
    with pytest.raises(UsageError) as plain:
        find("rag", [], teams=False)
    assert str(plain.value) == "CHAIN: 2 chains are named 'rag' (use its id)"


def test_training_projects_name_no_teams_in_an_ambiguity() -> None:
    """Training projects carry no team: their ambiguity says only how many (the default)."""

    def children(found: str) -> list[dict[str, Any]]:
        if found not in {o["id"] for o in LISTING}:
            raise NotFoundError(f"not found: {found}")
        return []

    with pytest.raises(UsageError) as twice:
        find_by_id_or_name(
            "rag",
            children=children,
            listing=lambda: LISTING,
            flag="PROJECT",
            kind="training project",
            plural="training projects",
            seen="projects",
            none_seen="this key sees none",
        )
    assert str(twice.value) == "PROJECT: 2 training projects are named 'rag' (use its id)"


def test_a_key_that_sees_nothing_is_told_so() -> None:
    def children(found: str) -> list[dict[str, Any]]:
        raise NotFoundError(f"not found: {found}")

    with pytest.raises(NotFoundError) as missing:
        find_by_id_or_name(
            "rag",
            children=children,
            listing=lambda: [{"id": "abc1234"}],  # nameless: nothing to suggest either
            flag="CHAIN",
            kind="chain",
            plural="chains",
            seen="chains",
            none_seen="this key sees no chains",
        )
    assert str(missing.value) == "no chain named 'rag' or with that id (this key sees no chains)"


def test_a_chain_names_id_is_cached_and_a_stale_one_resolved_afresh(
    client: Any, catalog: Any
) -> None:
    import httpx

    from baseten_logs.sources.cache import Cache
    from baseten_logs.sources.chains import find_chain
    from tests.fakecatalog import API_URL

    def answer(body: Any) -> Any:
        return lambda request: httpx.Response(200, json=body)

    deployments = [{"id": "d1", "environment": "production", "chainlets": []}]
    catalog.overrides["/v1/chains"] = answer({"chains": [{"id": "c1", "name": "rag"}]})
    catalog.overrides["/v1/chains/c1/deployments"] = answer({"deployments": deployments})
    cache = Cache.for_api(API_URL, "test-key-0123456789abcdef")
    for _ in range(2):
        assert find_chain(client, "rag", cache=cache) == ("c1", "rag", deployments)
    assert catalog.seen == [
        "/v1/chains/rag/deployments",
        "/v1/chains",
        "/v1/chains/c1/deployments",
        "/v1/chains/c1/deployments",  # the second run: the cached id alone
    ]
    # The chain was deleted and made again under the same name: the cached id is a 404.
    del catalog.overrides["/v1/chains/c1/deployments"]
    catalog.overrides["/v1/chains"] = answer({"chains": [{"id": "c2", "name": "rag"}]})
    catalog.overrides["/v1/chains/c2/deployments"] = answer({"deployments": deployments})
    catalog.seen.clear()
    assert find_chain(client, "rag", cache=cache) == ("c2", "rag", deployments)
    assert catalog.seen == [
        "/v1/chains/c1/deployments",
        "/v1/chains/rag/deployments",
        "/v1/chains",
        "/v1/chains/c2/deployments",
    ]
    catalog.seen.clear()
    find_chain(client, "rag", cache=cache)
    assert catalog.seen == ["/v1/chains/c2/deployments"]
