"""baseten-logs: a fast, scriptable log viewer for model deployments on Baseten.

Kept import-free on purpose (bar the two-line version module): `baseten-logs --version` must not
pay for httpx or rich. The library's names (README, Library use) are offered from here all the
same, each imported on first use.
"""

from baseten_logs.base.version import __version__ as __version__

TYPE_CHECKING = False  # not `typing`'s: importing typing here would cost every --version
if TYPE_CHECKING:
    from baseten_logs.reading.fetch import fetch_logs as fetch_logs
    from baseten_logs.reading.query import LogQuery as LogQuery
    from baseten_logs.reading.query import build_filters as build_filters
    from baseten_logs.reading.query import logs_path as logs_path
    from baseten_logs.reading.query import resolve_window as resolve_window
    from baseten_logs.reading.request import request_records as request_records

# The stable names of the library, and the module each lives in (imported when first asked for).
_LIBRARY = {
    "fetch_logs": "baseten_logs.reading.fetch",
    "LogQuery": "baseten_logs.reading.query",
    "build_filters": "baseten_logs.reading.query",
    "logs_path": "baseten_logs.reading.query",
    "resolve_window": "baseten_logs.reading.query",
    "request_records": "baseten_logs.reading.request",
}

__all__ = ["__version__", *_LIBRARY]


def __getattr__(name: str) -> object:
    """`baseten_logs.fetch_logs` and the others, imported only when a program asks for one."""
    module = _LIBRARY.get(name)
    if module is None:
        raise AttributeError(f"module 'baseten_logs' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value  # asked once: later look-ups are plain attribute reads
    return value
