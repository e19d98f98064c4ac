"""`--show-completion SHELL` and `--install-completion SHELL`: the project's own scripts (the text
committed under completions/), installed where each shell loads them, over what typer's own
--install-completion left there; bad input is one line and exit 2."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from baseten_logs.base.errors import ExitStatus
from baseten_logs.completion.completion_scripts import SHELLS, script
from tests.conftest import invoke

ROOT = Path(__file__).resolve().parent.parent
TYPER_ZSH = "#compdef baseten-logs\n\n_baseten_logs_completion() {\n  eval $(env ...)\n}\n"


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_show_completion_prints_the_committed_script(shell: str) -> None:
    shown = invoke("--show-completion", shell)
    assert shown.status == 0 and shown.stderr == ""
    assert shown.stdout == (ROOT / "completions" / SHELLS[shell]).read_text(encoding="utf-8")


def test_pwsh_is_powershell_and_case_does_not_matter() -> None:
    assert invoke("--show-completion", "pwsh").stdout == script("powershell")
    assert invoke("--show-completion", "ZSH").stdout == script("zsh")


def test_the_flag_alone_names_the_current_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("typer._completion_shared._get_shell_name", lambda: "fish")
    assert invoke("--show-completion").stdout == script("fish")
    monkeypatch.setattr("typer._completion_shared._get_shell_name", lambda: None)
    unknown = invoke("--show-completion")
    assert (unknown.status, unknown.stdout) == (ExitStatus.USAGE, "")
    assert unknown.stderr == (
        "baseten-logs: error: --show-completion: cannot tell which shell this is "
        "(name it: --show-completion bash|zsh|fish|powershell)\n"
    )


@pytest.mark.parametrize("flag", ["--show-completion", "--install-completion"])
def test_an_unknown_shell_is_one_line_and_exit_2(flag: str, tmp_path: Path) -> None:
    done = invoke(flag, "tcsh\x1b]0;T\x07")
    assert (done.status, done.stdout) == (ExitStatus.USAGE, "")
    assert done.stderr == (
        f"baseten-logs: error: {flag}: no completion for shell 'tcsh\\x1b]0;T\\x07' "
        "(name one: bash|zsh|fish|powershell)\n"
    )
    assert list((tmp_path / "home").iterdir()) == []  # nothing installed


INSTALLED = {
    "bash": (".bash_completions/baseten-logs.sh", ".bashrc"),
    "zsh": (".zfunc/_baseten-logs", ".zshrc"),
    "fish": (".config/fish/completions/baseten-logs.fish", None),
}


@pytest.mark.parametrize("shell", sorted(INSTALLED))
def test_install_writes_the_script_where_the_shell_loads_it_once(shell: str) -> None:
    home = Path(os.environ["HOME"])
    where, rc = INSTALLED[shell]
    for _ in range(2):  # installing again changes nothing
        done = invoke("--install-completion", shell)
        assert done.status == 0 and done.stderr == ""
        assert done.stdout == (
            f"{shell} completion installed in {home / where}; it takes effect in new shells\n"
        )
    assert (home / where).read_text(encoding="utf-8") == script(shell)
    if rc is not None:
        lines = (home / rc).read_text(encoding="utf-8").splitlines()
        loader = {
            "bash": f"source '{home / where}'",
            "zsh": "fpath+=~/.zfunc; autoload -Uz compinit; compinit",
        }[shell]
        assert lines.count(loader) == 1


def test_install_replaces_the_script_typer_installed_and_keeps_the_rc_file() -> None:
    home = Path(os.environ["HOME"])
    (home / ".zfunc").mkdir()
    (home / ".zfunc" / "_baseten-logs").write_text(TYPER_ZSH)
    rc = "export EDITOR=vi\nfpath+=~/.zfunc; autoload -Uz compinit; compinit\n"
    (home / ".zshrc").write_text(rc)
    assert invoke("--install-completion", "zsh").status == 0
    assert (home / ".zfunc" / "_baseten-logs").read_text() == script("zsh")
    assert (home / ".zshrc").read_text() == rc


def test_install_appends_after_a_last_line_without_newline() -> None:
    home = Path(os.environ["HOME"])
    (home / ".bashrc").write_text("alias ll='ls -l'")
    assert invoke("--install-completion", "bash").status == 0
    assert (home / ".bashrc").read_text().splitlines() == [
        "alias ll='ls -l'",
        f"source '{home}/.bash_completions/baseten-logs.sh'",
    ]


def test_fish_follows_xdg_config_home(tmp_path: Path) -> None:
    done = invoke("--install-completion", "fish", env={"XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    assert done.status == 0
    installed = tmp_path / "cfg" / "fish" / "completions" / "baseten-logs.fish"
    assert installed.read_text(encoding="utf-8") == script("fish")


def fake_pwsh(folder: Path, profile: Path) -> None:
    """A `pwsh` that answers `$PROFILE` as PowerShell does (the real one cannot be installed
    here), and fails any other command."""
    folder.mkdir()
    pwsh = folder / "pwsh"
    pwsh.write_text(
        f'#!/bin/sh\n[ "$*" = "-NoProfile -NonInteractive -Command \\$PROFILE" ] || exit 1\n'
        f"echo '{profile}'\n"
    )
    pwsh.chmod(0o755)


def test_install_for_powershell_dot_sources_the_script_from_the_profile(tmp_path: Path) -> None:
    profile = tmp_path / "home" / ".config" / "powershell" / "Microsoft.PowerShell_profile.ps1"
    fake_pwsh(tmp_path / "bin", profile)
    profile.parent.mkdir(parents=True)
    profile.write_text("# typer's block, which inserted names bare\n")
    env = {"PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    for _ in range(2):
        done = invoke("--install-completion", "pwsh", env=env)
        assert done.status == 0, done.stderr
    installed = profile.parent / "baseten-logs.ps1"
    assert done.stdout.startswith(f"powershell completion installed in {installed};")
    assert installed.read_text(encoding="utf-8") == script("powershell")
    # Loaded after what was there, so it overrides typer's completer; and only once.
    assert profile.read_text().splitlines() == [
        "# typer's block, which inserted names bare",
        f". '{installed}'",
    ]


def test_install_for_powershell_without_pwsh_says_what_to_do(tmp_path: Path) -> None:
    done = invoke("--install-completion", "powershell", env={"PATH": str(tmp_path)})
    assert (done.status, done.stdout) == (ExitStatus.USAGE, "")
    assert done.stderr == (
        "baseten-logs: error: --install-completion: PowerShell (pwsh) is not on PATH (print the "
        "script with --show-completion powershell and add it to your $PROFILE)\n"
    )


def test_install_that_cannot_write_is_one_line_and_exit_74(tmp_path: Path) -> None:
    home = tmp_path / "not-a-folder"
    home.write_text("")
    done = invoke("--install-completion", "zsh", env={"HOME": str(home)})
    assert (done.status, done.stdout) == (ExitStatus.WRITE, "")
    assert done.stderr.startswith(
        f"baseten-logs: error: --install-completion: cannot write {home}/.zfunc"
    )
    assert done.stderr.endswith(": Not a directory\n") and done.stderr.count("\n") == 1


def test_completing_the_flag_offers_shells_and_prints_no_script() -> None:
    done = invoke(
        env={
            "_BASETEN_LOGS_COMPLETE": "complete_bash",
            "COMP_WORDS": "baseten-logs --show-completion ",
            "COMP_CWORD": "2",
        }
    )
    assert done.status == 0 and done.stdout.split() == ["bash", "zsh", "fish", "powershell"]
