"""The plan step: the flags of a command, each checked by its one parser, turned into what the
core takes (filters, credentials, a logs source, a LogPlan), before any request is sent.

Bad input ends here with a UsageError naming the flag (exit 2). Imports stay light: each parser
is imported when its command runs, so `--help` pays for none of them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from baseten_logs.base.errors import UsageError
from baseten_logs.output import messages

if TYPE_CHECKING:
    from baseten_logs.access.config import Credentials
    from baseten_logs.base.timeparse import Zone
    from baseten_logs.output.layout import LayoutFlags
    from baseten_logs.output.pipes import SaveFile
    from baseten_logs.reading.follow import FollowSettings
    from baseten_logs.reading.query import Filters, LogQuery
    from baseten_logs.sources.cache import Cache
    from baseten_logs.sources.source import LogsSource


def filters_of(
    level: str | None,
    replica: list[str] | None,
    request_id: str | None,
    component: str | None,
    grep: str | None,
    include: list[str] | None,
    exclude: list[str] | None,
    ignore_case: bool = False,
) -> Filters:
    from baseten_logs.reading.query import build_filters

    return build_filters(
        level=level,
        replica=replica,
        request_id=request_id,
        component=component,
        grep=grep,
        includes=include or (),
        excludes=exclude or (),
        ignore_case=ignore_case,
    )


def credentials_of(api_key: str | None, api_url: str | None, remote: str) -> Credentials:
    """The run's credentials; --profile (and whether --remote was typed) come from the run's
    context, where global_flags.py's --profile left them."""
    from baseten_logs.access.config import resolve_credentials
    from baseten_logs.cli.global_flags import login_choice

    profile, remote_given = login_choice()
    return resolve_credentials(
        api_key=api_key,
        api_url=api_url,
        remote=remote,
        profile=profile,
        remote_given=remote_given,
        warn=messages.warn,
    )


def name_cache(credentials: Credentials, no_cache: bool) -> Cache | None:
    from baseten_logs.sources.cache import cache_for

    return cache_for(credentials, enabled=not no_cache)


def logs_source_of(
    credentials: Credentials,
    *,
    model: str,
    deployment: str | None,
    env: str | None,
    no_cache: bool,
    verbose: bool,
    team: str | None = None,
) -> LogsSource:
    """Where the logs are: checked now, settled by the first logs request (see source.py)."""
    from baseten_logs.sources.resolve import logs_source

    return logs_source(
        model=model,
        deployment=deployment,
        environment=env,
        cache=name_cache(credentials, no_cache),
        warn=messages.warn,
        log=messages.info if verbose else None,
        team=team,
    )


def workers_of(concurrency: str) -> int | Literal["auto"]:
    from baseten_logs.reading.query import MAX_CONCURRENCY, parse_count

    if concurrency.strip().lower() == "auto":
        return "auto"
    hint = f"auto, or 1 to {MAX_CONCURRENCY}"
    workers = parse_count(concurrency, flag="--concurrency", hint=hint)
    if workers > MAX_CONCURRENCY:
        raise UsageError("--concurrency", f"{workers} is too many", hint=hint)
    return workers


MAX_RPS = 1000.0  # far above any key's budget today; a typo like 1e9 is still caught


def max_rps_of(value: str) -> float:
    """--max-rps: requests a second, a positive number (fractions too: 0.5 is one every 2 s)."""
    hint = "requests a second, e.g. 50 (the API allows 100)"
    try:
        rps = float(value)
    except ValueError:
        raise UsageError("--max-rps", f"{value!r} is not a number", hint=hint) from None
    if not 0 < rps <= MAX_RPS:  # also nan and inf
        raise UsageError("--max-rps", f"must be above 0 and at most {MAX_RPS:g}", hint=hint)
    return rps


def attempts_of(retries: str) -> int:
    from baseten_logs.reading.query import parse_count

    # Not parse_count's "e.g. 100": a hundred retries is never the fix.
    hint = "0 fails at once; the default is 5"
    return 1 + parse_count(retries, flag="--retries", minimum=0, hint=hint)


@dataclass(frozen=True)
class LayoutOptions:
    """--prefix, --no-wrap, --message-only, --verbatim and --template as typed."""

    prefix: str | None = None
    no_wrap: bool = False
    message_only: bool = False
    verbatim: bool = False
    template: str | None = None


def layout_options_of(flags: Mapping[str, Any], *, prefix: str | None) -> LayoutOptions:
    """The layout flags of a command's parameters (ctx.params: the same names everywhere);
    `prefix`: --prefix's form in effect (defaults.prefix_of: typed, else the defaults')."""
    return LayoutOptions(
        prefix=prefix,
        no_wrap=flags["no_wrap"],
        message_only=flags["message_only"],
        verbatim=flags["verbatim"],
        template=flags["template"],
    )


