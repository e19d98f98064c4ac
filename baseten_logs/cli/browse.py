"""`baseten-logs browse`: the flags planned as `get -f` plans them (cli/plan.py: the same
checks, source resolution and window), the run built as `get` builds it, handed to the browser
(browse/session.py) instead of the screen's renderer."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from baseten_logs.base.errors import UsageError
from baseten_logs.cli.plan import credentials_of, filters_of, log_plan, logs_source_of
from baseten_logs.output.terminal import is_terminal

if TYPE_CHECKING:
    from baseten_logs.browse.lines import ViewFilter
    from baseten_logs.browse.reader import Stop
    from baseten_logs.reading.run import Run

DEFAULT_OPENING = "1000"  # lines to open on: a few screens to scroll back through at once


def run_browse(**flags: Any) -> None:
    """Every flag checked (exit 2, nothing sent), then the browser until it is closed."""
    planned = plan_browse(**flags)
    if not (is_terminal(sys.stdin, os.environ) and is_terminal(sys.stdout, os.environ)):
        raise UsageError(
            "browse",
            "needs a terminal (stdin and stdout)",
            hint="to print or pipe logs use get, e.g. get MODEL -f",
        )
    from baseten_logs.browse.session import browse

    browse(
        planned.run_of,
        title=planned.title,
        max_lines=planned.max_lines,
        utc=planned.utc,
        save_name=planned.save_name,
        view_filter=planned.view_filter,
    )


@dataclass(frozen=True)
class BrowsePlan:
    """What the browser is given: the run (made once it has its stop), and how to show it."""

    run_of: Callable[[Stop], Run]
    title: str
    max_lines: int
    utc: bool
    save_name: str
    view_filter: ViewFilter  # --level and --grep: the view's filter to start with


def plan_browse(
    *,
    model: str,
    deployment: str | None,
    env: str | None,
    team: str | None,
    since: str | None,
    limit: str | None,
    max_lines: str,
    overlap: str,
    utc: bool,
    api_key: str | None,
    api_url: str | None,
    remote: str,
    no_cache: bool,
    retries: str,
    max_rps: str,
    level: str | None = None,
    grep: str | None = None,
) -> BrowsePlan:
    """The flags checked as `get -f` checks them, the source found as `get` finds it."""
    from baseten_logs.reading.query import parse_count

    plan = log_plan(
        quiet=False,
        output="text",
        color="auto",
        all_lines=False,
        limit=limit if limit is not None or since is not None else DEFAULT_OPENING,
        follow=True,
        reverse=False,
        since=since,
        until=None,
        overlap=overlap,
        fail_on=None,
        concurrency="auto",
        max_rps=max_rps,
        retries=retries,
        filters=filters_of(None, None, None, None, None, None, None),
    )
    cap = parse_count(max_lines, flag="--max-lines", hint="e.g. 100000")
    # --level and --grep are checked as get's are, and start the view's own filter (keys change
    # it): every line is read, so showing the hidden ones again needs no new request.
    from baseten_logs.browse.lines import LevelToggles, ViewFilter

    wanted = filters_of(level, None, None, None, grep, None, None)
    view_filter = ViewFilter(LevelToggles.at_least(wanted.min_level), wanted.search_pattern or "")
    credentials = credentials_of(api_key, api_url, remote)
    source = logs_source_of(
        credentials,
        model=model,
        deployment=deployment,
        env=env,
        no_cache=no_cache,
        verbose=False,
        team=team,
    )
    query = plan.query(source.path, source=source)
    from baseten_logs.base.timeparse import UTC
    from baseten_logs.reading.feed import Feed
    from baseten_logs.reading.run import Run

    def run_of(stop: Stop) -> Run:
        return Run(
            Feed.single(query),
            query,
            credentials,
            concurrency=plan.workers,
            follow=plan.follow,
            zone=UTC if utc else None,
            attempts=plan.attempts,
            max_rps=plan.rps,
            sleep=stop.sleep,
        )

    where = f"env {env}" if env else deployment or "production"
    return BrowsePlan(
        run_of,
        title=f"{model} {where}",
        max_lines=cap,
        utc=utc,
        save_name=f"{model}-logs.jsonl",
        view_filter=view_filter,
    )
