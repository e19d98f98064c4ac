"""The `emulator` and `demo` commands as a new user runs them."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from baseten_logs.base.errors import ExitStatus
from baseten_logs.base.levels import effective_level
from baseten_logs.emulator import Emulator
from baseten_logs.emulator.chains import CHAIN_DEPLOYMENT_ID, CHAIN_ID
from tests.e2e.conftest import CLI, DEPLOYMENT, HOUR_MS, MODEL, cli, settled_now_ms


def test_emulator_command_serves_until_ctrl_c() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASETEN_")}
    proc = subprocess.Popen(
        [
            str(CLI),
            "emulator",
            "--port",
            "0",
            "--seed",
            "3",
            "--id-style",
            "8",
            "--timestamps",
            "ms",
            "--training-window-2h",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().split()
        key = proc.stdout.readline().split()[-1]
        demo = proc.stdout.readline().split()  # "Demo model: NAME (id ID), production ... ID"
        url = first[-1]
        assert url.startswith("http://127.0.0.1:")
        model_id, deployment_id = demo[4].rstrip("),"), demo[-1]
        assert len(model_id) == len(deployment_id) == 8  # --id-style 8
        announced = [proc.stdout.readline() for _ in range(3)]  # the lines after the demo's
        # ready to paste into another shell
        assert f"  export BASETEN_API_URL={url} BASETEN_API_KEY={key}\n" in announced
        run = subprocess.run(
            [str(CLI), "get", model_id, deployment_id, "-n", "3", "-o", "jsonl"],
            capture_output=True,
            text=True,
            env=env | {"BASETEN_API_URL": url, "BASETEN_API_KEY": key},
            timeout=30,
        )
        assert run.returncode == 0, run.stderr
        stamps = [json.loads(line)["timestamp"] for line in run.stdout.splitlines()]
        # --timestamps ms: milliseconds, as a string like every form (the schema types it a string)
        assert len(stamps) == 3 and all(s.isdigit() and len(s) == 13 for s in stamps)
        # --training-window-2h: a training job's 7-day window is refused, then read in 2 hours
        training = subprocess.run(
            [str(CLI), "training", "llama-finetune", "lora-r8", "-n", "3", "-o", "jsonl", "-v"],
            capture_output=True,
            text=True,
            env=env | {"BASETEN_API_URL": url, "BASETEN_API_KEY": key},
            timeout=30,
        )
        assert training.returncode == 0, training.stderr
        assert len(training.stdout.splitlines()) == 3
        assert "must not exceed 2 hours); asking in pieces of 2h" in training.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == ExitStatus.INTERRUPTED
    assert "Traceback" not in err


def test_emulator_refuses_to_listen_beyond_loopback() -> None:
    run = cli(None, "emulator", "--host", "0.0.0.0")
    assert run.status == ExitStatus.USAGE
    assert run.stderr.startswith("baseten-logs: error: --host: ")


def test_emulator_refuses_an_unknown_id_style_or_timestamp_form() -> None:
    run = cli(None, "emulator", "--id-style", "9")
    assert (run.status, run.stderr.split(":")[2]) == (ExitStatus.USAGE, " --id-style")
    run = cli(None, "emulator", "--timestamps", "us")
    assert (run.status, run.stderr.split(":")[2]) == (ExitStatus.USAGE, " --timestamps")


def test_demo_runs_a_real_session() -> None:
    run = cli(None, "demo", "--follow-seconds", "0", timeout=60)
    assert run.status == 0, run.stderr
    assert run.stdout.count("$ baseten-logs get ") == 5
    # A replica's restart: its failed start attempt beside the crash that explains it.
    crash = run.stdout.index("exited with code 137 (OOMKilled)")
    assert (
        crash < run.stdout.index("── start: FAILED after ") < run.stdout.index("Starting replica")
    )
    assert '{"timestamp":' in run.stdout  # the jsonl step
    assert "while this runs" not in run.stdout  # it has stopped by the time this is read
    assert "emulator has stopped" in run.stdout
    # Its last word: one line to paste that browses the demo model against a new emulator.
    assert re.search(r"\n  \S*baseten-logs demo --browse\n", run.stdout)
    assert "Try `baseten-logs browse llama-3-8b`" in run.stdout  # issue 29's words
    assert "$ baseten-logs request " in run.stdout  # a two-day-old request, its traceback marked
    assert re.search(r" ERROR +\S+ +\(context\) Exception in thread ", run.stdout)
    chain_step = re.search(r"\$ baseten-logs request (\S+) --chain ", run.stdout)
    assert chain_step  # a request across the chain, each line labelled with its chainlet
    assert re.search(rf" Generator +\S+ +handling request {chain_step[1]} from ", run.stdout)
    assert "Traceback" not in run.stderr
    # The follow step ends at a time a reader can read, not at epoch milliseconds.
    assert re.search(
        r"\$ baseten-logs get \S+ \S+ -f -n 3 --until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n", run.stdout
    )


def test_emulator_on_a_busy_port_is_bad_input_with_the_fix() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = cli(None, "emulator", "--port", str(port))
    assert run.status == ExitStatus.USAGE
    assert run.stderr == (
        f"baseten-logs: error: --port: port {port} is in use; try --port 0 (any free port)\n"
    )


# --- the README's recipes, as written, against the emulator ---------------------------------------

README = Path(__file__).resolve().parents[2] / "README.md"
# The README's placeholders, as the emulator names what they stand for.
CHAIN_IDS = ("chain CHAIN_ID DEPLOYMENT_ID", f"chain {CHAIN_ID} {CHAIN_DEPLOYMENT_ID}")
IDS = (("MODEL_ID", MODEL), ("DEPLOYMENT_ID", DEPLOYMENT))


def readme_jq_recipes() -> list[str]:
    """Every shell recipe of README.md that pipes baseten-logs into jq: a command line, or a
    whole block when it is a loop; placeholders replaced by the emulator's ids."""
    text = README.read_text(encoding="utf-8")
    recipes: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL):
        if "| jq" not in block:
            continue
        if block.lstrip().startswith("for "):
            recipes.append(block)
            continue
        joined = block.replace("\\\n", " ")
        recipes += [
            line
            for line in joined.splitlines()
            if line.startswith("baseten-logs ") and "| jq" in line
        ]
    out = []
    for recipe in recipes:
        recipe = recipe.replace(*CHAIN_IDS)
        for placeholder, value in IDS:
            recipe = recipe.replace(placeholder, value)
        out.append(recipe)
    return out


