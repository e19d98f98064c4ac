"""Generate mutmut's mutants, then mark the accepted survivors as survived before any test runs.

`make mutate` runs this before `mutmut run`. mutmut keeps a mutant's verdict until its function
changes and tests only mutants without one, so a survivor listed in scripts/mutmut-accepted.txt
(a change no user could see, with its reason) gets its verdict here and is never tested: a
survivor costs every test that reaches its function (the client's take two minutes), and the
accepted ones were about 4 hours of a 2-core machine's time in a fresh run, most of the run.
Re-test one of them by naming it: `make mutate MUTATE='NAME'` (mutmut re-runs a named mutant).

mutmut has no command that only generates, so this calls the steps `mutmut run` starts with
(pyproject pins the version they are read from). `mutmut run` then finds the files unchanged
and keeps the verdicts written here.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from mutation_score import (
    MUTANTS,
    ROOT,
    SCOPE,
    change_of,
    function_sources,
    in_scope,
    load_accepted,
)

SURVIVED = 0  # mutmut's exit code of a mutant whose tests all passed


def generate(jobs: int) -> None:
    """mutmut's generation of the mutants into mutants/ (unchanged files are left as they are)."""
    try:
        from mutmut.__main__ import create_mutants
        from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir
    except ImportError as error:  # another mutmut than pyproject pins
        raise SystemExit(
            f"mutate_prepare: this mutmut has no {error.name}; pin mutmut==3.8.1"
        ) from None
    MUTANTS.mkdir(exist_ok=True)
    copy_src_dir()
    copy_also_copy_files()
    create_mutants(jobs)


def seed_accepted(accepted: dict[str, str], mutants: Path = MUTANTS) -> int:
    """Mark every untested in-scope mutant whose change is accepted as survived; how many.

    A verdict already there stays: a mutant tested (or named to mutmut) keeps what it showed.
    """
    seeded = 0
    for module in SCOPE:
        path = mutants / "baseten_logs" / module.replace(".", "/")
        meta_path = path.with_name(f"{path.name}.py.meta")
        if not meta_path.is_file():
            continue
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        codes: dict[str, int | None] = meta["exit_code_by_key"]
        sources = function_sources(path.with_name(f"{path.name}.py"))
        for name, code in codes.items():
            if code is None and in_scope(module, name) and change_of(name, sources)[0] in accepted:
                codes[name] = SURVIVED
                seeded += 1
        temporary = meta_path.with_name(meta_path.name + ".tmp")
        temporary.write_text(json.dumps(meta, indent=4), encoding="utf-8")
        os.replace(temporary, meta_path)
    return seeded


def main() -> int:
    jobs = int(sys.argv[1]) if sys.argv[1:] else 2
    os.chdir(ROOT)  # mutmut reads pyproject and writes mutants/ where it runs
    generate(jobs)
    seeded = seed_accepted(load_accepted())
    print(f"mutate_prepare: {seeded} accepted survivors marked survived, not to be tested")
    return 0


if __name__ == "__main__":
    sys.exit(main())
