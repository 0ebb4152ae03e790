"""Write outputs whole: build in `<out>.partial/`, then swap the whole folder in.

Finance must be able to trust that a folder named like the report is one run. The swap is:
1. build every output in `<out>.partial/`;
2. give the new folder what else lived in `<out>` and is not the old run's (a demo folder also
   holds raw/ and truth.json) as hard links, so the old folder stays untouched until step 3;
   the old run's own entries (RUN_ENTRIES) are never carried: a run with fewer areas must not
   keep stale matches;
3. rename `<out>` to `<out>.old`; 4. rename `<out>.partial` to `<out>`; 5. delete `<out>.old`.
A failure between steps undoes what was done; a kill between 3 and 4 leaves `<out>.old`, which
the next run renames back (or deletes, when `<out>` is already the new run) and says so.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path


def partial_of(out: Path) -> Path:
    return out.with_name(out.name + ".partial")


def old_of(out: Path) -> Path:
    return out.with_name(out.name + ".old")


def _present(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def recover(out: Path) -> str | None:
    """Finish or undo a swap a killed run left half done; a sentence saying what happened."""
    out, old = Path(out), old_of(Path(out))
    if not _present(old):
        return None
    if _present(out):
        shutil.rmtree(old)
        return f"removed {old}, left by an interrupted run ({out} holds the newer, whole run)"
    os.rename(old, out)
    return f"restored the previous report {out} from {old}: a run was interrupted mid-swap"


# What runs write at the top of their folder (check/report, then diff). Anything else in `<out>`
# is someone else's (a demo's raw/ and truth.json) and is carried into the new folder.
RUN_ENTRIES = {"findings.csv", "summary.json", "fix_list.xlsx", "matches", "remediation"}
RUN_ENTRIES |= {"report", "cache"}
RUN_ENTRIES |= {"new.csv", "fixed.csv", "still_open.csv", "not_checked.csv", "by_area.csv"}
RUN_ENTRIES |= {"money.csv", "diff.json", "digest.txt"}


def _carry(entry: Path, target: Path) -> None:
    """Give the new folder an entry of the old one, as hard links (a copy where links fail)."""

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    if entry.is_symlink():
        os.symlink(os.readlink(entry), target)
    elif entry.is_dir():
        shutil.copytree(entry, target, symlinks=True, copy_function=link)
    else:
        link(str(entry), str(target))


def swap_in(partial: Path, out: Path) -> None:
    """Replace `out` by `partial` whole (steps 2-5 above); `out` may not exist yet."""
    partial, out = Path(partial), Path(out)
    if not _present(out):
        os.rename(partial, out)
        return
    for entry in sorted(out.iterdir()):
        if entry.name not in RUN_ENTRIES and not _present(partial / entry.name):
            _carry(entry, partial / entry.name)
    old = old_of(out)
    os.rename(out, old)
    try:
        os.rename(partial, out)
    except BaseException:
        os.rename(old, out)  # put the previous run back: never leave no report at all
        raise
    shutil.rmtree(old, ignore_errors=True)  # what is left is removed by the next run's recover()


@contextlib.contextmanager
def publishing(out: Path, keep_on_error: bool = False) -> Iterator[Path]:
    """Yield a fresh `<out>.partial/` to write into; swap it in whole on success.

    On error the partial folder is removed, unless keep_on_error (a failed notebook is kept for
    inspection; the `.partial` name says it is not a finished report).
    """
    out = Path(out)
    note = recover(out)
    if note:
        print(f"note: {note}", file=sys.stderr)
    partial = partial_of(out)
    if _present(partial):
        shutil.rmtree(partial)  # a killed run's leftovers: never the only copy of anything
    partial.mkdir(parents=True)
    try:
        yield partial
        swap_in(partial, out)
    except BaseException:
        if not keep_on_error:
            shutil.rmtree(partial, ignore_errors=True)
        raise


def publish(partial: Path, out: Path) -> None:
    """Swap a finished `partial` folder in as `out` (kept for callers of the old name)."""
    swap_in(partial, out)
