"""The shell side of completion, from one generator: the scripts committed under completions/
(`make completions`), what `--show-completion SHELL` prints and `--install-completion SHELL`
installs (the same text), and candidates written so that each shell takes them as inert text.

Candidates are model, deployment and replica names that anyone with access to the workspace may
choose, such as `llama$(touch /tmp/PWNED)`. Typer's own scripts let bash insert such a name into
the command line as it is (Enter then runs it), zsh `eval` it on Tab, and PowerShell insert it
bare (where `$(...)` runs too). Here the scripts read the program's answer as data, never as code,
and each candidate is quoted for its shell: bash and PowerShell get a word they can insert
(`'llama$(touch /tmp/PWNED)'`), zsh and fish quote what they insert themselves. A test fails when
the committed copies are stale.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from typer._click.shell_completion import CompletionItem, add_completion_class
from typer._completion_classes import (
    BashComplete,
    FishComplete,
    PowerShellComplete,
    ZshComplete,
)

from baseten_logs.base.errors import UsageError
from baseten_logs.output.inert import inert
from baseten_logs.output.pipes import OutputError

PROG = "baseten-logs"
COMPLETE_VAR = "_BASETEN_LOGS_COMPLETE"
SHELLS = {
    "bash": "baseten-logs.bash",
    "zsh": "_baseten-logs",
    "fish": "baseten-logs.fish",
    "powershell": "baseten-logs.ps1",
}
ALIASES = {"pwsh": "powershell"}  # what PowerShell 7 calls itself

# bash inserts COMPREPLY entries verbatim, so the answer is read with mapfile: one candidate per
# line, never split on blanks nor globbed (typer's `COMPREPLY=( $(...) )` does both).
_BASH = """\
_baseten_logs_completion() {
    local IFS=$'\\n'
    # One candidate per line, each already quoted for bash: read as data, not split or globbed.
    mapfile -t COMPREPLY < <(env COMP_WORDS="${COMP_WORDS[*]}" \\
                   COMP_CWORD=$COMP_CWORD \\
                   _BASETEN_LOGS_COMPLETE=complete_bash "$1")
    [[ ${#COMPREPLY[@]} -eq 1 && -z ${COMPREPLY[0]} ]] && COMPREPLY=()
    return 0
}

complete -o default -F _baseten_logs_completion baseten-logs
"""

# zsh: typer's script `eval`s the program's answer; this one reads "value:description" lines
# and hands them to _describe, whose compadd quotes what it inserts.
_ZSH = """\
#compdef baseten-logs

_baseten_logs_completion() {
  local -a candidates
  # One candidate per line ("value:description"), read as data: never evaluated.
  candidates=("${(@f)$(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" \\
                         _BASETEN_LOGS_COMPLETE=complete_zsh baseten-logs)}")
  candidates=(${candidates:#})
  if (( ${#candidates} )); then
    _describe 'values' candidates
  else
    _files
  fi
}

# Autoloaded from $fpath, this file is the body of _baseten-logs, run on every Tab: complete.
# Sourced, it registers the function for later Tabs.
if (( ${+compstate} )); then
  _baseten_logs_completion "$@"
else
  compdef _baseten_logs_completion baseten-logs
fi
"""

# fish splits the answer into candidates at newlines and escapes what it inserts; a candidate
# is never evaluated.
_FISH = """\
function __baseten_logs_complete
    # One candidate per line ("value<TAB>description"), read as data: never evaluated.
    env _BASETEN_LOGS_COMPLETE=complete_fish _TYPER_COMPLETE_FISH_ACTION=$argv[1] \\
        _TYPER_COMPLETE_ARGS=(commandline -cp) baseten-logs
end

complete --command baseten-logs --no-files --arguments '(__baseten_logs_complete get-args)' \\
    --condition '__baseten_logs_complete is-args'
"""

# PowerShell inserts a CompletionResult's text as it is, and `$(...)` in a bare word runs: each
# answer line is "text<TAB>shown<TAB>tooltip", the text already one literal word
# (powershell_word). Typer's script also rebinds Tab for the whole session; this one does not.
_POWERSHELL = """\
Register-ArgumentCompleter -Native -CommandName baseten-logs -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $Env:_BASETEN_LOGS_COMPLETE = 'complete_powershell'
    $Env:_TYPER_COMPLETE_ARGS = $commandAst.ToString()
    $Env:_TYPER_COMPLETE_WORD_TO_COMPLETE = $wordToComplete
    try {
        # One candidate per line, each field already safe: read as data, never invoked.
        baseten-logs | ForEach-Object {
            $text, $shown, $tip = $_ -split "`t", 3
            if ($tip) {
                [System.Management.Automation.CompletionResult]::new(
                    $text, $shown, 'ParameterValue', $tip)
            }
        }
    } finally {
        Remove-Item Env:_BASETEN_LOGS_COMPLETE, Env:_TYPER_COMPLETE_ARGS, `
            Env:_TYPER_COMPLETE_WORD_TO_COMPLETE -ErrorAction SilentlyContinue
    }
}
"""

_BASH_SAFE = re.compile(r"[\w@%+=:,./-]+", re.ASCII)  # shlex's safe characters: no quotes needed


def bash_word(value: str) -> str:
    """`value` as one bash word that stands for exactly `value` and expands nothing: as it is
    when safe, else in single quotes, else (control characters) as `$'...'` with visible
    escapes, so that the completion menu shows no raw control character either."""
    if _BASH_SAFE.fullmatch(value):
        return value
    if inert(value) == value:
        return shlex.quote(value)
    # inert's escapes (\x1b, \u202e) are what $'...' understands; backslash and quote first.
    return "$'" + inert(value.replace("\\", "\\\\").replace("'", "\\'")) + "'"


# PowerShell takes these bare as one word: no sigil, quote, bracket, separator, nor a number
# it would read as one (`1kb` is 1024). Flags (`--level`) stay as they are typed.
_POWERSHELL_BARE = re.compile(r"(--?)?[A-Za-z_][A-Za-z0-9_./-]*")
# Inside '...' only a single quote is special, and PowerShell counts the typographic ones too.
_POWERSHELL_QUOTES = re.compile("['\u2018\u2019\u201a\u201b]")


def powershell_word(value: str) -> str:
    """`value` as one PowerShell word that stands for exactly `value` and runs nothing: bare when
    safe, else a single-quoted literal with each quote doubled (no `$`, `` ` `` or `$(...)` is
    expanded there)."""
    if _POWERSHELL_BARE.fullmatch(value):
        return value
    return "'" + _POWERSHELL_QUOTES.sub(lambda m: m.group() * 2, value) + "'"


def _line_safe(value: str) -> bool:
    """Whether a line protocol (zsh, fish, PowerShell) can carry `value` as one inert candidate."""
    return inert(value) == value


def _one_line(text: str) -> str:
    return re.sub(r"\s", " ", inert(text, multiline=True))


class QuotingBashComplete(BashComplete):
    def format_completion(self, item: CompletionItem) -> str:
        return bash_word(str(item.value))


class QuotingZshComplete(ZshComplete):
    def get_completions(self, args: list[str], incomplete: str) -> list[CompletionItem]:
        # A newline or control character cannot be offered as inert text in a line protocol.
        return [i for i in super().get_completions(args, incomplete) if _line_safe(str(i.value))]

    def complete(self) -> str:
        args, incomplete = self.get_completion_args()
        lines = []
        for item in self.get_completions(args, incomplete):
            value = str(item.value)
            # _describe splits "value:description" at the first unescaped colon.
            line = value.replace("\\", "\\\\").replace(":", "\\:")
            if item.help:
                line += ":" + _one_line(str(item.help))
            lines.append(line)
        return "\n".join(lines)


class QuotingFishComplete(FishComplete):
    """fish escapes what it inserts; only the line protocol needs guarding (a tab separates the
    description, a newline the next candidate)."""

    def get_completions(self, args: list[str], incomplete: str) -> list[CompletionItem]:
        return [i for i in super().get_completions(args, incomplete) if _line_safe(str(i.value))]

    def format_completion(self, item: CompletionItem) -> str:
        value = str(item.value)
        if item.help:
            return value + "\t" + _one_line(str(item.help))
        return value


class QuotingPowerShellComplete(PowerShellComplete):
    """Typer's answer is "value:::help", inserted bare; ours is "word<TAB>shown<TAB>tooltip", the
    word quoted for PowerShell and every field one inert line (CompletionResult refuses empty
    fields, so each has text)."""

    def get_completions(self, args: list[str], incomplete: str) -> list[CompletionItem]:
        return [i for i in super().get_completions(args, incomplete) if _line_safe(str(i.value))]

    def format_completion(self, item: CompletionItem) -> str:
        value = str(item.value)
        tip = _one_line(str(item.help)).strip() if item.help else ""
        return "\t".join([powershell_word(value), value, tip or value])


def use_quoting_completers() -> None:
    """Answer completion requests with the classes above instead of typer's."""
    add_completion_class(QuotingBashComplete, "bash")
    add_completion_class(QuotingZshComplete, "zsh")
    add_completion_class(QuotingFishComplete, "fish")
    add_completion_class(QuotingPowerShellComplete, "powershell")
    add_completion_class(QuotingPowerShellComplete, "pwsh")


_SCRIPTS = {"bash": _BASH, "zsh": _ZSH, "fish": _FISH, "powershell": _POWERSHELL}
_NAMES = "bash|zsh|fish|powershell"


def shell_name(flag: str, shell: str) -> str:
    """The shell `flag` was given (any case, `pwsh` for powershell), or a usage error."""
    name = ALIASES.get(shell.lower(), shell.lower())
    if not name:
        raise UsageError(flag, "cannot tell which shell this is", hint=f"name it: {flag} {_NAMES}")
    if name not in SHELLS:
        hint = f"name one: {_NAMES}"
        raise UsageError(flag, f"no completion for shell '{inert(shell)}'", hint=hint)
    return name


def script(shell: str) -> str:
    """The completion script for `shell`: what completions/ holds and what is installed."""
    return _SCRIPTS[shell]


def install(shell: str, *, env: Mapping[str, str] | None = None) -> Path:
    """Write `shell`'s script where that shell loads it, then the line that makes it load; returns
    the script's path. The places are those typer's own --install-completion used, so that
    installing again replaces a script that evaluated or inserted names as code."""
    environ = os.environ if env is None else env
    home = Path(environ.get("HOME") or Path.home())
    rc: tuple[Path, str] | None = None
    if shell == "bash":
        path = home / ".bash_completions" / f"{PROG}.sh"
        rc = home / ".bashrc", "source '" + str(path).replace("'", "'\\''") + "'"
    elif shell == "zsh":
        path = home / ".zfunc" / f"_{PROG}"
        rc = home / ".zshrc", "fpath+=~/.zfunc; autoload -Uz compinit; compinit"
    elif shell == "fish":
        config = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
        path = config / "fish" / "completions" / f"{PROG}.fish"
    else:
        profile = _powershell_profile(environ)
        path = profile.parent / f"{PROG}.ps1"
        rc = profile, ". " + powershell_word(str(path))  # dot-sourced from the profile
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(script(shell), encoding="utf-8")
        if rc is not None:
            _ensure_line(*rc)
    except OSError as exc:
        where = inert(str(exc.filename or path))
        message = f"--install-completion: cannot write {where}: {exc.strerror or exc}"
        raise OutputError(message) from None
    return path


def _ensure_line(rc: Path, line: str) -> None:
    """Append `line` to the start-up file `rc` unless it is there already (installing twice
    adds nothing)."""
    text = rc.read_text(encoding="utf-8") if rc.is_file() else ""
    if line in text.splitlines():
        return
    rc.parent.mkdir(parents=True, exist_ok=True)
    with rc.open("a", encoding="utf-8") as out:
        out.write(("\n" if text and not text.endswith("\n") else "") + line + "\n")


def _powershell_profile(env: Mapping[str, str]) -> Path:
    """$PROFILE, as PowerShell itself reports it (it differs by version and platform)."""
    exe = next((found for name in ("pwsh", "powershell") if (found := _which(name, env))), None)
    hint = "print the script with --show-completion powershell and add it to your $PROFILE"
    if exe is None:
        raise UsageError("--install-completion", "PowerShell (pwsh) is not on PATH", hint=hint)
    try:
        done = subprocess.run(
            [exe, "-NoProfile", "-NonInteractive", "-Command", "$PROFILE"],
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(env),
        )
        profile = done.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        profile = ""
    if not profile or "\n" in profile:
        raise UsageError("--install-completion", "PowerShell did not tell its $PROFILE", hint=hint)
    return Path(profile)


def _which(name: str, env: Mapping[str, str]) -> str | None:
    return shutil.which(name, path=env.get("PATH", os.defpath))


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for shell, name in SHELLS.items():
        path = folder / name
        path.write_text(script(shell), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "completions")):
        print(path)
