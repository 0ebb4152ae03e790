"""Write outputs whole: build in `<out>.partial/`, then move into place.

A folder named like the target is always complete. When `<out>` already exists (a demo folder
that also holds raw/ and truth.json, or an earlier report), only the entries this run produced
are swapped in; everything else in `<out>` is left alone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path


def partial_of(out: Path) -> Path:
    return out.with_name(out.name + ".partial")


@contextlib.contextmanager
def publishing(out: Path, keep_on_error: bool = False) -> Iterator[Path]:
    """Yield a fresh `<out>.partial/` to write into; publish it into `<out>` on success.

    On error the partial folder is removed, unless keep_on_error (a failed notebook is kept for
    inspection; the `.partial` name says it is not a finished report).
    """
    out = Path(out)
    partial = partial_of(out)
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    try:
        yield partial
    except BaseException:
        if not keep_on_error:
            shutil.rmtree(partial, ignore_errors=True)
        raise
    publish(partial, out)


def publish(partial: Path, out: Path) -> None:
    """Move everything in `partial` into `out` (replacing same-named entries), then drop `partial`."""
    if not out.exists():
        os.replace(partial, out)
        return
    trash = out.with_name(out.name + ".old")
    shutil.rmtree(trash, ignore_errors=True)
    trash.mkdir()
    for entry in sorted(partial.iterdir()):
        target = out / entry.name
        if target.exists() or target.is_symlink():
            os.replace(target, trash / entry.name)
        os.replace(entry, target)
    shutil.rmtree(trash, ignore_errors=True)
    partial.rmdir()
