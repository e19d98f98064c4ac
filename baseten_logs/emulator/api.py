"""The emulated API's behaviour, independent of HTTP plumbing: request in, Response out."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qs

from .audit import AuditRoutes, build_events
from .catalogue import Catalogue, Model
from .config import EmulatorConfig, LimitOverMax
from .deployments import Deployment
from .fault_replies import RATE_LIMITED, fault_reply, spoil
from .faults import SPOILERS, Faults
from .lines import Line
from .loops import LoopsRoutes
from .oauth import CLIENT_ID, OAuthTokens
from .query import MAX_WINDOW_MS, LineFilter, QueryError, parse_log_query
from .ratelimit import RateLimiter
from .replies import Response, error_reply, json_reply, last
from .restarts import Restart
from .sandboxes import Sandbox, SandboxRoutes
from .shapes import USER
from .startups import Startups
from .store import LogStore, Source


class Api:
    """Routing, auth, rate limiting, faults and the endpoints of the emulated API."""

    def __init__(
        self,
        config: EmulatorConfig,
        catalogue: Catalogue,
        store: LogStore,
        restarts: Sequence[Restart] = (),
        anchor_ms: int = 0,
    ) -> None:
        self.config = config
        self.catalogue = catalogue
        self.store = store
        self.clock = config.clock
        # Runtime switches (plain attribute writes are atomic; handlers read them per request).
        self.end_inclusive = config.end_inclusive
        self.limit_over_max: LimitOverMax = config.limit_over_max
        self.training_max_window_ms = config.training_max_window_ms
        self.faults = Faults(
            latency_s=config.latency_s,
            latency_jitter_s=config.latency_jitter_s,
            error_rate=config.error_rate,
            error_kinds=config.error_kinds,
            error_scope=config.error_scope,
            seed=config.fault_seed,
            slow_s=config.slow_s,
        )
        self.limiter: RateLimiter | None = None
        self.set_rate_limit(config.rate_limit_per_s)
        self.keys = frozenset((config.api_key, *config.extra_api_keys))
        self.oauth = OAuthTokens(config.oauth_ttl_s, config.clock)
        # Per request thread: how many lines an "ignore_limit" fault lets this answer have.
        self._request = threading.local()
        self.startups = Startups(catalogue, restarts, lambda: self.now()[0])
        events = build_events(catalogue, restarts, anchor_ms, config.id_style)
        self.audit = AuditRoutes(events, lambda: self.now()[0])
        self.loops = LoopsRoutes(catalogue.loops, lambda: self.now()[0], self._trainer_logs)
        self.sandboxes = SandboxRoutes(
            catalogue.sandboxes,
            catalogue.sandbox_images,
            lambda: self.now()[0],
            self.sandbox_lines,
            config.timestamp_form,
        )

    def set_rate_limit(self, per_second: int | None) -> None:
        self.limiter = RateLimiter(per_second) if per_second else None

    def now(self) -> tuple[int, int]:
        """The injectable clock as (epoch ms, epoch ns)."""
        seconds = self.clock()
        return int(seconds * 1000), int(seconds * 1e9)

    def handle(
        self,
        method: str,
        segments: list[str],
        query: dict[str, list[str]],
        headers: Mapping[str, str],
        body: bytes = b"",
    ) -> Response:
        delay = self.faults.delay()
        if segments == ["v1", "users", "auth", "device", "token"]:
            response = self._token(method, body)
        else:
            response = self._handle(method, segments, query, headers, body)
        response.delay_s += delay
        return response

    def _handle(
        self,
        method: str,
        segments: list[str],
        query: dict[str, list[str]],
        headers: Mapping[str, str],
        body: bytes = b"",
    ) -> Response:
        if not segments or segments[0] != "v1":
            return error_reply(404, "Not found")
        # models, chains, training jobs, Loops trainers, sandboxes and their images
        is_logs = len(segments) >= 5 and segments[-1] == "logs"
        fault = self.faults.next_fault(is_logs=is_logs)
        if fault is not None and fault.kind not in SPOILERS:
            return fault_reply(fault, self.clock())
        ignoring = fault is not None and fault.kind == "ignore_limit"
        self._request.lines = fault.amount if fault is not None and ignoring else None
        key, problem = self._authenticate(headers)
        if problem is not None:
            response = error_reply(401, problem)
        elif self.limiter is not None and (wait := self.limiter.acquire(key)) is not None:
            extra = {"Retry-After": str(wait)} if self.config.rate_limit_retry_after_header else {}
            response = json_reply(429, {"error": RATE_LIMITED, "retry_after": wait}, extra)
        elif method == "POST" and segments[1:] == ["training_jobs", "search"]:
            response = self._search_jobs(body)
        elif method == "POST" and _has_post_form(segments[1:]):
            # The deprecated POST form, which the real API still serves and truss still sends:
            # the same fields as the query, in a JSON body.
            fields = _body_fields(body)
            if fields is None:
                response = error_reply(400, "The request body must be a JSON object")
            else:
                response = self._route(segments[1:], query | fields)
        elif method != "GET":
            response = error_reply(405, "Method not allowed")
        else:
            response = self._route(segments[1:], query)
        if fault is not None:
            response = spoil(fault, response, self.faults.slow_seconds(fault))
        return response

    def _authenticate(self, headers: Mapping[str, str]) -> tuple[str, str | None]:
        value = headers.get("authorization")
        if not value:
            return "", "Missing API key: send 'Authorization: Bearer <api_key>'"
        scheme, _, key = value.strip().partition(" ")
        if scheme.lower() not in ("bearer", "api-key"):
            return "", "Invalid Authorization header: use 'Bearer <api_key>' or 'Api-Key <api_key>'"
        key = key.strip()
        if key in self.keys:
            return key, None
        live = self.oauth.valid(key)
        if live is False:
            return "", "Access token expired"
        if live is None:
            return "", "Invalid API key"
        return key, None

    def _token(self, method: str, body: bytes) -> Response:
        """The OAuth token endpoint (RFC 6749 errors), refresh grant only; no key needed."""
        if method != "POST":
            return error_reply(405, "Method not allowed")
        try:
            form = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        except UnicodeDecodeError:
            form = {}
        if form.get("client_id") != CLIENT_ID:
            return json_reply(401, {"error": "invalid_client"})
        if form.get("grant_type") != "refresh_token":
            return json_reply(400, {"error": "unsupported_grant_type"})
        tokens = self.oauth.refresh(form.get("refresh_token", ""))
        if tokens is None:
            return json_reply(400, {"error": "invalid_grant", "error_description": "refresh token"})
        return json_reply(200, tokens)

    def _model(self, model_id: str) -> Model | Response:
        model = self.catalogue.model(model_id)
        return model if model is not None else error_reply(404, "Model not found")

    def _route(self, seg: list[str], query: dict[str, list[str]]) -> Response:
        if seg == ["users", "me"]:
            return json_reply(200, USER)
        if seg and seg[0] == "chains":
            return self._chains(seg[1:], query)
        if seg == ["audit_logs"]:
            return self.audit.answer(query)
        if seg and seg[0] == "sandboxes":
            return self.sandboxes.route(seg[1:], query)
        if seg and seg[0] == "loops":
            return self.loops.route(seg[1:], query)
        if seg and seg[0] == "training_projects":
            return self._training(seg[1:], query)
        if not seg or seg[0] != "models":
            return error_reply(404, "Not found")
        if len(seg) == 1:
            name = last(query, "name")
            models = self.catalogue.models
            chosen = [m for m in models if name is None or m.name == name]
            return json_reply(200, {"models": [m.to_api() for m in chosen]})
        model = self._model(seg[1])
        if isinstance(model, Response):
            return model
        rest = seg[2:]
        if not rest:
            return json_reply(200, model.to_api())
        if rest == ["audit_logs"]:
            return self.audit.answer(query, "model_id", model.id)
        if rest[0] == "deployments":
            return self._deployments(model, rest[1:], query)
        if rest[0] == "environments":
            return self._environments(model, rest[1:], query)
        return error_reply(404, "Not found")

    def _deployments(self, model: Model, rest: list[str], query: dict[str, list[str]]) -> Response:
        if not rest:
            name = last(query, "name")
            chosen = [d for d in model.deployments if name is None or d.name == name]
            return json_reply(200, {"deployments": [d.to_api() for d in chosen]})
        if len(rest) == 1:
            dep = model.deployment(rest[0])
            return (
                error_reply(404, "Deployment not found")
                if dep is None
                else json_reply(200, dep.to_api())
            )
        if rest[1] in ("logs", "startups"):
            # The aliases are not documented inside these paths: only real ids work here.
            dep = model.deployment(rest[0])
            if dep is None or dep.id != rest[0]:
                return error_reply(404, "Deployment not found")
            if rest[1] == "startups":
                return self.startups.deployment(model, dep, rest[1:], query)
            if len(rest) == 2:
                return self._logs(self.store.deployment_source(model.id, dep.id), query)
        return error_reply(404, "Not found")

    def _environments(self, model: Model, rest: list[str], query: dict[str, list[str]]) -> Response:
        if not rest:
            envs = [model.environment_to_api(e) for e in model.environments]
            return json_reply(200, {"environments": envs})
        env = model.environment(rest[0])
        if env is not None and len(rest) >= 2 and rest[1] == "startups":
            return self.startups.environment(model, env, rest[1:], query)
        if env is None or len(rest) > 2 or (len(rest) == 2 and rest[1] != "logs"):
            return error_reply(404, "Environment not found" if env is None else "Not found")
        if len(rest) == 1:
            return json_reply(200, model.environment_to_api(env))
        return self._logs(self.store.environment_source(model.id, env.name), query)

    def _chains(self, rest: list[str], query: dict[str, list[str]]) -> Response:
        """/v1/chains, and a chain's deployments, environments and chainlets' logs."""
        if not rest:
            return json_reply(200, {"chains": [c.to_api() for c in self.catalogue.chains]})
        chain = self.catalogue.chain(rest[0])
        if chain is None:
            return error_reply(404, "Chain not found")
        if len(rest) == 1:
            return json_reply(200, chain.to_api())
        if rest[1:] == ["audit_logs"]:
            return self.audit.answer(query, "chain_id", chain.id)
        if len(rest) >= 2 and rest[1] == "environments":
            if len(rest) == 2:
                envs = [chain.environment_to_api(d) for d in chain.deployments if d.environment]
                return json_reply(200, {"environments": envs})
            env = chain.environment(rest[2])
            if env is None or len(rest) > 3:
                return error_reply(404, "Environment not found" if env is None else "Not found")
            return json_reply(200, chain.environment_to_api(env))
        if len(rest) < 2 or rest[1] != "deployments":
            return error_reply(404, "Not found")
        if len(rest) == 2:
            return json_reply(200, {"deployments": [d.to_api() for d in chain.deployments]})
        dep = chain.deployment(rest[2])
        if dep is None:
            return error_reply(404, "Chain deployment not found")
        if len(rest) == 3:
            return json_reply(200, dep.to_api())
        if len(rest) == 6 and rest[3] == "chainlets" and rest[5] == "logs":
            if not any(c.id == rest[4] for c in dep.chainlets):
                return error_reply(404, "Chainlet not found")
            return self._logs(self.store.chainlet_source(rest[4]), query)
        return error_reply(404, "Not found")

    def _training(self, rest: list[str], query: dict[str, list[str]]) -> Response:
        """/v1/training_projects, a project's jobs, and a job's logs (window and level only)."""
        projects = self.catalogue.training_projects
        if not rest:
            return json_reply(200, {"training_projects": [p.to_api() for p in projects]})
        project = self.catalogue.training_project(rest[0])
        if project is None:
            return error_reply(404, "Training project not found")
        if len(rest) < 2 or rest[1] != "jobs":
            return error_reply(404, "Not found")
        if len(rest) == 2:
            jobs = [j.to_api() for j in project.jobs]
            return json_reply(200, {"training_project": project.to_api(), "training_jobs": jobs})
        job = project.job(rest[2])
        if job is None:
            return error_reply(404, "Training job not found")
        if len(rest) == 3:
            payload = {"training_project": project.to_api(), "training_job": job.to_api()}
            return json_reply(200, payload)
        if len(rest) == 4 and rest[3] == "logs":
            # This endpoint takes no other filter: the rest are ignored, as the real one does.
            taken = {k: v for k, v in query.items() if k in _TRAINING_PARAMS}
            longest = self.training_max_window_ms or MAX_WINDOW_MS
            return self._logs(self.store.job_source(project.id, job.id), taken, longest)
        return error_reply(404, "Not found")

    def _trainer_logs(self, trainer: Deployment, query: dict[str, list[str]]) -> Response:
        """A Loops trainer's logs: the parameters of a training job's (window, direction, limit,
        min_level), the rest ignored as that endpoint ignores them."""
        taken = {k: v for k, v in query.items() if k in _TRAINING_PARAMS}
        return self._logs(self.store.loops_source(trainer.id), taken)

    def sandbox_lines(
        self, sandbox: Sandbox, lo_ms: int, hi_ms: int, limit: int | None
    ) -> list[Line]:
        """A sandbox's visible lines in [lo_ms, hi_ms], oldest first, at most `limit`."""
        src = self.store.sandbox_source(sandbox.name)
        now_ns = self.now()[1]
        return self.store.select(
            src,
            lo_ms=lo_ms,
            hi_ms=hi_ms,
            now_ns=now_ns,
            descending=False,
            line_filter=LineFilter(),
            limit=limit,
        )

    def _search_jobs(self, body: bytes) -> Response:
        """`POST /v1/training_jobs/search` (what `truss train logs` asks without a job id):
        jobs of every project, narrowed by project, job and statuses, in the order asked."""
        search = _search_fields(body)
        if isinstance(search, str):
            return error_reply(400, search)
        project_id, job_id, statuses, order_by = search
        jobs = [
            job
            for project in self.catalogue.training_projects
            if project_id is None or project.id == project_id
            for job in project.jobs
            if (job_id is None or job.id == job_id) and (statuses is None or job.status in statuses)
        ]
        for field_name, order in reversed(order_by):  # the first key decides, the next break ties
            if field_name in _SORTABLE_JOB_FIELDS:
                jobs.sort(key=lambda j: str(j.to_api()[field_name]), reverse=order == "desc")
        return json_reply(200, {"training_jobs": [j.to_api() for j in jobs]})

    def _logs(
        self, src: Source, query: dict[str, list[str]], max_window_ms: int = MAX_WINDOW_MS
    ) -> Response:
        now_ms, now_ns = self.now()
        try:
            q = parse_log_query(
                query,
                now_ms=now_ms,
                limit_over_max=self.limit_over_max,
                max_window_ms=max_window_ms,
            )
        except QueryError as exc:
            return error_reply(400, str(exc))
        lines = self.store.select(
            src,
            lo_ms=q.start_ms,
            hi_ms=q.end_ms if self.end_inclusive else q.end_ms - 1,
            now_ns=now_ns,
            descending=q.direction == "desc",
            line_filter=q.filter,
            limit=max(q.limit, getattr(self._request, "lines", None) or 0),
        )
        extra, form = self.config.extra_fields, self.config.timestamp_form
        body = '{"logs": [' + ", ".join(line.to_json(extra, form) for line in lines) + "]}"
        return Response(200, body.encode())


