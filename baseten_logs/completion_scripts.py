"""The shell side of completion: the scripts committed under completions/ (`make completions`),
and candidates written so that each shell takes them as inert text.

Candidates are model, deployment and replica names that anyone with access to the workspace may
choose, such as `llama$(touch /tmp/PWNED)`. Typer's own protocol lets bash insert such a name
into the command line as it is (Enter then runs it) and zsh `eval` it. Here the scripts read the
program's answer as data, never as code, and each candidate is quoted for its shell: bash gets a
word it can insert (`'llama$(touch /tmp/PWNED)'`), zsh and fish quote what they insert
themselves. A test fails when the committed copies are stale.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

from typer._click.shell_completion import CompletionItem, add_completion_class
from typer._completion_classes import BashComplete, FishComplete, ZshComplete
from typer._completion_shared import get_completion_script  # typer's own script templates

from .inert import inert

PROG = "baseten-logs"
COMPLETE_VAR = "_BASETEN_LOGS_COMPLETE"
SHELLS = {"bash": "baseten-logs.bash", "zsh": "_baseten-logs", "fish": "baseten-logs.fish"}

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

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _baseten_logs_completion "$@"  # autoloaded from $fpath: complete this first Tab too
else
  compdef _baseten_logs_completion baseten-logs
fi
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


def _line_safe(value: str) -> bool:
    """Whether a line-based protocol (zsh, fish) can carry `value` as one inert candidate."""
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


def use_quoting_completers() -> None:
    """Answer completion requests with the classes above instead of typer's."""
    add_completion_class(QuotingBashComplete, "bash")
    add_completion_class(QuotingZshComplete, "zsh")
    add_completion_class(QuotingFishComplete, "fish")


def script(shell: str) -> str:
    if shell == "bash":
        return _BASH
    if shell == "zsh":
        return _ZSH
    text = get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell)
    return text.strip() + "\n"


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
