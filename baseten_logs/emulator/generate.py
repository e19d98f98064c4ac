"""Deterministic, realistic log lines for one deployment, one 60-second chunk at a time.

A chunk depends only on (seed, deployment, chunk index), so any window can be served lazily
and two emulators with the same seed serve the same lines.
"""

from __future__ import annotations

import hashlib
import random
import string
import time
from dataclasses import dataclass
from json.encoder import encode_basestring

from .deployments import Deployment
from .lines import CHUNK_MS, CHUNK_NS, NS_PER_MS, Line
from .request_ids import PlantedRequest, request_id
from .restarts import Restart

_ALNUM = string.ascii_lowercase + string.digits


@dataclass(frozen=True)
class GenParams:
    """What shapes a deployment's stream, besides the deployment itself."""

    seed: int
    lines_per_s: float
    max_delay_s: float
    late_share: float
    max_late_s: float
    giant_burst_at_ms: int | None
    giant_burst_lines: int
    giant_burst_replicas: int = 1
    split_print_s: float = 0.0
    message_bytes: int = 0
    planted: PlantedRequest | None = None
    restarts: tuple[Restart, ...] = ()


def _rng(*parts: object) -> random.Random:
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def replica_ids(deployment_id: str, count: int) -> list[str]:
    """Stable 5-character replica ids, like the short ids Baseten prints."""
    rng = _rng("replicas", deployment_id)
    return ["".join(rng.choice(_ALNUM) for _ in range(5)) for _ in range(count)]


def _pylog_time(ts_ns: int) -> str:
    seconds, rest = divmod(ts_ns, 1_000_000_000)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))
    return f"{stamp},{rest // NS_PER_MS:03d}"


_TRACEBACKS = (
    (
        'File "/app/model/model.py", line 88, in predict\n'
        "    outputs = self._engine.generate(prompt, params)\n"
        '  File "/usr/local/lib/python3.11/site-packages/vllm/engine.py", line 412, in generate\n'
        "    return self._run(requests)",
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB",
    ),
    (
        'File "/app/model/model.py", line 61, in preprocess\n    prompt = request["prompt"]',
        "KeyError: 'prompt'",
    ),
    (
        'File "/app/model/model.py", line 70, in preprocess\n'
        '    raise ValueError(f"max_tokens must be <= {LIMIT}")',
        "ValueError: max_tokens must be <= 4096",
    ),
)
# Crashes in a worker thread, which prints its traceback knowing nothing of the request it served.
_WORKER_CRASHES = (
    (
        "engine-worker",
        'File "/usr/local/lib/python3.11/site-packages/vllm/worker.py", line 233, in execute\n'
        "    output = self.model_runner.execute_model(batch)\n"
        '  File "/usr/local/lib/python3.11/site-packages/torch/cuda/__init__.py", line 792, in '
        "synchronize\n    return torch._C._cuda_synchronize()",
        "RuntimeError: CUDA error: an illegal memory access was encountered",
    ),
    (
        "tokenizer-pool",
        'File "/usr/local/lib/python3.11/site-packages/transformers/tokenization_utils.py", '
        "line 1021, in batch_encode\n    return self._batch_encode_plus(texts)",
        "OSError: [Errno 24] Too many open files",
    ),
)
_WARNINGS = (
    'level=warn msg="queue depth high" depth={n}',
    "[WARNING] GPU memory at {n}% of 80 GiB",
    '{{"severity": "WARNING", "message": "slow batch: {n}00 ms"}}',
)
_ERRORS = (
    "[ERROR] Request timed out after {n} s",
    '{{"level": "error", "message": "upstream connection reset (attempt {n})"}}',
    'level=error msg="failed to push metrics" err="connection refused" retries={n}',
)
_DEBUGS = (
    'level=debug msg="batch scheduled" size={n} queue=2',
    '{{"severity": "DEBUG", "message": "kv-cache usage {n}.4%"}}',
    "DEBUG:root:prefill chunk {n} done",
)


