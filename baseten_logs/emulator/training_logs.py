"""A training job's log lines: steps with a falling loss, epochs, evals, checkpoints, an OOM.

The same chunked, deterministic generator as a model server's (generate.py), so levels that only
the text shows, tracebacks, bursts in one millisecond, duplicates and late arrivals are all
there; only the events differ. Where the job is is a function of time since its first line (a
step every half second), so every chunk agrees on the step, epoch and loss without state.
"""

from __future__ import annotations

import math

from .generate import DeploymentGenerator, _Chunk, _pylog_time
from .lines import CHUNK_NS, NS_PER_MS

STEP_MS = 2_000
STEPS_PER_EPOCH = 6_000  # about 3 h 20 min an epoch
CHECKPOINT_EVERY = 1_000  # steps
BATCH = 16
_TRAIN_FRAMES = (
    'File "/app/train.py", line 142, in train_step\n'
    "    loss.backward()\n"
    '  File "/usr/local/lib/python3.11/site-packages/torch/_tensor.py", line 521, in backward\n'
    "    torch.autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)"
)
_DATA_FRAMES = (
    'File "/usr/local/lib/python3.11/site-packages/torch/utils/data/dataloader.py", line 1328, '
    "in _next_data\n    idx, data = self._get_data()"
)
_WARNINGS = (
    "[WARNING] gradient overflow at step {step}; loss scale lowered to 32768.0",
    '{{"severity": "WARNING", "message": "dataloader slow: batch took {n}00 ms"}}',
    'level=warn msg="GPU memory high" used_pct={n} step={step}',
)
_ERRORS = (
    "[ERROR] NCCL watchdog: collective operation timed out after {n} s on rank 3",
    '{{"level": "error", "message": "checkpoint shard upload failed (attempt {n})"}}',
    'level=error msg="metrics push failed" err="connection refused" step={step}',
)
_DEBUGS = (
    'level=debug msg="batch prefetched" step={step} queue={n}',
    '{{"severity": "DEBUG", "message": "grad accumulation {n}/8"}}',
    "DEBUG:trainer:allreduce bucket {n} done",
)


