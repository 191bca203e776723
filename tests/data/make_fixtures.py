"""Writes the numbered CSV fixtures in this folder: `python tests/data/make_fixtures.py`.

Each fixture is a small, named file that shows one thing staff might do to the clinics CSV; the expected
outcome of each is in tests/test_csv_fixtures.py. The bytes matter (BOM, CRLF, Windows-1252), so they
are generated rather than typed.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # run as a script from anywhere: the schema names the columns

from clinic_finder.schema import COLUMNS, SERVICE_COLUMNS  # noqa: E402

HEADER = ",".join(COLUMNS)
SRC = "SAMHSA National Directory of Substance Use Treatment Facilities 2023"


def row(**values: str) -> str:
    """One CSV line: every yes/no/unknown column `unknown` and other columns blank unless given."""
    record = {c: "unknown" if c in SERVICE_COLUMNS else "" for c in COLUMNS} | values
    return ",".join(record[c] for c in COLUMNS)


YES = dict.fromkeys(("iop", "evening", "morning", "virtual", "buprenorphine", "naltrexone", "vivitrol", "methadone",
                     "mental_health", "private_insurance", "sliding_fee"), "yes")
NO = dict.fromkeys(("spanish", "medicaid", "medicare"), "no")
ROWS = [
    row(id="symetria-recovery-chicago", name="Symetria Recovery", site="Chicago", address="3934 North Lincoln Avenue",
        city="Chicago", state="IL", zip="60613", phone="866-440-7429", lat="41.9543", lon="-87.6575",
        location_precision="zip", **YES, **NO, source=SRC, source_date="2023-06-29",
        notes="Schedule stated company-wide by the operator."),
    row(id="symetria-recovery-houston", name="Symetria Recovery", site="Houston", address="17347 Village Green Drive",
        address2="Suite 104", city="Houston", state="TX", zip="77040", phone="866-440-7429",
        intake_phone="281-343-3654", lat="29.8744", lon="-95.5278", location_precision="zip", **YES, **NO,
        source=SRC, source_date="2023-06-29", last_checked="2026-11-20", checked_by="maintainer"),
    row(id="human-support-services", name="Human Support Services", address="988 North Illinois Route 3",
        city="Waterloo", state="IL", zip="62298", phone="618-939-4444 x1210", intake_phone="618-939-4444 x1257",
        website="https://example.org/hss", lat="38.3223", lon="-90.1478", location_precision="zip", iop="yes",
        virtual="yes", buprenorphine="yes", naltrexone="no", vivitrol="no", methadone="no", mental_health="no",
        spanish="no", medicaid="yes", medicare="yes", private_insurance="yes", sliding_fee="yes",
        accepts_women="yes", accepts_men="no", source=SRC, source_date="2023-06-29"),
]


def cells(row: str) -> list[str]:
    return row.split(",")


def join(parts: list[str]) -> str:
    return ",".join(parts)


def with_cell(row: str, column: str, value: str) -> str:
    parts = cells(row)
    parts[HEADER.split(",").index(column)] = value
    return join(parts)


def lines(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def write(name: str, text: str | bytes) -> None:
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    (HERE / name).write_bytes(data)


def main() -> None:
    write("001-valid.csv", lines(*ROWS))
    write("002-valid-utf8-bom-crlf.csv", b"\xef\xbb\xbf" + lines(*ROWS).replace("\n", "\r\n").encode())
    write(
        "003-valid-excel-windows-1252.csv",
        lines(ROWS[0], with_cell(ROWS[1], "notes", "Se habla español"), ROWS[2]).replace("\n", "\r\n").encode("cp1252"),
    )
    write("004-valid-blank-trailing-lines.csv", lines(*ROWS) + "\n,,,\n\n")
    header = HEADER.split(",")
    order = list(reversed(range(len(header))))
    write(
        "005-valid-reordered-columns.csv",
        lines(*(join([cells(r)[i] for i in order]) for r in ROWS), header=join([header[i] for i in order])),
    )
    spelled = ROWS[2]
    for column, value in [("evening", "Y"), ("morning", "n"), ("virtual", "TRUE"), ("buprenorphine", "x"),
                          ("naltrexone", "0"), ("vivitrol", ""), ("methadone", "False"), ("spanish", "1")]:
        spelled = with_cell(spelled, column, value)
    write("006-valid-common-spellings.csv", lines(ROWS[0], ROWS[1], spelled))
    cambridge = with_cell(with_cell(with_cell(with_cell(with_cell(with_cell(
        ROWS[2], "id", "cambridge-example"), "city", "Cambridge"), "state", "MA"), "zip", "02139-4307"),
        "lat", "42.3647"), "lon", "-71.1042")
    write("007-valid-zip-plus4-leading-zero.csv", lines(ROWS[0], with_cell(cambridge, "phone", "(617) 555 0123")))
    excel_notes = "“Clínica” \u2013 se habla español; ¿preguntas? «Llame» al Nº 2; Brand® fee £10; Muñoz, Peña; café"
    write(
        "008-valid-excel-windows-1252-punctuation.csv",
        lines(ROWS[0], with_cell(ROWS[1], "notes", excel_notes.replace(",", "")), ROWS[2]).replace("\n", "\r\n")
        .encode("cp1252"),
    )
    write("010-empty.csv", "")
    write("011-header-only.csv", HEADER + "\n")
    write("012-missing-column.csv", lines(*(join(cells(r)[:-1]) for r in ROWS), header=join(header[:-1])))
    write("013-extra-column.csv", lines(*(r + ",42" for r in ROWS), header=HEADER + ",rating"))
    write("014-duplicate-id.csv", lines(ROWS[0], ROWS[1], with_cell(ROWS[2], "id", "symetria-recovery-chicago")))
    write("015-zip-in-wrong-state.csv", lines(ROWS[0], with_cell(ROWS[1], "zip", "60613"), ROWS[2]))
    swapped = with_cell(with_cell(ROWS[0], "lat", "-87.6575"), "lon", "41.9543")
    write("016-swapped-coordinates.csv", lines(swapped, with_cell(ROWS[1], "lon", "95.5278"), ROWS[2]))
    broken = ROWS[2]
    for column, value in [("phone", "call us"), ("website", "www.example.org"), ("evening", "sometimes"),
                          ("source_date", "2999-01-01"), ("source", ""), ("lat", "north")]:
        broken = with_cell(broken, column, value)
    write("017-many-problems-in-one-row.csv", lines(ROWS[0], ROWS[1], broken))
    write("018-zip-lost-leading-zero.csv", lines(ROWS[0], with_cell(cambridge, "zip", "2139")))
    write("019-unquoted-comma.csv", lines(ROWS[0], with_cell(ROWS[1], "address2", "Suite 104, Floor 2"), ROWS[2]))
    write("020-excel-workbook.csv", b"PK\x03\x04\x14\x00\x06\x00 not really a csv")
    # Excel with US settings reads a YYYY-MM-DD cell as a date and saves it back month/day/year (with a BOM and
    # CRLF for "CSV UTF-8"): read as the same dates.
    us_dates = [with_cell(ROWS[0], "source_date", "6/29/2023"),
                with_cell(with_cell(ROWS[1], "source_date", "6/29/2023"), "last_checked", "11/20/2026"),
                with_cell(ROWS[2], "source_date", "6/29/2023")]
    write("009-valid-excel-us-dates.csv", ("\ufeff" + lines(*us_dates).replace("\n", "\r\n")).encode("utf-8"))
    # A day-first date (as a spreadsheet with European settings writes it) is not a month/day/year one.
    write("021-bad-dates-and-ids.csv", lines(
        with_cell(ROWS[0], "source_date", "29/06/2023"), with_cell(ROWS[1], "id", "Symetria Houston"), ROWS[2]))
    polish = lines(ROWS[0], with_cell(ROWS[1], "notes", "Mówimy po polsku: Łódź; Gdańsk"), ROWS[2])
    write("022-polish-iso-8859-2.csv", polish.encode("iso8859_2"))
    write("023-polish-windows-1250.csv", polish.replace("\n", "\r\n").encode("cp1250"))
    # One row pasted in from an Excel 'CSV' (Windows-1252) into a UTF-8 file: read whole as Windows-1252, the
    # UTF-8 row's "Clínica" would become "ClÃ­nica".
    head = lines(ROWS[0], with_cell(ROWS[1], "notes", "Clínica: se habla español")).encode("utf-8")
    write("024-mixed-utf8-and-windows-1252.csv", head + (with_cell(ROWS[2], "notes", "Peña") + "\n").encode("cp1252"))
    # Saved with another separator (Excel does where the list separator is ';', as in much of Europe).
    write("025-semicolon-separated.csv", lines(*ROWS).replace(",", ";"))
    write("026-tab-separated.csv", lines(*ROWS).replace(",", "\t"))
    # One month/day/year date and one that can only be day/month/year: the file's dates are not guessed.
    write("027-month-first-and-day-first-dates.csv", lines(
        with_cell(ROWS[0], "source_date", "6/29/2023"), with_cell(ROWS[1], "source_date", "29/6/2023"), ROWS[2]))


if __name__ == "__main__":
    main()
