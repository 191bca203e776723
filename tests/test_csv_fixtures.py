"""Every fixture under tests/data/ with the outcome staff should see: valid, or every problem by row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic_finder.csvfile import MAX_FILE_BYTES, clinics_to_csv_bytes, parse_clinics_csv, read_clinics_csv
from clinic_finder.schema import COLUMNS

DATA = Path(__file__).resolve().parent / "data"

VALID = [
    # fixture, clinics, a note we expect (or "")
    ("001-valid.csv", 3, ""),
    ("002-valid-utf8-bom-crlf.csv", 3, ""),
    ("003-valid-excel-windows-1252.csv", 3, "Windows-1252"),
    ("004-valid-blank-trailing-lines.csv", 3, ""),
    ("005-valid-reordered-columns.csv", 3, "different order"),
    ("006-valid-common-spellings.csv", 3, ""),
    ("007-valid-zip-plus4-leading-zero.csv", 2, ""),
    ("008-valid-excel-windows-1252-punctuation.csv", 3, "Windows-1252"),
    ("009-valid-excel-us-dates.csv", 3,
     "read 4 dates written month/day/year, as Excel saves dates in the US (row 2, source_date: '6/29/2023' is "
     "2023-06-29); they will be written back as YYYY-MM-DD"),
]

INVALID = [
    ("010-empty.csv", ["the file is empty; it needs a header row naming the columns: id, name, site,"]),
    ("011-header-only.csv", ["the file has a header row but no clinics"]),
    ("012-missing-column.csv", ["row 1: missing column(s): notes (expected: id, name,"]),
    ("013-extra-column.csv", ["row 1, column rating: 'rating' is not a column of the clinics list; rename or remove it"]),
    (
        "014-duplicate-id.csv",
        ["row 4, column id: duplicate id; row 2 already uses it (ids must be unique) (got 'symetria-recovery-chicago')"],
    ),
    ("015-zip-in-wrong-state.csv", ["row 3, column zip: belongs to IL, not to TX (got '60613')"]),
    (
        "016-swapped-coordinates.csv",
        [
            "row 2, column lat: lat/lon -87.6575, 41.9543 lie 9,219 miles from the centre of ZIP 60613 (at most 50 "
            "expected; swapped or sign-flipped coordinates?) (got '-87.6575, 41.9543')",
            "row 3, column lat: lat/lon 29.8744, 95.5278 lie 8,245 miles from the centre of ZIP 77040",
        ],
    ),
    (
        "017-many-problems-in-one-row.csv",
        [
            "row 4, column phone: is not a phone number; write a US number like 312-555-0100 (extension: x12) "
            "(got 'call us')",
            "row 4, column website: must be blank or a web address starting with http:// or https:// "
            "(got 'www.example.org')",
            "row 4, column lat: must be a number in decimal degrees, like 41.9543 (got 'north')",
            "row 4, column evening: must be yes, no or unknown (Y/N, true/false, 1/0, x or blank are accepted too) "
            "(got 'sometimes')",
            "row 4, column source: is required and was left blank (got '')",
            "row 4, column source_date: is in the future; use the date it actually happened (got '2999-01-01')",
        ],
    ),
    (
        "018-zip-lost-leading-zero.csv",
        ["row 3, column zip: has fewer than 5 digits; a spreadsheet probably dropped its leading zeros (got '2139')"],
    ),
    ("019-unquoted-comma.csv", ["row 3: has 67 cells but the header has 66 columns (a comma inside a value"]),
    ("020-excel-workbook.csv", ["this is an Excel workbook (.xlsx), not a CSV"]),
    (
        "021-bad-dates-and-ids.csv",
        [
            "row 2, column source_date: must be an ISO date YYYY-MM-DD, like 2023-06-29 (got '29/06/2023')",
            "row 3, column id: must be a lowercase slug of letters, digits and hyphens",
        ],
    ),
    (
        "022-polish-iso-8859-2.csv",
        ["the file seems to be Central European text in ISO-8859-2, not UTF-8 or Windows-1252: line 3 has "
         "'£ód¼', which in ISO-8859-2 reads 'Łódź'. Reading it as Windows-1252 would garble such letters, so it "
         "was not read; in Excel use Save As → 'CSV UTF-8' and upload that file"],
    ),
    (
        "023-polish-windows-1250.csv",
        ["the file seems to be Central European text in Windows-1250, not UTF-8 or Windows-1252: line 3 has "
         "'£ódŸ', which in Windows-1250 reads 'Łódź'"],
    ),
    (
        "024-mixed-utf8-and-windows-1252.csv",
        ["the file mixes two encodings: it has UTF-8 letters, but line 4 has byte 0xf1, which is not UTF-8 (often "
         "a row pasted from another program); fix that line, or save the whole file again as 'CSV UTF-8'"],
    ),
    (
        "025-semicolon-separated.csv",
        ["row 1: the columns are separated by semicolons (;), not commas; save the file as comma-separated CSV "
         "(Excel: Save As → CSV UTF-8 (Comma delimited); LibreOffice: Save As → Text CSV, field delimiter ',')"],
    ),
    ("026-tab-separated.csv", ["row 1: the columns are separated by tabs, not commas; save the file as"]),
    (
        "027-month-first-and-day-first-dates.csv",
        ["row 2, column source_date: must be an ISO date YYYY-MM-DD, like 2023-06-29 (got '6/29/2023')",
         "row 3, column source_date: must be an ISO date YYYY-MM-DD, like 2023-06-29 (got '29/6/2023')"],
    ),
]


def test_every_fixture_has_an_expected_outcome() -> None:
    """A new fixture without an expectation here would silently test nothing."""
    named = {name for name, *_ in VALID} | {name for name, _ in INVALID}
    assert named == {p.name for p in DATA.glob("*.csv")}


@pytest.mark.parametrize(("fixture", "count", "note"), VALID)
def test_valid_fixture_loads(fixture: str, count: int, note: str) -> None:
    result = read_clinics_csv(DATA / fixture)
    assert result.problems == []
    assert result.clinics is not None and len(result.clinics) == count
    assert list(result.clinics.columns) == list(COLUMNS)
    if note:
        assert any(note in n for n in result.notes), result.notes


@pytest.mark.parametrize(("fixture", "expected"), INVALID)
def test_invalid_fixture_reports_every_problem(fixture: str, expected: list[str]) -> None:
    result = read_clinics_csv(DATA / fixture)
    messages = [str(p) for p in result.problems]
    assert result.clinics is None
    assert len(messages) == len(expected), messages
    for message, start in zip(messages, expected, strict=True):
        assert message.startswith(start), message


def test_common_spellings_are_written_back_as_canonical_words() -> None:
    result = read_clinics_csv(DATA / "006-valid-common-spellings.csv")
    assert result.clinics is not None
    row = result.clinics.set_index("id").loc["human-support-services"]
    assert row[["evening", "morning", "virtual", "buprenorphine", "naltrexone", "vivitrol", "methadone", "spanish"]
               ].tolist() == ["yes", "no", "yes", "yes", "no", "unknown", "no", "yes"]
    written = clinics_to_csv_bytes(result.clinics).decode()
    assert ",Y," not in written and "TRUE" not in written and "False" not in written


def test_zip_keeps_leading_zero_and_phone_is_normalised() -> None:
    result = read_clinics_csv(DATA / "007-valid-zip-plus4-leading-zero.csv")
    assert result.clinics is not None
    row = result.clinics.set_index("id").loc["cambridge-example"]
    assert row["zip"] == "02139-4307"
    assert row["phone"] == "617-555-0123"
    assert ",02139-4307," in clinics_to_csv_bytes(result.clinics).decode()


@pytest.mark.parametrize(
    "fixture", ["002-valid-utf8-bom-crlf.csv", "003-valid-excel-windows-1252.csv", "005-valid-reordered-columns.csv",
                "009-valid-excel-us-dates.csv"]
)
def test_variants_round_trip_to_the_same_canonical_file(fixture: str) -> None:
    """BOM, CRLF, Windows-1252, column order and Excel's US dates are reading details: the written file is the
    canonical one."""
    canonical = read_clinics_csv(DATA / "001-valid.csv").clinics
    variant = read_clinics_csv(DATA / fixture).clinics
    assert canonical is not None and variant is not None
    variant_bytes = clinics_to_csv_bytes(variant)
    if "1252" in fixture:
        assert "Se habla español".encode() in variant_bytes
        variant_bytes = variant_bytes.replace(b"Se habla espa\xc3\xb1ol", b"")
    assert variant_bytes == clinics_to_csv_bytes(canonical)


def test_excel_windows_1252_punctuation_and_accents_read_as_typed() -> None:
    result = read_clinics_csv(DATA / "008-valid-excel-windows-1252-punctuation.csv")
    assert result.clinics is not None
    assert result.clinics.loc[1, "notes"] == ("“Clínica” \u2013 se habla español; ¿preguntas? «Llame» al Nº 2; Brand® fee "
                                              "£10; Muñoz Peña; café")


CENTRAL_EUROPEAN = [
    # text, encoding it was saved in, the word the message quotes as garbled
    ("Łódź i Gdańsk", "iso8859_2", "£ód¼"),
    ("Gdańsk", "iso8859_2", "Gdañsk"),
    ("Ośrodek Terapii", "iso8859_2", "O¶rodek"),
    ("Wrocław", "iso8859_2", "Wroc³aw"),  # the same bytes in Windows-1250: named ISO-8859-2
    ("Śląsk", "cp1250", "Œl¹sk"),  # 0x8C is Ś only in Windows-1250
    ("Źródło", "cp1250", "\ufffdród³o"),  # 0x8F: not a Windows-1252 character at all
    ("Żory", "iso8859_2", "¯ory"),
    ("są", "iso8859_2", "s±"),
    ("České Budějovice", "iso8859_2", "Budìjovice"),
    ("Győr", "iso8859_2", "Gyõr"),
]
GENUINE_WINDOWS_1252 = [
    "Se habla español", "“Clínica” \u2013 café, niño", "¿Habla español? ¡Sí! «Hola»", "Brand® Nº 5, 1ª cita, 5µg",
    "£10, ¼ mile, ±5, don\u2019t", "Muñoz, Nuñez, Peña, Niño, Señor, Cañon City, Ibáñez, Zúñiga", "Thérèse, très, où, sûr",
    "Größe, Übung", "København, Søren, Ærø", "informações, põe, Camões, São Paulo", "così, lunedì, città, però",
    "Façade, naïve, œuvre",
]  # fmt: skip


def notes_file(notes: str) -> str:
    header, first, *_ = (DATA / "001-valid.csv").read_text(encoding="utf-8").splitlines()
    return "\r\n".join([header, first.rsplit(",", 1)[0] + "," + notes.replace(",", ";")]) + "\r\n"


@pytest.mark.parametrize(("text", "encoding", "garbled"), CENTRAL_EUROPEAN)
def test_central_european_text_is_refused_naming_its_encoding(text: str, encoding: str, garbled: str) -> None:
    result = parse_clinics_csv(notes_file(text).encode(encoding))
    assert result.clinics is None
    [problem] = [str(p) for p in result.problems]
    name = {"iso8859_2": "ISO-8859-2", "cp1250": "Windows-1250"}[encoding]
    assert problem.startswith(f"the file seems to be Central European text in {name}, not UTF-8 or Windows-1252: "
                              f"line 2 has '{garbled}")
    assert "save As → 'CSV UTF-8'".lower() in problem.lower()


@pytest.mark.parametrize("text", GENUINE_WINDOWS_1252)
def test_genuine_windows_1252_text_still_reads(text: str) -> None:
    result = parse_clinics_csv(notes_file(text).encode("cp1252"))
    assert result.problems == []
    assert result.clinics is not None and result.clinics.loc[0, "notes"] == text.replace(",", ";")


def test_shipped_file_round_trips_byte_for_byte() -> None:
    path = Path(__file__).resolve().parent.parent / "data" / "clinics.csv"
    result = read_clinics_csv(path)
    assert result.clinics is not None
    assert clinics_to_csv_bytes(result.clinics) == path.read_bytes()


def test_huge_file_is_refused_with_its_size(tmp_path: Path) -> None:
    huge = tmp_path / "huge.csv"
    huge.write_bytes((DATA / "001-valid.csv").read_bytes() + b"x" * (MAX_FILE_BYTES + 1))
    result = read_clinics_csv(huge)
    assert result.clinics is None
    assert [str(p) for p in result.problems] == ["the file is 20.0 MB, more than the 20 MB a clinics list can be; "
                                                 "is it the right file?"]


def test_many_rows_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import clinic_finder.csvfile as csvfile

    monkeypatch.setattr(csvfile, "MAX_ROWS", 2)
    result = parse_clinics_csv((DATA / "001-valid.csv").read_bytes())
    assert [str(p) for p in result.problems] == ["the file has 3 rows, more than the 2 allowed"]


def test_missing_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    result = read_clinics_csv(tmp_path / "nope.csv")
    assert result.clinics is None and "there is no file at" in str(result.problems[0])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x00\x01\x02", "this is not a text file (it contains NUL bytes)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "this is an Excel workbook (.xls), not a CSV"),
        (b"id,name\n\x81\x8d\x8f\x90\x9d", "the file is neither UTF-8 nor Windows-1252 text (byte 0x81"),
        (b"   \n\n", "the file is empty"),
        (b'id,name\n"unclosed, quote\n', "missing column(s)"),
    ],
)
def test_unreadable_bytes_get_a_clear_message(data: bytes, expected: str) -> None:
    result = parse_clinics_csv(data)
    assert result.clinics is None
    assert str(result.problems[0]).startswith(expected) or expected in str(result.problems[0])


def test_parse_upload_checks_each_upload_once_and_hands_out_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    import clinic_finder.csvfile as csvfile

    calls: list[bytes] = []
    real_parse = csvfile.parse_clinics_csv

    def counting_parse(data: bytes) -> csvfile.LoadResult:
        calls.append(data)
        return real_parse(data)

    monkeypatch.setattr(csvfile, "parse_clinics_csv", counting_parse)
    monkeypatch.setattr(csvfile, "_uploads", type(csvfile._uploads)())
    valid, other, broken = ((DATA / name).read_bytes() for name in ("001-valid.csv", "002-valid-utf8-bom-crlf.csv",
                                                                    "014-duplicate-id.csv"))
    first = csvfile.parse_upload(valid)
    assert first.ok and first.clinics is not None
    first.clinics.loc[0, "name"] = "changed by a caller"
    second = csvfile.parse_upload(bytes(valid))  # equal bytes, another object: found by content
    assert calls == [valid]
    assert second.clinics is not None and second.clinics.loc[0, "name"] == "Symetria Recovery"
    assert [str(p) for p in csvfile.parse_upload(broken).problems] == [str(p) for p in real_parse(broken).problems]
    csvfile.parse_upload(other)  # a third upload: the least recently used (valid) is forgotten
    csvfile.parse_upload(broken)
    csvfile.parse_upload(valid)
    assert calls == [valid, broken, other, valid]
