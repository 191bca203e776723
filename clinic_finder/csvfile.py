"""Reading, validating and writing `data/clinics.csv`.

Reading never raises on bad input: every problem in the file comes back as a `Problem` naming the
spreadsheet row (header = row 1), the column, what is wrong and the value found, so staff can fix a file
in one pass. Only a file with no problems yields a table (`LoadResult.clinics`).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from clinic_finder.i18n import N_, _, current_language, ngettext
from clinic_finder.schema import COLUMNS, DATE_COLUMNS, Clinic

MAX_FILE_BYTES = 20 * 1024 * 1024  # the shipped file is ~150 KB; the national directory would be ~4 MB
MAX_ROWS = 50_000  # about 4x every US treatment facility
UPLOADS_REMEMBERED = 2  # parse_upload keeps this many results (a 49,000-row table is ~100 MB)
COORDINATE_DECIMALS = 6  # ~10 cm; enough for any geocoder, stable in diffs


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a clinics file, said the way a colleague would say it.

    `message` is in the language of the run that found the problem (staff may read Spanish); `str()` says
    where in that run's language too.
    """

    message: str
    row: int | None = None  # spreadsheet row number: the header is row 1
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        parts = [_("row {row}").format(row=self.row) if self.row else "",
                 _("column {column}").format(column=self.column) if self.column else ""]
        where = ", ".join(part for part in parts if part)
        got = " " + _("(got '{value}')").format(value=_shorten(self.value)) if self.value is not None else ""
        return f"{where}: {self.message}{got}" if where else f"{self.message}{got}"


@dataclass
class LoadResult:
    """The outcome of reading a clinics file: the table if valid, else every problem found."""

    clinics: pd.DataFrame | None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # harmless things we fixed, e.g. the file's encoding

    @property
    def ok(self) -> bool:
        return not self.problems and self.clinics is not None


