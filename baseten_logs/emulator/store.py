"""Log sources (deployments, environments) over a bounded chunk cache, and window selection."""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterator, Sequence

from .catalogue import Catalogue, Environment
from .chains import CALL_DELAY_NS, HANDLE_DELAY_NS, Chainlet
from .config import EmulatorConfig
from .deployments import Deployment
from .generate import DeploymentGenerator, GenParams
from .lines import CHUNK_MS, CHUNK_NS, NS_PER_MS, Line
from .loops import LOOPS_KEY
from .query import LineFilter
from .request_ids import REQUEST_SPAN_MS, PlantedRequest, request_began_ms
from .restarts import Restart
from .sandbox_logs import SandboxGenerator
from .sandboxes import SANDBOX_KEY
from .training_logs import TrainingGenerator


class Chunk:
    """One minute of a source's lines, sorted, with an index for slicing by time."""

    __slots__ = ("lines", "ts", "max_arrival")

    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        self.ts = [line.ts for line in lines]
        self.max_arrival = max((line.arrival for line in lines), default=0)


class ChunkCache:
    """A thread-safe LRU of chunks, bounded by the number of lines it holds."""

    def __init__(self, max_lines: int) -> None:
        self._max = max_lines
        self._lines = 0
        self._chunks: OrderedDict[tuple[str, int], Chunk] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int]) -> Chunk | None:
        with self._lock:
            chunk = self._chunks.get(key)
            if chunk is not None:
                self._chunks.move_to_end(key)
            return chunk

    def put(self, key: tuple[str, int], chunk: Chunk) -> None:
        with self._lock:
            if key in self._chunks:
                return
            self._chunks[key] = chunk
            self._lines += len(chunk.lines)
            while self._lines > self._max and len(self._chunks) > 1:
                _, old = self._chunks.popitem(last=False)
                self._lines -= len(old.lines)


class Source:
    """A stream of lines cut into one-minute chunks."""

    key: str

    def chunk_range(self) -> tuple[int, int | None]:
        raise NotImplementedError

    def build(self, k: int) -> list[Line]:
        raise NotImplementedError


class DeploymentSource(Source):
    def __init__(self, generator: DeploymentGenerator) -> None:
        self.generator = generator
        self.key = f"d:{generator.dep.model_id}/{generator.dep.id}"

    def chunk_range(self) -> tuple[int, int | None]:
        return self.generator.chunk_range()

    def build(self, k: int) -> list[Line]:
        return self.generator.chunk(k)


class EnvironmentSource(Source):
    """Each deployment's lines while it served the environment, merged by timestamp."""

    def __init__(self, store: LogStore, model_id: str, env: Environment) -> None:
        self.store = store
        self.env = env
        self.key = f"e:{model_id}/{env.name}"
        self.parts = [
            (store.deployment_source(model_id, served.deployment_id), served)
            for served in env.history
        ]

    def chunk_range(self) -> tuple[int, int | None]:
        if not self.parts:
            return 0, -1
        first = min(src.chunk_range()[0] for src, _ in self.parts)
        lasts = [src.chunk_range()[1] for src, _ in self.parts]
        return first, None if None in lasts else max(k for k in lasts if k is not None)

    def build(self, k: int) -> list[Line]:
        merged: list[Line] = []
        for src, served in self.parts:
            chunk = self.store.chunk(src, k)
            lo = bisect_left(chunk.ts, served.from_ms * NS_PER_MS)
            hi = len(chunk.ts)
            if served.until_ms is not None:
                hi = bisect_left(chunk.ts, served.until_ms * NS_PER_MS)
            merged.extend(chunk.lines[lo:hi])
        # Stable: at equal timestamps the earlier-serving deployment comes first, always.
        merged.sort(key=lambda line: line.ts)
        return merged


