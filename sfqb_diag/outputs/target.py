"""Checks on an output folder path, made before anything is created (exit 2, nothing written).

A report folder is replaced whole, so `--out` must name a folder sfqb-diag may replace: not a
file, not the raw folder or anything inside it (the swap would delete the input), somewhere
writable, and short enough that `<out>.partial` and `<out>.old` still fit the file system.
"""

from __future__ import annotations

import os
from pathlib import Path

from sfqb_diag.errors import UsageError

_SUFFIX = ".partial"  # the longest name the swap adds (".old", ".lock" are shorter)


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")


def check_out_path(out: Path, raw: Path | None = None, label: str = "--out") -> None:
    """Raise UsageError when `out` cannot be written whole; create nothing."""
    out = Path(out)
    if out.is_symlink() and not out.exists():
        raise UsageError(f"{label} {out} is a symlink to nowhere; give a folder")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{label} {out} is an existing file, not a folder; give a folder path")
    target = out.resolve()
    if raw is not None:
        source = Path(raw).resolve()
        if target == source or target.is_relative_to(source):
            raise UsageError(
                f"{label} {out} is the raw folder {raw} or inside it: replacing the report "
                "would change the input; write the report beside the raw folder (e.g. out/)"
            )
    base = _nearest_existing(target.parent)
    if not base.is_dir():
        raise UsageError(f"{label} {out}: {base} is a file, so no folder can be made under it")
    try:
        name_max = os.pathconf(base, "PC_NAME_MAX")
        path_max = os.pathconf(base, "PC_PATH_MAX")
    except (OSError, ValueError):
        name_max, path_max = 255, 4096
    if len(os.fsencode(target.name + _SUFFIX)) > name_max or any(
        len(os.fsencode(part)) > name_max for part in target.parts
    ):
        raise UsageError(
            f"{label} {out}: a folder name is too long for the file system "
            f"(at most {name_max - len(_SUFFIX)} bytes for the last one); choose a shorter name"
        )
    if len(os.fsencode(str(target))) + 64 > path_max:  # room for the files inside
        raise UsageError(f"{label} {out}: the path is too long; choose a shorter one")
    if not os.access(base, os.W_OK | os.X_OK):
        raise UsageError(f"{label} {out}: {base} is not writable; choose a folder you can write")
