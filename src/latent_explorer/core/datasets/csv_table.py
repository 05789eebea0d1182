"""Reading an uploaded CSV: encoding, delimiter, cells, column statistics and a suggested choice.

Functions take the file's bytes, not a path: the web layer hands over an upload, the CLI a
file's contents. The text must be UTF-8 (a UTF-8 byte-order mark is dropped). Other encodings
are refused with the offset of the first bad byte instead of being decoded as Latin-1: a wrong
guess would silently turn "é" into "Ã©" in column and class names.

Cells are data, never code: ``=HYPERLINK(...)`` or ``<script>`` is a string like any other.
Line numbers in messages are the file's own (the header is usually line 1), as an editor shows.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .errors import DataInputError

__all__ = [
    "DELIMITERS",
    "MAX_CLASSES",
    "MIN_ROWS",
    "ColumnStats",
    "CsvError",
    "CsvPreview",
    "inspect_csv",
]

DELIMITERS = ",;\t|"
MIN_ROWS = 10  # fewer points give no meaningful neighbourhoods to train on or to measure
MAX_CLASSES = 50  # more colours than a legend (or an eye) can tell apart
_MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})
_DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d+")
# What people most often rename to .csv, recognised by the first bytes.
_SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive (an .xlsx or .ods workbook is one): save it as CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Excel/Office file (.xls): save it as CSV"),
    (b"\x1f\x8b", "a gzip archive: decompress it first"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"PAR1", "a Parquet file: export it as CSV"),
    (b"SQLite format 3", "an SQLite database: export a table as CSV"),
)


# Every reader of user data raises the same error; the upload API knew it by this name first.
CsvError = DataInputError


@dataclass(frozen=True)
class ColumnStats:
    """One column as :func:`inspect_csv` sees it. Rows are file line numbers.

    ``numeric`` means "mostly numbers": more number cells than text cells. ``n_bad`` counts
    text cells, ``n_missing`` empty, NA-like, NaN and infinite ones.
    """

    name: str
    numeric: bool
    n_bad: int
    first_bad_row: int | None
    n_missing: int
    first_missing_row: int | None
    n_distinct: int
    examples: list[str]
    is_index: bool = field(default=False, repr=False)  # 0..n-1 or 1..n: a row number


@dataclass(frozen=True)
class CsvPreview:
    """What :func:`inspect_csv` found: the delimiter, the columns and a suggested choice."""

    filename: str
    delimiter: str
    n_rows: int
    columns: list[ColumnStats]
    suggested_features: list[str]
    suggested_label: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict."""
        out = asdict(self)
        for column in out["columns"]:
            del column["is_index"]
        return out


@dataclass
class _Table:
    header: list[str]
    rows: list[list[str]]  # cells stripped of surrounding whitespace
    lines: list[int]  # file line of each row
    delimiter: str

    def column(self, name: str) -> list[str]:
        j = self.header.index(name)
        return [row[j] for row in self.rows]


# --------------------------------------------------------------------------- reading


def _show(delimiter: str) -> str:
    return "tab" if delimiter == "\t" else repr(delimiter)


def _where(lines: Sequence[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:5])
    more = f" and {len(lines) - 5} more" if len(lines) > 5 else ""
    return f"line{'s' if len(lines) > 1 else ''} {shown}{more}"


