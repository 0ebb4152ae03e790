"""Internal errors (bugs): the traceback goes to a log file, the user gets one sentence (exit 4).

DESIGN.md: a traceback never reaches the user, and a bug must not look like a finding (exit 1)
or an input problem (exit 2). The log path is in the sentence so the bug can be reported.
"""

from __future__ import annotations

import os
import tempfile
import traceback
from pathlib import Path

INTERNAL_ERROR = 4
INTERRUPTED = 130  # the shell's convention for SIGINT: 128 + 2
INTERRUPTED_MESSAGE = (
    "interrupted: nothing was written (a previous report folder is left whole; a half-built "
    "<out>.partial is removed on the next run)"
)


def write_crash_log(exc: BaseException) -> Path:
    """Write the traceback of `exc` to a fresh file in the temp folder; return its path."""
    handle, name = tempfile.mkstemp(prefix="sfqb-diag-crash-", suffix=".log")
    with os.fdopen(handle, "w", encoding="utf-8") as log:
        log.write("".join(traceback.format_exception(exc)))
    return Path(name)


def internal_error_message(exc: BaseException) -> str:
    """The one sentence shown for a bug, with the log that holds the details."""
    try:
        where = f"details in {write_crash_log(exc)}"
    except OSError:
        where = "no log could be written"
    first = str(exc).splitlines()[0][:200] if str(exc) else ""
    return (
        f"internal error (a bug in sfqb-diag, not a problem with your data): "
        f"{type(exc).__name__}{': ' + first if first else ''}; {where}. Nothing was written."
    )
