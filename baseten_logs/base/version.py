"""The package's version, in the bottom layer: `--version`, the client's User-Agent and
setuptools (pyproject.toml) all read it here, and reading it imports nothing else."""

__version__ = "0.1.0"
