"""Strict CSV reading for every CSV input (Salesforce exports, sync_log.csv, reviewer files).

Data Loader and the Bulk API write RFC 4180 CSV: one header of API names, every record with the
header's field count, quoted fields that may hold newlines. pandas' own parser pads short rows
with empty strings and numbers rows by physical line, so a record that lost fields would be read
as blanks without a word. This reader takes pyarrow's CSV reader (multithreaded, every column read as
text into Arrow-backed strings) for a file it parses whole, and the csv module for any other:
that strict route keeps the line where each record starts (embedded newlines included) and
reports every structural problem at once. A file pyarrow read gets its record lines from the
csv module only when a message needs one.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import csv as arrow_csv

from sfqb_diag.errors import Problem

_SHOWN = 20  # bad rows named one by one; the rest are counted
# A quote that never closes makes the rest of the file one field: it must still be read (to be
# reported), so the csv module's 128 KiB field limit is lifted.
csv.field_size_limit(2**31 - 1)


@dataclass(frozen=True)
class CsvTable:
    """A parsed CSV: text columns named as in the header, and the line each record starts on
    (worked out from `text` when first asked for, if the reader did not keep it)."""

    frame: pd.DataFrame
    known_lines: np.ndarray | None = None
    text: str = dataclasses.field(default="", repr=False)

    @cached_property
    def lines(self) -> np.ndarray:
        """1-based start line of each row of `frame`."""
        if self.known_lines is not None:
            return self.known_lines
        return np.array(_records(self.text)[1][1:], dtype=int)

    def line(self, index: int) -> int:
        return int(self.lines[index])

    def with_frame(self, frame: pd.DataFrame) -> CsvTable:
        return CsvTable(frame, self.known_lines, self.text)


def decode_text(data: bytes, name: str, problems: list[Problem]) -> str | None:
    """UTF-8 (BOM or not); cp1252 with a warning (Excel on Windows); UTF-16 refused by name."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        problems.append(
            Problem(
                name,
                "is UTF-16 (or holds NUL bytes), not UTF-8; re-export it as UTF-8 "
                "comma-separated CSV",
                line=1,
            )
        )
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(
                name,
                "is not UTF-8; read as Windows-1252 (cp1252). Re-export as UTF-8 if names "
                "look wrong",
                line=data[: exc.start].count(b"\n") + 1,
                fatal=False,
            )
        )
        # Excel may write a UTF-8 byte-order mark before Windows-1252 text: not part of the header
        return data.removeprefix(b"\xef\xbb\xbf").decode("cp1252", errors="replace")


def _records(text: str) -> tuple[list[list[str]], list[int]]:
    """Every non-blank record and the line it starts on (csv counts lines inside quotes too)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    starts: list[int] = []
    end = 0
    for row in reader:
        if row:  # a blank line is no record (Excel leaves them at the end)
            rows.append(row)
            starts.append(end + 1)
        end = reader.line_num
    return rows, starts


def _open_quote_line(text: str, start: int) -> int | None:
    """The start line of the last record when a quoted field in it never closes.

    The lenient reader swallows the rest of the file into that field without a word; a strict
    read of the record's text ends with "unexpected end of data". Where the strict reader stops
    earlier (a stray quote), an odd number of quotes from the record on says the same.
    """
    tail = "\n".join(text.split("\n")[start - 1 :])
    try:
        for _ in csv.reader(io.StringIO(tail, newline=""), strict=True):
            pass
    except csv.Error as exc:
        if "unexpected end of data" in str(exc) or tail.count('"') % 2:
            return start
    return None


def _header_problems(header: list[str], name: str) -> list[Problem]:
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        kind = "semicolon" if ";" in header[0] else "tab"
        return [
            Problem(
                name,
                f"is {kind}-separated (the header is one field: {header[0][:60]!r}); "
                "re-export it as UTF-8 comma-separated CSV",
                line=1,
            )
        ]
    found = []
    for field, count in Counter(header).items():
        if count > 1:
            where = ", ".join(str(i + 1) for i, h in enumerate(header) if h == field)
            found.append(
                Problem(
                    name,
                    f"the header names column {field!r} {count} times (fields {where}); keep one",
                    line=1,
                    column=field,
                )
            )
    found += [
        Problem(name, f"header field {i + 1} has no name; every column needs its API name", line=1)
        for i, h in enumerate(header)
        if not h
    ]
    return found


def _first_record(text: str) -> list[str]:
    """The header record. Read from the first 64 KiB when the header ends inside them (a
    second record follows it there): copying a whole export into the csv module takes longer
    than pyarrow's read of it."""
    head = text[:65536]
    if len(head) < len(text):
        rows = [row for row in csv.reader(io.StringIO(head, newline="")) if row]
        if len(rows) >= 2:
            return rows[0]
    for row in csv.reader(io.StringIO(text, newline="")):
        if row:
            return row
    return []


def _arrow_frame(text: str, header: list[str]) -> pd.DataFrame | None:
    """Every record as text columns, read by pyarrow; None when pyarrow refuses the file (a
    wrong field count, a quote that never closes) or when it holds an odd number of quotes (a
    stray or unclosed quote, which the strict reader locates)."""
    if text.count('"') % 2:
        return None
    try:
        table = arrow_csv.read_csv(
            pa.py_buffer(text.encode("utf-8")),
            parse_options=arrow_csv.ParseOptions(newlines_in_values=True),
            convert_options=arrow_csv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError):
        return None
    if table.num_columns != len(header):
        return None
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    return frame.set_axis([h.strip() for h in header], axis=1)


def read_csv_table(text: str, name: str, problems: list[Problem]) -> CsvTable | None:
    """Parse CSV text strictly; None (problems added) when its structure is unusable."""
    if not text.strip():
        problems.append(
            Problem(name, "is empty: a CSV export starts with a header line; delete the file", 1)
        )
        return None
    raw_header = _first_record(text)
    if not _header_problems([h.strip() for h in raw_header], name):
        frame = _arrow_frame(text, raw_header)
        if frame is not None:
            return CsvTable(frame, text=text)
    rows, starts = _records(text)
    header = [h.strip() for h in rows[0]]
    found = _header_problems(header, name)
    if len(header) == 1 and found:  # one-field header: the delimiter is wrong, rows say no more
        problems.extend(found)
        return None
    counts = np.array([len(r) for r in rows[1:]], dtype=int)
    lines = np.array(starts[1:], dtype=int)
    wrong = np.flatnonzero(counts != len(header))
    open_line = _open_quote_line(text, starts[-1])
    if open_line is not None:
        found.append(
            Problem(
                name,
                "a quoted field opens here and never closes, so the rest of the file would be "
                "read as one value; close the quote or re-export the file",
                line=open_line,
            )
        )
        wrong = wrong[wrong != len(counts) - 1]
    for index in wrong[:_SHOWN]:
        found.append(
            Problem(
                name,
                f"has {counts[index]} fields, the header has {len(header)}; the record is "
                "damaged (re-export the file, or fix that line)",
                line=int(lines[index]),
            )
        )
    if len(wrong) > _SHOWN:
        found.append(Problem(name, f"{len(wrong) - _SHOWN} more records with a wrong field count"))
    if found:
        problems.extend(found)
        return None
    if len(rows) > 1:
        frame = pd.DataFrame(rows[1:], columns=header, dtype=object)
    else:  # header only: an export of zero records
        frame = pd.DataFrame({h: pd.Series(dtype=object) for h in header})
    return CsvTable(frame, lines)
