"""Completion candidates as each shell needs them to stay inert text: names are chosen by anyone
with access to the workspace, and a shell that inserts or evaluates them as code runs that code."""

from __future__ import annotations

import subprocess

import pytest

from baseten_logs.completion.completion_scripts import bash_word, powershell_word, script
from tests.conftest import invoke
from tests.test_complete import fill

HOSTILE = "llama$(touch /tmp/PWNED)`id`;x"


@pytest.mark.parametrize(
    "name",
    ["llama-3-8b", HOSTILE, "it's", "a b", "*", "back\\slash", "esc\x1b]0;T\x07", "rlo\u202e", ""],
)
def test_bash_words_stand_for_exactly_the_name(name: str) -> None:
    word = bash_word(name)
    assert "\x1b" not in word and "\u202e" not in word  # the menu shows no raw control either
    done = subprocess.run(
        ["bash", "--norc", "-c", f"printf %s {word}"], capture_output=True, text=True, timeout=10
    )
    assert done.stdout == name, word


def test_safe_names_are_left_unquoted() -> None:
    assert bash_word("llama-3-8b") == "llama-3-8b"
    assert bash_word(HOSTILE) == "'llama$(touch /tmp/PWNED)`id`;x'"


def complete(shell: str, line: str, **env: str) -> str:
    variables = {"_BASETEN_LOGS_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        words = line.split()
        variables |= {"COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}
    else:
        variables |= {"_TYPER_COMPLETE_ARGS": line, **env}
    result = invoke(env=variables)
    assert result.status == 0 and result.stderr == ""
    return result.stdout


@pytest.fixture
def hostile_cache(api_env: None) -> None:
    from baseten_logs.sources.cache import Cache, cache_key
    from tests.fakecatalog import API_URL

    cache = Cache.for_api(API_URL, "test-key-0123456789abcdef")
    fill(cache)
    models = cache.get(cache_key("models"))
    assert isinstance(models, list)
    models += [{"id": "h1h1h1h", "name": HOSTILE}, {"id": "c2c2c2c", "name": "llama\nrm -rf ~"}]
    models += [{"id": "k3k3k3k", "name": "llama:v2"}]
    cache.put(cache_key("models"), models, ttl=600)


def test_bash_gets_quoted_words(hostile_cache: None) -> None:
    assert complete("bash", "baseten-logs get ll").splitlines() == [
        "$'llama\\x0arm -rf ~'",  # one line, and one word standing for the name with its newline
        "'llama$(touch /tmp/PWNED)`id`;x'",
        "llama-3-8b",
        "llama:v2",
    ]


def test_zsh_gets_data_lines_never_code(hostile_cache: None) -> None:
    # _describe reads "value:description"; compadd quotes what it inserts. A newline cannot be
    # carried by a line protocol, so that candidate is not offered.
    assert complete("zsh", "baseten-logs get ll").splitlines() == [
        HOSTILE,
        "llama-3-8b",
        "llama\\:v2",  # _describe splits at the first unescaped colon
    ]
    assert complete("zsh", "baseten-logs get --lev").splitlines() == [
        "--level:Minimum level: DEBUG, INFO, WARNING, ERROR. A line without a level counts at "
        "the level its text shows, as in the output."
    ]
    assert complete("zsh", "baseten-logs get --color ").splitlines() == ["auto", "always", "never"]


def test_fish_gets_lines_it_escapes_itself(hostile_cache: None) -> None:
    out = complete("fish", "baseten-logs get ll", _TYPER_COMPLETE_FISH_ACTION="get-args")
    assert out.splitlines() == [HOSTILE, "llama-3-8b", "llama:v2"]


# --- PowerShell, by its quoting rules (pwsh cannot be installed from the registries we reach) ----

PS_QUOTES = "'\u2018\u2019\u201a\u201b"  # PowerShell reads the typographic ones as ' too
# What PowerShell expands, splits or parses in a bare argument: sigils, quotes, brackets,
# separators, redirections, comments, the stop-parsing token, escapes, blanks.
PS_SPECIAL = set(PS_QUOTES + '\u201c\u201d\u201e"$@`(){}[];,|&<>#% \t')


def powershell_value(word: str) -> str:
    """The one argument PowerShell passes for `word` on a native command's line, by its rules:
    a single-quoted literal (inside, a doubled quote stands for one and nothing else is
    special), or a bare word with nothing PowerShell would expand, split or read as a number.
    Fails for any other word."""
    if word[:1] in PS_QUOTES and word:
        value, i = [], 1
        while i < len(word):
            if word[i] in PS_QUOTES:
                if i + 1 < len(word) and word[i + 1] in PS_QUOTES:
                    value.append(word[i])
                    i += 2
                    continue
                assert i == len(word) - 1, f"{word!r} is more than one literal"
                return "".join(value)
            value.append(word[i])
            i += 1
        raise AssertionError(f"{word!r} never closes its quote")
    assert word and not set(word) & PS_SPECIAL, f"{word!r} is not inert bare"
    assert not word.lstrip("-")[:1].isdigit(), f"{word!r} reads as a number"
    return word


@pytest.mark.parametrize(
    "name",
    [
        "llama-3-8b",
        "--level",
        HOSTILE,
        "llama$(touch /tmp/x)",
        "it's",
        "it\u2019s \u2018x\u2019 \u201a\u201b",
        "''",
        'say "$env:HOME"',
        "a b",
        "a,b;c|d&e",
        "@(1)",
        "#c",
        "--%",
        "1kb",
        "-1",
        "llama:v2",
        "back\\slash`",
        "*",
        "",
    ],
)
def test_powershell_words_stand_for_exactly_the_name(name: str) -> None:
    assert powershell_value(powershell_word(name)) == name


def test_powershell_leaves_safe_names_and_flags_bare() -> None:
    assert powershell_word("llama-3-8b") == "llama-3-8b"
    assert powershell_word("--level") == "--level"
    assert powershell_word("llama$(touch /tmp/x)") == "'llama$(touch /tmp/x)'"
    assert powershell_word("it\u2019s") == "'it\u2019\u2019s'"
    assert powershell_word("1kb") == "'1kb'"  # bare, PowerShell would pass 1024


def test_powershell_gets_quoted_words(hostile_cache: None) -> None:
    lines = complete("powershell", "baseten-logs get ll", _TYPER_COMPLETE_WORD_TO_COMPLETE="ll")
    # "word<TAB>shown<TAB>tooltip": the word is inserted; a newline cannot cross a line protocol.
    assert [line.split("\t") for line in lines.splitlines()] == [
        [f"'{HOSTILE}'", HOSTILE, HOSTILE],
        ["llama-3-8b", "llama-3-8b", "llama-3-8b"],
        ["'llama:v2'", "llama:v2", "llama:v2"],
    ]
    flags = complete(
        "powershell", "baseten-logs get --lev", _TYPER_COMPLETE_WORD_TO_COMPLETE="--lev"
    )
    word, shown, tip = flags.rstrip("\n").split("\t")
    assert (word, shown) == ("--level", "--level") and tip.startswith("Minimum level:")


def test_the_powershell_script_inserts_the_first_field_and_runs_nothing() -> None:
    text = script("powershell")
    assert '$text, $shown, $tip = $_ -split "`t", 3' in text
    assert (
        "CompletionResult]::new(\n                    $text, $shown, 'ParameterValue', $tip)"
        in text
    )
    lowered = text.lower()
    assert "invoke-expression" not in lowered and "iex " not in lowered and "& $" not in lowered
