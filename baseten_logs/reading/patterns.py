"""RE2 patterns (the API's --grep syntax) read by Python's `re`, where spellings differ.

Apart from filtering.py so that query.py can check a pattern's syntax without importing the
local filters, which import the query: the two modules no longer form a circle.
"""

from __future__ import annotations

import re

# RE2's POSIX classes, which Python's re does not know (it would read `[[:digit:]]` as the set
# `[:digt` followed by `]`, silently matching the wrong thing).
_POSIX_CLASSES: dict[str, str] = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
_MULTILINE_FLAG = re.compile(r"\(\?[a-zA-Z]*m")


def python_pattern(pattern: str) -> str:
    """An RE2 pattern in Python's `re` syntax, for the constructs whose spelling or meaning differ.

    - POSIX classes inside brackets (`[[:digit:]_]`) become ranges.
    - `\\z` (end of text) becomes `\\Z`; RE2's `(?<name>...)` becomes `(?P<name>...)`.
    - Without the `m` flag RE2's `$` matches only at the very end of the text, where Python's
      also matches before a final newline (and tracebacks end with one): it becomes `\\Z`.
    Remaining known difference: RE2's `(?i)` folds case for all of Unicode, `re.ASCII` (needed
    for RE2's ASCII `\\d`, `\\w`, `\\s`) folds only ASCII letters.
    """
    end_of_text = _MULTILINE_FLAG.search(pattern) is None
    out: list[str] = []
    add = out.append
    index, length = 0, len(pattern)
    class_start = -1  # index of the first member of the bracket expression we are in, or -1
    while index < length:
        char = pattern[index]
        if char == "\\" and index + 1 < length:
            escaped = pattern[index + 1]
            add("\\Z" if escaped == "z" and class_start < 0 else pattern[index : index + 2])
            index += 2
            continue
        if class_start >= 0:
            if char == "[" and pattern.startswith("[:", index):
                end = pattern.find(":]", index + 2)
                if end > 0:
                    name = pattern[index + 2 : end]
                    members = _POSIX_CLASSES.get(name)
                    if members is None:  # RE2 refuses these too
                        raise re.error(f"unknown character class [:{name}:]")
                    add(members)
                    index = end + 2
                    continue
            elif char == "]" and index > class_start:  # a `]` first in the class is a member
                class_start = -1
        elif char == "[":
            class_start = index + 1
            if pattern.startswith("^", class_start):
                add("[^")
                index += 2
                class_start += 1
                continue
        elif char == "$" and end_of_text:
            add("\\Z")
            index += 1
            continue
        elif pattern.startswith("(?<", index) and pattern[index + 3 : index + 4] not in "=!":
            add("(?P<")
            index += 3
            continue
        add(char)
        index += 1
    return "".join(out)