def _shorten(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def read_clinics_csv(path: str | Path) -> LoadResult:
    """Read and validate a clinics CSV file from disk."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return _too_big(size)
        data = path.read_bytes()
    except FileNotFoundError:
        return LoadResult(None, [Problem(_("there is no file at {path}").format(path=path))])
    except OSError as error:
        return LoadResult(None, [Problem(_("could not read {path}: {reason}").format(
            path=path, reason=error.strerror or error))])
    return parse_clinics_csv(data)


def _too_big(size: int) -> LoadResult:
    return LoadResult(
        None,
        [
            Problem(
                _("the file is {size} MB, more than the {limit} MB a clinics list can be; is it the right "
                  "file?").format(size=f"{size / 1_048_576:.1f}", limit=MAX_FILE_BYTES // 1_048_576)
            )
        ],
    )


# Central European text (Polish, Czech, Hungarian...) saved by Excel as plain "CSV" is in Windows-1250, and
# by older tools in ISO-8859-2. Both decode without error as Windows-1252, but garbled: "Łódź" becomes
# "£ód¼", "Wrocław" "Wroc³aw", "Gdańsk" "Gdañsk". A general detector cannot tell (charset-normalizer rates
# cp1250 and cp1252 equally on a clinics file, whose text is nearly all ASCII, and guesses cp1006 or
# cp932 for the few words that are not), so these rules look for what Central European letters become in
# Windows-1252 and genuine Windows-1252 text does not contain: a symbol inside a word ("Wroc³aw"), one
# that ends a word ("s±", "Łód¼") or starts one before a small letter ("£ódź"); "ñ" before a consonant
# or at the end of a word (Spanish puts a vowel after ñ: "español", "Peña"; "Gdañsk" does not); "ì"
# inside a word (Italian puts it last: "così"; Czech "Budìjovice" is "Budějovice"); and "õ" not before
# "e" (Portuguese "põe", "ações"; Hungarian "Gyõr" is "Győr"). Text in these encodings whose letters all
# become plausible Windows-1252 letters ("Plzeò" for "Plzeň") is not caught.
_CE_SYMBOLS = "¡£¥¦©ª«¬®¯±³µ¶¹º»¼¾¿"  # Windows-1252 symbols at byte values that are letters in CE encodings
_WORD_INSIDE = re.compile(rf"(?<=[^\W\d_])[{_CE_SYMBOLS}](?=[^\W\d_])")
_WORD_END = re.compile(r"(?<=[^\W\d_])[¹±³¶¼¾¿](?![^\W\d_])")
_WORD_START = re.compile(r"(?<![^\W\d_])[£¦¬¯¥](?=[a-zà-ÿ])")
_N_TILDE = re.compile(r"(?<=[^\W\d_])[ñÑ](?![aeiouáéíóúAEIOUÁÉÍÓÚ])")
_I_GRAVE = re.compile(r"(?<=[^\W\d_])ì(?=[^\W\d_])")
_O_TILDE = re.compile(r"(?<=[^\W\d_])õ(?![eE])")
_CE_RULES = (_WORD_INSIDE, _WORD_END, _WORD_START, _N_TILDE, _I_GRAVE, _O_TILDE)


_WORD_BOUNDARY = re.compile(rb"[\s,;\"]")
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file format of Excel 97-2003


def _central_european_problem(data: bytes, position: int | None = None) -> Problem | None:
    """A problem naming the likely encoding if `data` read as Windows-1252 looks like garbled CE text."""
    # `position`: a byte Windows-1252 cannot decode; it is Central European if Windows-1250 reads the file.
    if position is None:
        text = data.decode("cp1252")  # one character per byte: text positions are byte positions
        match = next((m for m in (rule.search(text) for rule in _CE_RULES) if m), None)
        if match is None:
            return None
        position = match.start()
    else:
        try:
            data.decode("cp1250")
        except UnicodeDecodeError:
            return None
    # ISO-8859-2 has no printable characters at bytes 0x80-0x9F; Windows-1250 puts letters and quotes there.
    name, codec = ("Windows-1250", "cp1250") if re.search(b"[\x80-\x9f]", data) else ("ISO-8859-2", "iso8859_2")
    start = max((m.end() for m in _WORD_BOUNDARY.finditer(data, 0, position)), default=0)
    end = next((m.start() for m in _WORD_BOUNDARY.finditer(data, position)), len(data))
    word = data[start:end]
    line = data.count(b"\n", 0, position) + 1
    garbled, meant = word.decode("cp1252", "replace"), word.decode(codec, "replace")
    return Problem(
        _("the file seems to be Central European text in {encoding}, not UTF-8 or Windows-1252: line {line} has "
          "'{garbled}', which in {encoding} reads '{meant}'. Reading it as Windows-1252 would garble such letters, "
          "so it was not read; in Excel use Save As → 'CSV UTF-8' and upload that file").format(
              encoding=name, line=line, garbled=garbled, meant=meant)
    )


def _other_lines_are_utf8(data: bytes, not_utf8: int) -> bool:
    """True when a line other than the one at byte `not_utf8` has non-ASCII letters and is whole, valid UTF-8.

    Windows-1252 text has such lines only as mojibake ("Ã©"); a binary file's stray byte pairs sit on its
    undecodable lines, so it is not taken for a mixed file."""
    start = data.rfind(b"\n", 0, not_utf8) + 1
    end = data.find(b"\n", not_utf8)
    for line in (data[:start] + data[end:] if end >= 0 else data[:start]).split(b"\n"):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        return True
    return False


def decode_csv_bytes(data: bytes) -> tuple[str | None, list[str], list[Problem]]:
    """Decode UTF-8 (with or without BOM) or, failing that, Excel's Windows-1252; report binary files."""
    # Text that is neither, but looks like Central European text (see _CE_RULES), is refused with a
    # message naming the likely encoding: guessing between Windows-1250 and ISO-8859-2 could garble it.
    if data.startswith(b"PK\x03\x04"):
        return None, [], [Problem(_("this is an Excel workbook (.xlsx), not a CSV; in Excel use Save As → "
                                    "'CSV UTF-8'"))]
    if data.startswith(_OLE2_SIGNATURE):  # Excel 97-2003 (.xls) and other old Office files
        return None, [], [Problem(_("this is an Excel workbook (.xls), not a CSV; in Excel use Save As → "
                                    "'CSV UTF-8'"))]
    if b"\x00" in data[:4096]:
        return None, [], [Problem(_("this is not a text file (it contains NUL bytes); save the list as "
                                    "'CSV UTF-8'"))]
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), [], []
    except UnicodeDecodeError as error:
        not_utf8 = error.start
    if _other_lines_are_utf8(data, not_utf8):
        # Some rows are UTF-8 and some not (a row pasted from another program): read as Windows-1252, the UTF-8
        # ones would be garbled ("Clínica" becomes "ClÃ­nica") and saved so; as UTF-8, the others cannot be read.
        line = data[:not_utf8].count(b"\n") + 1
        return None, [], [Problem(
            _("the file mixes two encodings: it has UTF-8 letters, but line {line} has byte 0x{byte}, which is not "
              "UTF-8 (often a row pasted from another program); fix that line, or save the whole file again as "
              "'CSV UTF-8'").format(line=line, byte=f"{data[not_utf8]:02x}"))]
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        # Bytes Windows-1252 leaves undefined; Windows-1250 uses some of them (0x8F is "Ź", 0x9D "ť").
        central = _central_european_problem(data, error.start)
        if central is not None:
            return None, [], [central]
        return None, [], [
            Problem(
                _("the file is neither UTF-8 nor Windows-1252 text (byte 0x{byte} at position {position}); save it "
                  "as 'CSV UTF-8'").format(byte=f"{data[error.start]:02x}", position=error.start)
            )
        ]
    central = _central_european_problem(data)
    if central is not None:
        return None, [], [central]
    return text, [_("the file was in Windows-1252 (Excel's plain 'CSV' format); it will be saved as UTF-8")], []


