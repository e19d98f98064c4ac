"""`browse`'s replica and chainlet pickers (`r`, `c`): the replicas (or a chain's chainlets)
seen in the loaded lines, with their counts, ticked to show only their lines.

A replica picked means what `get --replica` means (reading/filtering: the `replica` field,
exactly, several meaning any of them); a chainlet is the `chainlet` field a chain's reader adds
to each of its lines (reading/merge.LABEL_FIELD). Both filter what is loaded, locally: the
follower reads every line, so unticking one again needs no new request (one replica ticked alone
is asked of the API when reading back: browse/server_filter). Every name is a server string:
drawn as plain Content (never markup) through output/inert.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, SelectionList, Static
from textual.widgets.selection_list import Selection

from baseten_logs.browse.lines import Keeping
from baseten_logs.output.inert import inert
from baseten_logs.reading.filtering import Matcher, matcher
from baseten_logs.reading.merge import LABEL_FIELD
from baseten_logs.reading.query import Filters

__all__ = ["FIELDS", "MAX_CHOICES", "PickerScreen", "Picks", "seen"]

REPLICA = "replica"
CHAINLET = LABEL_FIELD
FIELDS = {REPLICA: "replicas", CHAINLET: "chainlets"}
MAX_CHOICES = 1_000  # names listed: a hostile server may name a new replica on every line
MAX_NAME = 80  # characters of a name shown (the whole name is what is matched)

Chosen = frozenset[str] | None  # None: every one, the ones still to come too


@dataclass(frozen=True)
class Picks:
    """The replicas and chainlets ticked (None: every one, no filter)."""

    replica: Chosen = None
    chainlet: Chosen = None

    def matcher(self) -> Matcher | None:
        """The picks as a predicate on a line (None: every line)."""
        checks: list[Matcher] = []
        if self.replica is not None:
            # get --replica's meaning, given once per replica ticked (none ticked: no line).
            replicas = tuple(sorted(self.replica))
            checks.append(matcher(Filters(replicas=replicas)) if replicas else _nothing)
        if self.chainlet is not None:
            chainlets = self.chainlet
            checks.append(lambda record: record.get(CHAINLET) in chainlets)
        if not checks:
            return None
        return lambda record: all(check(record) for check in checks)

    def narrowed(self, keeping: Keeping) -> Keeping:
        """`keeping` and the picks: a line kept must be of a replica (and chainlet) picked."""
        picked = self.matcher()
        if picked is None:
            return keeping
        search = keeping.search
        if search is None:
            return replace(keeping, search=picked)
        return replace(keeping, search=lambda record: picked(record) and search(record))

    def active(self) -> list[str]:
        """What the status bar says of them ("" each for none picked)."""
        said = []
        for field, chosen in ((REPLICA, self.replica), (CHAINLET, self.chainlet)):
            if chosen is not None:
                names = ",".join(inert(name)[:MAX_NAME] for name in sorted(chosen)[:3])
                more = f" +{len(chosen) - 3}" if len(chosen) > 3 else ""
                said.append(f"{field} {names or '(none)'}{more}")
        return said


def _nothing(record: Mapping[str, Any]) -> bool:
    return False


def seen(records: Iterable[Mapping[str, Any]], field: str) -> list[tuple[str, int]]:
    """The names in `field` of the lines, with their counts, most lines first (at most
    MAX_CHOICES; a line without the field is counted under none)."""
    counts = Counter(
        value for record in records if isinstance(value := record.get(field), str) and value
    )
    return counts.most_common(MAX_CHOICES)


class PickerScreen(ModalScreen[None]):
    """A list of the names seen, each ticked or not; each change is applied at once."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "dismiss", "Back")]
    DEFAULT_CSS = """
    PickerScreen { align: center middle; }
    PickerScreen > Vertical { width: 80%; height: 80%; border: round $accent; }
    PickerScreen SelectionList { height: 1fr; }
    """

    def __init__(
        self,
        field: str,
        names: list[tuple[str, int]],
        chosen: Chosen,
        on_change: Callable[[Chosen], None],
    ) -> None:
        super().__init__()
        self.field = field
        self.names = names
        self.chosen = chosen
        self.on_change = on_change

    def compose(self) -> ComposeResult:
        plural = FIELDS[self.field]
        with Vertical():
            yield Static(
                f"{plural} seen in the lines loaded: space ticks or unticks, Esc goes back",
                markup=False,
            )
            yield SelectionList[str](
                *(
                    Selection(
                        Content(f"{inert(name)[:MAX_NAME]}  ({count:,} lines)"),
                        name,
                        self.chosen is None or name in self.chosen,
                    )
                    for name, count in self.names
                ),
                id="picks",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        ticked = frozenset(event.selection_list.selected)
        every = ticked >= {name for name, _ in self.names}
        self.on_change(None if every else ticked)
