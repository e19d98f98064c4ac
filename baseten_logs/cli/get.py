"""`baseten-logs get` (and `chain`, `training`): flags made into a run, handed to the pipeline.

The command decides; reading/run.py reads. Here the sources (a Feed), the reader's settings,
the sinks (cli/sinks.py) and the run's outcome (reading/outcome.py) are put together once.
"""

from __future__ import annotations

from baseten_logs.access.config import Credentials
from baseten_logs.api.client import RetryPolicy
from baseten_logs.api.pace import DEFAULT_MAX_RPS, Concurrency
from baseten_logs.base.errors import ExitStatus
from baseten_logs.base.timeparse import Zone
from baseten_logs.cli.sinks import run_sinks
from baseten_logs.output.layout import LayoutFlags
from baseten_logs.reading.feed import Feed
from baseten_logs.reading.follow import FollowSettings
from baseten_logs.reading.outcome import Extras, Outcome
from baseten_logs.reading.query import LogQuery
from baseten_logs.reading.run import Run, execute


def run_get(
    *,
    query: LogQuery,
    credentials: Credentials,
    output: str,  # already checked against render.OUTPUT_FORMATS / COLOR_MODES
    color: str,
    zone: Zone | None,
    reverse: bool,
    layout: LayoutFlags | None = None,
    verbose: bool,
    follow: FollowSettings | None = None,
    follow_until_ms: int | None = None,
    concurrency: Concurrency = 1,
    attempts: int = RetryPolicy.attempts,
    extras: Extras | None = None,
    feed: Feed | None = None,
    max_rps: float = DEFAULT_MAX_RPS,
    look_back: bool = False,
    events: bool = False,
    timestamps: bool = True,
) -> ExitStatus:
    """Show `query`'s window (then follow it) from `feed`'s sources (default: query's own);
    `look_back` (no --since given): an empty window widens to the newest older lines;
    `layout`: how text lines are laid out (--prefix, --no-wrap, --message-only, --template);
    `events` (--events): replica start-ups among the lines."""
    extras = extras or Extras()
    feed = feed or Feed.single(query)
    sinks, tally = run_sinks(
        output,
        color,
        zone,
        extras,
        label_width=feed.label_width,
        layout=layout,
        timestamps=timestamps,
    )
    run = Run(
        feed,
        query,
        credentials,
        newest_first=reverse,
        concurrency=concurrency,
        follow=follow,
        follow_until_ms=follow_until_ms,
        look_back=look_back,
        zone=zone,
        verbose=verbose,
        attempts=attempts,
        max_rps=max_rps,
        events=events,
    )
    return execute(run, sinks, Outcome(extras, tally, verbose=verbose))