class ChainletSource(Source):
    """A chainlet's own lines, plus what it says about the requests crossing the chain: the
    entrypoint's requests are passed on down the chain, each chainlet logging "handling request
    R from <caller>" and "calling <callee> for request R", with the same request id throughout."""

    def __init__(
        self,
        store: LogStore,
        own: DeploymentSource,
        *,
        name: str,
        deployment_id: str,
        caller: ChainletSource | None,
        callee: str | None,
    ) -> None:
        self.store = store
        self.own = own
        self.name = name
        self.deployment_id = deployment_id
        self.replica = own.generator.replicas[0] if own.generator.replicas else None
        self.caller = caller
        self.callee = callee
        self.key = f"c:{own.key}"

    def chunk_range(self) -> tuple[int, int | None]:
        return self.own.chunk_range()

    def arrivals(self, k: int) -> list[tuple[int, int, str, str]]:
        """(ns, visible-at ns, request id, component) of each request reaching this chainlet
        from chunk `k` of the entrypoint: its own requests' first lines, for the entrypoint."""
        if self.caller is None:
            seen: set[str] = set()
            found = []
            for line in self.store.chunk(self.own, k).lines:
                rid = line.request_id
                if rid is not None and rid not in seen:
                    seen.add(rid)
                    found.append((line.ts, line.arrival, rid, line.component))
            return found
        delay = CALL_DELAY_NS + HANDLE_DELAY_NS
        return [(ts + delay, seen + delay, rid, c) for ts, seen, rid, c in self.caller.arrivals(k)]

    def build(self, k: int) -> list[Line]:
        lines = list(self.store.chunk(self.own, k).lines)
        arrivals = self.arrivals(k)
        if self.caller is not None:
            text = f"handling request {{}} from {self.caller.name}"
            lines += self._said(arrivals, k, 0, text)
        if self.callee is not None:
            lines += self._said(
                arrivals, k, CALL_DELAY_NS, f"calling {self.callee} for request {{}}"
            )
        lines.sort(key=lambda line: line.ts)  # stable: the chainlet's own order at equal times
        return lines

    def _said(
        self, arrivals: list[tuple[int, int, str, str]], k: int, delay_ns: int, text: str
    ) -> list[Line]:
        out: list[Line] = []
        for ts, seen, rid, component in arrivals:
            ts += delay_ns
            if ts // CHUNK_NS != k:
                continue  # it would belong to the next chunk: left out, so chunks stay exact
            line = Line(
                ts,
                seen + delay_ns,
                text.format(rid),
                self.replica,
                rid,
                "INFO",
                component,
                self.deployment_id,
            )
            out.append(line)
        return out


