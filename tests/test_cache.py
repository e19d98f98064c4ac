"""The on-disk cache: where it lives, what it keeps, for how long, and that it fails quietly."""

from __future__ import annotations

import json
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from baseten_logs.access.config import Credentials
from baseten_logs.api.client import ApiClient
from baseten_logs.sources.cache import (
    ALIAS_TTL,
    MAX_ENTRIES,
    RESOLVE_TTL,
    Cache,
    cache_dir,
    cache_for,
    cache_url,
)
from baseten_logs.sources.resolve import resolve_target
from baseten_logs.sources.targets import Target
from tests.fakecatalog import API_URL, LLAMA, LLAMA_DEV, LLAMA_PROD, FakeCatalog

KEY = "secret-key-do-not-store-0123"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(clock: Clock) -> Cache:
    return Cache.for_api(API_URL, KEY, clock=clock)


@pytest.fixture
def client() -> Iterator[ApiClient]:
    with ApiClient(base_url=API_URL, api_key=KEY) as api:
        yield api


def resolve(
    client: ApiClient, cache: Cache | None, deployment: str | None = None, model: str = "llama-3-8b"
) -> Target:
    return resolve_target(client, model=model, deployment=deployment, environment=None, cache=cache)


# --- where ----------------------------------------------------------------------------------------


def test_cache_dir_follows_xdg_then_the_platform(tmp_path: Path) -> None:
    home = str(tmp_path)
    assert cache_dir({"XDG_CACHE_HOME": "/x/cache", "HOME": home}) == Path("/x/cache/baseten-logs")
    assert cache_dir({"HOME": home}, platform="linux") == tmp_path / ".cache" / "baseten-logs"
    assert cache_dir({"HOME": home}, platform="darwin") == (
        tmp_path / "Library" / "Caches" / "baseten-logs"
    )
    # A relative XDG_CACHE_HOME is invalid by the spec: ignored.
    assert cache_dir({"XDG_CACHE_HOME": "rel", "HOME": home}, platform="linux") == (
        tmp_path / ".cache" / "baseten-logs"
    )
    windows = cache_dir({"LOCALAPPDATA": home, "HOME": home}, platform="win32")
    assert windows == tmp_path / "baseten-logs" / "Cache"


def test_the_test_suite_caches_inside_tmp_path(tmp_path: Path, cache: Cache) -> None:
    assert cache.path.is_relative_to(tmp_path)


def test_the_key_never_reaches_the_disk(cache: Cache) -> None:
    cache.put("k", {"v": 1}, ttl=60)
    assert KEY not in str(cache.path)
    assert KEY not in cache.path.read_text()
    data = json.loads(cache.path.read_text())
    assert data["api_url"] == API_URL
    assert data["version"] == 1


def test_a_password_or_query_in_the_url_never_reaches_the_disk(
    clock: Clock, tmp_path: Path
) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    secret_url = "https://proxy-user:s3cret-pass@api.example.com:8443/base/?token=q-s3cret#frag"
    cache = Cache.for_api(secret_url, KEY, env=env, clock=clock)
    cache.put("k", {"v": 1}, ttl=60)
    written = cache.path.read_text()
    for secret in ("proxy-user", "s3cret", "token", "frag", "@"):
        assert secret not in written and secret not in str(cache.path)
    assert json.loads(written)["api_url"] == "https://api.example.com:8443/base"
    # The same workspace with or without the user-info: one cache (the key decides, not them).
    plain = Cache.for_api("https://api.example.com:8443/base", KEY, env=env, clock=clock)
    assert plain.path == cache.path and plain.get("k") == {"v": 1}
    assert cache_url("https://u:p@[::1]:9000/") == "https://[::1]:9000"