def _normalise_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def parse_clinics_csv(data: bytes) -> LoadResult:
    """Validate the bytes of a clinics CSV; see the module docstring for what is reported."""
    if len(data) > MAX_FILE_BYTES:
        return _too_big(len(data))
    text, notes, problems = decode_csv_bytes(data)
    if text is None:
        return LoadResult(None, problems, notes)
    if not text.strip():
        return LoadResult(
            None, [Problem(_("the file is empty; it needs a header row naming the columns: {columns}").format(
                columns=", ".join(COLUMNS)))], notes
        )
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        return LoadResult(None, [Problem(_("the file is not readable as CSV: {reason}").format(reason=error))], notes)
    if len(rows) - 1 > MAX_ROWS:
        too_many = Problem(_("the file has {count} rows, more than the {limit} allowed").format(
            count=f"{len(rows) - 1:,}", limit=f"{MAX_ROWS:,}"))
        return LoadResult(None, [too_many], notes)

    separator = _other_separator(rows[0])
    if separator:
        return LoadResult(None, [Problem(
            _("the columns are separated by {separator}, not commas; save the file as comma-separated CSV (Excel: "
              "Save As → CSV UTF-8 (Comma delimited); LibreOffice: Save As → Text CSV, field delimiter ',')").format(
                separator=_(separator)), row=1)], notes)
    header = [_normalise_header(name) for name in rows[0]]
    body = rows[1:]
    # Excel leaves empty columns at the right edge; drop a column only if it has no header and no values.
    keep = [i for i, name in enumerate(header) if name or any(i < len(r) and r[i].strip() for r in body)]
    header_problems = _check_header(header, keep)
    if header_problems:
        return LoadResult(None, header_problems, notes)
    if [header[i] for i in keep] != list(COLUMNS):
        notes.append(_("the columns were in a different order; they will be written back in the standard order"))

    records: list[tuple[int, dict[str, str]]] = []
    kept = set(keep)
    names = [header[i] for i in keep]
    every_column_kept = len(keep) == len(header)
    for index, cells in enumerate(body):
        row_number = index + 2
        if every_column_kept and len(cells) == len(header):
            if any(cell.strip() for cell in cells):  # else a blank line, e.g. at the end of an Excel file
                records.append((row_number, dict(zip(names, cells, strict=True))))
            continue  # the usual row: one cell per column
        if not any(cell.strip() for cell in cells):
            continue
        extra = [cell for i, cell in enumerate(cells) if i not in kept and cell.strip()]
        if len(cells) > len(header) or extra:
            problems.append(
                Problem(
                    _("has {cells} cells but the header has {columns} columns (a comma inside a value that is not "
                      "in quotes?)").format(cells=len(cells), columns=len(keep)),
                    row=row_number,
                )
            )
            continue
        absent = [header[i] for i in keep if i >= len(cells)]
        if absent:
            problems.append(
                Problem(
                    ngettext("has only {cells} cell but the header has {columns} columns (nothing for '{column}' "
                             "and after)",
                             "has only {cells} cells but the header has {columns} columns (nothing for '{column}' "
                             "and after)", len(cells)).format(cells=len(cells), columns=len(keep), column=absent[0]),
                    row=row_number,
                )
            )
            continue
        records.append((row_number, {header[i]: cells[i] for i in keep}))

    us_dates_note = _read_us_dates(records)
    if us_dates_note:
        notes.append(us_dates_note)
    if not records and not problems:
        problems.append(
            Problem(_("the file has a header row but no clinics; an empty list would hide every clinic from the "
                      "finder"))
        )
    result = validate_records(records)
    return LoadResult(result.clinics if not problems else None, problems + result.problems, notes + result.notes)