def _clip(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _decode(data: bytes) -> str:
    for magic, what in _SIGNATURES:
        if data.startswith(magic):
            raise CsvError("csv_binary", f"this is not a CSV text file: it looks like {what}")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvError(
            "csv_not_utf8", "the file is UTF-16 text (byte-order mark): re-save it as CSV UTF-8"
        )
    head = data[:65536]
    nul = head.find(b"\x00")
    controls = sum(head.count(bytes([b])) for b in (*range(9), *range(14, 32), 127))
    if nul >= 0 or controls > 0.05 * len(head):
        where = f" (a NUL byte at offset {nul})" if nul >= 0 else ""
        raise CsvError(
            "csv_binary",
            f"this is a binary file, not CSV text{where}: export the table as CSV UTF-8",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CsvError(
            "csv_not_utf8",
            f"the file is not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} (line "
            f"{line}) is invalid; it is probably Latin-1 or Windows-1252. Re-save it as CSV UTF-8",
            line=line,
        ) from None


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1  # first line of the record being read: where an unclosed quote opened
    try:
        for row in reader:
            # Blank lines and lines of bare delimiters (spreadsheets leave them) are not records.
            if any(cell.strip() for cell in row):
                yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CsvError(
            "csv_malformed",
            f"line {start} cannot be read ({exc}): a quoted field must end with a quote, and "
            'quotes inside it are doubled ("")',
            line=start,
        ) from None


def _shape(sample: str, delimiter: str) -> tuple[int, int]:
    """Header width and most common row width of the sample's first records."""
    widths: list[int] = []
    try:
        for _, row in itertools.islice(_records(sample, delimiter), 51):
            widths.append(len(row))
    except CsvError:
        pass  # a quoting error further down: judge by the records read before it
    if not widths:
        return 0, 0
    body = Counter(widths[1:]).most_common(1)
    return widths[0], body[0][0] if body else widths[0]


def _choose_delimiter(text: str, forced: str | None) -> str:
    sample = text[:65536]
    if len(text) > len(sample):  # a line cut in half would skew the counts
        sample = sample[: sample.rfind("\n") + 1] or sample
    shapes = {d: _shape(sample, d) for d in DELIMITERS}
    consistent = [d for d, (h, r) in shapes.items() if h > 1 and r == h]
    best = max(consistent, key=lambda d: shapes[d][0], default=None)
    if forced is not None:
        if shapes[forced][0] <= 1 and best is not None and best != forced:
            raise CsvError(
                "csv_wrong_delimiter",
                f"with the delimiter {_show(forced)} the header is a single column, but the "
                f"file looks {_show(best)}-separated ({shapes[best][0]} columns): use "
                f"{_show(best)}, or leave the delimiter to detection",
                line=1,
            )
        return forced
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed in consistent:
        return str(sniffed)
    if best is not None:
        return best
    head = max(DELIMITERS, key=lambda d: shapes[d][0])
    body = max(DELIMITERS, key=lambda d: shapes[d][1])
    if head != body and shapes[head][0] > 1 and shapes[body][1] > 1:
        raise CsvError(
            "csv_wrong_delimiter",
            f"the header looks {_show(head)}-separated ({shapes[head][0]} columns) but the "
            f"data rows look {_show(body)}-separated ({shapes[body][1]} fields): use one "
            "delimiter throughout",
        )
    return head if shapes[head][0] > 1 else ","


def _parse(data: bytes, *, delimiter: str | None, max_columns: int, max_rows: int) -> _Table:
    if not data.strip():
        raise CsvError("csv_empty", "the file is empty: export the table with a header line")
    if delimiter is not None and delimiter not in DELIMITERS:
        raise CsvError("bad_delimiter", f"delimiter ({delimiter!r}) must be one of , ; tab |")
    text = _decode(data)
    chosen = _choose_delimiter(text, delimiter)
    records = _records(text, chosen)
    first = next(records, None)
    if first is None:
        raise CsvError("csv_empty", "the file holds only blank lines: add a header and data rows")
    header_line, cells = first
    if len(cells) > max_columns:
        raise CsvError(
            "csv_too_many_columns",
            f"the header has {len(cells):,} columns; at most {max_columns:,} are allowed: "
            "keep the columns you need",
            line=header_line,
        )
    # pandas writes its index under an empty name; give such columns a usable one.
    header = [c.strip() or f"column_{j + 1}" for j, c in enumerate(cells)]
    seen: dict[str, int] = {}
    for j, name in enumerate(header):
        if name in seen:
            raise CsvError(
                "csv_duplicate_columns",
                f"column name {name!r} appears twice (columns {seen[name] + 1} and {j + 1}): "
                "rename one so that every column has its own name",
                line=header_line,
                column=name,
            )
        seen[name] = j
    numbers = [_is_number(c) for c in header]
    if all(numbers) and any(not float(c).is_integer() for c in header):
        raise CsvError(
            "csv_no_header",
            f"the first line ({', '.join(header[:4])}...) looks like data, not column names: "
            "add a header line that names each column",
            line=header_line,
        )
    rows: list[list[str]] = []
    lines: list[int] = []
    ragged: list[tuple[int, int]] = []  # (line, width)
    width = len(header)
    for line, row in records:
        if len(row) > width and not any(c.strip() for c in row[width:]):
            row = row[:width]  # trailing empty fields, as spreadsheets write them
        if len(row) != width:
            ragged.append((line, len(row)))
            continue
        if len(rows) >= max_rows:
            raise CsvError(
                "csv_too_many_rows",
                f"the file has more than {max_rows:,} data rows: keep a sample of them",
            )
        rows.append([c.strip() for c in row])
        lines.append(line)
    if ragged:
        bad_lines = [line for line, _ in ragged]
        raise CsvError(
            "csv_ragged",
            f"line {ragged[0][0]} has {ragged[0][1]} fields but the header has {width} "
            f"({len(ragged)} such: {_where(bad_lines)}): quote fields that contain the "
            f"delimiter {_show(chosen)}, and give every row as many fields as the header",
            line=ragged[0][0],
        )
    if not rows:
        raise CsvError(
            "csv_header_only",
            f"the file has a header ({_clip(', '.join(header), 60)}) but no data rows: "
            f"add at least {MIN_ROWS} rows",
        )
    if len(rows) < MIN_ROWS:
        raise CsvError(
            "csv_too_few_rows",
            f"the file has {len(rows)} data row{'s' if len(rows) > 1 else ''}; at least "
            f"{MIN_ROWS} are needed to train and to measure neighbourhoods: add rows",
        )
    return _Table(header, rows, lines, chosen)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _classify(cells: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse a column: float64 values (NaN where not a finite number), text and missing masks."""
    try:  # the fast path: a clean column parses in one call
        values = np.array(cells, dtype=np.float64)
        bad = np.zeros(len(cells), dtype=bool)
    except ValueError:
        values = np.full(len(cells), np.nan)
        bad = np.zeros(len(cells), dtype=bool)
        for i, cell in enumerate(cells):
            try:
                values[i] = float(cell)
            except ValueError:
                bad[i] = cell.lower() not in _MISSING
    missing = ~np.isfinite(values) & ~bad
    values[missing | bad] = np.nan
    return values, bad, missing


def _decimal_comma_hint(cells: Sequence[str]) -> str:
    if any(_DECIMAL_COMMA.fullmatch(c) for c in cells[:100]):
        return "; values such as '1,5' use a decimal comma: re-save with '.' as the decimal mark"
    return ""


# --------------------------------------------------------------------------- inspect


def _column_stats(name: str, cells: list[str], lines: list[int]) -> ColumnStats:
    values, bad, missing = _classify(cells)
    n_numbers = int(len(cells) - bad.sum() - missing.sum())
    first = {
        k: lines[int(np.argmax(m))] if m.any() else None for k, m in (("b", bad), ("m", missing))
    }
    examples = list(dict.fromkeys(c for c in cells[:1000] if c))[:3]
    n = len(cells)
    is_index = bool(
        n_numbers == n
        and (np.array_equal(values, np.arange(n)) or np.array_equal(values, np.arange(1, n + 1)))
    )
    return ColumnStats(
        name=name,
        numeric=n_numbers > int(bad.sum()),
        n_bad=int(bad.sum()),
        first_bad_row=first["b"],
        n_missing=int(missing.sum()),
        first_missing_row=first["m"],
        n_distinct=len(set(cells)),
        examples=[_clip(e) for e in examples],
        is_index=is_index,
    )


_LABEL_NAMES = ("label", "class", "target", "species", "category", "quality", "y", "type")


def _suggest_label(columns: list[ColumnStats], n_rows: int) -> str | None:
    # A column with a distinct value in most rows is a measurement or an id, not a class.
    most = min(MAX_CLASSES, max(2, n_rows // 2))
    fits = [c for c in columns if 2 <= c.n_distinct <= most and not c.is_index]
    for wanted in _LABEL_NAMES:
        for c in fits:
            if c.name.lower() == wanted:
                return c.name
    text = [c for c in fits if not c.numeric]
    return text[-1].name if text else None


def inspect_csv(
    data: bytes,
    *,
    filename: str,
    delimiter: str | None = None,
    max_columns: int = 1000,
    max_rows: int = 100_000,
) -> CsvPreview:
    """Check an uploaded CSV and describe its columns.

    Parameters
    ----------
    data : bytes
        The file's contents, UTF-8 (a byte-order mark is allowed).
    filename : str
        Shown back to the user; never used as a path.
    delimiter : {",", ";", "\\t", "|"}, optional
        Detected when None (``csv.Sniffer``, checked against the header and row widths).
    max_columns, max_rows : int, optional
        Larger files are refused. 100,000 rows keeps exact trustworthiness affordable.

    Returns
    -------
    CsvPreview

    Raises
    ------
    CsvError
        The file cannot become a dataset; ``code`` says why and the message how to fix it.
    """
    table = _parse(data, delimiter=delimiter, max_columns=max_columns, max_rows=max_rows)
    columns = [_column_stats(n, table.column(n), table.lines) for n in table.header]
    if not any(c.numeric for c in columns):
        cells = [cell for row in table.rows[:20] for cell in row]
        raise CsvError(
            "csv_no_numeric",
            f"no column holds numbers (columns: {_clip(', '.join(table.header), 80)}); a model "
            f"needs numeric features{_decimal_comma_hint(cells)}",
        )
    label = _suggest_label(columns, len(table.rows))
    features = [c.name for c in columns if c.numeric and not c.is_index and c.name != label]
    return CsvPreview(filename, table.delimiter, len(table.rows), columns, features, label)
