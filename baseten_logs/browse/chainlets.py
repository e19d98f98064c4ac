"""A chain's line in the browser: its chainlet's name in a column, as `chain` shows it (the
`chainlet` label the merge adds, reading/merge.LABEL_FIELD), escaped like every server string.

The view draws a row at a time and knows nothing of the Feed, so the column has a fixed width
(as the replica column has): a longer name is cut with an ellipsis, the whole of it is in the
line's detail pane. A line with no chainlet (every source but a chain) gets no column at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.segment import Segment
from rich.style import Style

from baseten_logs.output.inert import inert
from baseten_logs.reading.merge import LABEL_FIELD

CHAINLET_WIDTH = 14  # "RAGEntrypoint", "Generator": most chainlet names whole
_STYLE = Style(color="cyan")


def chainlet_column(record: Mapping[str, Any]) -> list[Segment]:
    """The chainlet's segment, padded; nothing for a line that is not a chain's."""
    label = record.get(LABEL_FIELD)
    if label is None:
        return []
    text = inert(label if isinstance(label, str) else str(label))
    if len(text) > CHAINLET_WIDTH:
        text = text[: CHAINLET_WIDTH - 1] + "…"
    return [Segment(text.ljust(CHAINLET_WIDTH + 1), _STYLE)]
