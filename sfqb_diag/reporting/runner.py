"""`sfqb-diag report`: check once, then run every notebook headless and convert it to HTML.

Notebooks read what `check` wrote (findings, outputs, the cached Dataset) and never recompute
findings, so the HTML can never disagree with findings.csv. Only non-secret parameters (paths)
are passed: papermill copies parameters into the executed notebook.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat

from sfqb_diag.errors import NotebookError, UsageError
from sfqb_diag.outputs.layout import CACHE
from sfqb_diag.pipeline import CheckOptions, CheckRun, build_check_outputs, compute
from sfqb_diag.progress import progress
from sfqb_diag.publish import partial_of, publishing
from sfqb_diag.reporting.drill_down import add_drill_hints
from sfqb_diag.reporting.index import TABLES_JS, page_banner, short_title, write_index
from sfqb_diag.reporting.self_contained import inline_scripts
from sfqb_diag.resources import notebook_paths, resource_dir
from sfqb_diag.scheduling.lock import ScheduleOptions, notebook_deadline, run_lock

PARAMETERS = ("raw", "out", "config")
REPORT_ENV = "SFQB_REPORT"  # set for the kernels; sfqb_diag.notebook.tables reads the same name


def notebook_workers() -> int:
    """Kernels to run at once: SFQB_NOTEBOOK_WORKERS, else one per CPU this process may use
    (more kernels than cores only queue for CPU; each kernel holds its own copy of the data)."""
    setting = os.environ.get("SFQB_NOTEBOOK_WORKERS", "")
    if setting.isdigit() and int(setting) > 0:
        return int(setting)
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


CELL_TIMEOUT_S = 600


@dataclass(frozen=True)
class Page:
    notebook: Path
    title: str

    @property
    def short_title(self) -> str:
        """The heading's words before its question: 'Customers', the navigation's label."""
        return short_title(self.title)

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


def logs_dir(out: Path) -> Path:
    """`<out>.logs/`: the kernels' logs, beside the report folder and never inside the
    deliverable (like `<out>.lock`); each report run replaces the previous run's logs."""
    return out.with_name(out.name + ".logs")


def _execute(
    notebook: Path,
    target: Path,
    parameters: dict[str, str | None],
    cwd: Path,
    limit_s: float | None = None,
    log_dir: Path | None = None,
) -> str | None:
    """Run one notebook (in a worker process); return the error text, or None when it ran.

    `limit_s` bounds the whole notebook (schedule.notebook_deadline), CELL_TIMEOUT_S each cell."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    deadline = notebook_deadline(limit_s, CELL_TIMEOUT_S)
    extra = {"timeout_func": deadline} if deadline else {}
    # The kernel inherits this worker's stderr and chats there (transport warnings); keep that
    # out of a scheduled run's output and out of the deliverable, in `<out>.logs/`.
    log_path = (log_dir or target.parent) / (target.stem + ".kernel.log")
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 2)
    # The kernel inherits the environment: its tables load the page's one sfqb-tables.js.
    os.environ[REPORT_ENV] = "1"
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


def to_html(
    executed: Path,
    target: Path,
    pages: list[Page],
    here: Page,
    banner: dict[str, str] | None = None,
) -> None:
    """Convert without code cells, with no network script, beside the shared plotly.min.js and
    sfqb-tables.js; `banner` (client, as_of) heads every page."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="sfqb",
        extra_template_basedirs=[str(resource_dir("templates") / "nbconvert")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    # Cells tagged "lab-only" tell a JupyterLab user what to type; the HTML reader cannot.
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={"lab-only"}, enabled=True), enabled=True
    )
    nav = [{"href": "index.html", "title": "Summary", "here": False}] + [
        {"href": p.html_name, "title": p.short_title, "here": p == here} for p in pages
    ]
    notebook = nbformat.read(executed, as_version=4)
    add_drill_hints(notebook)  # "click a bar to see its records" under charts a table follows
    body, _ = exporter.from_notebook_node(
        notebook,
        resources={
            "sfqb_nav": nav,
            "sfqb_banner": banner or {},
            "metadata": {"name": here.title},
        },
    )
    target.write_text(body, encoding="utf-8")


PLOTLY_JS = "plotly.min.js"