_TRAINING_PARAMS = frozenset(
    {"start_epoch_millis", "end_epoch_millis", "direction", "limit", "min_level"}
)


def _has_post_form(seg: list[str]) -> bool:
    """Only a deployment's and a training job's logs keep their deprecated POST form."""
    deployment = len(seg) == 5 and seg[0] == "models" and seg[2] == "deployments"
    job = len(seg) == 5 and seg[0] == "training_projects" and seg[2] == "jobs"
    return (deployment or job) and seg[-1] == "logs"


_SORTABLE_JOB_FIELDS = frozenset({"created_at", "updated_at", "name", "id", "current_status"})
_SearchFields = tuple[str | None, str | None, list[str] | None, list[tuple[str, str]]]


def _search_fields(body: bytes) -> _SearchFields | str:
    """A training job search's fields (SearchTrainingJobsRequest), or what is wrong with it."""
    try:
        payload = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        return "The request body must be a JSON object"
    project_id, job_id = payload.get("project_id"), payload.get("job_id")
    statuses, order_by = payload.get("statuses"), payload.get("order_by", [])
    for name, value in (("project_id", project_id), ("job_id", job_id)):
        if value is not None and not isinstance(value, str):
            return f"{name}: must be a string"
    if statuses is not None and not (
        isinstance(statuses, list) and all(isinstance(s, str) for s in statuses)
    ):
        return "statuses: must be a list of strings"
    keys: list[tuple[str, str]] = []
    for item in order_by if isinstance(order_by, list) else [None]:
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("field", "order")
        ):
            return "order_by: must be a list of {field, order} objects"
        keys.append((item["field"], item["order"]))
    return project_id, job_id, statuses, keys


def _body_fields(body: bytes) -> dict[str, list[str]] | None:
    """A POST body's fields as query values (lists stay lists: `includes`, `excludes`)."""
    try:
        payload = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict):
        return None
    fields: dict[str, list[str]] = {}
    for key, value in payload.items():
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        fields[key] = [str(v) for v in values]
    return fields
