"""Writing output files and standard output: into what the user named, never replacing it.

Every command that writes a file (``-o`` of ``solve``/``shapes``/``forward``/``connect``/``matrix``,
``--pdf``, ``grade --csv`` and ``--feedback``, the Gradescope and Moodle exports) goes through
:class:`OutputTarget`:

* ``-`` is standard output;
* a symbolic link is followed, and its target is written;
* a device or a FIFO (``/dev/stdout``, ``/dev/null``, a named pipe) is written straight into,
  never replaced by a regular file;
* a regular file is written atomically: a temporary file beside it, renamed over it once complete
  (with the mode the target had; a new file gets the mode the umask gives), and removed on every
  error, so a full disk or an interrupted run leaves nothing behind;
* an existing regular file is replaced only with ``force`` (the same rule for every command).

:meth:`OutputTarget.check` runs before any work, so a missing or unwritable folder is found
before a whole class is graded. Errors are one-line :class:`~symconv.errors.SymconvError`.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
import tempfile
from dataclasses import dataclass

from .errors import SymconvError

STANDARD_OUTPUT = "-"
_SYSTEM_FOLDERS = ("/dev/", "/proc/")


class BrokenPipe(Exception):
    """The reader of standard output went away (``symconv grad … | head -1``): stop quietly."""


def display_path(path: str | os.PathLike) -> str:
    """A path as text that can always be written: bytes that are not UTF-8 (a file name from
    another system) are shown as backslash escapes (``caf\\xe9.txt``)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@dataclass(frozen=True)
class OutputTarget:
    """Where one output goes: ``name`` as the user wrote it, ``path`` the file written (a link
    followed), ``stream`` when written straight into (standard output, a device, a FIFO)."""

    name: str
    path: str
    stream: bool

    @classmethod
    def check(cls, name: str | os.PathLike, *, force: bool = False,
              option: str = "-o") -> OutputTarget:
        """Check up front that ``name`` can be written, before any work is done."""
        name = os.fspath(name)
        shown = display_path(name)
        if name == STANDARD_OUTPUT:
            return cls(name, name, True)
        if not name:
            raise SymconvError(f"{option} is empty; give a file name, e.g. {option} out.txt")
        try:
            info = os.stat(name)  # through symbolic links
        except FileNotFoundError:
            info = None
        except OSError as error:
            raise SymconvError(f"cannot write {shown!r}: {_reason(error)}") from None
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise SymconvError(f"{option} {shown!r} is a folder; give a file name, e.g."
                               f" {option} {os.path.join(shown, 'out.txt')}")
        special = stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode) \
            or stat.S_ISBLK(info.st_mode) if info is not None else False
        # /dev/stdout and /proc/self/fd/N lead to whatever the shell opened: write into it.
        if special or (info is not None and name.startswith(_SYSTEM_FOLDERS)):
            if not os.access(name, os.W_OK):
                raise SymconvError(f"cannot write {shown!r}: permission denied")
            return cls(name, name, True)
        if info is not None and not stat.S_ISREG(info.st_mode):
            raise SymconvError(f"{option} {shown!r} is not a file, a device or a FIFO; give a file"
                               f" name, e.g. {option} out.txt")
        path = os.path.realpath(name)  # a symbolic link: its target is written
        folder = os.path.dirname(path)
        if not os.path.isdir(folder):
            raise SymconvError(f"cannot write {shown!r}: the folder"
                               f" {display_path(os.path.dirname(name) or '.')!r} does not exist")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise SymconvError(f"cannot write {shown!r}: the folder"
                               f" {display_path(os.path.dirname(name) or '.')!r} is not writable")
        if info is not None and not force:
            raise SymconvError(f"{shown!r} already exists; add --force to replace it, or choose"
                               f" another name")
        return cls(name, path, False)

    def write_text(self, text: str) -> None:
        self.write_bytes(text.encode("utf-8"))

    def write_bytes(self, data: bytes) -> None:
        if self.name == STANDARD_OUTPUT:
            write_stdout(data)
        elif self.stream:
            self._write_into(data)
        else:
            self._replace(data)

    def _write_into(self, data: bytes) -> None:
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_NOCTTY | os.O_APPEND)
        except OSError as error:
            raise SymconvError(f"cannot write {display_path(self.name)!r}: {_reason(error)}") from None
        try:
            _write_all(descriptor, data, display_path(self.name))
        finally:
            os.close(descriptor)

    def _replace(self, data: bytes) -> None:
        folder, base = os.path.split(self.path)
        shown = display_path(self.name)
        try:
            mode = stat.S_IMODE(os.stat(self.path).st_mode)
        except FileNotFoundError:
            mode = 0o666 & ~current_umask()
        except OSError as error:
            raise SymconvError(f"cannot write {shown!r}: {_reason(error)}") from None
        try:
            descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{base}.", suffix=".tmp")
        except OSError as error:
            raise SymconvError(f"cannot write {shown!r}: {_reason(error)}") from None
        try:
            try:
                _write_all(descriptor, data, shown)
                os.fchmod(descriptor, mode)
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            os.replace(temporary, self.path)
        except BaseException as error:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            if isinstance(error, OSError):
                raise SymconvError(f"cannot write {shown!r}: {_reason(error)}") from None
            raise


def _write_all(descriptor: int, data: bytes, shown: str) -> None:
    try:
        _write_descriptor(descriptor, data)
    except OSError as error:
        raise SymconvError(f"cannot write {shown!r}: {_reason(error)}") from None


def _write_descriptor(descriptor: int, data: bytes) -> None:
    """Every byte, with os.write: Python's buffered streams can lose a broken pipe's error when a
    large write was partly done."""
    view = memoryview(data)
    while view:
        try:
            written = os.write(descriptor, view)
        except BrokenPipeError:
            raise BrokenPipe() from None
        view = view[written:]


_CLOSED = "standard output is closed; send it somewhere, e.g. > out.txt"


def write_stdout(data: str | bytes) -> None:
    """Write standard output through to its file: a closed one or a write error (a full disk) is
    a one-line error, a reader that went away is :class:`BrokenPipe`."""
    stream = sys.stdout
    if stream is None:
        raise SymconvError(_CLOSED)
    try:
        stream.flush()
        descriptor = stream.fileno()
    except BrokenPipeError:
        raise BrokenPipe() from None
    except (AttributeError, ValueError, io.UnsupportedOperation):
        descriptor = None  # not a file (a test's capture): write the text to it
    except OSError as error:
        raise SymconvError(_CLOSED if error.errno == errno.EBADF
                           else f"cannot write to standard output: {_reason(error)}") from None
    try:
        if descriptor is None:
            stream.write(data.decode("utf-8") if isinstance(data, bytes) else data)
            stream.flush()
        else:
            _write_descriptor(descriptor, data.encode("utf-8") if isinstance(data, str) else data)
    except BrokenPipeError:
        raise BrokenPipe() from None
    except OSError as error:
        raise SymconvError(_CLOSED if error.errno == errno.EBADF
                           else f"cannot write to standard output: {_reason(error)}") from None


def silence_stdout() -> None:
    """After a broken pipe: point standard output at /dev/null, so the interpreter's last flush at
    exit has nowhere to fail (it would print a traceback)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, AttributeError, ValueError):
        pass
