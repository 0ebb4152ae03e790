"""Turn a connector's log into sync_log.csv (DESIGN.md "Sync log") by applying an adapter spec.

`adapt_log(input_csv, adapter_spec, output_csv)` is the one entry point a CLI verb needs; the
frame-level `adapt_frame` is what tests and notebooks use. Every cell the rules cannot read is
reported (file, line, column) before anything is written.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd

from sfqb_diag.errors import InputError, Problem, UsageError
from sfqb_diag.sources.convert import CASTERS, EXPECTED
from sfqb_diag.sources.schema import SYNC_LOG_COLUMNS
from sfqb_diag.synclog.spec import AdapterSpec, load_spec


def _blank(values: pd.Series) -> pd.Series:
    """Empty strings -> NA (connectors write empty cells for missing values)."""
    return values.mask(values == "")


def _source(frame: pd.DataFrame, rule: dict[str, Any], column: str, spec: AdapterSpec) -> pd.Series:
    blank = pd.Series(pd.NA, index=frame.index, dtype="string")
    if "value" in rule:
        return pd.Series(str(rule["value"]), index=frame.index, dtype="string")
    given = rule.get("join") or rule.get("from") or []
    names = [given] if isinstance(given, str) else list(given)
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise UsageError(
            f"{spec.source}: columns.{column} reads {', '.join(map(repr, missing))}, which the "
            f"log does not have (it has {', '.join(map(repr, frame.columns))})"
        )
    parts = [_blank(frame[n].astype("string")) for n in names]
    if "join" in rule:
        sep = str(rule.get("sep", " "))
        joined = parts[0].fillna("")
        for part in parts[1:]:
            joined = joined.str.cat(part.fillna(""), sep=sep)
        return _blank(joined.str.strip(sep))
    result = blank
    for part in parts:  # `from: [a, b]`: the first non-empty wins
        result = result.fillna(part)
    return result


def _timestamps(values: pd.Series, rule: dict[str, Any]) -> pd.Series:
    fmt = rule.get("format")
    if fmt in ("epoch_s", "epoch_ms"):
        numbers = pd.to_numeric(values, errors="coerce")
        stamps = pd.to_datetime(numbers, unit="s" if fmt == "epoch_s" else "ms", utc=True)
    else:
        stamps = pd.to_datetime(
            values, format=fmt or "ISO8601", errors="coerce", utc=not rule.get("timezone")
        )
        if rule.get("timezone"):
            stamps = stamps.dt.tz_localize(
                rule["timezone"], ambiguous="NaT", nonexistent="shift_forward"
            )
    stamps = stamps.dt.tz_convert("UTC")
    text = (
        stamps.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        .str.replace(r"\.000000Z$", "Z", regex=True)
        .astype("string")
    )
    return text.fillna(values.astype("string"))  # unreadable cells stay as written, to be reported


def _apply_rules(values: pd.Series, rule: dict[str, Any], column: str) -> pd.Series:
    if rule.get("strip", True):
        values = _blank(values.str.strip())
    if "extract" in rule:
        values = values.str.extract(str(rule["extract"]), expand=False).astype("string")
    if rule.get("lower"):
        values = values.str.lower()
    if rule.get("upper"):
        values = values.str.upper()
    if "map" in rule:
        table = {
            str(k).strip().lower(): ("" if v is None else str(v)) for k, v in rule["map"].items()
        }
        mapped = values.str.strip().str.lower().map(table).astype("string")
        values = mapped if rule.get("strict") else mapped.fillna(values)
        values = _blank(values)
    if "default" in rule:
        values = values.fillna(str(rule["default"]))
    if column == "timestamp" or "format" in rule:
        values = _timestamps(values, rule)
    if "add" in rule:
        numbers = pd.to_numeric(values, errors="coerce") + float(rule["add"])
        values = _blank(numbers.map(lambda v: "" if pd.isna(v) else f"{v:g}").astype("string"))
    return values


def _derive_attempt(out: pd.DataFrame) -> pd.Series:
    """1, 2, 3... per record and operation, in time order (a log that does not count retries)."""
    key = (
        out["sf_id"].fillna(out["qb_entity"].fillna("") + ":" + out["qb_id"].fillna("")).fillna("")
    )
    order = pd.to_datetime(out["timestamp"], utc=True, errors="coerce", format="ISO8601")
    frame = pd.DataFrame(
        {
            "k": key + "|" + out["qb_entity"].fillna(""),
            "op": out["operation"].fillna(""),
            "t": order,
        }
    )
    ranked = frame.sort_values("t", kind="stable").groupby(["k", "op"], sort=False).cumcount() + 1
    return ranked.reindex(frame.index).astype("string")


def _keep(frame: pd.DataFrame, spec: AdapterSpec) -> pd.DataFrame:
    rule = spec.keep_rows
    if not rule:
        return frame
    column = rule.get("column")
    if column not in frame.columns:
        raise UsageError(f"{spec.source}: keep_rows.column {column!r} is not a column of the log")
    allowed = {str(v).strip().lower() for v in rule.get("in", [])}
    return frame[frame[column].astype("string").str.strip().str.lower().isin(allowed).fillna(False)]


def adapt_frame(
    frame: pd.DataFrame, spec: str | Path | dict[str, Any] | AdapterSpec, file: str = "input"
) -> pd.DataFrame:
    """A connector log (all text) -> the sync_log columns as text, ready to write or load.

    Raises InputError naming every cell that does not read as its column's kind.
    """
    spec = load_spec(spec)
    frame = _keep(frame.astype("string").reset_index(drop=True), spec)
    out = pd.DataFrame(index=frame.index)
    for column in SYNC_LOG_COLUMNS:
        rule = spec.columns.get(column)
        if rule is None or "derive" in rule:
            out[column] = pd.Series(pd.NA, index=frame.index, dtype="string")
            continue
        out[column] = _apply_rules(_source(frame, rule, column, spec), rule, column)
    for column, rule in spec.columns.items():
        if "derive" in rule:
            out[column] = _derive_attempt(out)
    _validate(out, spec, file)
    return out.reset_index(drop=True)


def _validate(out: pd.DataFrame, spec: AdapterSpec, file: str) -> None:
    problems = []
    for column, kind in SYNC_LOG_COLUMNS.items():
        _, bad = CASTERS[kind](out[column])
        rule = spec.columns.get(column, {})
        source = rule.get("from") or rule.get("join") or column
        for index in bad[bad].index[:20]:
            line = int(index) + 2 + int(spec.read.get("skip_rows", 0))  # labels = rows of the file
            problems.append(
                Problem(
                    file,
                    f"{column} from {source!r}: {out[column].loc[index]!r} is not "
                    f"{EXPECTED[kind]} (adapter {spec.name})",
                    line=line,
                    column=str(source),
                )
            )
    if problems:
        raise InputError(problems)


def read_connector_csv(path: Path, spec: AdapterSpec) -> pd.DataFrame:
    """Read a connector's export as text, honouring the spec's `read:` options."""
    encoding = spec.read.get("encoding", "utf-8-sig")
    try:
        text = path.read_bytes().decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            [
                Problem(
                    path.name,
                    f"not {encoding} text (byte {exc.start}); set read.encoding "
                    f"in the adapter (e.g. cp1252)",
                )
            ]
        ) from exc
    return pd.read_csv(
        io.StringIO(text),
        dtype=str,
        keep_default_na=False,
        sep=spec.read.get("delimiter", ","),
        quotechar=spec.read.get("quotechar", '"'),
        skiprows=int(spec.read.get("skip_rows", 0)),
    )


def adapt_log(
    input_csv: str | Path,
    adapter_spec: str | Path | dict[str, Any] | AdapterSpec,
    output_csv: str | Path,
) -> int:
    """Convert a connector log file into sync_log.csv; returns the number of rows written.

    `adapter_spec`: a built-in adapter name (see `builtin_adapters()`), a YAML file, or a mapping.
    The output is written whole (to a temporary name, then renamed).
    """
    spec = load_spec(adapter_spec)
    source = Path(input_csv)
    if not source.is_file():
        raise UsageError(f"log file {source} does not exist")
    adapted = adapt_frame(read_connector_csv(source, spec), spec, file=source.name)
    target = Path(output_csv)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    adapted.to_csv(partial, index=False, encoding="utf-8", lineterminator="\n")
    partial.replace(target)
    return len(adapted)