class _Chunk:
    """Builds one chunk's raw lines; each event appends a few related lines."""

    def __init__(self, params: GenParams, dep: Deployment, replicas: list[str], k: int) -> None:
        self.p = params
        self.dep = dep
        self.replicas = replicas
        self.start_ns = k * CHUNK_NS
        self.rng = _rng(params.seed, dep.id, k)
        self.random = self.rng.random
        self.raw: list[tuple[int, str, str | None, str | None, str | None, str]] = []
        # raw index -> (part, parts) for the parts of multi-line prints (see split_print_s)
        self.print_parts: dict[int, tuple[int, int]] = {}

    def below(self, n: int) -> int:
        # Much cheaper than randrange, and as deterministic.
        return int(self.random() * n)

    def between(self, lo: int, hi: int) -> int:
        return lo + int(self.random() * (hi - lo))

    def add(
        self,
        ts: int,
        message: str,
        replica: str | None,
        request_id: str | None,
        level: str | None,
        component: str = "model",
    ) -> None:
        # Some servers print a level the platform does not recognise: API level null,
        # level still visible in the text.
        if level is not None and self.rng.random() < 0.06:
            level = None
        self.raw.append((ts, message, replica, request_id, level, component))

    def json_line(self, level: str, message: str, key: str = "levelname") -> str:
        # What json.dumps({key: level, "message": message}) prints, faster.
        return f'{{"{key}": "{level}", "message": {encode_basestring(message)}}}'

    def pylog(self, ts: int, level: str, message: str) -> str:
        return f"{_pylog_time(ts)} - model - {level} - {message}"

    def access(self, method: str, path: str, status: int, reason: str) -> str:
        peer = f"10.0.{self.below(256)}.{self.between(1, 255)}:{self.between(30000, 61000)}"
        return f'INFO:     {peer} - "{method} {path} HTTP/1.1" {status} {reason}'

    def request(self, t: int, replica: str) -> None:
        r = self.rng
        rid = request_id(r, t // NS_PER_MS)
        prompt = self.between(12, 4000)
        self.add(
            t,
            self.json_line("INFO", f"Received request ({prompt} prompt tokens)"),
            replica,
            rid,
            "INFO",
        )
        t += self.between(1, 5) * NS_PER_MS + self.below(NS_PER_MS)
        if r.random() < 0.4:
            size = self.between(1, 33)
            msg = self.json_line("DEBUG", f"scheduled in batch of {size}", key="severity")
            self.add(t, msg, replica, rid, "DEBUG")
        t += self.between(40, 3000) * NS_PER_MS + self.below(NS_PER_MS)
        outcome = r.random()
        if outcome < 0.03:
            body, last = r.choice(_TRACEBACKS)
            message = f"Traceback (most recent call last):\n  {body}\n{last}"
            self.add(t, message, replica, rid, "ERROR")
            self.add(
                t + 200_000,
                self.access("POST", "/predict", 500, "Internal Server Error"),
                replica,
                None,
                "INFO",
            )
            return
        if outcome < 0.08:
            warn = f"Prompt truncated from {prompt + 8192} to 8192 tokens"
            self.add(t, self.pylog(t, "WARNING", warn), replica, rid, "WARNING")
            t += self.below(NS_PER_MS)
        tokens = self.between(1, 1024)
        secs = r.uniform(0.05, 4.0)
        done = f"Generated {tokens} tokens in {secs:.2f} s ({tokens / secs:.1f} tok/s)"
        self.add(t, self.pylog(t, "INFO", done), replica, rid, "INFO")
        tagged = rid if r.random() < 0.4 else None
        self.add(
            t + self.between(50_000, 900_000),
            self.access("POST", "/predict", 200, "OK"),
            replica,
            tagged,
            "INFO",
        )

    def retried(self, t: int, replica: str, rid: str | None = None) -> None:
        """A request the router retried on the next replica after the first one's worker died;
        the worker thread's traceback carries no request id."""
        r = self.rng
        rid = rid if rid is not None else request_id(r, t // NS_PER_MS)
        retry_on = self.replicas[(self.replicas.index(replica) + 1) % len(self.replicas)]
        received = f"Received request ({self.between(12, 4000)} prompt tokens)"
        self.add(t, self.json_line("INFO", received), replica, rid, "INFO")
        t += self.between(5, 400) * NS_PER_MS + self.below(NS_PER_MS)
        thread, body, last = r.choice(_WORKER_CRASHES)
        crash = (
            f"Exception in thread {thread}-{self.between(1, 9)}:\n"
            f"Traceback (most recent call last):\n  {body}\n{last}"
        )
        self.add(t, crash, replica, None, "ERROR")
        t += self.between(1, 20) * NS_PER_MS + self.below(NS_PER_MS)
        failed = self.json_line("ERROR", "Request failed: engine worker died")
        self.add(t, failed, replica, rid, "ERROR")
        unavailable = self.access("POST", "/predict", 503, "Service Unavailable")
        self.add(t + self.between(50_000, 900_000), unavailable, replica, None, "INFO")
        t += self.between(20, 300) * NS_PER_MS + self.below(NS_PER_MS)
        self.add(t, self.json_line("INFO", f"{received}, attempt 2"), retry_on, rid, "INFO")
        t += self.between(40, 3000) * NS_PER_MS + self.below(NS_PER_MS)
        tokens = self.between(1, 1024)
        secs = r.uniform(0.05, 4.0)
        done = f"Generated {tokens} tokens in {secs:.2f} s ({tokens / secs:.1f} tok/s)"
        self.add(t, self.pylog(t, "INFO", done), retry_on, rid, "INFO")
        ok = self.access("POST", "/predict", 200, "OK")
        self.add(t + self.between(50_000, 900_000), ok, retry_on, None, "INFO")

    def single(self, t: int, replica: str) -> None:
        r = self.rng
        roll = r.random()
        n = self.between(2, 99)
        if roll < 0.35:
            self.add(t, self.access("GET", "/v1/models/model", 200, "OK"), replica, None, "INFO")
        elif roll < 0.65:
            self.add(t, r.choice(_DEBUGS).format(n=n), replica, None, "DEBUG")
        elif roll < 0.85:
            self.add(t, r.choice(_WARNINGS).format(n=n), replica, None, "WARNING")
        else:
            self.add(t, r.choice(_ERRORS).format(n=n), replica, None, "ERROR")

    def progress(self, t: int, replica: str) -> None:
        r = self.rng
        total = r.choice((4.97, 9.94, 16.1))
        name = r.choice(("model-00001-of-00004.safetensors", "tokenizer.json", "model.safetensors"))
        pct = 0
        while pct < 100:
            pct = min(100, pct + self.between(7, 40))
            bar = ("█" * (pct // 10)).ljust(10)
            speed = self.between(120, 900)
            size = f"{total * pct / 100:.2f}G/{total}G"
            line = f"Downloading {name}: {pct:3d}%|{bar}| {size} [{speed}MB/s]"
            self.add(t, line, replica, None, None, "system")
            t += self.between(300, 2500) * NS_PER_MS + self.below(NS_PER_MS)

    def same_ns(self, t: int, replica: str) -> None:
        # A multi-line print split by the collector: every part carries one nanosecond.
        r = self.rng
        parts = [
            "Batch stats:",
            f"  size: {self.between(1, 33)}",
            f"  p50_ms: {self.between(20, 900)}",
        ]
        if r.random() < 0.5:
            parts.append(f"  p99_ms: {self.between(900, 4000)}")
        level = None if r.random() < 0.5 else "INFO"
        for index, part in enumerate(parts):
            self.print_parts[len(self.raw)] = (index, len(parts))
            self.add(t, part, replica, None, level)

    def duplicate(self, t: int, replica: str) -> None:
        # A logger with two handlers: the same line twice, identical in every field.
        message = self.json_line("WARNING", "Tokenizer has no pad token; using eos_token")
        self.raw.append((t, message, replica, None, "WARNING", "model"))
        self.raw.append((t, message, replica, None, "WARNING", "model"))

    def burst(self, size: int, replica: str) -> None:
        # Many lines flushed within one millisecond, a few sharing a nanosecond.
        r = self.rng
        ms_ns = self.start_ns + self.below(CHUNK_MS) * NS_PER_MS
        rid = request_id(r, ms_ns // NS_PER_MS)
        offsets = sorted(self.below(NS_PER_MS) for _ in range(size))
        for i in range(1, size):
            if r.random() < 0.1:
                offsets[i] = offsets[i - 1]
        for i, off in enumerate(offsets):
            self.raw.append((ms_ns + off, self.burst_line(i), replica, rid, "DEBUG", "model"))

    def burst_line(self, i: int) -> str:
        """The `i`th line of a burst flushed within one millisecond."""
        return self.json_line(
            "DEBUG", f"token {i} id={self.below(128000)} logprob=-{self.random():.3f}"
        )

    def startup(self, t: int) -> None:
        r = self.rng
        for replica in self.replicas:
            t0 = t + self.below(5000) * NS_PER_MS
            self.add(t0, f"Starting replica {replica}", replica, None, "INFO", "system")
            self.progress(t0 + 1000 * NS_PER_MS, replica)
            t1 = t0 + 25_000 * NS_PER_MS
            self.add(
                t1,
                self.pylog(t1, "INFO", f"Model loaded in {r.uniform(8, 20):.1f} s"),
                replica,
                None,
                "INFO",
            )
            up = "INFO:     Uvicorn running on http://0.0.0.0:8080 (Press CTRL+C to quit)"
            self.add(t1 + 40 * NS_PER_MS, up, replica, None, "INFO")

    def giant(self, ms: int) -> None:
        n = self.p.giant_burst_lines
        replicas = self.replicas[: max(1, self.p.giant_burst_replicas)]
        step = max(1, NS_PER_MS // max(n, 1))
        for i in range(n):
            msg = self.json_line("INFO", f"flush {i + 1:05d}/{n}")
            self.raw.append(
                (
                    ms * NS_PER_MS + min(i * step, NS_PER_MS - 1),
                    msg,
                    replicas[i % len(replicas)],
                    None,
                    "INFO",
                    "model",
                )
            )

    def build(self) -> None:
        r = self.rng
        mean = self.p.lines_per_s * CHUNK_MS / 1000
        target = max(0, round(r.gauss(mean, mean**0.5))) if mean > 0 else 0
        if target and r.random() < 0.12:
            self.burst(self.between(5, max(6, min(200, target // 3))), r.choice(self.replicas))
        while len(self.raw) < target:
            self.event(self.start_ns + self.below(CHUNK_NS), r.choice(self.replicas))
        del self.raw[target:]
        first_ms = self.dep.logs_from_ms
        if self.start_ns <= first_ms * NS_PER_MS < self.start_ns + CHUNK_NS:
            self.startup(first_ms * NS_PER_MS)
        self.finish()
        giant = self.p.giant_burst_at_ms
        if giant is not None and self.start_ns <= giant * NS_PER_MS < self.start_ns + CHUNK_NS:
            self.giant(giant)
        planted = self.p.planted
        if (
            planted is not None
            and self.start_ns <= planted.at_ms * NS_PER_MS < self.start_ns + CHUNK_NS
        ):
            self.retried(planted.at_ms * NS_PER_MS, self.replicas[0], planted.request_id)
        for restart in self.p.restarts:
            self.restart(restart)

    def restart(self, restart: Restart) -> None:
        """The replica's last words, its silence while down, and its start-up lines."""
        down_lo, down_hi = restart.crashed_ms * NS_PER_MS, restart.back_ms * NS_PER_MS
        if down_hi < self.start_ns or down_lo >= self.start_ns + CHUNK_NS:
            return
        self.raw = [
            raw for raw in self.raw if raw[2] != restart.replica or not down_lo <= raw[0] <= down_hi
        ]
        self.print_parts = {}  # indexes moved; the parts of a print arrive as any lines do here
        for ms, message, level, component in restart.lines():
            ts = ms * NS_PER_MS + self.below(NS_PER_MS)
            self.raw.append((ts, message, restart.replica, None, level, component))

    def event(self, t: int, replica: str) -> None:
        """A few related lines of a model server, at `t` on `replica`."""
        roll = self.random()
        if roll < 0.535:
            self.request(t, replica)
        elif roll < 0.55:
            self.retried(t, replica)
        elif roll < 0.88:
            self.single(t, replica)
        elif roll < 0.93:
            self.same_ns(t, replica)
        elif roll < 0.97:
            self.duplicate(t, replica)
        else:
            self.progress(t, replica)

    def finish(self) -> None:
        """Last words of a stream that ends (a model server has none: it is stopped)."""

    def lines(self) -> list[Line]:
        r = self.rng
        p = self.p
        lo = max(self.start_ns, self.dep.logs_from_ms * NS_PER_MS)
        hi = self.start_ns + CHUNK_NS
        if self.dep.logs_until_ms is not None:
            hi = min(hi, self.dep.logs_until_ms * NS_PER_MS)
        normal_ns = int(p.max_delay_s * 1e9)
        late_ns = int(p.max_late_s * 1e9)
        out: list[Line] = []
        split_ns = int(p.split_print_s * 1e9)
        for index, (ts, message, replica, rid, level, component) in enumerate(self.raw):
            if not lo <= ts < hi:
                continue
            if r.random() < p.late_share:
                delay = normal_ns + int(r.random() * max(late_ns - normal_ns, 0))
            else:
                delay = int(r.random() * normal_ns)
            if split_ns and index in self.print_parts:
                # The parts of one print arrive last part first, split_print_s apart.
                part, parts = self.print_parts[index]
                delay = (parts - 1 - part) * split_ns
            if len(message) < p.message_bytes:
                message += " " + "~" * (p.message_bytes - len(message) - 1)
            out.append(Line(ts, ts + delay, message, replica, rid, level, component, self.dep.id))
        # Stable: lines sharing a nanosecond keep generation order, the same on every request.
        out.sort(key=lambda line: line.ts)
        return out


class DeploymentGenerator:
    """The lazily generated log stream of one deployment."""

    builder: type[_Chunk] = _Chunk  # what the stream's lines are like (a training job's differ)

    def __init__(self, dep: Deployment, params: GenParams) -> None:
        self.dep = dep
        self.params = params
        self.replicas = replica_ids(dep.id, dep.log_replicas)

    def chunk_range(self) -> tuple[int, int | None]:
        """First and last chunk index holding lines (last None: still logging)."""
        until = self.dep.logs_until_ms
        return self.dep.logs_from_ms // CHUNK_MS, None if until is None else (until - 1) // CHUNK_MS

    def chunk(self, k: int) -> list[Line]:
        """Lines with timestamps in [k * 60 s, (k + 1) * 60 s), sorted by timestamp."""
        first, last = self.chunk_range()
        if k < first or (last is not None and k > last):
            return []
        builder = self.builder(self.params, self.dep, self.replicas, k)
        builder.build()
        return builder.lines()
