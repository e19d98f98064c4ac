"""Where output goes: quiet ends for closed pipes (`… | head -1`), one-line write errors, and the
--save file (written beside FILE and renamed into place, so a failed run never destroys it)."""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO, cast

from baseten_logs.base.errors import BasetenLogsError, ExitStatus, UsageError


class OutputClosed(BasetenLogsError):
    """The reader of stdout went away; that is the reader's choice, not our failure."""

    status = ExitStatus.OK


class OutputError(BasetenLogsError):
    """stdout or the --save file could not be written (a full disk, a closed descriptor)."""

    status = ExitStatus.WRITE


def _write_failed(name: str, exc: OSError) -> OutputError:
    return OutputError(f"cannot write to {name}: {exc.strerror or exc}")


def silence_stdout() -> None:
    """Point stdout at devnull so the interpreter's final flush cannot fail noisily."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def tolerant_stdout() -> None:
    """Text stdout cannot encode (a lone surrogate, legal in JSON as "\\ud800", or anything on a
    stdout whose encoding is not UTF-8) is written as a backslash escape instead of failing, as
    Python already does on stderr. `-o raw` into a pipe is byte-exact for everything else."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is None:
        return
    try:
        reconfigure(errors="backslashreplace")
    except (OSError, ValueError):  # a closed or exotic stream: it keeps its own rules
        pass


class _ClosedStdout(io.TextIOBase):
    """Stands in for a stdout the shell closed (`>&-`, Python's sys.stdout is None then): every
    write fails as the OS would, so it is reported like any other write error."""

    name = "<stdout>"
    written = False

    def write(self, text: str) -> int:
        self.written = True
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def isatty(self) -> bool:
        return False


def guard_closed_stdout() -> None:
    """At start-up: a closed stdout gets a stand-in that fails every write, and its descriptor is
    taken by devnull so that no file opened later (the --save file) can land on it."""
    if sys.stdout is not None:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        if devnull != 1:
            os.dup2(devnull, 1)
            os.close(devnull)
    except OSError:
        pass
    sys.stdout = _ClosedStdout()


def stdout_failed() -> bool:
    """Whether stdout cannot take what was written to it (for a write error that surfaced outside
    `stdout_guard`, such as `--help` into a full disk): its pending output cannot be flushed."""
    stream = sys.stdout
    if isinstance(stream, _ClosedStdout):
        return stream.written
    try:
        stream.flush()
    except OSError:
        silence_stdout()
        return True
    except ValueError:  # closed
        return False
    return False


@contextmanager
def stdout_guard() -> Iterator[None]:
    """Output to stdout within: a reader that went away ends the run quietly (exit 0); any other
    write error (a full disk, a closed descriptor) is one line with its own status (74)."""
    # Raised as our own error because click turns a bare BrokenPipeError into exit 1.
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        raise OutputClosed("stdout closed") from None
    except OSError as exc:
        silence_stdout()  # what is still buffered must not fail again at exit
        raise _write_failed("stdout", exc) from None


class SaveFile:
    """--save FILE: written to a temporary file beside FILE and renamed over it when the run ends
    (also on failure, Ctrl-C or SIGTERM, once a line was written), so readers never see half a
    file and a run that fails before its first line leaves the last artefact untouched.

    A FILE that exists and is not a regular file (`/dev/stderr`, a FIFO, a process substitution)
    is written in place: there is nothing to rename over. Write errors are one line naming FILE.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.written = False
        self._done = False
        target = os.path.realpath(path)  # a symlink keeps pointing at the new file
        try:
            existing: os.stat_result | None = os.stat(target)
        except OSError:
            existing = None
        if existing is not None and stat.S_ISDIR(existing.st_mode):
            raise _bad_path(path, "it is a directory")
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            self._target: str | None = None
            self._temp: str | None = None
            fd = self._open(path, os.O_WRONLY | os.O_TRUNC)
        else:
            if existing is not None and not os.access(target, os.W_OK):
                raise _bad_path(path, os.strerror(errno.EACCES))
            folder, name = os.path.split(target)
            self._target = target
            self._temp = os.path.join(folder, f".{name}.{os.urandom(4).hex()}.tmp")
            fd = self._open(self._temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
            if existing is not None:
                try:
                    os.chmod(self._temp, stat.S_IMODE(existing.st_mode))
                except OSError:
                    pass  # the umask's permissions, then
        # backslashreplace: JSON lines are ASCII already; this only guards odd extra fields.
        self._file = open(fd, "w", encoding="utf-8", errors="backslashreplace")  # noqa: SIM115

    def _open(self, path: str, flags: int) -> int:
        try:
            return os.open(path, flags, 0o666)
        except OSError as exc:
            raise _bad_path(self.path, exc.strerror or str(exc)) from None

    def write(self, text: str) -> int:
        if text:
            self.written = True
        try:
            return self._file.write(text)
        except OSError as exc:
            raise _write_failed(self.path, exc) from None

    def flush(self) -> None:
        try:
            self._file.flush()
        except OSError as exc:
            raise _write_failed(self.path, exc) from None

    def finish(self, *, complete: bool) -> None:
        """Put the file in place if the run completed or wrote anything; else leave FILE as it
        was. Idempotent; raises OutputError if the last writes fail."""
        if self._done:
            return
        self._done = True
        keep = complete or self.written
        try:
            if keep and self._temp is not None:
                self._file.flush()
                os.fsync(self._file.fileno())  # renamed only once the data is on disk
            self._file.close()
            if self._temp is not None and self._target is not None:
                if keep:
                    os.replace(self._temp, self._target)
                else:
                    os.unlink(self._temp)
        except OSError as exc:
            self._discard()
            raise _write_failed(self.path, exc) from None

    def _discard(self) -> None:
        try:
            self._file.close()
        except OSError:
            pass
        if self._temp is not None:
            try:
                os.unlink(self._temp)
            except OSError:
                pass


def _bad_path(path: str, problem: str) -> UsageError:
    hint = "give a writable file path"
    return UsageError("--save", f"cannot write {path!r}: {problem}", hint=hint)


def open_save_file(path: str) -> SaveFile:
    """--save's file, prepared before any request so a bad path is bad input (exit 2)."""
    return SaveFile(path)


def as_stream(save: SaveFile) -> TextIO:
    """The save file where a renderer wants a text stream (it only calls write and flush)."""
    return cast(TextIO, save)