class _TrainingChunk(_Chunk):
    """One chunk of a training job's stream (see the module)."""

    def step_at(self, t: int) -> int:
        return max(0, (t // NS_PER_MS - self.dep.logs_from_ms) // STEP_MS)

    def loss_at(self, step: int) -> float:
        return 0.35 + 2.2 * math.exp(-step / 4_000) + (self.random() - 0.5) * 0.08

    def pylog(self, ts: int, level: str, message: str) -> str:
        return f"{_pylog_time(ts)} - trainer - {level} - {message}"

    def event(self, t: int, replica: str) -> None:
        roll = self.random()
        step = self.step_at(t)
        if roll < 0.5:
            self.step_line(t, replica, step)
        elif roll < 0.54:
            self.eval_line(t, replica, step)
        elif roll < 0.66:
            self.add(t, self._pick(_DEBUGS, step), replica, None, "DEBUG")
        elif roll < 0.76:
            self.add(t, self._pick(_WARNINGS, step), replica, None, "WARNING")
        elif roll < 0.81:
            self.checkpoint(t, replica, step)
        elif roll < 0.86:
            self.add(t, self._pick(_ERRORS, step), replica, None, "ERROR")
        elif roll < 0.89:
            self.oom(t, replica, step)
        elif roll < 0.9:
            self.dataloader_crash(t, replica)
        elif roll < 0.91:
            message = f"[WARNING] loss is NaN at step {step}; skipping the batch"
            self.add(t, message, replica, None, "WARNING")
        elif roll < 0.95:
            self.same_ns_summary(t, replica, step)
        elif roll < 0.98:
            self.duplicate(t, replica)
        else:
            self.progress(t, replica)

    def _pick(self, forms: tuple[str, ...], step: int) -> str:
        return forms[self.below(len(forms))].format(n=self.between(2, 99), step=step)

    def step_line(self, t: int, replica: str, step: int) -> None:
        loss = self.loss_at(step)
        lr = 2e-4 * max(0.05, 1 - step / 60_000)
        epoch = step / STEPS_PER_EPOCH
        if self.random() < 0.5:
            message = (
                f"{{'loss': {loss:.4f}, 'grad_norm': {0.4 + self.random():.4f}, "
                f"'learning_rate': {lr:.3e}, 'epoch': {epoch:.2f}}}"
            )
        else:
            pace = STEP_MS / 1000 + (self.random() - 0.5) * 0.2
            message = self.pylog(
                t,
                "INFO",
                f"step {step} | epoch {int(epoch) + 1} | loss {loss:.4f} | lr {lr:.2e} | "
                f"{pace:.2f} s/it",
            )
        self.add(t, message, replica, None, "INFO")

    def eval_line(self, t: int, replica: str, step: int) -> None:
        loss = self.loss_at(step) + 0.1
        message = (
            f"{{'eval_loss': {loss:.4f}, 'eval_runtime': {self.between(8, 40)}.{self.below(10)}, "
            f"'epoch': {step / STEPS_PER_EPOCH:.2f}}}"
        )
        self.add(t, message, replica, None, "INFO")

    def checkpoint(self, t: int, replica: str, step: int) -> None:
        name = f"checkpoint-{step // CHECKPOINT_EVERY * CHECKPOINT_EVERY}"
        self.add(t, f"Saving model checkpoint to /mnt/checkpoints/{name}", replica, None, "INFO")
        t += self.between(5_000, 30_000) * NS_PER_MS
        saved = f"Checkpoint {name} saved ({self.between(2, 9)}.{self.below(10)} GiB)"
        self.add(t, self.json_line("INFO", saved), replica, None, "INFO")

    def oom(self, t: int, replica: str, step: int) -> None:
        """A CUDA out-of-memory error, and the job resuming from its last checkpoint."""
        message = (
            f"Traceback (most recent call last):\n  {_TRAIN_FRAMES}\n"
            "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB"
        )
        self.add(t, message, replica, None, "ERROR")
        t += self.between(1, 20) * NS_PER_MS
        resumed = (
            f"OOM at step {step}: per-device batch size {BATCH} -> {BATCH // 2}, resuming from "
            f"checkpoint-{step // CHECKPOINT_EVERY * CHECKPOINT_EVERY}"
        )
        self.add(t, self.pylog(t, "WARNING", resumed), replica, None, "WARNING")

    def dataloader_crash(self, t: int, replica: str) -> None:
        message = (
            f"Traceback (most recent call last):\n  {_DATA_FRAMES}\n"
            f"RuntimeError: DataLoader worker (pid {self.between(100, 9999)}) is killed by "
            "signal: Killed."
        )
        self.add(t, message, replica, None, "ERROR")

    def same_ns_summary(self, t: int, replica: str, step: int) -> None:
        """An epoch summary printed at once and split by the collector: one nanosecond."""
        parts = [
            f"Epoch {step // STEPS_PER_EPOCH + 1} summary:",
            f"  train_loss: {self.loss_at(step):.4f}",
            f"  tokens_per_s: {self.between(1500, 4000)}",
        ]
        level = None if self.random() < 0.5 else "INFO"
        for index, part in enumerate(parts):
            self.print_parts[len(self.raw)] = (index, len(parts))
            self.add(t, part, replica, None, level)

    def burst_line(self, i: int) -> str:
        return self.json_line("DEBUG", f"micro-batch {i} loaded ({self.between(1, BATCH)} samples)")

    def startup(self, t: int) -> None:
        replica = self.replicas[0]
        self.add(t, f"Starting training job {self.dep.name} on 1 node", replica, None, "INFO")
        self.progress(t + 1_000 * NS_PER_MS, replica)
        t += 60_000 * NS_PER_MS
        loaded = f"Loaded dataset: {self.between(20, 90)},000 train / 2,000 eval examples"
        self.add(t, self.pylog(t, "INFO", loaded), replica, None, "INFO")
        running = (
            f"***** Running training ***** per-device batch size {BATCH}, "
            f"{STEPS_PER_EPOCH} steps an epoch"
        )
        self.add(t + 40 * NS_PER_MS, running, replica, None, "INFO")

    def finish(self) -> None:
        """A job that ended says so in its very last line."""
        until = self.dep.logs_until_ms
        if until is None:
            return
        t = until * NS_PER_MS - 1
        if not self.start_ns <= t < self.start_ns + CHUNK_NS:
            return
        step = self.step_at(t)
        done = (
            f"Training completed: {step} steps, {step / STEPS_PER_EPOCH:.1f} epochs, "
            f"final loss {self.loss_at(step):.4f}; model saved to /mnt/checkpoints/final"
        )
        self.add(t, self.pylog(t, "INFO", done), self.replicas[0], None, "INFO")


class TrainingGenerator(DeploymentGenerator):
    """The lazily generated log stream of one training job."""

    builder = _TrainingChunk
