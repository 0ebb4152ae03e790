"""Find the notebooks and templates whether sfqb-diag runs from a clone or is pip-installed.

A clone (or an editable install) has them beside the package; a wheel installs them under
`<prefix>/share/sfqb-diag/`. SFQB_DIAG_HOME overrides both.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sfqb_diag.errors import SfqbError


def resource_dir(name: str) -> Path:
    """The folder `notebooks` or `templates`."""
    candidates = []
    if os.environ.get("SFQB_DIAG_HOME"):
        candidates.append(Path(os.environ["SFQB_DIAG_HOME"]) / name)
    candidates += [
        Path(__file__).resolve().parent.parent / name,
        Path(sys.prefix) / "share" / "sfqb-diag" / name,
    ]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise SfqbError(
        f"cannot find the {name}/ folder (looked in {', '.join(map(str, candidates))}); "
        "reinstall sfqb-diag or set SFQB_DIAG_HOME to a clone"
    )


def notebook_paths() -> list[Path]:
    """The report notebooks in page order (their file names start with a number)."""
    return sorted(resource_dir("notebooks").glob("[0-9][0-9]_*.ipynb"))
