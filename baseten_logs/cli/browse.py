"""`baseten-logs browse`: the flags planned as `get -f` plans them (cli/plan.py: the same
checks, source resolution and window), the run built as `get` builds it, handed to the browser
(browse/session.py) instead of the screen's renderer.

Its sources are `get`'s, `chain`'s and `training`'s: a deployment (or an environment), with
`--chain` a chain's chainlets (cli/chain.chain_feed), with `--training` a training job
(cli/training.training_feed). Each is the very Feed those commands read, so paging, the
follower, the local filters and the errors (and their exit statuses) are theirs too.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from baseten_logs.base.errors import UsageError
from baseten_logs.cli.plan import (
    LogPlan,
    credentials_of,
    filters_of,
    log_plan,
    logs_source_of,
    name_cache,
)
from baseten_logs.output.terminal import is_terminal

if TYPE_CHECKING:
    from baseten_logs.access.config import Credentials
    from baseten_logs.base.timeparse import Zone
    from baseten_logs.browse.lines import ViewFilter
    from baseten_logs.browse.reader import Stop
    from baseten_logs.reading.feed import Feed
    from baseten_logs.reading.query import LogQuery
    from baseten_logs.reading.run import Run

DEFAULT_OPENING = "1000"  # lines to open on: a few screens to scroll back through at once

# What is read, found once the input is good (a chain's chainlets and a training job take a
# request to find): the Feed (None: the query's own source) and the opening window.
Sources = Callable[[], "tuple[Feed | None, LogQuery]"]


def run_browse(**flags: Any) -> None:
    """Every flag checked (exit 2, nothing sent), then the browser until it is closed."""
    planned = plan_browse(**flags)
    needs_terminal()
    planned.resolve()  # an unknown chain or job is told as `chain` and `training` tell it
    from baseten_logs.browse.session import browse

    browse(
        planned.run_of,
        title=planned.title,
        max_lines=planned.max_lines,
        utc=planned.zone or False,
        save_name=planned.save_name,
        view_filter=planned.view_filter,
    )


def needs_terminal() -> None:
    """A full-screen view off a terminal is bad input (exit 2), said before any request."""
    if not (is_terminal(sys.stdin, os.environ) and is_terminal(sys.stdout, os.environ)):
        raise UsageError(
            "browse",
            "needs a terminal (stdin and stdout)",
            hint="to print or pipe logs use get, e.g. get MODEL -f",
        )


@dataclass
class BrowsePlan:
    """What the browser is given: the run (made once it has its stop), and how to show it."""

    sources: Sources
    plan: LogPlan
    credentials: Credentials
    title: str
    max_lines: int
    zone: Zone | None  # --tz/--utc (or the setting); None: local time
    save_name: str
    view_filter: ViewFilter  # --level and --grep: the view's filter to start with
    _found: tuple[Feed | None, LogQuery] | None = field(default=None, repr=False)

    def resolve(self) -> tuple[Feed | None, LogQuery]:
        """The sources found (once): requests for a chain or a training job."""
        if self._found is None:
            self._found = self.sources()
        return self._found

    def run_of(self, stop: Stop) -> Run:
        from baseten_logs.reading.feed import Feed
        from baseten_logs.reading.run import Run

        feed, query = self.resolve()
        plan = self.plan
        return Run(
            feed or Feed.single(query),
            query,
            self.credentials,
            concurrency=plan.workers,
            follow=plan.follow,
            zone=plan.zone,
            attempts=plan.attempts,
            max_rps=plan.rps,
            sleep=stop.sleep,
        )


def plan_browse(
    *,
    model: str | None,
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
    tz: str | None = None,
    chain: bool = False,
    chainlet: list[str] | None = None,
    training: bool = False,
) -> BrowsePlan:
    """The flags checked as `get -f` checks them (and `chain`'s and `training`'s inputs as
    theirs), nothing sent: the sources are found when the plan is resolved."""
    from baseten_logs.cli.defaults import zone_of
    from baseten_logs.reading.query import parse_count

    zone = zone_of(tz, utc)
    model = source_name(model, chain=chain, training=training)
    check_source_flags(
        model=model,
        deployment=deployment,
        env=env,
        team=team,
        chain=chain,
        chainlets=chainlet or [],
        training=training,
    )
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
        zone=zone,
    )
    cap = parse_count(max_lines, flag="--max-lines", hint="e.g. 100000")
    # --level and --grep are checked as get's are, and start the view's own filter (keys change
    # it): the opening and the follower read every line, so showing the hidden ones again needs
    # no new request (a look back asks for what the view shows: browse/server_filter).
    from baseten_logs.browse.lines import LevelToggles, ViewFilter

    wanted = filters_of(level, None, None, None, grep, None, None)
    view_filter = ViewFilter(LevelToggles.at_least(wanted.min_level), wanted.search_pattern or "")
    credentials = credentials_of(api_key, api_url, remote)
    if chain:
        sources = chain_sources(
            plan, credentials, chain=model, deployment=deployment, env=env,
            chainlets=chainlet or [], no_cache=no_cache,
        )  # fmt: skip
        title = f"chain {model} {f'env {env}' if env else deployment or 'production'}"
    elif training:
        sources = training_sources(
            plan, credentials, project=model, job=deployment, since_given=since is not None
        )
        title = f"training {model} {deployment or '(newest job)'}"
    else:
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

        def sources() -> tuple[Feed | None, LogQuery]:
            return None, query

        title = f"{model} {f'env {env}' if env else deployment or 'production'}"
    return BrowsePlan(
        sources,
        plan,
        credentials,
        title=title + zone_note(zone),
        max_lines=cap,
        zone=zone,
        save_name=f"{model}-logs.jsonl",
        view_filter=view_filter,
    )


def source_name(model: str | None, *, chain: bool, training: bool) -> str:
    """MODEL as typed, else the default model as `get` takes it; a chain (--chain) or a training
    project (--training) has no default, so there it must be typed (exit 2)."""
    from baseten_logs.cli.defaults import model_of

    if not (chain or training):
        return model_of(model)  # the default's, or the name typed, checked as a model's
    if model is None:
        flag, kind = ("--chain", "chain") if chain else ("--training", "training project")
        raise UsageError("MODEL", "is missing", hint=f"with {flag} MODEL names the {kind}")
    return model  # checked as the chain's or the project's name by check_source_flags


def zone_note(zone: Zone | None) -> str:
    """The zone chosen, named once in the title: the time column has no room for its mark."""
    if zone is None:
        return ""
    import time

    from baseten_logs.base.timeparse import zone_label

    return f" (times {zone_label(zone, int(time.time() * 1000))})"


def check_source_flags(
    *,
    model: str,
    deployment: str | None,
    env: str | None,
    team: str | None,
    chain: bool,
    chainlets: list[str],
    training: bool,
) -> None:
    """--chain and --training as `chain` and `training` check their inputs (exit 2)."""
    from baseten_logs.cli.tool_plans import check_chain_flags

    if chain and training:
        raise UsageError("--training", "cannot be combined with --chain", hint="choose one")
    check_chain_flags(
        chain=chain,
        chainlets=chainlets,
        team=team,
        model=model,
        deployment=deployment,
        env=env,
        chainlet_hint="give --chain with MODEL naming the chain",
    )
    if training:
        from baseten_logs.sources.training import check_training_input

        for flag, value in (("--env", env), ("--team", team)):
            if value is not None:
                raise UsageError(flag, "cannot be combined with --training", hint=f"drop {flag}")
        check_training_input(project=model, job=deployment)


def chain_sources(
    plan: LogPlan,
    credentials: Credentials,
    *,
    chain: str,
    deployment: str | None,
    env: str | None,
    chainlets: list[str],
    no_cache: bool,
) -> Sources:
    """`chain`'s sources: every chainlet (or those named), each line labelled with its own."""

    def sources() -> tuple[Feed | None, LogQuery]:
        from baseten_logs.cli.chain import chain_feed

        feed, _ = chain_feed(
            chain=chain,
            deployment=deployment,
            environment=env,
            chainlets=chainlets,
            query=plan.query(""),
            credentials=credentials,
            verbose=False,
            attempts=plan.attempts,
            cache=name_cache(credentials, no_cache),
        )
        return feed, feed.parts[0].query

    return sources


def training_sources(
    plan: LogPlan, credentials: Credentials, *, project: str, job: str | None, since_given: bool
) -> Sources:
    """`training`'s source: the job (the project's newest by default), its lifetime the window
    with no --since, followed until the job has ended."""

    def sources() -> tuple[Feed | None, LogQuery]:
        from baseten_logs.cli.training import training_feed

        feed, query, _ = training_feed(
            project=project,
            job=job,
            query=plan.query(""),
            credentials=credentials,
            verbose=False,
            attempts=plan.attempts,
            follow=plan.follow,
            since_given=since_given,
        )
        return feed, query

    return sources