# A file saved with another separator reads as one column per line: its header row is one cell holding the names.
OTHER_SEPARATORS: tuple[tuple[str, str], ...] = ((";", N_("semicolons (;)")), ("\t", N_("tabs")),
                                                 ("|", N_("vertical bars (|)")))


def _other_separator(header_row: list[str]) -> str | None:
    """The name of the separator a one-cell header row uses between our column names, if it is one we know."""
    if len(header_row) != 1:
        return None
    for separator, name in OTHER_SEPARATORS:
        names = {_normalise_header(part) for part in header_row[0].split(separator)}
        if len(names & set(COLUMNS)) >= 2:
            return name
    return None


# Excel (US settings) turns a YYYY-MM-DD cell into a date when it opens the file and saves it back month/day/year.
US_DATE_PATTERN = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def _read_us_dates(records: list[tuple[int, dict[str, str]]]) -> str | None:
    """Rewrite month/day/year dates (as Excel saves them in the US) to YYYY-MM-DD in place; a note saying so.

    Only when every such date in the file is a real month/day/year date: one that is not ('29/6/2023') means the
    file may be day/month/year, so none is guessed and each is reported as not a date."""
    found: list[tuple[int, dict[str, str], str, str]] = []
    for row_number, record in records:
        for column in DATE_COLUMNS:
            value = record.get(column, "").strip()
            match = US_DATE_PATTERN.fullmatch(value)
            if match:
                month, day, year = (int(part) for part in match.groups())
                try:
                    iso = dt.date(year, month, day).isoformat()
                except ValueError:
                    return None
                found.append((row_number, record, column, iso))
    if not found:
        return None
    row_number, first_record, first_column, first_iso = found[0]
    example = first_record[first_column].strip()
    for _row, record, column, iso in found:
        record[column] = iso
    return ngettext(
        "read {count} date written month/day/year, as Excel saves dates in the US (row {row}, {column}: '{value}' "
        "is {iso}); it will be written back as YYYY-MM-DD",
        "read {count} dates written month/day/year, as Excel saves dates in the US (row {row}, {column}: "
        "'{value}' is {iso}); they will be written back as YYYY-MM-DD", len(found),
    ).format(count=len(found), row=row_number, column=first_column, value=example, iso=first_iso)


_uploads: OrderedDict[str, LoadResult] = OrderedDict()
_uploads_lock = threading.Lock()


def parse_upload(data: bytes) -> LoadResult:
    """parse_clinics_csv, remembered by the bytes' sha256: the page reruns on every click with the same upload."""
    # Each call gets its own copy of the table, so a caller changing it cannot change what the next gets.
    # The messages are in the run's language, so a Spanish page never gets an English page's problems.
    key = f"{current_language()}:{hashlib.sha256(data).hexdigest()}"
    with _uploads_lock:
        result = _uploads.get(key)
        if result is not None:
            _uploads.move_to_end(key)
    if result is None:
        result = parse_clinics_csv(data)  # outside the lock: other sessions need not wait for this one
        with _uploads_lock:
            _uploads[key] = result
            while len(_uploads) > UPLOADS_REMEMBERED:
                _uploads.popitem(last=False)
    clinics = None if result.clinics is None else result.clinics.copy()
    return LoadResult(clinics, list(result.problems), list(result.notes))


def _check_header(header: list[str], keep: list[int]) -> list[Problem]:
    problems: list[Problem] = []
    names = [header[i] for i in keep]
    expected = ", ".join(COLUMNS)
    for i in keep:
        if not header[i]:
            problems.append(
                Problem(_("column {letter} has values but no name in the header row").format(
                    letter=_spreadsheet_column(i)), row=1)
            )
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            problems.append(Problem(_("the header names column '{name}' twice").format(name=name), row=1, column=name))
        seen.add(name)
    missing = [c for c in COLUMNS if c not in seen]
    unknown = [n for n in names if n and n not in COLUMNS]
    for name in unknown:
        problems.append(
            Problem(
                _("'{name}' is not a column of the clinics list; rename or remove it (expected: {expected})").format(
                    name=name, expected=expected),
                row=1,
                column=name,
            )
        )
    if missing:
        problems.append(Problem(ngettext("missing column(s): {names} (expected: {expected})",
                                         "missing column(s): {names} (expected: {expected})", len(missing)).format(
            names=", ".join(missing), expected=expected), row=1))
    return problems