def test_an_earlier_versions_file_named_with_the_password_is_removed(
    clock: Clock, tmp_path: Path
) -> None:
    # Before cache_url, the file was named from the URL as typed and held it: such a file,
    # left there, keeps the password on the disk though no run reads it any more.
    import hashlib

    env = {"XDG_CACHE_HOME": str(tmp_path)}
    secret_url = "https://proxy-user:s3cret-pass@api.example.com/?token=q-s3cret"
    key_hash = hashlib.sha256(KEY.encode()).hexdigest()
    mixed = hashlib.sha256(f"{secret_url.rstrip('/')}\0{key_hash}".encode()).hexdigest()
    old = cache_dir(env) / "v1" / f"{mixed[:32]}.json"
    old.parent.mkdir(parents=True)
    old.write_text(json.dumps({"api_url": secret_url, "entries": {}}))
    cache = Cache.for_api(secret_url, KEY, env=env, clock=clock)
    assert not old.exists() and cache.path != old
    # A URL as the cache knows it names the same file as before: nothing of it is removed.
    kept = Cache.for_api("https://api.example.com", KEY, env=env, clock=clock)
    kept.put("k", 1, ttl=60)
    assert Cache.for_api("https://api.example.com/", KEY, env=env, clock=clock).get("k") == 1


def test_one_file_per_url_and_key(clock: Clock) -> None:
    paths = {
        Cache.for_api(API_URL, KEY, clock=clock).path,
        Cache.for_api(API_URL + "/", KEY, clock=clock).path,  # the same URL
        Cache.for_api(API_URL, "another-key-0123456789", clock=clock).path,
        Cache.for_api("https://api.other", KEY, clock=clock).path,
    }
    assert len(paths) == 3


def test_files_are_private(cache: Cache) -> None:
    cache.put("k", 1, ttl=60)
    assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.path.parent.stat().st_mode) == 0o700
    assert [p.name for p in cache.path.parent.iterdir()] == [cache.path.name]  # no temp left


def test_cache_for_credentials_and_no_cache() -> None:
    credentials = Credentials(KEY, API_URL, "BASETEN_API_KEY", "BASETEN_API_URL")
    assert cache_for(credentials, enabled=False) is None
    made = cache_for(credentials)
    assert made is not None and made.path == Cache.for_api(API_URL, KEY).path


# --- what and how long ----------------------------------------------------------------------------


def test_put_then_get_until_expiry(cache: Cache, clock: Clock) -> None:
    assert cache.get("k") is None
    cache.put("k", ["a", {"b": None}], ttl=60)
    assert cache.get("k") == ["a", {"b": None}]
    again = Cache(cache.path, clock=clock)  # another process, later
    assert again.get("k") == ["a", {"b": None}]
    clock.now += 60
    assert again.get("k") is None


def test_expired_entries_are_dropped_on_write(cache: Cache, clock: Clock) -> None:
    cache.put("old", 1, ttl=10)
    clock.now += 11
    cache.put("new", 2, ttl=10)
    assert set(json.loads(cache.path.read_text())["entries"]) == {"new"}


def test_entries_are_bounded(cache: Cache) -> None:
    for index in range(MAX_ENTRIES + 10):
        cache.put(f"k{index}", index, ttl=100 + index)
    entries = json.loads(cache.path.read_text())["entries"]
    assert len(entries) == MAX_ENTRIES
    assert "k0" not in entries and f"k{MAX_ENTRIES + 9}" in entries


def test_writers_do_not_drop_each_others_entries(cache: Cache, clock: Clock) -> None:
    other = Cache(cache.path, clock=clock)
    other.get("x")  # loaded before the first process wrote
    cache.put("a", 1, ttl=60)
    other.put("b", 2, ttl=60)
    assert Cache(cache.path, clock=clock).get("a") == 1


# --- never loud -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "",
        "[]",
        '{"version": 99, "entries": {"k": {"expires": 9e99, "value": 1}}}',
        '{"version": 1, "entries": []}',
        '{"version": 1, "entries": {"k": {"expires": "soon", "value": 1}}}',
        '{"version": 1, "entries": {"k": "v"}}',
        "\udcff",
    ],
)
def test_a_corrupt_file_is_an_empty_cache(cache: Cache, clock: Clock, content: str) -> None:
    cache.path.parent.mkdir(parents=True)
    cache.path.write_bytes(content.encode("utf-8", "surrogateescape"))
    assert cache.get("k") is None
    cache.put("k", 2, ttl=60)  # and is replaced by the next write
    assert Cache(cache.path, clock=clock).get("k") == 2


