"""What the CSV writers produce always reads back to the same rows; what cannot, the validator refuses.

Property tests (hypothesis) over text full of the characters that break CSV files: CR, LF, CRLF, quotes,
commas, a byte order mark, NUL and other control characters.
"""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from clinic_finder import finder
from clinic_finder.csvfile import clinics_frame, clinics_to_csv_bytes, csv_text, parse_clinics_csv, validate_records
from clinic_finder.schema import COLUMN_INFO, COLUMNS, SERVICE_COLUMNS

BASE = {
    **{c: "unknown" if c in SERVICE_COLUMNS else "" for c in COLUMNS},
    "id": "symetria-recovery-chicago", "name": "Symetria Recovery", "site": "Chicago",
    "address": "3934 North Lincoln Avenue", "city": "Chicago", "state": "IL", "zip": "60613",
    "phone": "866-440-7429", "lat": "41.9543", "lon": "-87.6575", "location_precision": "zip", "iop": "yes",
    "evening": "yes", "morning": "yes", "virtual": "yes", "spanish": "no", "medicaid": "no",
    "source": "SAMHSA 2023", "source_date": "2023-06-29",
}  # fmt: skip
FREE_TEXT = ("name", "site", "address", "address2", "city", "source", "notes")

# The characters that break CSV files, mixed with ordinary and unusual text.
TROUBLE = ["\r", "\n", "\r\n", '"', '""', ",", "\ufeff", "\x00", "\t", "\x0b", "\x0c", "\x1c", "\x1f", "\x7f",
           "\x85", "\u2028", "\u2029", " ", "'", "=", "@", "é", "Ł", "\u2013", "\u201c", "😀", "\ud83d"]  # fmt: skip
pieces = st.one_of(st.sampled_from(TROUBLE), st.text(max_size=4), st.text(st.characters(codec="utf-8"), max_size=4))
trouble_text = st.lists(pieces, max_size=6).map("".join)
# Text the validator keeps (quotes, commas, accents, emoji, spaces...), so that many rows are accepted.
KEPT = [t for t in TROUBLE if t.isprintable() or t == " "]
clean_text = st.lists(st.one_of(st.sampled_from(KEPT), st.text(st.characters(
    exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters="\ufeff"), max_size=4)), max_size=6).map("".join)
REQUIRED = ("name", "address", "city", "source")


@st.composite
def text_cells(draw: st.DrawFn) -> dict[str, str]:
    """Clean text in every free-text column, then trouble in up to two of them."""
    values = {column: ("A" if column in REQUIRED else "") + draw(clean_text) for column in FREE_TEXT}
    for column in draw(st.sets(st.sampled_from(FREE_TEXT), max_size=2)):
        values[column] = draw(trouble_text)
    return values

# What pydantic trims from text cells (Unicode White_Space; Python's str.strip also trims U+001C..U+001F).
TRIMMED = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace() and not "\x1c" <= ch <= "\x1f")


def refused_character(text: str) -> bool:
    """The oracle: control characters, line/paragraph separators, the BOM and lone surrogates are refused."""
    return any(ch < " " or "\x7f" <= ch <= "\x9f" or ch in "\ufeff\u2028\u2029" or "\ud800" <= ch <= "\udfff"
               for ch in text.strip(TRIMMED))


def encodable(text: str) -> bool:
    return not any("\ud800" <= ch <= "\udfff" for ch in text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_cells())
def test_rows_the_validator_accepts_read_back_the_same(values: dict[str, str]) -> None:
    record = {**BASE, **values}
    result = validate_records([(2, record)])
    bad_columns = {column for column, value in values.items() if refused_character(value)}
    event("accepted" if result.ok else "refused")
    if result.ok:
        assert result.clinics is not None
        assert not bad_columns, f"accepted a value that cannot be kept: {values}"
        written = clinics_to_csv_bytes(result.clinics)
        back = parse_clinics_csv(written)
        assert back.problems == []
        assert back.clinics is not None
        assert back.clinics.to_dict(orient="records") == result.clinics.to_dict(orient="records")
        assert clinics_to_csv_bytes(back.clinics) == written
        return
    # Refused: every problem says where it is, and each refused character is named in its own column.
    assert all(p.row == 2 and p.column in COLUMNS for p in result.problems), result.problems
    named = {p.column for p in result.problems if p.message.startswith("contains ")}
    assert named == bad_columns, (result.problems, values)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(trouble_text.filter(encodable), st.text()), min_size=1, max_size=5), max_size=5))
def test_csv_text_reads_back_to_exactly_the_rows_written(rows: list[list[str]]) -> None:
    text = csv_text(rows)
    assert list(csv.reader(io.StringIO(text, newline=""))) == rows


def test_csv_text_writes_what_the_csv_module_writes_for_ordinary_rows() -> None:
    """Files written before keep their bytes: only fields with a carriage return are written differently."""
    rows = [["a", "b,c", 'say "hi"', "x\ny", "", " padded ", "é"], ["", ""], [""]]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    assert csv_text(rows) == buffer.getvalue()


def test_a_bare_carriage_return_is_refused_with_row_and_column() -> None:
    result = validate_records([(7, {**BASE, "name": "Addi\rson"})])
    assert result.clinics is None
    assert [str(p) for p in result.problems] == [
        "row 7, column name: contains a control character (carriage return), which cannot be kept in the list; "
        "remove it (retype the value, or use Find & Replace) (got 'Addi\\rson')"
    ]


def test_nul_and_byte_order_mark_are_refused_once_per_cell() -> None:
    result = validate_records([(3, {**BASE, "notes": "a\x00b\x00", "city": "\ufeffChicago", "phone": "312\t555 0100"})])
    assert result.clinics is None
    by_column = {p.column: p.message for p in result.problems}
    assert set(by_column) == {"notes", "city", "phone"}  # no second, confusing phone-format problem
    assert by_column["notes"].startswith("contains a control character (NUL, a zero byte),")
    assert by_column["city"].startswith("contains an invisible character (byte order mark U+FEFF),")
    assert by_column["phone"].startswith("contains a control character (tab),")


def test_results_download_reads_back_to_the_rows_shown() -> None:
    """The visitors' download quotes a carriage return too (a neutralised formula can start with one)."""
    records = [{**BASE, "notes": "\r=1+1"}, {**BASE, "id": "b", "name": 'He said "hi", then\r\nleft'}]
    table = clinics_frame(records)
    table["distance_miles"] = [1.0, float("nan")]
    data = finder.results_csv_bytes(table)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 3
    assert rows[1][COLUMNS.index("notes")] == "'\r=1+1"
    assert rows[2][COLUMNS.index("name")] == 'He said "hi", then\r\nleft'


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fixed_dictionaries({column: trouble_text.filter(encodable) for column in FREE_TEXT}),
                min_size=1, max_size=3))
def test_results_download_round_trips_any_text(rows: list[dict[str, str]]) -> None:
    table = clinics_frame([{**BASE, **row, "id": f"c{i}"} for i, row in enumerate(rows)])
    table["distance_miles"] = [float(i) for i in range(len(rows))]
    read = list(csv.DictReader(io.StringIO(finder.results_csv_bytes(table).decode("utf-8-sig"), newline="")))
    assert len(read) == len(rows)
    for got, row in zip(read, rows, strict=True):
        for column, value in row.items():
            # The download's headers are the columns' labels (in the visitor's language).
            assert got[COLUMN_INFO[column].label] == finder.neutralise_formula(value)
