"""The one door for untrusted text on its way to a terminal: control characters made visible.

A log line, a replica id, a model name or an error body is written by someone else, and a
terminal obeys what it is sent: ESC sequences retitle the window, clear the screen, write the
clipboard (OSC 52) or make the terminal type an answer into the prompt (`ESC [6n`); C1 controls
(`\\x9b` is a one-byte CSI) do the same on some terminals; bidi overrides (U+202E) reorder what
is shown so that text reads other than it is. Like less and journalctl, every such character is
shown as a visible escape instead (`\\x1b`, `\\x9b`, `\\u202e`), so the only escape sequences we
write are our own colours. Lone surrogates (legal in JSON, `"\\ud800"`, but unencodable) become
`\\ud800` too, so no stream's encoding can fail on them.

Most text holds none of these: `isprintable()` answers for it at C speed, and a regular
expression (also C) settles the rest, so the escaping code runs only for the rare hostile line.
"""

from __future__ import annotations

import re

__all__ = ["inert"]

# C0 controls, DEL, C1 controls, the bidi embeddings/overrides (U+202A-U+202E) and isolates
# (U+2066-U+2069), and lone surrogates. Tab and newline are allowed only in multi-line text
# (a message's own layout); in a one-line field (a replica id, a table cell) they are escaped.
_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_MULTI_LINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: str, *, multiline: bool = False) -> str:
    """`text` with every character that a terminal could obey shown as a visible escape.

    `multiline` keeps tabs and newlines (a message's own layout); otherwise they are escaped
    too, so that a one-line field stays one line.
    """
    if text.isprintable():  # almost always: nothing to do
        return text
    pattern = _MULTI_LINE if multiline else _ONE_LINE
    if pattern.search(text) is None:  # a tab, newline or non-ASCII space: harmless
        return text
    return pattern.sub(_escape, text)
