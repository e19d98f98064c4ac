"""A faithful local Baseten API (logs and name-resolution reads) for the demo, tests and benchmarks.

Standard library only. `Emulator(EmulatorConfig(...))` serves on 127.0.0.1 from a daemon thread;
`serve(...)` runs one in the foreground for `baseten-logs emulator`.
"""

from .app import Emulator, describe, serve
from .catalogue import (
    DEMO_DEPLOYMENT_ID,
    DEMO_DEPLOYMENT_NAME,
    DEMO_DEV_DEPLOYMENT_ID,
    DEMO_MODEL_ID,
    DEMO_MODEL_NAME,
    EMBEDDER_MODEL_NAME,
    SDXL_DEPLOYMENT_ID,
    SDXL_MODEL_ID,
    WHISPER_MODEL_ID,
    WHISPER_NEW_DEPLOYMENT_ID,
    WHISPER_OLD_DEPLOYMENT_ID,
    Environment,
    Model,
)
from .config import DEFAULT_API_KEY, EmulatorConfig
from .deployments import Deployment
from .faults import FAULT_KINDS, HOSTILE_TEXT
from .server import RequestRecord

__all__ = [
    "DEFAULT_API_KEY",
    "DEMO_DEPLOYMENT_ID",
    "DEMO_DEPLOYMENT_NAME",
    "DEMO_DEV_DEPLOYMENT_ID",
    "DEMO_MODEL_ID",
    "DEMO_MODEL_NAME",
    "EMBEDDER_MODEL_NAME",
    "FAULT_KINDS",
    "HOSTILE_TEXT",
    "SDXL_DEPLOYMENT_ID",
    "SDXL_MODEL_ID",
    "WHISPER_MODEL_ID",
    "WHISPER_NEW_DEPLOYMENT_ID",
    "WHISPER_OLD_DEPLOYMENT_ID",
    "Deployment",
    "Emulator",
    "EmulatorConfig",
    "Environment",
    "Model",
    "RequestRecord",
    "describe",
    "serve",
]