def test_an_unwritable_cache_is_silently_skipped(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = Cache(blocker / "sub" / "c.json")
    cache.put("k", 1, ttl=60)  # the parent cannot be created: no error
    assert Cache(blocker / "sub" / "c.json").get("k") is None


def test_a_read_only_cache_dir_is_silently_skipped(
    cache: Cache, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.put("k", 1, ttl=60)

    def denied(*args: object, **kwargs: object) -> None:
        # What a read-only directory does to the write; simulated, since CI runs as root.
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    cache.put("k", 2, ttl=60)
    assert Cache(cache.path, clock=clock).get("k") == 1


def test_values_that_are_not_json_are_not_written(cache: Cache) -> None:
    cache.put("k", {1, 2}, ttl=60)
    assert not cache.path.exists()


# --- resolution through the cache -----------------------------------------------------------------


def test_a_second_resolution_sends_nothing(
    client: ApiClient, catalog: FakeCatalog, cache: Cache, clock: Clock
) -> None:
    first = resolve(client, cache, "v3")
    sent = len(catalog.seen)
    assert resolve(client, Cache(cache.path, clock=clock), "v3") == first
    assert len(catalog.seen) == sent == 2


def test_resolutions_expire(
    client: ApiClient, catalog: FakeCatalog, cache: Cache, clock: Clock
) -> None:
    resolve(client, cache, "v3")
    clock.now += RESOLVE_TTL + 1
    resolve(client, cache, "v3")
    assert len(catalog.seen) == 4


def test_an_alias_is_kept_only_briefly(
    client: ApiClient, catalog: FakeCatalog, cache: Cache, clock: Clock
) -> None:
    # A promotion changes what "production" means; a stale answer would show the wrong logs.
    assert resolve(client, cache).deployment_id == LLAMA_PROD
    assert catalog.seen == ["/v1/models"]
    clock.now += ALIAS_TTL - 1
    resolve(client, cache)
    assert len(catalog.seen) == 1
    catalog.deployments[LLAMA][0]["is_production"] = False
    catalog.deployments[LLAMA][1]["is_production"] = True  # promote development
    clock.now += 1
    # The model (and its name) still come from the cache; the alias is asked for again.
    assert resolve(client, cache).deployment_id == LLAMA_DEV
    assert catalog.seen[1:] == [f"/v1/models/{LLAMA}/deployments/production"]


def test_environments_are_cached(client: ApiClient, catalog: FakeCatalog, cache: Cache) -> None:
    for _ in range(2):
        resolve_target(client, model=LLAMA, deployment=None, environment="staging", cache=cache)
    assert len(catalog.seen) == 2


def test_no_cache_asks_every_time_and_writes_nothing(
    client: ApiClient, catalog: FakeCatalog, cache: Cache
) -> None:
    resolve(client, None, "v3")
    resolve(client, None, "v3")
    assert len(catalog.seen) == 4
    assert not cache.path.exists()
    assert not cache_dir().exists()


def test_failures_are_not_cached(client: ApiClient, catalog: FakeCatalog, cache: Cache) -> None:
    for _ in range(2):
        with pytest.raises(Exception, match="2 models are named"):
            resolve(client, cache, model="embedder")
    assert catalog.seen.count("/v1/models") == 2


def test_a_corrupt_cache_still_resolves(
    client: ApiClient, catalog: FakeCatalog, cache: Cache
) -> None:
    cache.path.parent.mkdir(parents=True)
    cache.path.write_text(
        '{"version": 1, "entries": {"[\\"model\\",\\"llama-3-8b\\"]": '
        '{"expires": 9e99, "value": {"id": 42}}}}'
    )
    assert resolve(client, cache, "v3").deployment_id == LLAMA_PROD
    assert len(catalog.seen) == 2