def _spreadsheet_column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# Characters a cell may not hold, whatever its column: control characters (C0, DEL, C1: CR, LF and tab
# included, so every clinic is one line of the file), the Unicode line and paragraph separators, the
# invisible byte order mark, and lone surrogates (half an emoji; not encodable as UTF-8). Whitespace at
# either end is trimmed by the schema anyway, so only what would be kept counts.
_REFUSED_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")
# What pydantic's str_strip_whitespace trims (Unicode White_Space); Python's str.strip() also trims
# U+001C..U+001F, which pydantic keeps, so strip with exactly this set.
_TRIMMED = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace() and not "\x1c" <= ch <= "\x1f")
_CHARACTER_NAMES = {
    "\r": N_("carriage return"), "\n": N_("line break"), "\t": N_("tab"), "\x00": N_("NUL, a zero byte"),
    "\x0b": N_("vertical tab"), "\x0c": N_("form feed"), "\x85": N_("next line, U+0085"),
    "\u2028": N_("line separator U+2028"), "\u2029": N_("paragraph separator U+2029"),
    "\ufeff": N_("byte order mark U+FEFF"),
}  # fmt: skip


def _describe_character(ch: str) -> str:
    code = f"U+{ord(ch):04X}"
    if "\ud800" <= ch <= "\udfff":
        return _("a broken character (half of a character pair, {code})").format(code=code)
    name = _(_CHARACTER_NAMES[ch]) if ch in _CHARACTER_NAMES else code
    if ch == "\ufeff":
        return _("an invisible character ({name})").format(name=name)
    if ch in "\u2028\u2029":
        return _("a line break ({name})").format(name=name)
    return _("a control character ({name})").format(name=name)


def _visible(text: str) -> str:
    """`text` with each refused character written as an escape (\\r, \\x00, \\ufeff), so staff can find it."""
    return _REFUSED_CHARACTERS.sub(lambda match: repr(match.group())[1:-1], text)


def character_problems(row_number: int, record: Mapping[str, object]) -> list[Problem]:
    """One problem per cell holding a character that cannot be kept in the list (see _REFUSED_CHARACTERS)."""
    try:
        joined = "".join(record.values())  # type: ignore[arg-type]  # every value is text when read from a file
    except TypeError:
        joined = "".join(value for value in record.values() if isinstance(value, str))
    if not _REFUSED_CHARACTERS.search(joined):
        return []  # the usual case, found with one search per row
    problems = []
    for column, value in record.items():
        if not isinstance(value, str):
            continue
        found = _REFUSED_CHARACTERS.findall(value.strip(_TRIMMED))
        if found:
            kinds = (" " + _("and") + " ").join(dict.fromkeys(_describe_character(ch) for ch in found))
            problems.append(
                Problem(
                    _("contains {characters}, which cannot be kept in the list; remove it (retype the value, or use "
                      "Find & Replace)").format(characters=kinds),
                    row=row_number,
                    column=str(column),
                    value=_visible(value),
                )
            )
    return problems


def validate_records(records: Iterable[tuple[int, Mapping[str, object]]]) -> LoadResult:
    """Validate rows given as (spreadsheet row number, {column: value}); check ids are unique."""
    # Every accepted row is one the writer can write and the reader read back to the same values: a
    # character that would not survive that (a bare CR, NUL, ...) is a problem here, with row and column.
    problems: list[Problem] = []
    clinics: list[dict[str, object]] = []
    clinic_rows: list[int] = []
    first_row_of_id: dict[str, int] = {}
    for row_number, record in records:
        refused = character_problems(row_number, record)
        problems.extend(refused)
        raw_id = str(record.get("id") or "").strip()
        duplicate = raw_id in first_row_of_id
        if duplicate:
            problems.append(
                Problem(
                    _("duplicate id; row {row} already uses it (ids must be unique)").format(
                        row=first_row_of_id[raw_id]),
                    row=row_number,
                    column="id",
                    value=raw_id,
                )
            )
        elif raw_id:
            first_row_of_id[raw_id] = row_number
        try:
            clinic = Clinic.model_validate(dict(record))
        except ValidationError as error:
            # A cell already reported for its characters gets no second, more confusing problem.
            bad_columns = {problem.column for problem in refused}
            problems.extend(p for p in _problems_from(error, row_number, record) if p.column not in bad_columns)
            continue
        if refused:
            continue
        if not duplicate:
            clinics.append(clinic.model_dump(mode="json"))
            clinic_rows.append(row_number)
    problems.extend(_same_site_problems(clinics, clinic_rows, first_row_of_id))
    if problems:
        return LoadResult(None, problems)
    return LoadResult(clinics_frame(clinics))


