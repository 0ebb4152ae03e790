"""Opening the files of a raw folder safely: only regular files, never hang, never leave the folder.

A raw folder assembled by hand (or unpacked from a client's archive) can hold a directory named
`Account.csv`, a FIFO or device file (opening one for reading blocks forever), a dangling or
looping symlink, or a symlink into somewhere else on the machine. Each is refused with its own
reason before anything is opened, so a run never hangs and never reads outside the folder.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sfqb_diag.errors import Problem

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _refusal(raw: Path, path: Path) -> str | None:
    """Why `path` cannot be read as a data file of `raw`, or None when it is a usable regular file."""
    try:
        target = path.resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError):
        return "is a symlink to nowhere; replace it with the file itself"
    except RuntimeError:  # Python 3.11 reports a symlink loop this way
        return "is a symlink loop (it points back at itself); replace it with the file itself"
    except OSError as exc:  # ELOOP on newer Pythons, or an unreadable path
        return f"cannot be opened ({exc.strerror or exc}); replace it with the file itself"
    if path.is_symlink() and not target.is_relative_to(raw.resolve()):
        return (
            f"is a symlink to {target}, outside the raw folder; copy the file into the raw "
            "folder instead"
        )
    mode = target.stat().st_mode
    for test, kind in _KINDS:
        if test(mode):
            return f"is {kind}, not a data file; remove it or put the exported file there"
    if not stat.S_ISREG(mode):
        return "is not a regular file; put the exported file there"
    if not os.access(target, os.R_OK):
        return "cannot be read (permission denied); make it readable"
    return None


def present(path: Path) -> bool:
    """True when anything at all sits at `path`, a dangling symlink included."""
    return path.exists() or path.is_symlink()


def usable(raw: Path, path: Path, name: str, problems: list[Problem]) -> bool:
    """True when `path` is a regular file inside `raw`; otherwise add a problem naming it."""
    reason = _refusal(raw, path)
    if reason is not None:
        problems.append(Problem(name, reason))
    return reason is None


def read_bytes(raw: Path, path: Path, name: str, problems: list[Problem]) -> bytes | None:
    """The bytes of a data file, or None (with a problem naming it) when it cannot be used."""
    if not usable(raw, path, name, problems):
        return None
    try:
        return path.read_bytes()
    except OSError as exc:
        problems.append(Problem(name, f"cannot be read: {exc.strerror or exc}"))
        return None