class LogStore:
    """Every source of the catalogue, sharing one chunk cache."""

    def __init__(
        self,
        catalogue: Catalogue,
        config: EmulatorConfig,
        *,
        planted: Sequence[PlantedRequest] = (),
        restarts: Sequence[Restart] = (),
    ) -> None:
        self.catalogue = catalogue
        self._planted = {p.deployment_id: p for p in planted}
        self._restarts = restarts
        self.cache = ChunkCache(config.cache_lines)
        self._sources: dict[str, Source] = {}
        self._chainlets: dict[str, Source] = {}
        for model in catalogue.models:
            for dep in model.deployments:
                params = self._params(config, dep)
                src = DeploymentSource(DeploymentGenerator(dep, params))
                self._sources[src.key] = src
        for model in catalogue.models:
            for env in model.environments:
                env_src = EnvironmentSource(self, model.id, env)
                self._sources[env_src.key] = env_src
        for chain in catalogue.chains:
            for chain_dep in chain.deployments:
                self._add_chain(config, chain_dep.chainlets)
        for trainer in catalogue.loops.trainers:  # a Loops trainer logs as a training job does
            src = DeploymentSource(
                TrainingGenerator(trainer.dep, self._params(config, trainer.dep))
            )
            self._sources[src.key] = src
        for sandbox in catalogue.sandboxes:
            src = DeploymentSource(SandboxGenerator(sandbox.dep, self._params(config, sandbox.dep)))
            self._sources[src.key] = src
        for project in catalogue.training_projects:
            for job in project.jobs:
                src = DeploymentSource(TrainingGenerator(job.dep, self._params(config, job.dep)))
                self._sources[src.key] = src

    def _add_chain(self, config: EmulatorConfig, chainlets: tuple[Chainlet, ...]) -> None:
        caller: ChainletSource | None = None
        for i, chainlet in enumerate(chainlets):
            own = DeploymentSource(
                DeploymentGenerator(chainlet.dep, self._params(config, chainlet.dep))
            )
            src = ChainletSource(
                self,
                own,
                name=chainlet.name,
                deployment_id=chainlet.id,
                caller=caller,
                callee=chainlets[i + 1].name if i + 1 < len(chainlets) else None,
            )
            self._sources[src.key] = src
            self._sources[own.key] = own
            self._chainlets[chainlet.id] = src
            caller = src

    def _params(self, config: EmulatorConfig, dep: Deployment) -> GenParams:
        return GenParams(
            seed=config.seed,
            lines_per_s=config.rates.get(dep.id, config.rates.get(dep.base_id, config.lines_per_s)),
            max_delay_s=config.max_delay_s,
            late_share=config.late_share,
            max_late_s=config.max_late_s,
            giant_burst_at_ms=config.giant_burst_at_ms,
            giant_burst_lines=config.giant_burst_lines,
            giant_burst_replicas=config.giant_burst_replicas,
            split_print_s=config.split_print_s,
            message_bytes=config.message_bytes,
            planted=self._planted.get(dep.id),
            restarts=tuple(r for r in self._restarts if r.deployment_id == dep.id),
        )

    def chainlet_source(self, chainlet_id: str) -> Source:
        return self._chainlets[chainlet_id]

    def sandbox_source(self, name: str) -> Source:
        return self._sources[f"d:{SANDBOX_KEY}/{name}"]

    def loops_source(self, trainer_id: str) -> Source:
        return self._sources[f"d:{LOOPS_KEY}/{trainer_id}"]

    def job_source(self, project_id: str, job_id: str) -> Source:
        return self._sources[f"d:{project_id}/{job_id}"]

    def deployment_source(self, model_id: str, deployment_id: str) -> Source:
        return self._sources[f"d:{model_id}/{deployment_id}"]

    def environment_source(self, model_id: str, env_name: str) -> Source:
        return self._sources[f"e:{model_id}/{env_name}"]

    def chunk(self, src: Source, k: int) -> Chunk:
        key = (src.key, k)
        chunk = self.cache.get(key)
        if chunk is None:
            # Built outside the lock: generation is deterministic, so a race only wastes work.
            chunk = Chunk(src.build(k))
            self.cache.put(key, chunk)
        return chunk

    def _walk(
        self, src: Source, lo_ms: int, hi_ms: int, now_ns: int, descending: bool
    ) -> Iterator[Line]:
        """Visible lines with lo_ms <= ms <= hi_ms, in order, generating only chunks reached."""
        first, last = src.chunk_range()
        # Nothing is visible before it happened, so chunks after "now" need not exist.
        now_k = now_ns // NS_PER_MS // CHUNK_MS
        k_lo = max(lo_ms // CHUNK_MS, first)
        k_hi = min(hi_ms // CHUNK_MS, now_k if last is None else min(last, now_k))
        if k_hi < k_lo:
            return
        lo_ns = lo_ms * NS_PER_MS
        hi_ns = (hi_ms + 1) * NS_PER_MS
        ks = range(k_hi, k_lo - 1, -1) if descending else range(k_lo, k_hi + 1)
        for k in ks:
            chunk = self.chunk(src, k)
            i = bisect_left(chunk.ts, lo_ns)
            j = bisect_left(chunk.ts, hi_ns)
            if i >= j:
                continue
            part = chunk.lines[i:j]
            if descending:
                part.reverse()
            if chunk.max_arrival <= now_ns:
                yield from part
            else:
                yield from (line for line in part if line.arrival <= now_ns)

    def select(
        self,
        src: Source,
        *,
        lo_ms: int,
        hi_ms: int,
        now_ns: int,
        descending: bool,
        line_filter: LineFilter,
        limit: int | None,
    ) -> list[Line]:
        """Up to `limit` visible, matching lines in [lo_ms, hi_ms], both ends inclusive."""
        out: list[Line] = []
        if line_filter.request_id is not None:
            # The index (see request_ids.py): a request's lines follow the time in its id.
            began = request_began_ms(line_filter.request_id)
            if began is not None:
                lo_ms, hi_ms = max(lo_ms, began), min(hi_ms, began + REQUEST_SPAN_MS)
        if hi_ms < lo_ms:
            return out
        lines = self._walk(src, lo_ms, hi_ms, now_ns, descending)
        if not line_filter.empty:
            lines = (line for line in lines if line_filter.matches(line))
        for line in lines:
            out.append(line)
            if limit is not None and len(out) >= limit:
                break
        return out