def layout_of(output: str, options: LayoutOptions) -> tuple[str, LayoutFlags]:
    """The layout flags checked, and the output they make: --template alone means -o template
    (as stern's does); with another -o it is refused rather than ignored."""
    from baseten_logs.output.layout import PREFIX_FORMS, LayoutFlags, PrefixForm
    from baseten_logs.output.render_template import TemplateError, parse_template
    from baseten_logs.reading.query import parse_choice

    prefix = (
        None
        if options.prefix is None
        else cast(PrefixForm, parse_choice(options.prefix, flag="--prefix", choices=PREFIX_FORMS))
    )
    if options.message_only and options.verbatim:
        raise UsageError("--message-only", "cannot be combined with --verbatim", hint="choose one")
    template = None
    if options.template is not None:
        if output not in ("text", "template"):
            raise UsageError(
                "--template", f"cannot be combined with -o {output}", hint="use -o template"
            )
        output = "template"
        try:
            template = parse_template(options.template)
        except TemplateError as error:
            raise UsageError(
                "--template", str(error), hint="e.g. --template '{time} {replica} {message}'"
            ) from None
    flags = LayoutFlags(
        prefix=prefix,
        no_wrap=options.no_wrap,
        # Neither flag: the terminal decides (output/layout.choose_layout).
        message_only=True if options.message_only else False if options.verbatim else None,
        template=template,
    )
    return output, flags


@dataclass(frozen=True)
class LogPlan:
    """What `get`, `chain` and `training` were asked for, every flag checked, nothing sent."""

    output: str
    color: str
    count: int | None
    follow: FollowSettings | None
    fail_on: str | None
    workers: int | Literal["auto"]
    rps: float
    attempts: int
    filters: Filters
    since_ms: int
    until_ms: int
    follow_until_ms: int | None
    look_back: bool  # no --since, no -f: an empty window widens (look_back.py)
    layout: LayoutFlags | None = None  # --prefix, --no-wrap, --message-only, --template
    zone: Zone | None = None  # --tz/--utc: times read and shown; None: local, unmarked

    def query(
        self, path: str, *, source: LogsSource | None = None, filters: Filters | None = None
    ) -> LogQuery:
        from baseten_logs.reading.query import LogQuery

        return LogQuery(
            path=path,
            since_ms=self.since_ms,
            until_ms=self.until_ms,
            filters=self.filters if filters is None else filters,
            limit=self.count,
            source=source,
        )


def log_plan(
    *,
    quiet: bool,
    output: str,
    color: str,
    all_lines: bool,
    limit: str | None,
    follow: bool,
    reverse: bool,
    since: str | None,
    until: str | None,
    overlap: str,
    fail_on: str | None,
    concurrency: str,
    max_rps: str,
    retries: str,
    filters: Filters,
    layout: LayoutOptions | None = None,
    zone: Zone | None = None,
) -> LogPlan:
    """The checks of the log-printing commands' shared flags, before anything is sent."""
    from baseten_logs.output.render import (
        OUTPUT_FORMATS,  # the renderer's list: one place says what exists
    )
    from baseten_logs.reading.query import (
        COLOR_MODES,
        DEFAULT_WINDOW_MS,
        follow_settings_for,
        parse_choice,
        parse_count,
        parse_fail_on,
        resolve_window,
        screenful,
    )

    messages.set_quiet(quiet)
    output_format = parse_choice(output, flag="--output", choices=OUTPUT_FORMATS)
    output_format, layout_flags = layout_of(output_format, layout or LayoutOptions())
    color_mode = parse_choice(color, flag="--color", choices=COLOR_MODES)
    if all_lines and limit is not None:
        raise UsageError("--all", "cannot be combined with -n/--limit", hint="choose one")
    if follow and reverse:  # newest first needs the stream's end
        raise UsageError(
            "-f/--follow",
            "cannot be combined with --reverse",
            hint="follow prints oldest first; drop --reverse",
        )
    if follow and output_format == "json":  # one array: it needs the stream's end
        raise UsageError("-f/--follow", "cannot be combined with -o json", hint="use -o jsonl")
    if follow and output_format == "github":  # its groups per replica need the stream's end
        raise UsageError(
            "-f/--follow",
            "cannot be combined with -o github, which groups a finished window by replica",
            hint="in CI drop -f and give --since/--until; to watch, follow with -o text",
        )
    if all_lines or (follow and since is not None and limit is None):
        count = None  # -f --since: the whole window asked for, then new lines
    elif follow and limit is None:
        count = screenful()
    else:
        # -f -n 0, as with tail and kubectl: only the lines that arrive from now on.
        count = parse_count(limit or "500", flag="-n/--limit", minimum=0 if follow else 1)
    follow_settings = follow_settings_for(overlap) if follow else None
    failing_level = parse_fail_on(fail_on)
    workers = workers_of(concurrency)
    rps = max_rps_of(max_rps)
    attempts = attempts_of(retries)
    since_ms, until_ms = resolve_window(since=since, until=until, zone=zone)
    follow_until_ms = None
    if follow:
        # -f with --until: open with the window up to now, then follow until --until.
        now_ms = int(time.time() * 1000)
        follow_until_ms = until_ms if until is not None else None
        until_ms = min(until_ms, now_ms)
        if since is None:  # the opening window ends now, however far ahead --until is
            since_ms = until_ms - DEFAULT_WINDOW_MS
        since_ms = min(since_ms, until_ms)
    return LogPlan(
        output=output_format,
        color=color_mode,
        count=count,
        follow=follow_settings,
        fail_on=failing_level,
        workers=workers,
        rps=rps,
        attempts=attempts,
        filters=filters,
        since_ms=since_ms,
        until_ms=until_ms,
        follow_until_ms=follow_until_ms,
        look_back=since is None and not follow,
        layout=layout_flags,
        zone=zone,
    )


def open_save(save: str | None) -> SaveFile | None:
    """--save's file, prepared (a bad path is bad input: found before any request)."""
    from baseten_logs.output.pipes import open_save_file

    return open_save_file(save) if save else None