def _same_site_problems(
    clinics: list[dict[str, object]], rows: list[int], first_row_of_id: Mapping[str, int]
) -> list[Problem]:
    """`same_site_as` must name another row that is itself the main listing (no chains, no loops)."""
    secondary = {str(c["id"]) for c in clinics if c.get("same_site_as")}
    problems = []
    for clinic, row in zip(clinics, rows, strict=True):
        target = str(clinic.get("same_site_as") or "")
        if not target:
            continue
        if target not in first_row_of_id:
            problems.append(Problem(_("names no row of the list; use the id of the main listing of the same place"),
                                    row=row, column="same_site_as", value=target))
        elif target in secondary:
            problems.append(Problem(
                _("names a row that itself points elsewhere (row {row}); point every listing of a place at the same "
                  "main listing").format(row=first_row_of_id[target]), row=row, column="same_site_as", value=target))
    return problems


def _problems_from(error: ValidationError, row_number: int, record: Mapping[str, object]) -> list[Problem]:
    problems = []
    for detail in error.errors(include_url=False):
        context = detail.get("ctx") or {}
        column = str(detail["loc"][0]) if detail["loc"] else str(context.get("column", ""))
        if "value" in context:
            value = str(context["value"])
        else:
            raw = record.get(column, "")
            value = "" if raw is None else str(raw)
        problems.append(Problem(detail["msg"], row=row_number, column=column or None, value=value))
    return problems


def clinics_frame(records: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """A clinics table with exactly the schema's columns, in order, from validated records."""
    frame = pd.DataFrame.from_records(list(records), columns=list(COLUMNS))
    text_columns = [c for c in COLUMNS if c not in ("lat", "lon")]
    frame[text_columns] = frame[text_columns].astype(object)
    frame[["lat", "lon"]] = frame[["lat", "lon"]].astype(float)
    return frame.reset_index(drop=True)


def _format_cell(column: str, value: object) -> str:
    if column in ("lat", "lon"):
        return repr(round(float(value), COORDINATE_DECIMALS))  # type: ignore[arg-type]
    if value is None or (isinstance(value, float) and value != value):  # blank cells read back as None/NaN
        return ""
    return str(value)


def _rows_as_written(clinics: pd.DataFrame) -> list[list[str]]:
    return [
        [_format_cell(column, value) for column, value in zip(COLUMNS, row, strict=True)]
        for row in clinics[list(COLUMNS)].itertuples(index=False, name=None)
    ]


def same_clinics(first: pd.DataFrame, second: pd.DataFrame) -> bool:
    """True when two validated tables hold the same rows, values compared as the file writes them."""
    return len(first) == len(second) and _rows_as_written(first) == _rows_as_written(second)


_NEEDS_QUOTES = re.compile('[",\r\n]')


def _csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES.search(text) else text


def csv_text(rows: Iterable[Iterable[str]]) -> str:
    """CSV text with LF line ends that `csv.reader` reads back to exactly `rows`, whatever the text."""
    # Like csv.writer(lineterminator="\n") with minimal quoting, except that a field holding a bare
    # carriage return is quoted too: csv.writer quotes only the characters of its line terminator, so it
    # wrote "Addi\rson" unquoted and a reader then split the row in two.
    lines = []
    for row in rows:
        fields = [_csv_field(cell) for cell in row]
        if fields == [""]:
            fields = ['""']  # a lone empty field, as csv.writer writes it (else the line reads as no row)
        lines.append(",".join(fields) + "\n")
    return "".join(lines)


def clinics_to_csv_bytes(clinics: pd.DataFrame) -> bytes:
    """Serialise a validated clinics table: UTF-8, LF line ends, schema column order, canonical words."""
    return csv_text([list(COLUMNS), *_rows_as_written(clinics)]).encode("utf-8")
