"""The emulator's training jobs log like training jobs: steps, loss, epochs, checkpoints, OOMs."""

from __future__ import annotations

import re

from baseten_logs.base.levels import effective_level
from baseten_logs.emulator import Emulator
from baseten_logs.emulator.chains import TRAINING_JOB_ID, TRAINING_OLD_JOB_ID, TRAINING_PROJECT_ID

HOUR_MS = 3_600_000


def _messages(emu: Emulator, job_id: str, hours: float, end_ms: int) -> list[str]:
    since = end_ms - int(hours * HOUR_MS)
    lines = emu.job_ground_truth(TRAINING_PROJECT_ID, job_id, since, end_ms)
    return [line["message"] for line in lines]


def test_a_running_job_logs_steps_loss_epochs_checkpoints_and_an_oom(emu: Emulator) -> None:
    messages = _messages(emu, TRAINING_JOB_ID, 2, emu.now_ms())
    text = "\n".join(messages)
    assert re.search(r"step \d+ \| epoch \d+ \| loss \d\.\d{4}", text)
    assert re.search(r"\{'loss': \d\.\d{4}, 'grad_norm': [\d.]+, 'learning_rate': ", text)
    assert "'eval_loss': " in text
    assert re.search(r"Saving model checkpoint to /mnt/checkpoints/checkpoint-\d+000", text)
    assert "torch.OutOfMemoryError: CUDA out of memory" in text
    assert re.search(r"OOM at step \d+: per-device batch size 16 -> 8", text)
    assert not re.search(r"Received request|Generated \d+ tokens|POST /predict", text)


def test_the_loss_falls_as_the_steps_go_on(emu: Emulator) -> None:
    now = emu.now_ms()
    losses = [
        float(m)
        for m in re.findall(
            r"\| loss (\d\.\d+)", "\n".join(_messages(emu, TRAINING_JOB_ID, 6, now))
        )
    ]
    tenth = len(losses) // 10
    assert sum(losses[:tenth]) / tenth > sum(losses[-tenth:]) / tenth + 0.1


def test_a_finished_job_ends_with_its_summary_and_has_errors_only_its_text_shows(
    emu: Emulator,
) -> None:
    job = emu.catalogue.training_projects[0].job(TRAINING_OLD_JOB_ID)
    assert job is not None and job.dep.logs_until_ms is not None
    end = job.dep.logs_until_ms
    lines = emu.job_ground_truth(TRAINING_PROJECT_ID, TRAINING_OLD_JOB_ID, end - HOUR_MS, end)
    assert lines[-1]["message"].split(" - ")[-1].startswith("Training completed: ")
    assert any(line["level"] is None and effective_level(line) == "ERROR" for line in lines)