def _write_scripts(folder: Path) -> None:
    """The two scripts every page loads, once per report folder: plotly.js and sfqb-tables.js."""
    from plotly.offline import get_plotlyjs

    (folder / PLOTLY_JS).write_text(get_plotlyjs(), encoding="utf-8")
    shutil.copyfile(
        resource_dir("templates") / "nbconvert" / "sfqb" / TABLES_JS, folder / TABLES_JS
    )


def _point_at(executed: Path, partial: Path, final: Path) -> None:
    """Rewrite the executed notebook's paths from `<out>.partial` to `<out>`: the partial folder
    is renamed when the report is published, and the notebook must open where the report is."""
    old, new = (json.dumps(str(p.resolve()))[1:-1] for p in (partial, final))
    executed.write_text(executed.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def run_notebooks(
    out: Path,
    raw: Path,
    config: Path | None,
    report_dir: Path,
    out_label: Path,
    limit_s: float | None = None,
    banner: dict[str, str] | None = None,
    log_dir: Path | None = None,
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
    with ProcessPoolExecutor(max_workers=notebook_workers(), mp_context=context) as pool:
        futures = {
            pool.submit(
                _execute,
                page.notebook,
                report_dir / page.notebook.name,
                parameters,
                report_dir,
                limit_s,
                log_dir,
            ): page
            for page in pages
        }
        done = progress(as_completed(futures), "notebooks", total=len(futures))
        errors = {futures[future]: future.result() for future in done}
    failed = {page: error for page, error in errors.items() if error}
    if failed:
        lines = [f"{page.notebook.name}: {error}" for page, error in failed.items()]
        kept = out_label / "report"
        raise NotebookError(
            ("a notebook failed" if len(failed) == 1 else f"{len(failed)} notebooks failed")
            + ":\n  "
            + "\n  ".join(lines)
            + f"\nThe executed notebooks are kept in {kept} for inspection."
        )
    for page in progress(pages, "HTML pages"):
        to_html(report_dir / page.notebook.name, report_dir / page.html_name, pages, page, banner)
    return pages


def run_report(
    options: CheckOptions,
    schedule: ScheduleOptions | None = None,
    *,
    self_contained: bool = False,
) -> CheckRun:
    """`sfqb-diag report`: the whole report folder, published only when every page rendered.

    `schedule` (optional) adds what unattended runs need: the run holds `<out>.lock` throughout,
    each notebook gets a time limit, and with a history folder the trend and first-seen times go
    into the cache before the notebooks run and the published run is kept under HISTORY/<as-of>/.
    `self_contained` puts both scripts inside every page (one file each, to e-mail) instead.
    """
    from sfqb_diag.scheduling.history import keep_run, write_history_cache

    schedule = (schedule or ScheduleOptions()).validated()
    run = compute(options)  # reads only: an input error leaves no <out>.lock behind
    with run_lock(options.out, schedule.lock_wait):
        with publishing(options.out, keep_on_error=True) as folder:
            build_check_outputs(run, folder)
            write_history_cache(folder / CACHE, schedule.history, run.summary, run.result.findings)
            report_dir = folder / "report"
            report_dir.mkdir()
            _write_scripts(report_dir)
            log_dir = logs_dir(options.out)
            shutil.rmtree(log_dir, ignore_errors=True)
            log_dir.mkdir(parents=True)
            banner = page_banner(run.data, run.summary)
            pages = run_notebooks(
                folder,
                options.raw,
                options.config,
                report_dir,
                partial_of(options.out),
                schedule.notebook_timeout,
                banner,
                log_dir,
            )
            write_index(report_dir / "index.html", run, [(p.title, p.html_name) for p in pages])
            if self_contained:
                inline_scripts(report_dir, (PLOTLY_JS, TABLES_JS))
            # Executed notebooks: kept for inspection, out of the reader's way, pointing at the
            # published folder (kernel logs are in `<out>.logs/`, outside the deliverable).
            (report_dir / "notebooks").mkdir(exist_ok=True)
            for executed in report_dir.glob("*.ipynb"):
                _point_at(executed, folder, options.out)
                shutil.move(str(executed), report_dir / "notebooks" / executed.name)
        if schedule.history is not None:
            keep_run(options.out, schedule.history, schedule.keep)
    return run
