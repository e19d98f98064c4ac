"""The Emulator: a local Baseten API on a background thread, with controls for tests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from .api import Api
from .catalogue import (
    DEMO_DEPLOYMENT_ID,
    DEMO_MODEL_ID,
    DEMO_MODEL_NAME,
    Model,
    build_catalogue,
)
from .chains import CHAIN_NAME, CHAINLETS
from .config import EmulatorConfig, FaultScope, LimitOverMax
from .deployments import HOUR_MS, styled_id
from .faults import Fault
from .generate import replica_ids
from .query import build_filter
from .request_ids import planted_chain_request, planted_request
from .restarts import planted_restarts
from .sandbox_logs import entry
from .server import EmulatorHTTPServer, RequestRecord
from .store import LogStore, Source


class Emulator:
    """Serves the emulated API on http://host:port from the moment it is created.

    Use it as a context manager, or call `close()`.
    """

    def __init__(
        self, config: EmulatorConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config if config is not None else EmulatorConfig()
        if self.config.anchor_ms is not None:
            self.anchor_ms = self.config.anchor_ms
        else:
            # The start of the hour: emulators created close together share one catalogue.
            self.anchor_ms = int(self.config.clock() * 1000) // HOUR_MS * HOUR_MS
        self.catalogue = build_catalogue(self.anchor_ms, self.config.id_style)
        self.demo_request = planted_request(
            self.anchor_ms, self.config.seed, deployment_id=self.id(DEMO_DEPLOYMENT_ID)
        )
        # And one crossing the demo chain, from its entrypoint (the first chainlet) down.
        self.demo_chain_request = planted_chain_request(
            self.anchor_ms, self.config.seed, entrypoint_id=self.id(CHAINLETS[0][1])
        )
        planted = (self.demo_request, self.demo_chain_request)
        # The demo deployment's second replica restarted twice (restarts.py).
        demo = self.catalogue.deployments()[0]  # the demo model's production deployment
        second = replica_ids(demo.id, demo.log_replicas)[1]
        self.restarts = planted_restarts(self.anchor_ms, demo.id, second)
        self.store = LogStore(self.catalogue, self.config, planted=planted, restarts=self.restarts)
        self.api = Api(self.config, self.catalogue, self.store, self.restarts, self.anchor_ms)
        self._server = EmulatorHTTPServer((host, port), self.api, self.config.max_request_records)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.5},
            name="baseten-emulator",
            daemon=True,
        )
        self._thread.start()
        self._closed = False

    # --- where and how to reach it -------------------------------------------------------
    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_key(self) -> str:
        return self.config.api_key

    def oauth_login(self, *, expires_in: float | None = None) -> dict[str, Any]:
        """A fresh OAuth login, as `truss login` would store it (`oauth_expires_at` absolute)."""
        issued = self.api.oauth.issue(expires_in)
        return {
            "oauth_access_token": issued["access_token"],
            "oauth_refresh_token": issued["refresh_token"],
            "oauth_expires_at": int(self.config.clock() + issued["expires_in"]),
        }

    @property
    def oauth_refreshes(self) -> int:
        """How many refresh grants the token endpoint has honoured."""
        return self.api.oauth.refreshes

    def revoke_oauth_logins(self) -> None:
        """Every refresh token stops working, so the next refresh is refused."""
        self.api.oauth.revoke_all()

    # --- what it knows ---------------------------------------------------------------------
    @property
    def models(self) -> tuple[Model, ...]:
        return self.catalogue.models

    def id(self, fixed_id: str) -> str:
        """A fixed id from catalogue.py (DEMO_MODEL_ID...) in this emulator's id style."""
        return styled_id(fixed_id, self.config.id_style)

    def model_named(self, name: str, *, team: str | None = None) -> Model:
        """The one model with this name (and team); ValueError if none or several."""
        found = [
            m for m in self.catalogue.models_named(name) if team is None or m.team_name == team
        ]
        if len(found) != 1:
            raise ValueError(f"{len(found)} models named {name!r}")
        return found[0]

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request received so far (bounded by max_request_records), oldest first."""
        with self._server.records_lock:
            return list(self._server.records)

    def clear_requests(self) -> None:
        with self._server.records_lock:
            self._server.records.clear()

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised inside the emulator while handling requests (bugs): keep empty."""
        return list(self._server.errors)

    # --- runtime switches and faults ----------------------------------------------------------
    def inject(
        self,
        kind: str,
        *,
        times: int = 1,
        retry_after: int = 1,
        header: bool = False,
        scope: FaultScope = "logs",
        variant: str | None = None,
        slow_s: float | None = None,
        size: int | None = None,
    ) -> None:
        """Spoil the next `times` requests in scope ("logs": the logs endpoints; "all": /v1/*).

        `size`: the inflated bytes of a gzip_bomb, the depth of deep_json, the lines of
        ignore_limit. `slow_s`: the stall of slow, the seconds between trickle's bytes.
        """
        fault = Fault(
            kind, retry_after=retry_after, header=header, variant=variant, slow_s=slow_s, size=size
        )
        self.api.faults.inject(fault, times=times, scope=scope)

    def set_latency(self, seconds: float, *, jitter: float = 0.0) -> None:
        """Delay every answer by this much, give or take up to `jitter` seconds (uniformly)."""
        self.api.faults.latency_s = seconds
        self.api.faults.latency_jitter_s = jitter

    def set_error_rate(
        self,
        rate: float,
        *,
        kinds: tuple[str, ...] = ("429", "500", "502", "503", "504"),
        scope: FaultScope = "logs",
        seed: int | None = None,
    ) -> None:
        """Spoil each request in scope with probability `rate`, drawing a kind from `kinds`."""
        self.api.faults.set_error_rate(rate, kinds=kinds, scope=scope, seed=seed)

    def clear_faults(self) -> None:
        """No queued faults, no random faults, no latency."""
        self.api.faults.clear()

    @property
    def pending_faults(self) -> int:
        return self.api.faults.pending

    @property
    def end_inclusive(self) -> bool:
        return self.api.end_inclusive

    def set_end_inclusive(self, inclusive: bool) -> None:
        self.api.end_inclusive = inclusive

    def set_limit_over_max(self, mode: LimitOverMax) -> None:
        if mode not in ("reject", "clamp"):
            raise ValueError("limit_over_max must be 'reject' or 'clamp'")
        self.api.limit_over_max = mode

    def set_training_max_window_ms(self, longest: int | None) -> None:
        """Training logs refuse (400, naming the window) windows longer than `longest` ms;
        None: the schema's 7 days."""
        self.api.training_max_window_ms = longest

    def set_rate_limit(self, per_second: int | None) -> None:
        """At most `per_second` requests per key in any one second, then 429; None: no limit."""
        self.api.set_rate_limit(per_second)

    # --- the truth, for tests and benchmarks ------------------------------------------------------
    def now_ms(self) -> int:
        return self.api.now()[0]

    def ground_truth(
        self,
        model_id: str,
        deployment_id: str,
        start_ms: int,
        end_ms: int,
        *,
        min_level: str | None = None,
        replica: str | None = None,
        request_id: str | None = None,
        component: str | None = None,
        search_pattern: str | None = None,
        includes: Iterable[str] = (),
        excludes: Iterable[str] = (),
    ) -> list[dict[str, Any]]:
        """Every line visible now with start_ms <= ms <= end_ms, oldest first, as the API
        would return them; no 7-day limit. Aliases production/development are accepted."""
        model = self._model(model_id)
        dep = model.deployment(deployment_id)
        if dep is None:
            raise KeyError(f"model {model_id} has no deployment {deployment_id!r}")
        src = self.store.deployment_source(model.id, dep.id)
        filters = build_filter(
            min_level=min_level,
            replica=replica,
            request_id=request_id,
            component=component,
            search_pattern=search_pattern,
            includes=includes,
            excludes=excludes,
        )
        return self._truth(src, start_ms, end_ms, filters)

    def environment_ground_truth(
        self,
        model_id: str,
        env_name: str,
        start_ms: int,
        end_ms: int,
        **filters: Any,
    ) -> list[dict[str, Any]]:
        """Like ground_truth, for an environment's merged logs."""
        model = self._model(model_id)
        if model.environment(env_name) is None:
            raise KeyError(f"model {model_id} has no environment {env_name!r}")
        src = self.store.environment_source(model.id, env_name)
        return self._truth(src, start_ms, end_ms, build_filter(**filters))

    def chainlet_ground_truth(
        self, chainlet_id: str, start_ms: int, end_ms: int, **filters: Any
    ) -> list[dict[str, Any]]:
        """Like ground_truth, for one chainlet (by id) of any chain deployment."""
        src = self.store.chainlet_source(chainlet_id)
        return self._truth(src, start_ms, end_ms, build_filter(**filters))

    def job_ground_truth(
        self, project_id: str, job_id: str, start_ms: int, end_ms: int, **filters: Any
    ) -> list[dict[str, Any]]:
        """Like ground_truth, for a training job's logs."""
        src = self.store.job_source(project_id, job_id)
        return self._truth(src, start_ms, end_ms, build_filter(**filters))

    def loops_ground_truth(
        self, trainer_id: str, start_ms: int, end_ms: int, **filters: Any
    ) -> list[dict[str, Any]]:
        """Like ground_truth, for a Loops trainer deployment's logs."""
        return self._truth(
            self.store.loops_source(trainer_id), start_ms, end_ms, build_filter(**filters)
        )

    def sandbox_ground_truth(self, name: str, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
        """Every entry of a sandbox visible now with start_ms <= ms < end_ms, oldest first, as
        its logs endpoint returns them."""
        sandbox = next(s for s in self.catalogue.sandboxes if s.name == name)
        lines = self.api.sandbox_lines(sandbox, start_ms, end_ms - 1, None)
        return [entry(line, self.config.timestamp_form) for line in lines]

    def _model(self, model_id: str) -> Model:
        model = self.catalogue.model(model_id)
        if model is None:
            raise KeyError(f"no model {model_id!r}")
        return model

    def _truth(self, src: Source, start_ms: int, end_ms: int, filters: Any) -> list[dict[str, Any]]:
        lines = self.store.select(
            src,
            lo_ms=start_ms,
            hi_ms=end_ms,
            now_ns=self.api.now()[1],
            descending=False,
            line_filter=filters,
            limit=None,
        )
        extra = self.config.extra_fields
        form = self.config.timestamp_form
        return [line.to_dict(extra, form) for line in lines]

    # --- lifetime ------------------------------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._server.close_connections()
        stopper = threading.Thread(target=self._server.shutdown, daemon=True)
        stopper.start()
        # serve_forever only notices shutdown between polls; a connection wakes it at once.
        while stopper.is_alive():
            try:
                socket.create_connection((self.host, self.port), timeout=0.1).close()
            except OSError:
                pass
            stopper.join(0.005)
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def describe(emu: Emulator) -> str:
    """A short human text: where the emulator is, its key, and what to ask it for."""
    return (
        f"Baseten API emulator listening on {emu.url}\n"
        f"API key: {emu.api_key}\n"
        f"Demo model: {DEMO_MODEL_NAME} (id {emu.id(DEMO_MODEL_ID)}), "
        f"production deployment {emu.id(DEMO_DEPLOYMENT_ID)}\n"
        f"A request two days old: baseten-logs request {emu.demo_request.request_id} "
        f"{DEMO_MODEL_NAME} --context 30s\n"
        "In another shell, paste:\n"
        f"  export BASETEN_API_URL={emu.url} BASETEN_API_KEY={emu.api_key}\n"
        f"  baseten-logs get {DEMO_MODEL_NAME} -f\n"
        f"One across the {CHAIN_NAME} chain: baseten-logs request "
        f"{emu.demo_chain_request.request_id} --chain {CHAIN_NAME} --context 30s\n"
        "Press Ctrl-C to stop."
    )


def serve(
    cfg: EmulatorConfig,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    announce: Callable[[str], None],
    stop: threading.Event | None = None,
) -> None:
    """Serve in the foreground until Ctrl-C (KeyboardInterrupt propagates, after shutdown)
    or until `stop` is set (then it returns normally)."""
    with Emulator(cfg, host=host, port=port) as emu:
        announce(describe(emu))
        waiter = stop if stop is not None else threading.Event()
        while not waiter.wait(0.5):
            pass
