"""Throughput of each output format, against a plain f-string write loop measured in the same run.

Renders 200k in-memory records, in pages of 1000 like the API returns them, to os.devnull opened
as text, and prints lines/s per format with its ratio to the baseline. Absolute numbers drift from
run to run and machine to machine; the ratios are what to compare.

    .venv/bin/python benchmarks/render_bench.py [--records N] [--repeat R]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from baseten_logs.output.layout import Layout
from baseten_logs.output.render import OutputFormat, make_renderer
from baseten_logs.output.render_template import parse_template

PAGE = 1000
TEMPLATE = parse_template("{time} {level} {replica} {message}")
# Lines/s each case should reach on the 2-core reference machine (None: no target).
TARGETS: dict[str, int | None] = {
    "text": 500_000,
    "text --color": 300_000,
    "jsonl": 500_000,
    "json": None,
    "raw": 500_000,
    "raw on a terminal": 500_000,
    "text, no API levels": None,
    "text, 1% hostile lines": None,
    "text 120 cols, shaped": None,
    "text 60 cols, wrapped": None,
    "template": None,
}


def make_records(count: int, *, seed: int = 7) -> list[dict[str, Any]]:
    """Records shaped like the API's: four replicas, mostly INFO, a few without a level."""
    rng = random.Random(seed)
    replicas = ["a1b2c", "d3e4f", "g5h6i", "j7k8l"]
    levels = ["INFO"] * 8 + ["DEBUG", "WARNING", "ERROR", None]
    paths = ["/v1/predict", "/health", "/v1/models/llama/generate", "/metrics"]
    timestamp = 1_764_237_600_000_000_000
    records: list[dict[str, Any]] = []
    for index in range(count):
        timestamp += rng.randrange(50_000, 5_000_000)  # 0.05-5 ms apart
        level = rng.choice(levels)
        message = (
            f'INFO:     10.0.{index % 7}.{index % 250}:{40000 + index % 999} - "POST '
            f'{rng.choice(paths)} HTTP/1.1" 200 OK took {rng.randrange(1, 900)} ms'
            if level is None
            else f"request {index} handled in {rng.randrange(1, 900)} ms (tokens={index % 4096})"
        )
        records.append(
            {
                "timestamp": str(timestamp),
                "message": message,
                "replica": rng.choice(replicas),
                "request_id": None if index % 3 else f"req-{index:08x}",
                "level": level,
            }
        )
    return records


def pages(records: Sequence[Mapping[str, Any]]) -> list[Sequence[Mapping[str, Any]]]:
    return [records[start : start + PAGE] for start in range(0, len(records), PAGE)]


def baseline(stream: TextIO, records: Sequence[Mapping[str, Any]]) -> None:
    """What "plain" costs: one f-string and one write per line, no formatting work at all."""
    write = stream.write
    for record in records:
        write(f"{record['timestamp']} {record['level']} {record['replica']} {record['message']}\n")


def render(
    output: OutputFormat, *, color: bool, terminal: bool = False, layout: Layout | None = None
) -> Callable[[TextIO, Sequence[Any]], None]:
    def run(stream: TextIO, records: Sequence[Mapping[str, Any]]) -> None:
        renderer = make_renderer(
            stream, output=output, color=color, utc=False, terminal=terminal, layout=layout
        )
        for page in pages(records):
            renderer.write_page(page)
        renderer.close()

    return run


def best_rate(
    case: Callable[[TextIO, Sequence[Any]], None], records: list[dict[str, Any]], repeat: int
) -> float:
    best = float("inf")
    with open(os.devnull, "w", encoding="utf-8") as devnull:
        for _ in range(repeat):
            started = time.perf_counter()
            case(devnull, records)
            best = min(best, time.perf_counter() - started)
    return len(records) / best


@dataclass(frozen=True)
class Result:
    name: str
    rate: float  # lines/s, best of the repeats
    ratio: float  # to the baseline measured in the same run
    target: int | None


def measure(records: int = 200_000, repeat: int = 3) -> tuple[float, list[Result]]:
    """The baseline's lines/s and every case's result, measured now, on `records` records."""
    data = make_records(records)
    # Every level left to detection from the message text: the worst case for text output.
    unleveled = [{**record, "level": None} for record in data]
    # One line in a hundred carries terminal escapes in its message and replica (made inert).
    hostile = [
        {**r, "message": r["message"] + "\x1b]0;T\x07\u202e", "replica": f"r\x1b[2J{i % 4}"}
        if i % 100 == 0
        else r
        for i, r in enumerate(data)
    ]
    cases: dict[str, tuple[Callable[[TextIO, Sequence[Any]], None], list[dict[str, Any]]]] = {
        "text": (render("text", color=False), data),
        "text --color": (render("text", color=True), data),
        "jsonl": (render("jsonl", color=False), data),
        "json": (render("json", color=False), data),
        "raw": (render("raw", color=False), data),
        "raw on a terminal": (render("raw", color=False, terminal=True), data),
        "text, no API levels": (render("text", color=False), unleveled),
        "text, 1% hostile lines": (render("text", color=False), hostile),
        # A terminal's layouts: every line checked against the width, messages shaped.
        "text 120 cols, shaped": (
            render("text", color=True, layout=Layout(width=120, message_only=True)),
            data,
        ),
        "text 60 cols, wrapped": (
            render("text", color=True, layout=Layout("short", width=60, message_only=True)),
            data,
        ),
        "template": (render("template", color=False, layout=Layout(template=TEMPLATE)), data),
    }
    base = best_rate(baseline, data, repeat)
    results = []
    for name, (case, case_data) in cases.items():
        rate = best_rate(case, case_data, repeat)
        results.append(Result(name, rate, rate / base, TARGETS[name]))
    return base, results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of R runs per case")
    args = parser.parse_args(argv)
    base, results = measure(args.records, args.repeat)
    print(f"{args.records} records, pages of {PAGE}, best of {args.repeat}, to {os.devnull}")
    print(f"{'baseline f-string write':24} {base:>12,.0f} lines/s   1.00x")
    missed = 0
    for result in results:
        target = result.target
        ok = target is None or result.rate >= target
        verdict = "" if target is None else ("ok" if ok else f"BELOW {target:,}")
        missed += not ok
        print(f"{result.name:24} {result.rate:>12,.0f} lines/s  {result.ratio:5.2f}x  {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
