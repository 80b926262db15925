"""Atomic file writes: a crash or an error never leaves a partial output file behind.

Outputs are regular files written beside their target and renamed over it. A target that is
not a regular file is refused, never replaced: a symbolic link (the rename would replace the
link, not the file it points to), a FIFO, a device such as ``/dev/null`` or a socket. To send
output to one of those, write to a file and copy it, or use ``--json`` and a shell redirect.
The command line turns SIGTERM into a normal exit (:func:`dealloop.cli.main`), so a
terminated run removes its temporary files and folders like an interrupted one.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["atomic_open", "atomic_write_bytes", "atomic_write_text", "output_problem",
           "special_file"]


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside ``path``; rename it over ``path`` only on success.

    If the body raises, the temporary file is removed and ``path`` is left as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_open(out) as fh:
    ...     _ = fh.write("hello")
    >>> out.read_text()
    'hello'
    """
    target = Path(path)
    why = special_file(target)
    if why is not None:
        raise IsADirectoryError(why) if why == "is a directory" else OSError(why)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def special_file(path: str | Path, *, folder: bool = False) -> str | None:
    """Why an existing ``path`` must not be replaced by an atomic rename, or ``None``.

    Examples
    --------
    >>> special_file("/dev/null")
    'is a character device, not a regular file; refusing to replace it'
    >>> special_file("/no/such/file") is None
    True
    """
    try:
        st = os.lstat(path)
    except OSError:
        return None  # missing (or unreachable: the write itself will say why)
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        return ("is a symbolic link; refusing to replace it (give the path it points to, "
                f"{os.path.realpath(path)!r})")
    if stat.S_ISREG(mode):
        return None  # for a folder output, output_problem says why a file is in the way
    if stat.S_ISDIR(mode):
        return None if folder else "is a directory"
    what = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFCHR: "a character device",
            stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket"}.get(
        stat.S_IFMT(mode), "not a regular file")
    kind = "a folder" if folder else "a regular file"
    return f"is {what}, not {kind}; refusing to replace it"


def output_problem(path: str | Path, *, folder: bool = False) -> str | None:
    """Why ``path`` cannot be written (``None`` when it looks writable), checked before any
    work is done so a long run is not lost to a typo in ``-o``.

    The parent directory must exist (it is never created: a misspelt folder is an error, not a
    new folder) and be a writable directory; ``path`` must not be a directory (for a file) or
    a file (for a ``folder``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> output_problem(d / "out.json") is None
    True
    >>> output_problem(d / "no-such-folder" / "out.json").endswith("does not exist")
    True
    >>> output_problem(d)
    'is a directory'
    """
    target = Path(path)
    if str(path).strip() == "":
        return "empty file name"
    special = special_file(target, folder=folder)
    if special is not None:
        return special
    if folder:
        if target.exists() and not target.is_dir():
            return "exists and is not a directory"
    elif target.is_dir():
        return "is a directory"
    parent = target.parent
    if not parent.exists():
        return f"directory {str(parent)!r} does not exist"
    if not parent.is_dir():
        return f"{str(parent)!r} is not a directory"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"directory {str(parent)!r} is not writable"
    if not folder and target.exists() and not os.access(target, os.W_OK):
        return "file is not writable"
    return None


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8, LF line ends as given).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> out = atomic_write_text(Path(tempfile.mkdtemp()) / "note.txt", "one line")
    >>> out.read_text(encoding="utf-8")
    'one line'
    """
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return Path(path)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> atomic_write_bytes(folder / "b.bin", bytes([0, 1])).read_bytes() == bytes([0, 1])
    True
    >>> sorted(p.name for p in folder.iterdir())        # no temporary file left behind
    ['b.bin']
    """
    with atomic_open(path, "wb") as fh:
        fh.write(data)
    return Path(path)
