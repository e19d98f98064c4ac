"""`baseten-logs training`: a training job's logs, with get's filters applied locally.

The training logs endpoint takes only the window, `direction`, `limit` and `min_level`. Every
filter is applied here instead, with filtering.py's matcher (the meaning `get` and `view` give
them); `--level` too, since the endpoint's `min_level` drops the unlevelled lines that `get
--level` keeps when their text shows the level. -n N pages until N lines matched or the window
ended (feed.py); -f stops after a final sweep once the job reached a final status.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from baseten_logs import messages
from baseten_logs.client import RetryPolicy
from baseten_logs.commands.get import run_get
from baseten_logs.config import Credentials
from baseten_logs.errors import ExitStatus
from baseten_logs.feed import Feed, Part
from baseten_logs.fetch import open_client
from baseten_logs.progress import describe_filters
from baseten_logs.query import Filters, LogQuery
from baseten_logs.training import job_ended, job_state, resolve_training


def run_training(
    *,
    project: str,
    job: str | None,
    query: LogQuery,
    credentials: Credentials,
    verbose: bool,
    attempts: int = RetryPolicy.attempts,
    **shown: Any,  # run_get's other arguments: output, color, follow, extras...
) -> ExitStatus:
    log = messages.info if verbose else None
    with open_client(credentials, log=log, retry=RetryPolicy(attempts=attempts)) as client:
        target = resolve_training(client, project, job)
    local = query.filters
    if verbose:
        messages.info(f"{target.label}: {target.status or 'status unknown'}")
        if local != Filters():
            lacking = describe_filters(local)
            messages.info(f"applied locally (the training logs endpoint lacks them): {lacking}")
    sent = replace(query, path=target.logs_path, source=None, filters=Filters())
    feed = Feed(
        (Part(sent),),
        local=local,
        stop_check=lambda client: job_ended(client, target),
        state=lambda client: job_state(target),
    )
    return run_get(
        query=replace(sent, filters=local),  # the window, and the filters messages name
        feed=feed,
        credentials=credentials,
        verbose=verbose,
        attempts=attempts,
        **shown,
    )