def test_the_readme_finds_its_jq_recipes() -> None:
    recipes = readme_jq_recipes()
    assert len(recipes) >= 4
    assert not any(word in r for r in recipes for word in ("MODEL_ID", "CHAIN_ID", "select(.level"))


@pytest.mark.parametrize("recipe", readme_jq_recipes())
def test_each_readme_jq_recipe_prints_lines_against_the_emulator(
    emu: Emulator, recipe: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASETEN_") and k != "NO_COLOR"}
    env |= {
        "BASETEN_API_URL": emu.url,
        "BASETEN_API_KEY": emu.api_key,
        "PATH": f"{CLI.parent}{os.pathsep}{env.get('PATH', '')}",
    }
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", recipe],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip(), f"{recipe!r} printed nothing"


def test_shown_level_selects_exactly_what_level_error_shows(emu: Emulator) -> None:
    until = settled_now_ms()
    window = ("--since", str(until - 6 * HOUR_MS), "--until", str(until))
    every = cli(emu, "get", MODEL, DEPLOYMENT, "--all", *window, "-o", "jsonl")
    errors = cli(emu, "get", MODEL, DEPLOYMENT, "--all", *window, "--level", "error", "-o", "jsonl")
    assert every.status == errors.status == 0, every.stderr + errors.stderr
    lines = [json.loads(line) for line in every.stdout.splitlines()]
    picked = [line for line in lines if line["shown_level"] == "ERROR"]
    assert picked == [json.loads(line) for line in errors.stdout.splitlines()]
    truth = emu.ground_truth(MODEL, DEPLOYMENT, until - 6 * HOUR_MS, until)
    assert len(picked) == sum(effective_level(r) == "ERROR" for r in truth)
    # The API's own level misses some of them (JSON logs, tracebacks), and stays as it was sent.
    assert 0 < sum(line["level"] == "ERROR" for line in picked) < len(picked)
    stats = cli(emu, "stats", MODEL, DEPLOYMENT, *window, "-o", "json")
    assert json.loads(stats.stdout)["totals"]["ERROR"] == len(picked)
    failing = cli(emu, "get", MODEL, DEPLOYMENT, "--all", *window, "--fail-on", "error", "-q",
                  "--summary", "-o", "raw")  # fmt: skip
    assert failing.status == ExitStatus.MATCHED
    assert f"ERROR {len(picked)}," in failing.stderr


def test_replicas_given_twice_are_each_of_their_lines_once(emu: Emulator) -> None:
    until = settled_now_ms()
    since = until - 3 * HOUR_MS
    truth = emu.ground_truth(MODEL, DEPLOYMENT, since, until)
    first, second = sorted({r["replica"] for r in truth if r["replica"]})[:2]
    window = ("--since", str(since), "--until", str(until))
    run = cli(emu, "get", MODEL, DEPLOYMENT, "--all", *window, "--replica", first,
              "--replica", second, "-o", "jsonl")  # fmt: skip
    assert run.status == 0, run.stderr
    assert run.jsonl() == [r for r in truth if r["replica"] in (first, second)]
    newest = cli(emu, "get", MODEL, DEPLOYMENT, "-n", "7", *window, "--replica", second,
                 "--replica", first, "-o", "jsonl")  # fmt: skip
    assert newest.jsonl() == [r for r in truth if r["replica"] in (first, second)][-7:]
    wrong = cli(emu, "get", MODEL, DEPLOYMENT, *window, "--replica", first.upper())
    assert wrong.status == 0 and wrong.stdout == ""
    assert f"did you mean '{first}'? replica ids match exactly" in wrong.stderr
