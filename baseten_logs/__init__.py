"""baseten-logs: a fast, scriptable log viewer for model deployments on Baseten.

Kept import-free on purpose: `baseten-logs --version` must not pay for httpx or rich.
"""

__version__ = "0.1.0"
