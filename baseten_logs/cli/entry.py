"""From argv to an exit status: the one place errors become statuses, and where a shell asking
for completions is answered.

app.py's `run` hands its Typer app in (this module does not import it, so that the commands'
modules, which `demo` needs `run` for, never import themselves back through it). Start-up stays
light: only typer and our own light modules; the rest is imported when it is needed.
"""

from __future__ import annotations

import os
import sys

import typer
from typer._click.exceptions import NoArgsIsHelpError, NoSuchOption  # typer vendors click

from baseten_logs.base.errors import BasetenLogsError, ExitStatus
from baseten_logs.cli import interrupts
from baseten_logs.output import messages
from baseten_logs.output.pipes import OutputClosed, stdout_failed, tolerant_stdout

COMPLETION_FLAGS = ("--install-completion", "--show-completion")


def command_names(app: typer.Typer) -> set[str]:
    """The commands that exist, so a typo (`gett`) is not offered `baseten-logs gett --help`."""
    commands = {
        info.name or (info.callback.__name__ if info.callback else "")
        for info in app.registered_commands
    }
    groups = {  # `config`, whose subcommands are its own
        info.name or (info.typer_instance.info.name if info.typer_instance else None) or ""
        for info in app.registered_groups
    }
    return (commands | groups) - {""}


def run_app(app: typer.Typer, argv: list[str]) -> int:
    """Run `app` on `argv` and return the exit status; the one place errors become statuses.

    A plain int, not an ExitStatus: before Python 3.11 an IntEnum prints as `ExitStatus.USAGE`,
    and a script that prints or formats what run() returned expects the number.
    """
    interrupts.reset()
    status = _run(app, argv)
    # SIGTERM/SIGHUP end like Ctrl-C (which click reports as 130), whatever the cleanup met after.
    signum = interrupts.received()
    return 128 + signum if signum is not None else int(status)


def _run(app: typer.Typer, argv: list[str]) -> int:
    messages.set_quiet(False)  # -q is per invocation (tests call run() many times in one process)
    tolerant_stdout()
    if os.environ.get(COMPLETE_VAR):
        return _complete(app, argv)
    if argv in ([COMPLETION_FLAGS[0]], [COMPLETION_FLAGS[1]]):
        argv = [*argv, _current_shell()]  # the flag alone: this shell's script
    try:
        # Typer returns the status of typer.Exit (130 for Ctrl-C) when not standalone.
        result = app(args=argv, prog_name="baseten-logs", standalone_mode=False)
        return int(result) if isinstance(result, int) else ExitStatus.OK
    except OutputClosed:
        return ExitStatus.OK
    except (KeyboardInterrupt, typer.Abort):
        interrupts.caught()
        signum = interrupts.received()
        if signum is not None:  # SIGTERM, SIGHUP: 128 + the signal, as a shell reports it
            return 128 + signum
        messages.end_interrupted_line()  # the shell's prompt must not start after `^C`
        return ExitStatus.INTERRUPTED
    except NoArgsIsHelpError as exc:
        sys.stderr.write(exc.format_message() + "\n")
        return ExitStatus.USAGE
    except typer.TyperException as exc:  # click's usage errors: one line, not a usage block
        command = next((a for a in argv[:1] if a in command_names(app)), "")
        see = f"baseten-logs {command} --help" if command else "baseten-logs --help"
        messages.error(_ours_for(exc) or f"{exc.format_message()} (see '{see}')")
        return ExitStatus.USAGE
    except BasetenLogsError as exc:
        messages.error(str(exc))
        return exc.status
    except OSError as exc:
        if stdout_failed() or _from_echo(exc):  # help or version text that could not be written
            messages.error(f"cannot write to stdout: {exc.strerror or exc}")
            return ExitStatus.WRITE
        return _internal(exc)
    except Exception as exc:  # a bug of ours: still one line, never a traceback
        return _internal(exc)


# Flags of the log tools people already know, and ours that do the same: click's spelling
# suggestions (`--lines` -> `--limit`) cannot know these; kubectl's `--tail` is ours too.
_OTHER_TOOLS_FLAGS = {
    "--lines": ("-n", "-n N", "journalctl's"),
    "--since-time": ("--since", "--since TIME", "kubectl's"),
}


def _ours_for(exc: typer.TyperException) -> str | None:
    """For another tool's flag that this command has under another name, the message that
    names ours; None otherwise (click's own message stands)."""
    if not isinstance(exc, NoSuchOption) or exc.ctx is None:
        return None
    name = exc.option_name
    ours, usage, tool = _OTHER_TOOLS_FLAGS.get(name, ("", "", ""))
    if not any(ours in param.opts for param in exc.ctx.command.params):
        return None
    return f"No such option: {name} (use {usage}: {tool} {name} is {usage} here)"


def _from_echo(exc: BaseException) -> bool:
    """Whether `exc` was raised writing click's own output (help, version) to stdout."""
    import traceback

    return any(frame.f_code.co_name == "echo" for frame, _ in traceback.walk_tb(exc.__traceback__))


def _internal(exc: Exception) -> int:
    """A bug of ours: still one line, never a traceback."""
    messages.error(
        f"internal error: {exc.__class__.__name__}: {exc} "
        "(a bug in baseten-logs; please report it with the command you ran)"
    )
    return ExitStatus.INTERNAL


COMPLETE_VAR = "_BASETEN_LOGS_COMPLETE"


def _current_shell() -> str:
    """The shell that started us (as typer detects it), or "" when it cannot tell."""
    from typer._completion_shared import _get_shell_name

    try:
        return _get_shell_name() or ""
    except Exception:  # detection reads /proc: never a traceback for it
        return ""


def _complete(app: typer.Typer, argv: list[str]) -> int:
    """A shell asking for completions: typer answers, with candidates quoted for that shell."""
    from baseten_logs.completion.completion_scripts import use_quoting_completers

    command = typer.main.get_command(app)  # registers typer's completers
    use_quoting_completers()  # ... which ours then replace
    try:
        command.main(args=argv, prog_name="baseten-logs", standalone_mode=False)
    except SystemExit as done:  # how click ends a completion
        return done.code if isinstance(done.code, int) else ExitStatus.OK
    except Exception:  # completion must never put a traceback into the user's prompt
        return ExitStatus.OK
    return ExitStatus.OK
