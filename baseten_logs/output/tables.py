"""Tables for the listings (`models`, `deployments`) on a terminal, drawn with rich.

Besides palette.py and stats_view.py, the only module allowed to import rich, and only inside
`write_table`: the listings print JSON lines when piped and never pay for importing it then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from baseten_logs.output.inert import inert

__all__ = ["Cell", "write_table"]


@dataclass(frozen=True)
class Cell:
    """A cell with a rich style (e.g. "green", "bold red"); plain strings have none."""

    text: str
    style: str = ""


def write_table(
    stream: TextIO,
    *,
    headers: Sequence[str],
    rows: Sequence[Sequence[str | Cell]],
    color: bool,
    width: int,
    no_wrap: Sequence[str] = (),
) -> None:
    """A borderless table (kubectl-like: easy to read, easy to copy an id from).

    Columns named in `no_wrap` (ids) are never folded or cut; others fold when the width
    runs out. Every cell comes from the API, so each is made inert (control characters shown
    as escapes) before rich sees it.
    """
    from io import StringIO

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    rows = [[_inert(cell) for cell in row] for row in rows]
    drawn = StringIO()
    console = Console(
        file=drawn,
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
    )
    table = Table(
        box=None,
        show_edge=False,
        pad_edge=False,
        header_style="bold" if color else "",
        padding=(0, 2, 0, 0),
    )
    for index, header in enumerate(headers):
        keep = header in no_wrap
        # A kept column is never narrowed: rich would rather crop it than fold others further.
        widest = max((len(_plain(row[index])) for row in rows), default=0)
        table.add_column(
            header,
            no_wrap=keep,
            overflow="fold",
            min_width=max(widest, len(header)) if keep else None,
        )
    for row in rows:
        # Text, never markup: a name like "[prod]" must print as it is.
        table.add_row(
            *(
                Text(cell.text, style=cell.style if color else "")
                if isinstance(cell, Cell)
                else Text(cell)
                for cell in row
            )
        )
    console.print(table)
    # rich pads the last column to its width: trailing blanks only get in the way of copying.
    stream.write("".join(line.rstrip(" ") + "\n" for line in drawn.getvalue().splitlines()))


def _inert(cell: str | Cell) -> str | Cell:
    if isinstance(cell, Cell):
        return Cell(inert(cell.text), cell.style)
    return inert(cell)


def _plain(cell: str | Cell) -> str:
    return cell.text if isinstance(cell, Cell) else cell
