"""`sfqb-diag report`: check once, then run every notebook headless and convert it to HTML.

Notebooks read what `check` wrote (findings, outputs, the cached Dataset) and never recompute
findings, so the HTML can never disagree with findings.csv. Only non-secret parameters (paths)
are passed: papermill copies parameters into the executed notebook.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from sfqb_diag.errors import NotebookError, UsageError
from sfqb_diag.outputs.publish import partial_of, publishing
from sfqb_diag.pipeline import CACHE, CheckOptions, CheckRun, build_check_outputs, compute
from sfqb_diag.report_index import write_index
from sfqb_diag.resources import notebook_paths, resource_dir
from sfqb_diag.schedule import ScheduleOptions, notebook_deadline, run_lock

PARAMETERS = ("raw", "out", "config")
MAX_PARALLEL = 2  # two cores; more kernels only queue for CPU
CELL_TIMEOUT_S = 600


@dataclass(frozen=True)
class Page:
    notebook: Path
    title: str

    @property
    def html_name(self) -> str:
        return self.notebook.stem + ".html"


def notebook_title(path: Path) -> str:
    """The first markdown heading, without '#': the page's name in the navigation."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return path.stem


def validate_parameters(path: Path) -> None:
    """Every notebook must declare exactly the parameters the runner passes (papermill only warns)."""
    import papermill

    declared = set(papermill.inspect_notebook(str(path)))
    if declared != set(PARAMETERS):
        raise UsageError(
            f"{path.name}: its parameters cell declares {sorted(declared)}; the report passes "
            f"{sorted(PARAMETERS)}. Keep the parameters cell to raw, out and config."
        )


def _execute(
    notebook: Path,
    target: Path,
    parameters: dict[str, str | None],
    cwd: Path,
    limit_s: float | None = None,
) -> str | None:
    """Run one notebook (in a worker process); return the error text, or None when it ran.

    `limit_s` bounds the whole notebook (schedule.notebook_deadline), CELL_TIMEOUT_S each cell."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    deadline = notebook_deadline(limit_s, CELL_TIMEOUT_S)
    extra = {"timeout_func": deadline} if deadline else {}
    # The kernel inherits this worker's stderr and chats there (transport warnings); keep that
    # out of a scheduled run's output, in a log beside the executed notebook.
    log = os.open(target.with_suffix(".kernel.log"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 2)
    try:
        papermill.execute_notebook(
            str(notebook),
            str(target),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
            cwd=str(cwd),
            execution_timeout=CELL_TIMEOUT_S,
            **extra,
        )
    except PapermillExecutionError as exc:
        return f"{exc.ename}: {exc.evalue} (cell {exc.exec_count})"
    except TimeoutError as exc:  # a cell, or the notebook, ran past its time limit
        return f"stopped after its time limit ({exc})"
    return None


def to_html(executed: Path, target: Path, pages: list[Page], here: Page) -> None:
    """Convert without code cells, with no network script, beside the shared plotly.min.js."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="sfqb",
        extra_template_basedirs=[str(resource_dir("templates") / "nbconvert")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    nav = [{"href": "index.html", "title": "Summary", "here": False}] + [
        {"href": p.html_name, "title": p.title, "here": p == here} for p in pages
    ]
    body, _ = exporter.from_notebook_node(
        nbformat.read(executed, as_version=4),
        resources={"sfqb_nav": nav, "metadata": {"name": here.title}},
    )
    target.write_text(body, encoding="utf-8")


def _write_plotly_js(folder: Path) -> None:
    from plotly.offline import get_plotlyjs

    (folder / "plotly.min.js").write_text(get_plotlyjs(), encoding="utf-8")


def run_notebooks(
    out: Path,
    raw: Path,
    config: Path | None,
    report_dir: Path,
    out_label: Path,
    limit_s: float | None = None,
) -> list[Page]:
    """Execute every notebook (at most two at once, each within `limit_s`) into report_dir; convert to HTML."""
    notebooks = notebook_paths()
    for path in notebooks:
        validate_parameters(path)
    pages = [Page(path, notebook_title(path)) for path in notebooks]
    parameters = {
        "raw": str(raw.resolve()),
        "out": str(out.resolve()),
        "config": str(config.resolve()) if config else None,
    }
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=MAX_PARALLEL, mp_context=context) as pool:
        futures = {
            page: pool.submit(
                _execute,
                page.notebook,
                report_dir / page.notebook.name,
                parameters,
                report_dir,
                limit_s,
            )
            for page in pages
        }
        errors = {page: future.result() for page, future in futures.items()}
    failed = {page: error for page, error in errors.items() if error}
    if failed:
        lines = [f"{page.notebook.name}: {error}" for page, error in failed.items()]
        kept = out_label / "report"
        raise NotebookError(
            "notebook(s) failed:\n  "
            + "\n  ".join(lines)
            + f"\nThe executed notebooks are kept in {kept} for inspection."
        )
    for page in pages:
        to_html(report_dir / page.notebook.name, report_dir / page.html_name, pages, page)
    return pages


def run_report(options: CheckOptions, schedule: ScheduleOptions | None = None) -> CheckRun:
    """`sfqb-diag report`: the whole report folder, published only when every page rendered.

    `schedule` (optional) adds what unattended runs need: the run holds `<out>.lock` throughout,
    each notebook gets a time limit, and with a history folder the trend and first-seen times go
    into the cache before the notebooks run and the published run is kept under HISTORY/<as-of>/.
    """
    from sfqb_diag.history import keep_run, write_history_cache

    schedule = (schedule or ScheduleOptions()).validated()
    run = compute(options)  # reads only: an input error leaves no <out>.lock behind
    with run_lock(options.out, schedule.lock_wait):
        with publishing(options.out, keep_on_error=True) as folder:
            build_check_outputs(run, folder)
            write_history_cache(folder / CACHE, schedule.history, run.summary, run.result.findings)
            report_dir = folder / "report"
            report_dir.mkdir()
            _write_plotly_js(report_dir)
            pages = run_notebooks(
                folder,
                options.raw,
                options.config,
                report_dir,
                partial_of(options.out),
                schedule.notebook_timeout,
            )
            write_index(
                report_dir / "index.html", run.summary, [(p.title, p.html_name) for p in pages]
            )
            # Executed notebooks and kernel logs: kept for inspection, out of the reader's way.
            (report_dir / "notebooks").mkdir(exist_ok=True)
            for executed in [*report_dir.glob("*.ipynb"), *report_dir.glob("*.kernel.log")]:
                shutil.move(str(executed), report_dir / "notebooks" / executed.name)
        if schedule.history is not None:
            keep_run(options.out, schedule.history, schedule.keep)
    return run
