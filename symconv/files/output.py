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
before a whole class is graded. Errors are one-line :class:`~symconv.core.errors.SymconvError`.

Whether a path is a stream is decided from what it is, never from where it is: a device or a FIFO
(through any links), or a link to an open file descriptor (``/dev/stdout``, ``/dev/fd/3``,
``/proc/self/fd/1``: whatever the shell opened). ``/dev/shm/x.csv`` is a regular file.

Folders (``exercise --out``, ``export prairielearn``, ``grade --feedback``) follow
:class:`OutputFolder`: created when missing, written into when symconv made them (a marker file,
:data:`MARKER`, lists what it wrote there), refused otherwise, ``--force`` or not; ``--force``
replaces only what the marker lists.
"""

from __future__ import annotations

import errno
import io
import json
import os
import secrets
import shutil
import stat
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Iterable, Iterator, Sequence, TextIO

from ..core.errors import SymconvError, printable

STANDARD_OUTPUT = "-"


class BrokenPipe(Exception):
    """The reader of standard output went away (``symconv grad … | head -1``): stop quietly."""


def display_path(path: str | os.PathLike) -> str:
    """A path as text that can always be written: bytes that are not UTF-8 (a file name from
    another system) are shown as backslash escapes (``caf\\xe9.txt``)."""
    return printable(os.fsdecode(path))


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def is_special(info: os.stat_result) -> bool:
    """A device or a FIFO: written straight into, never replaced."""
    return stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) or stat.S_ISFIFO(info.st_mode)


def names_descriptor(name: str) -> bool:
    """Whether ``name`` leads, through symbolic links, to an open file descriptor of a process
    (``/dev/stdout`` -> ``/proc/self/fd/1``): a link that lives on the proc file system."""
    try:
        proc = os.stat("/proc").st_dev
    except OSError:
        return False
    path = name
    for _ in range(40):  # the kernel's own limit on links followed
        try:
            info = os.lstat(path)
        except OSError:
            return False
        if not stat.S_ISLNK(info.st_mode):
            return False
        if info.st_dev == proc:
            return True
        path = os.path.join(os.path.dirname(path), os.readlink(path))
    return False


def kind_of(info: os.stat_result) -> str:
    """What a non-folder is, in words: ``a FIFO``, ``a device``, ``a file``."""
    if stat.S_ISFIFO(info.st_mode):
        return "a FIFO"
    if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
        return "a device"
    if stat.S_ISSOCK(info.st_mode):
        return "a socket"
    return "a file"


def read_regular(descriptor: int, shown: str, *, limit: int, what: str = "file",
                 error: type[SymconvError] = SymconvError) -> bytes:
    """At most ``limit`` bytes of an open regular file, refusing anything else (a FIFO, a device,
    a folder) and anything longer, before reading it. The one way symconv reads a file it was
    given: problem files, templates, rosters, answers, the marker of an output folder."""
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{shown!r} is not a regular file; give the path of a regular {what}")
    if info.st_size > limit:
        raise error(f"{shown!r} is {info.st_size:,} bytes, over the limit of {limit:,}")
    chunks, size = [], 0
    while size <= limit:  # the file may grow after fstat: read at most limit + 1 bytes
        chunk = os.read(descriptor, min(limit + 1 - size, 1 << 20))  # os.read allocates n bytes
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    data = b"".join(chunks)
    if len(data) > limit:
        raise error(f"{shown!r} is over the limit of {limit:,} bytes")
    return data


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
        # /dev/stdout and /proc/self/fd/N lead to whatever the shell opened: write into it.
        if info is not None and (is_special(info) or names_descriptor(name)):
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
        self.write_pieces([text])

    def write_pieces(self, pieces: Sequence[str]) -> None:
        """Text given in pieces, the way it was printed (a worked solution's page at the limit is
        megabytes: joined, it would be copied once more); every piece is encoded before a byte
        is written."""
        self.write_bytes([piece.encode("utf-8") for piece in pieces])

    def write_bytes(self, data: bytes | Sequence[bytes]) -> None:
        """``data``: the bytes, or the bytes in chunks."""
        if self.name == STANDARD_OUTPUT:
            write_stdout(data)
        elif self.stream:
            self._write_into(data)
        else:
            self._replace(data)

    def _write_into(self, data: bytes | Sequence[bytes]) -> None:
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_NOCTTY | os.O_APPEND)
        except OSError as error:
            raise SymconvError(f"cannot write {display_path(self.name)!r}: {_reason(error)}") from None
        try:
            _write_all(descriptor, data, display_path(self.name))
        finally:
            os.close(descriptor)

    def _replace(self, data: bytes | Sequence[bytes]) -> None:
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


def _write_all(descriptor: int, data: bytes | Sequence[bytes], shown: str) -> None:
    try:
        _write_descriptor(descriptor, data)
    except OSError as error:
        raise SymconvError(f"cannot write {shown!r}: {_reason(error)}") from None


WRITE_BATCH = 1 << 20  # bytes: chunks are joined up to this size, not written one call each


def _write_descriptor(descriptor: int, data: bytes | Sequence[bytes]) -> None:
    """Every byte (of every chunk), with os.write: Python's buffered streams can lose a broken
    pipe's error when a large write was partly done."""
    for batch in _batches([data] if isinstance(data, (bytes, bytearray)) else data):
        view = memoryview(batch)
        while view:
            try:
                written = os.write(descriptor, view)
            except BrokenPipeError:
                raise BrokenPipe() from None
            view = view[written:]


