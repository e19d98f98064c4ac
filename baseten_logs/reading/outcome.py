"""What a run leaves behind, in one place: gap warnings, "nothing matched" and case hints, the
exit status, the --save file, -v's counts and --summary.

Every reader reports a crowded millisecond here (`Outcome.on_gap`), the pipeline reports an empty
window and the case hints here and counts its requests here, and however the run ended `finish`
settles what the user is owed; `status` is then the exit status the command returns (1 for
--fail-on, 6 for a gap, else 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from baseten_logs.base.errors import ExitStatus
from baseten_logs.base.timeparse import Zone, format_ms
from baseten_logs.output import messages
from baseten_logs.output.pipes import SaveFile
from baseten_logs.output.summary import Tally
from baseten_logs.reading.progress import nothing_matched
from baseten_logs.reading.query import LogQuery

if TYPE_CHECKING:
    from baseten_logs.reading.parallel import ParallelWindow


@dataclass(frozen=True)
class Extras:
    """What scripts and CI steps ask for besides the lines themselves."""

    save_file: SaveFile | None = None  # --save, prepared (and so checked) before any request
    fail_on: str | None = None  # --fail-on LEVEL|ANY: exit 1 when such a line was shown
    summary: bool = False  # --summary: counts on stderr at the end


# How a crowded millisecond was asked for, in the warning's words (see feed.crowd_reach).
REACH = "a page from each end, replica by replica"


def warn_gap(ms: int, *, narrowing: bool = True, reach: str = REACH) -> None:
    """A crowded millisecond; `narrowing`: the command has filters that would thin it out;
    `reach`: what the endpoint let the run ask for it with."""
    messages.warn(
        f"more lines share the millisecond {format_ms(ms)} than the API can return "
        f"({reach}); some of them are not shown"
        + (" (narrow with --replica, --request-id or --grep)" if narrowing else "")
    )


def end_run(
    extras: Extras, tally: Tally | None, *, completed: bool, requests: int, verbose: bool
) -> None:
    """What a run leaves behind however it ended: the --save file, -v's count, --summary."""
    try:
        if extras.save_file is not None:
            # Renamed into place if the run completed or wrote a line (also on Ctrl-C or
            # SIGTERM); a run that failed before its first line leaves FILE as it was.
            extras.save_file.finish(complete=completed)
    finally:
        if verbose:
            messages.info(f"{requests} request{'' if requests == 1 else 's'}")
        if tally is not None and extras.summary:
            messages.report(tally.describe(requests=requests))


def outcome(extras: Extras, tally: Tally | None, gaps: list[int]) -> ExitStatus:
    """1 when --fail-on matched, 6 when a crowded millisecond could not be shown whole."""
    if tally is not None and extras.fail_on and tally.count_at_or_above(extras.fail_on):
        return ExitStatus.MATCHED
    return ExitStatus.INCOMPLETE if gaps else ExitStatus.OK


@dataclass
class Outcome:
    """One run's outcome, filled in as it reads: the pipeline's stages report to it, never
    back to the command that built them."""

    extras: Extras = field(default_factory=Extras)
    tally: Tally | None = None  # the --summary/--fail-on sink's counts
    verbose: bool = False
    gaps: list[int] = field(default_factory=list)
    requests: int = 0
    completed: bool = False
    windows: list[ParallelWindow] = field(default_factory=list)  # -v's parallel summary
    reach: str = REACH  # how the run's endpoint lets a crowded millisecond be asked for

    def on_gap(self, ms: int) -> None:
        self.gaps.append(ms)
        warn_gap(ms, reach=self.reach)

    def nothing_matched(self, query: LogQuery, *, zone: Zone | None) -> None:
        """The window held no line that passed the filters: say so, and which filters."""
        messages.info(nothing_matched(query.since_ms, query.until_ms, query.filters, zone=zone))

    def hint(self, hints: Sequence[str]) -> None:
        """Hints on what was typed (an id in another case, see idcase.py): warnings."""
        for hint in hints:
            messages.warn(hint)

    def finish(self) -> None:
        """However the run ended (Ctrl-C too): -v's summary, then end_run's."""
        if self.verbose and self.windows:
            messages.info(parallel_summary(self.windows))
        end_run(
            self.extras,
            self.tally,
            completed=self.completed,
            requests=self.requests,
            verbose=self.verbose,
        )

    def status(self) -> ExitStatus:
        return outcome(self.extras, self.tally, self.gaps)


def parallel_summary(windows: list[ParallelWindow]) -> str:
    """For -v: how the window was fetched (a chain: every chainlet's window together)."""
    controllers = [window.controller for window in windows]
    mode = "auto" if controllers[0].adaptive else "fixed"
    slices = sum(window.slices for window in windows)
    return (
        f"{slices} slices, up to {sum(c.peak for c in controllers)} requests in flight ({mode}), "
        f"{sum(c.allowed for c in controllers)} at the end"
    )