def _batches(chunks: Sequence[bytes]) -> Iterator[bytes]:
    """The chunks joined into runs of about :data:`WRITE_BATCH` bytes (a large chunk alone)."""
    def joined(run: list[bytes]) -> bytes:
        return run[0] if len(run) == 1 else b"".join(run)

    waiting: list[bytes] = []
    size = 0
    for chunk in chunks:
        if waiting and size + len(chunk) > WRITE_BATCH:
            yield joined(waiting)
            waiting, size = [], 0
        waiting.append(chunk)
        size += len(chunk)
    if waiting:
        yield joined(waiting)


_CLOSED = "standard output is closed; send it somewhere, e.g. > out.txt"


def write_stdout(data: str | bytes | Sequence[bytes]) -> None:
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
            stream.write(data if isinstance(data, str) else bytes(data).decode("utf-8")
                         if isinstance(data, (bytes, bytearray)) else b"".join(data).decode("utf-8"))
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


# -- folders ----------------------------------------------------------------------------------------
MARKER = ".symconv-output"  # in a folder symconv made: the files it wrote there
_MARKER_LIMIT = 64 * 2**20
_OURS = ".symconv-"  # the marker, and the staging and trash folders of a write under way
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


def within(path: str, folder: str) -> bool:
    """Whether the real path ``path`` is ``folder`` itself or lies inside it."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _parts(name: str) -> list[str]:
    """A file's path inside an output folder, checked: relative, no ``.`` or ``..``, not ours."""
    parts = name.split("/")
    if (not name or any(part in ("", ".", "..") or "\0" in part for part in parts)
            or parts[0].startswith(_OURS)):
        raise SymconvError(f"cannot write a file named {display_path(name)!r} into an output"
                           f" folder")
    return parts


def _open_folder(base: int, parts: list[str], *, create: bool = False) -> int:
    """The folder ``base/parts…`` opened without following any link (made when missing, with
    ``create``); raises OSError when a part is missing (without ``create``), a link or a file."""
    descriptor = os.dup(base)
    try:
        for part in parts:
            try:
                deeper = os.open(part, _FOLDER, dir_fd=descriptor)
            except FileNotFoundError:
                if not create:
                    raise
                os.mkdir(part, dir_fd=descriptor)  # the mode the umask gives
                deeper = os.open(part, _FOLDER, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = deeper
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


@dataclass(frozen=True)
class OutputFolder:
    """A folder symconv writes several files into: ``exercise --out``, ``export prairielearn``'s
    question and code folders, ``grade --feedback``.

    * a missing folder is made (``parents``: with the missing folders above it);
    * a folder symconv made (its :data:`MARKER` lists the files it wrote) is written into: a file
      already there is replaced only with ``force``, and ``force`` replaces everything symconv
      wrote there before, never anything else;
    * an empty folder is written into and becomes symconv's;
    * anything else is refused, ``force`` or not: a folder holding files symconv did not write, a
      folder holding one of the command's inputs or the working folder, and a non-folder (a file,
      a FIFO, a device).

    :meth:`check` runs before any work; :meth:`writer` writes every file into a staging folder
    inside it and moves them into place together, so a failed run changes nothing.
    """

    name: str  # as the user wrote it
    path: str  # the folder written (a symbolic link to a folder is followed)
    force: bool = False
    option: str = "--out"
    parents: bool = False

    @property
    def shown(self) -> str:
        return display_path(self.name)

    def error(self, reason: str) -> SymconvError:
        return SymconvError(f"cannot write {self.shown!r}: {reason}")

    @classmethod
    def check(cls, name: str | os.PathLike, *, force: bool = False, option: str = "--out",
              inputs: Iterable[str | os.PathLike] = (), names: Iterable[str] = (),
              parents: bool = False) -> OutputFolder:
        """Check up front that the folder ``name`` may be written (``names``: the files that
        will be, when known; ``inputs``: the files and folders the command reads)."""
        name = os.fspath(name)
        if not name:
            raise SymconvError(f"{option} is empty; give a folder, e.g. {option} hw1")
        folder = cls(name, os.path.realpath(name), force, option, parents)
        try:
            info = os.stat(name)
        except (FileNotFoundError, NotADirectoryError):  # missing, or under a non-folder
            info = None
        except OSError as error:
            raise folder.error(_reason(error)) from None
        example = f"give a new folder, e.g. {option} {'feedback' if option == '--feedback' else 'hw1'}"
        if info is None:
            if os.path.lexists(name):
                raise SymconvError(f"{option} {folder.shown!r} is a symbolic link to nothing;"
                                   f" {example}")
            folder._check_parent()
            return folder
        if not stat.S_ISDIR(info.st_mode):
            raise SymconvError(f"{option} {folder.shown!r} is {kind_of(info)}, not a folder;"
                               f" {example}")
        try:
            working = os.path.realpath(os.getcwd())
        except OSError:  # the working folder was removed
            working = None
        if working is not None and within(working, folder.path):
            raise SymconvError(f"{option} {folder.shown!r} holds the folder you are working in;"
                               f" {example}")
        for given in inputs:
            if within(os.path.realpath(given), folder.path):
                raise SymconvError(f"{option} {folder.shown!r} holds {display_path(given)!r}, which"
                                   f" this command reads; {example}")
        if not os.access(folder.path, os.W_OK | os.X_OK):
            raise folder.error("the folder is not writable")
        try:
            root = os.open(folder.path, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as error:
            raise folder.error(_reason(error)) from None
        try:
            folder._plan(root, list(names))
        except OSError as error:
            raise folder.error(_reason(error)) from None
        finally:
            os.close(root)
        return folder

    def _check_parent(self) -> None:
        """A missing folder can be made: the folder above exists (or, with ``parents``, the
        nearest existing one above it is a folder) and is writable."""
        above = os.path.dirname(self.name.rstrip(os.sep)) or ("." if self.name[:1] != os.sep else os.sep)
        while self.parents and not os.path.lexists(above) and above != os.path.dirname(above):
            above = os.path.dirname(above) or "."
        shown = display_path(above)
        try:
            info = os.stat(above)
        except OSError:
            if os.path.islink(above):
                raise self.error(f"{shown!r} is a symbolic link to nothing") from None
            raise self.error(f"the folder {shown!r} does not exist") from None
        if not stat.S_ISDIR(info.st_mode):
            raise self.error(f"{shown!r} is {kind_of(info)}, not a folder")
        if not os.access(above, os.W_OK | os.X_OK):
            raise self.error(f"the folder {shown!r} is not writable")

    def _plan(self, root: int, names: list[str]) -> list[str]:
        """What symconv wrote here before; refuses a folder that is not symconv's, and a file to
        write that is in the way (not symconv's, or symconv's without ``force``)."""
        previous = self._previous(root)
        mine = set(previous)
        for name in names:
            parts = _parts(name)
            try:
                parent = _open_folder(root, parts[:-1])
            except FileNotFoundError:
                continue  # made when written
            except OSError:
                raise SymconvError(f"{self.option} {self.shown!r}: something that is not a folder is"
                                   f" in the way of {display_path(name)!r}; move it away, or"
                                   f" give a new folder") from None
            try:
                info = os.lstat(parts[-1], dir_fd=parent)
            except FileNotFoundError:
                continue
            finally:
                os.close(parent)
            if name not in mine or not stat.S_ISREG(info.st_mode):  # a folder or a link is yours
                raise SymconvError(f"{self.option} {self.shown!r} holds {display_path(name)!r},"
                                   f" which symconv did not write; it never replaces that, --force"
                                   f" or not: move it away, or give a new folder")
            if not self.force:
                raise SymconvError(f"{self.option} {self.shown!r} holds what symconv wrote there"
                                   f" before ({display_path(name)!r}); add --force to replace it,"
                                   f" or give a new folder")
        return previous

    def _previous(self, root: int) -> list[str]:
        entries = os.listdir(root)
        if MARKER not in entries:
            if entries:
                listed = ", ".join(repr(display_path(e)) for e in sorted(entries)[:3])
                more = f" and {len(entries) - 3:,} more" if len(entries) > 3 else ""
                raise SymconvError(f"{self.option} {self.shown!r} is a folder symconv did not make,"
                                   f" holding {listed}{more}; symconv never replaces what it did"
                                   f" not write, --force or not: give a new or empty folder, e.g."
                                   f" {self.option} hw1")
            return []
        shown = f"{self.shown}/{MARKER}"
        try:
            descriptor = os.open(MARKER, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=root)
        except OSError:
            descriptor = None
        try:
            data = b"" if descriptor is None else read_regular(descriptor, shown, limit=_MARKER_LIMIT)
            files = json.loads(data.decode("utf-8", "surrogateescape"))["files"]
            if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
                raise ValueError
            for name in files:
                _parts(name)
        except (SymconvError, ValueError, KeyError, TypeError):
            raise SymconvError(f"{shown!r} is not symconv's list of the files it wrote there;"
                               f" give a new folder, e.g. {self.option} hw1") from None
        finally:
            if descriptor is not None:
                os.close(descriptor)
        return files

    def writer(self) -> FolderWriter:
        """``with folder.writer() as out: out.write_text("s1/problem.toml", text)``: every file
        is in place when the block ends without an error, none when it ends with one."""
        return FolderWriter(self)


def _write_marker(root: int, files: list[str]) -> None:
    text = json.dumps({"written by": "symconv", "note": "symconv made this folder; with --force it"
                       " replaces the files listed here, and nothing else", "files": files},
                      indent=1, ensure_ascii=False)
    temporary = f"{MARKER}.{secrets.token_hex(6)}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666,
                         dir_fd=root)
    try:
        try:
            _write_descriptor(descriptor, text.encode("utf-8", "surrogateescape") + b"\n")
        finally:
            os.close(descriptor)
        os.rename(temporary, MARKER, src_dir_fd=root, dst_dir_fd=root)
    except BaseException:
        try:
            os.unlink(temporary, dir_fd=root)
        except OSError:
            pass
        raise


@dataclass
class FolderWriter:
    """The files of one :class:`OutputFolder`, written into a staging folder inside it and moved
    into place together when the ``with`` block ends (see :meth:`OutputFolder.writer`)."""

    folder: OutputFolder
    names: list[str] = field(default_factory=list)
    made: list[str] = field(default_factory=list)  # folders this write created, outermost first
    claimed: bool = False  # the marker was written by this write (the folder was new or empty)
    root: int = -1
    staging: str = ""
    staged: int = -1

    def __enter__(self) -> FolderWriter:
        folder = self.folder
        try:
            if not os.path.isdir(folder.path):
                self._make(folder.path)
            self.root = os.open(folder.path, os.O_RDONLY | os.O_DIRECTORY)
            folder._previous(self.root)  # still symconv's, or empty
            if MARKER not in os.listdir(self.root):
                _write_marker(self.root, [])  # ours from the start: a crash leaves a folder of ours
                self.claimed = True
            self.staging = f"{_OURS}new-{secrets.token_hex(6)}"
            os.mkdir(self.staging, 0o700, dir_fd=self.root)
            self.staged = os.open(self.staging, _FOLDER, dir_fd=self.root)
        except BaseException as error:
            self._clean(failed=True)
            if isinstance(error, OSError):
                raise folder.error(_reason(error)) from None
            raise
        return self

    def _make(self, path: str) -> None:
        missing = []
        while not os.path.lexists(path):
            missing.append(path)
            path = os.path.dirname(path)
        for folder in reversed(missing):
            os.mkdir(folder)
            self.made.append(folder)

    def write_text(self, name: str, text: str) -> None:
        self.write_bytes(name, text.encode("utf-8"))

    def write_bytes(self, name: str, data: bytes) -> None:
        descriptor = self._create(name)
        try:
            _write_descriptor(descriptor, data)
        except OSError as error:
            raise self.folder.error(_reason(error)) from None
        finally:
            os.close(descriptor)

    @contextmanager
    def open(self, name: str) -> Iterator[TextIO]:
        """A text stream (UTF-8, newlines as written) into the file ``name``, for a file written
        a piece at a time."""
        stream = io.open(self._create(name), "w", encoding="utf-8", newline="")
        try:
            with stream:
                yield stream
        except OSError as error:
            raise self.folder.error(_reason(error)) from None

    def read_bytes(self, name: str) -> bytes:
        """A file this write has written (to copy it: a student sharing a variant)."""
        parts = _parts(name)
        try:
            parent = _open_folder(self.staged, parts[:-1])
            try:
                descriptor = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW, dir_fd=parent)
            finally:
                os.close(parent)
            try:
                return read_regular(descriptor, display_path(name), limit=1 << 40)
            finally:
                os.close(descriptor)
        except OSError as error:
            raise self.folder.error(_reason(error)) from None

    def _create(self, name: str) -> int:
        """The new file ``name`` in the staging folder, opened for writing."""
        parts = _parts(name)
        try:
            parent = _open_folder(self.staged, parts[:-1], create=True)
            try:
                descriptor = os.open(parts[-1], os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                                     0o666, dir_fd=parent)
            finally:
                os.close(parent)
        except OSError as error:
            raise self.folder.error(_reason(error)) from None
        self.names.append(name)
        return descriptor

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        try:
            if kind is None:
                try:
                    self._commit()
                except OSError as error:
                    raise self.folder.error(_reason(error)) from None
        except BaseException:
            self._clean(failed=True)
            raise
        self._clean(failed=kind is not None)

    def _commit(self) -> None:
        """Everything symconv wrote before aside (with ``force``), every new file into place, the
        marker; on any error, everything back as it was."""
        previous = self.folder._plan(self.root, self.names)
        moved: list[tuple[list[str], str]] = []  # (place, name in the trash)
        placed: list[list[str]] = []
        trash = f"{_OURS}old-{secrets.token_hex(6)}"
        os.mkdir(trash, 0o700, dir_fd=self.root)
        bin_ = os.open(trash, _FOLDER, dir_fd=self.root)
        try:
            try:
                for index, name in enumerate(previous if self.folder.force else ()):
                    parts = name.split("/")
                    try:
                        parent = _open_folder(self.root, parts[:-1])
                    except OSError:
                        continue  # gone, or no longer a folder of ours
                    try:
                        if stat.S_ISREG(os.lstat(parts[-1], dir_fd=parent).st_mode):  # else yours
                            os.rename(parts[-1], str(index), src_dir_fd=parent, dst_dir_fd=bin_)
                            moved.append((parts, str(index)))
                    except FileNotFoundError:
                        pass
                    finally:
                        os.close(parent)
                for parts in self._pieces():
                    self._move(self.staged, self.root, parts)
                    placed.append(parts)
                new = set(self.names)
                kept = set() if self.folder.force else set(previous) - new
                _write_marker(self.root, sorted(kept | new))
            except BaseException:
                for parts in reversed(placed):
                    self._move(self.root, self.staged, parts)
                for parts, kept_as in reversed(moved):
                    parent = _open_folder(self.root, parts[:-1], create=True)
                    try:
                        os.rename(kept_as, parts[-1], src_dir_fd=bin_, dst_dir_fd=parent)
                    finally:
                        os.close(parent)
                raise
        finally:
            os.close(bin_)
            shutil.rmtree(os.path.join(self.folder.path, trash), ignore_errors=True)
        for parts, _ in moved:  # the folders their removal left empty
            for depth in range(len(parts) - 1, 0, -1):
                try:
                    parent = _open_folder(self.root, parts[:depth - 1])
                except OSError:
                    break
                try:
                    os.rmdir(parts[depth - 1], dir_fd=parent)
                except OSError:
                    break  # not empty: it holds something else
                finally:
                    os.close(parent)

    def _pieces(self) -> Iterator[list[str]]:
        """What to move into place: each staged file, or, where the folder does not exist yet,
        the whole staged folder at once (one rename for a student's folder, not one per file)."""
        moved: set[tuple[str, ...]] = set()
        for name in self.names:
            parts = name.split("/")
            if any(tuple(parts[:depth]) in moved for depth in range(1, len(parts))):
                continue  # inside a folder moved whole
            for depth in range(1, len(parts)):
                try:
                    os.close(_open_folder(self.root, parts[:depth]))
                except FileNotFoundError:
                    moved.add(tuple(parts[:depth]))
                    yield parts[:depth]
                    break
            else:
                yield parts

    @staticmethod
    def _move(source: int, target: int, parts: list[str]) -> None:
        """The file (or folder) ``parts`` from one tree to the same place in the other."""
        here = _open_folder(source, parts[:-1])
        try:
            there = _open_folder(target, parts[:-1], create=True)
            try:
                os.rename(parts[-1], parts[-1], src_dir_fd=here, dst_dir_fd=there)
            finally:
                os.close(there)
        finally:
            os.close(here)

    def _clean(self, *, failed: bool) -> None:
        """The staging folder goes; after a failure, so do the marker and the folders this write
        made."""
        if self.staging:
            shutil.rmtree(os.path.join(self.folder.path, self.staging), ignore_errors=True)
        if failed and self.claimed:
            try:
                os.unlink(MARKER, dir_fd=self.root)
            except OSError:
                pass
        for descriptor in (self.staged, self.root):
            if descriptor >= 0:
                os.close(descriptor)
        self.staged = self.root = -1
        if failed:
            for folder in reversed(self.made):
                try:
                    os.rmdir(folder)
                except OSError:
                    break
