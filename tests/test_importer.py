"""The SAMHSA importer: every value defensible from the workbook (by the rule table) or corrections.csv,
reproducible byte for byte, and a re-import that keeps what people have checked."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from clinic_finder.accounts import Account, Role
from clinic_finder.corrections import Correction, CorrectionError, apply_corrections, read_corrections
from clinic_finder.csvfile import clinics_to_csv_bytes, read_clinics_csv
from clinic_finder.permissions import save_as_account
from clinic_finder.reimport import merge_import
from clinic_finder.samhsa import (
    CORRECTIONS_CSV,
    JOINING_WORDS,
    RULE_BY_COLUMN,
    RULES,
    SOURCE,
    UNPUBLISHED_ADDRESS,
    UNPUBLISHED_NOTE,
    UNPUBLISHED_STREET,
    code_categories,
    directory_name,
    directory_records,
    languages_text,
    read_directory,
    read_value,
    rule_categories,
    service_codes,
    slugify,
)
from clinic_finder.schema import SERVICE_COLUMNS
from clinic_finder.store import read_snapshot
from tests.conftest import SUITE_DAY

ROOT = Path(__file__).resolve().parent.parent
XLSX = ROOT / "data" / "sources" / "national-directory-su-facilities-2023.xlsx"
SHIPPED = ROOT / "data" / "clinics.csv"


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    result = read_clinics_csv(SHIPPED)
    assert result.ok, [str(p) for p in result.problems]
    assert result.clinics is not None
    return result.clinics


@pytest.fixture(scope="module")
def workbook_codes(shipped: pd.DataFrame) -> dict[str, frozenset[str]]:
    """Each shipped clinic's service codes, read straight from the workbook (matched by name, site, street)."""
    directory = read_directory(XLSX)
    by_key = {(*directory_name(r.Name1, r.Name2)[:2], r.Street1, r.Zip): frozenset(service_codes(r.Service_code_info))
              for r in directory.itertuples()}
    fixes = {(c.id, c.column): c for c in read_corrections(CORRECTIONS_CSV)}
    codes = {}
    for row in shipped.to_dict("records"):
        # A corrected key column (zip, name, site) is matched by what the workbook says.
        key = [fixes[(row["id"], c)].source_value if (row["id"], c) in fixes else row[c]
               for c in ("name", "site", "address", "zip")]
        codes[row["id"]] = by_key[tuple(key)]
    return codes


def test_reimport_reproduces_the_shipped_csv_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "clinics.csv"
    run = subprocess.run(
        [sys.executable, "-m", "clinic_finder", "import-samhsa", str(XLSX), "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"wrote 554 clinics to {out}"
    assert out.read_bytes() == SHIPPED.read_bytes()


def test_every_value_is_the_rule_tables_reading_of_the_workbook_or_a_correction(
    shipped: pd.DataFrame, workbook_codes: dict[str, frozenset[str]]
) -> None:
    """Walks every row and yes/no/unknown column: yes needs a yes code and no negative one; no needs an answered
    category or a negative code; anything else is unknown, and so is a contradiction in the facility's own
    answers. The corrections file is the only other source."""
    corrected = {(c.id, c.column) for c in read_corrections(CORRECTIONS_CSV)}
    categories = code_categories()
    checked = 0
    contradictions: Counter[str] = Counter()
    for row in shipped.to_dict("records"):
        codes = workbook_codes[row["id"]]
        answered = {categories[c] for c in codes if c in categories}
        for column in SERVICE_COLUMNS:
            if (row["id"], column) in corrected:
                continue
            value = row[column]
            rule = RULE_BY_COLUMN.get(column)
            if rule is None:  # no code says anything about it (schedules, waits): only people can
                assert value == "unknown", (row["id"], column)
                continue
            own, also = codes & rule.yes, codes & rule.also_yes
            said_no = any(group <= codes for group in rule.no_when)
            if rule.answered is None:
                answered_here = False
            elif rule.answered_by:
                answered_here = all(codes & group for group in rule.answered_by)
            else:
                answered_here = all(c in answered for c in rule_categories(rule))
            # The facility's answers that contradict each other (see CodeRule and PROVENANCE.md).
            own_categories = {categories[c] for c in own}
            doubts = {
                "yes and a stated no": bool(own | also) and said_no,
                "a doubtful code alone": bool(own) and not also and own <= rule.doubtful_alone
                and {c for c in codes if categories.get(c) in own_categories} <= own,
                "a group against the answer": bool(also) and not own and not rule.also_yes_over_answer
                and answered_here,
                "a list left it out": not (own | also) and not said_no and answered_here
                and bool(codes & rule.silence_doubted_by) and not codes & rule.silence_kept_by,
            }
            if value == "yes":
                assert (own or also) and not any(doubts.values()), (row["id"], column)
            elif value == "no":
                assert not (own or also) and (said_no or (answered_here and not any(doubts.values()))), (
                    row["id"], column)
            else:
                doubt = [name for name, found in doubts.items() if found]
                assert doubt or (not (own or also) and not said_no and not answered_here), (row["id"], column)
                contradictions.update(doubt)
            checked += 1
    assert checked >= 554 * (len(RULES) - 1)
    assert contradictions == {"yes and a stated no": 14, "a doubtful code alone": 55, "a group against the answer": 11,
                              "a list left it out": 18}, contradictions


# Real rows of the workbook, read by the rule table: (clinic id, column, value, why).
REAL_ROWS = [
    # Texoma Community Center lists payment assistance (PA) but not a sliding fee: an answered "no".
    ("texoma-community-center", "sliding_fee", "no", "PYAS answered with PA only"),
    # Gateway Foundation Aurora lists no payment-assistance category at all: unknown, not no.
    ("gateway-foundation-aurora-alc-and-drug-trt-ctrs", "sliding_fee", "unknown", "PYAS not answered"),
    # Enhanced Clinical Solutions lists NOOP ("does not treat opioid use disorders").
    ("enhanced-clinical-solutions-inc-eisenhower-tower", "buprenorphine", "no", "NOOP"),
    ("enhanced-clinical-solutions-inc-eisenhower-tower", "treats_opioid_use", "no", "NOOP"),
    ("enhanced-clinical-solutions-inc-eisenhower-tower", "treats_alcohol_use", "yes", "ACMA"),
    # Jesse Brown's Drug Dependency Treatment Center: methadone (MU) and an opioid-only program (OUDO).
    ("jesse-brown-addiction-programs-drug-dependency-trt-center-ddtc", "methadone", "yes", "MU"),
    ("jesse-brown-addiction-programs-drug-dependency-trt-center-ddtc", "opioid_use_only", "yes", "OUDO"),
    ("jesse-brown-addiction-programs-drug-dependency-trt-center-ddtc", "age_17_or_younger", "no", "YAD ADLT only"),
    # Symetria: co-occurring treatment (SUMH / MHS), though no special co-occurring group (CO).
    ("symetria-recovery-chicago", "mental_health", "yes", "SUMH or MHS"),
    # Seniors are never "no" from the directory's silence (see the rule's reason).
    ("jesse-brown-va-medical-center-addiction-treatment-program-atp", "age_65_or_older", "unknown", "no SNR"),
    # The facility contradicts itself (an outside audit, 2026-11-29): unknown, neither a hidden nor a confirmed one.
    ("south-shore-hospital-chemical-dependency", "vivitrol", "unknown", "NU, but no naltrexone form in PHR"),
    ("spindletop-center-atar", "treats_opioid_use", "unknown", "ODTX, MOA and BU beside NOOP"),
    ("spindletop-center-atar", "buprenorphine", "unknown", "BU beside NOOP"),
    ("vivia-health-bucktown", "age_17_or_younger", "unknown", "an adolescent group, but an age list without CHLD"),
    ("harbor-light-alcoholism-and-drug-dependence-services", "age_17_or_younger", "unknown", "CHLD alone, adult men"),
]


@pytest.mark.parametrize(("clinic_id", "column", "value", "why"), REAL_ROWS, ids=[f"{r[0]}-{r[1]}" for r in REAL_ROWS])
def test_real_rows(shipped: pd.DataFrame, clinic_id: str, column: str, value: str, why: str) -> None:
    assert shipped.set_index("id").loc[clinic_id, column] == value, why


RULE_CASES = [
    # column, codes listed, expected
    ("sliding_fee", "SS PA", "yes"),
    ("sliding_fee", "PA", "no"),  # the category (PYAS) was answered without SS
    ("sliding_fee", "MD PI", "unknown"),  # PYAS never answered: the directory is silent
    ("buprenorphine", "MU", "no"),
    ("buprenorphine", "BWN", "yes"),  # buprenorphine with naloxone (pharmacotherapies) also says yes
    ("buprenorphine", "NMOA", "no"),  # "does not use medication for opioid use disorder"
    ("buprenorphine", "OTP SOTP", "unknown"),  # an opioid treatment program listing no medication codes
    ("naltrexone", "MU", "unknown"),  # OM answered, but naltrexone may be used for alcohol (PHR unanswered)
    ("naltrexone", "MU ACM", "no"),
    ("naltrexone", "NMOA NAUT", "no"),
    ("mental_health", "SA MHS", "yes"),
    ("mental_health", "SA", "unknown"),  # type of care answered, ancillary services not
    ("mental_health", "SA CM", "no"),
    ("virtual", "CBT", "no"),
    ("virtual", "", "unknown"),
    ("age_17_or_younger", "YAD ADLT", "no"),
    ("age_26_to_64", "CHLD", "unknown"),  # only CHLD: not an answer about adults
    ("age_26_to_64", "YAD", "no"),
    ("age_65_or_older", "YAD ADLT", "unknown"),
    ("accepts_men", "FEM", "no"),
    ("accepts_men", "FEM MN", "yes"),  # a group for adult men: men attend
    ("treats_alcohol_use", "NAUT", "no"),
    ("opioid_use_only", "DU", "no"),  # exclusive services answered without OUDO
    ("opioid_use_only", "SA", "unknown"),
    # The facility's answers contradict each other: unknown.
    ("buprenorphine", "BU NMOA", "unknown"),
    ("treats_opioid_use", "ODTX NOOP", "unknown"),
    ("vivitrol", "ACM", "no"),  # pharmacotherapies answered, no naltrexone anywhere
    ("vivitrol", "NU ACM", "unknown"),  # naltrexone used, but no form of it among the pharmacotherapies
    ("vivitrol", "NU NXN", "no"),  # oral naltrexone listed, the injection not
    ("age_17_or_younger", "CHLD", "unknown"),  # a CHLD-only age list is not trusted alone
    ("age_17_or_younger", "CHLD AD", "yes"),
    ("age_17_or_younger", "CHLD ADLT", "yes"),
    ("age_17_or_younger", "AD", "yes"),  # an adolescent group, ages not answered
    ("age_17_or_younger", "YAD ADLT AD", "unknown"),  # an adolescent group against an age list without CHLD
]


@pytest.mark.parametrize(("column", "codes", "expected"), RULE_CASES, ids=[f"{c}-{k or 'none'}" for c, k, _ in RULE_CASES])
def test_rule_table(column: str, codes: str, expected: str) -> None:
    assert read_value(RULE_BY_COLUMN[column], frozenset(codes.split())) == expected


def test_every_rule_names_real_codes_and_columns() -> None:
    categories = code_categories()
    for rule in RULES:
        assert rule.column in SERVICE_COLUMNS
        for code in rule.yes | rule.also_yes | frozenset().union(*rule.no_when, *rule.answered_by):
            assert code in categories, (rule.column, code)
        for category in rule.answered or ():
            assert category in set(categories.values()), (rule.column, category)


def test_shape_provenance_and_precision(shipped: pd.DataFrame) -> None:
    assert len(shipped) == 554
    assert shipped["state"].value_counts().to_dict() == {"IL": 312, "TX": 242}
    assert shipped["id"].is_unique
    assert set(shipped["location_precision"]) == {"zip"}
    assert shipped["source"].str.startswith(SOURCE).all()
    assert set(shipped["source_date"]) == {"2023-06-29"}  # the workbook's own date
    # Nobody has called these clinics: no row may say it was checked.
    assert shipped["last_checked"].isna().all() and shipped["checked_by"].eq("").all()


def test_schedules_are_unknown_except_where_the_operator_states_them(shipped: pd.DataFrame) -> None:
    symetria = shipped[shipped["name"] == "Symetria Recovery"]
    others = shipped[shipped["name"] != "Symetria Recovery"]
    assert len(symetria) == 12
    assert set(symetria["evening"]) == set(symetria["morning"]) == {"yes"}
    assert symetria["notes"].str.contains("stated company-wide by Symetria Recovery").all()
    assert symetria["source"].str.contains("evening groups, morning groups, notes from Symetria Recovery").all()
    assert set(others["evening"]) == set(others["morning"]) == {"unknown"}
    fort_worth = symetria.set_index("site").loc["Fort Worth"]
    assert "Hawkins View Dr" in fort_worth["notes"]


def test_the_two_chicago_zip_codes_are_corrected_and_placed_there(shipped: pd.DataFrame) -> None:
    rows = shipped.set_index("id")
    assert rows.loc["vivia-health-gage-park", "zip"] == "60629"
    assert rows.loc["vivia-health-rogers-park", "zip"] == "60660"
    assert rows.loc["vivia-health-bucktown", "zip"] == "60614"  # Clybourn Avenue is in 60614: untouched
    assert rows.loc["vivia-health-gage-park", "lat"] < 41.8 < rows.loc["vivia-health-bucktown", "lat"]
    assert "ZIP code from the IOP Finder maintainers" in rows.loc["vivia-health-gage-park", "source"]


def test_each_duplicate_pair_points_at_one_main_listing(shipped: pd.DataFrame) -> None:
    linked = dict(shipped.loc[shipped["same_site_as"] != "", ["id", "same_site_as"]].itertuples(index=False))
    assert linked == {
        "enhanced-clinical-solutions-inc": "enhanced-clinical-solutions-inc-eisenhower-tower",
        "texoma-community-center": "texoma-community-center-tmc-grayson-county-mental-health-center",
        "jesse-brown-addiction-programs-drug-dependency-trt-center-ddtc":
            "jesse-brown-va-medical-center-addiction-treatment-program-atp",
        "south-shore-hospital-medical-detox-services": "south-shore-hospital-chemical-dependency",
    }


def test_every_correction_carries_evidence_and_a_date() -> None:
    corrections = read_corrections(CORRECTIONS_CSV)
    assert corrections
    for fix in corrections:
        assert len(fix.evidence) > 40 and fix.said_by and fix.date <= dt.date.today(), fix


def test_a_street_address_the_directory_does_not_publish_is_said_so_and_the_row_is_valid() -> None:
    """SAMHSA writes "- - -" for a street address it withholds (11 facilities, none in IL or TX): the row says the
    address is not published, in a note too, and the clinics list accepts it (the placeholder starts like a
    spreadsheet formula, which the schema refuses)."""
    from clinic_finder.csvfile import validate_records

    directory = read_directory(XLSX)
    withheld = directory[directory["Street1"] == UNPUBLISHED_STREET]
    assert len(withheld) == 11 and not withheld["State"].isin({"IL", "TX"}).any()
    records = directory_records(XLSX, states=sorted(set(withheld["State"])), only_iop=False, corrections=[])
    by_name = {}
    for _row, record in records:
        by_name.setdefault(record["name"], []).append(record)
    shelter = by_name["Rose Brooks Center"][0]
    assert (shelter["address"], shelter["city"], shelter["state"]) == (UNPUBLISHED_ADDRESS, "Kansas City", "MO")
    assert UNPUBLISHED_NOTE in shelter["notes"] and shelter["location_precision"] == "zip"
    assert sum(r["address"] == UNPUBLISHED_ADDRESS for _, r in records) == 11
    assert not any(r["address"].startswith("-") for _, r in records)
    checked = validate_records(records)
    assert not [p for p in checked.problems if p.column == "address"], [str(p) for p in checked.problems]


def test_languages_come_from_the_other_languages_codes() -> None:
    assert languages_text({"F66", "F4", "SP"}) == "Arabic, Polish"


def _fix(**changes: object) -> Correction:
    base = dict(id="a", column="zip", source_value="60614", corrected_value="60629", said_by="x",
                evidence="y", date=dt.date(2026, 1, 1), line=2)
    return Correction(**(base | changes))  # type: ignore[arg-type]


def test_a_correction_against_changed_source_data_is_refused() -> None:
    records = [{"id": "a", "zip": "60601", "lat": "1", "lon": "2", "location_precision": "zip", "source": "S"}]
    with pytest.raises(CorrectionError, match="the source now gives zip = '60601' for a, not '60614'"):
        apply_corrections(records, [_fix()])
    with pytest.raises(CorrectionError, match="there is no clinic with id 'b'"):
        apply_corrections(records, [_fix(id="b")])


def test_corrections_file_shape_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "corrections.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "column", "source_value", "corrected_value", "said_by", "evidence", "date"])
        writer.writerow(["a", "last_checked", "", "2026-01-01", "x", "y", "2026-01-01"])
    with pytest.raises(CorrectionError, match="line 2, column 'column': 'last_checked' is written by the importer"):
        read_corrections(path)


# ---- re-importing a newer directory ----


def _checked(frame: pd.DataFrame, clinic_id: str, **changes: str) -> pd.DataFrame:
    frame = frame.copy()
    row = frame["id"] == clinic_id
    for column, value in {"last_checked": "2026-11-01", "checked_by": "clinic:houston", **changes}.items():
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
    return frame


def test_reimport_keeps_checked_rows_and_reports_where_the_directory_differs(shipped: pd.DataFrame) -> None:
    current = _checked(shipped, "symetria-recovery-houston", evening="no", phone="713-555-0100")
    merged = merge_import(current, shipped, "SAMHSA National Directory")
    kept = merged.clinics.set_index("id").loc["symetria-recovery-houston"]
    assert (kept["evening"], kept["phone"], kept["checked_by"]) == ("no", "713-555-0100", "clinic:houston")
    assert merged.kept_checked == ["symetria-recovery-houston"]
    assert [(r["id"], r["field"], r["old"], r["new"]) for r in merged.conflicts.rows()] == [
        ("symetria-recovery-houston", "phone", "713-555-0100", "866-440-7429"),
        ("symetria-recovery-houston", "evening", "no", "yes"),
    ]
    replaced = merge_import(current, shipped, "SAMHSA National Directory", replace_checked=True)
    assert replaced.clinics.set_index("id").loc["symetria-recovery-houston", "phone"] == "866-440-7429"


def test_reimport_drops_only_unchecked_directory_rows_it_no_longer_lists(shipped: pd.DataFrame) -> None:
    newer = shipped[~shipped["id"].isin(["symetria-recovery-houston", "symetria-recovery-spring"])]
    current = _checked(shipped, "symetria-recovery-spring")
    staff_row = current[current["id"] == "symetria-recovery-hurst"].assign(
        id="a-clinic-staff-added", source="The clinic's own statement to staff")
    current = pd.concat([current, staff_row], ignore_index=True)
    merged = merge_import(current, newer, "SAMHSA National Directory")
    assert merged.dropped == ["symetria-recovery-houston"]
    assert merged.kept_extra == ["symetria-recovery-spring", "a-clinic-staff-added"]
    assert len(merged.clinics) == len(shipped) + 1 - 1


def test_cli_reimport_over_a_checked_file_keeps_it_and_lists_conflicts(tmp_path: Path, shipped: pd.DataFrame) -> None:
    out = tmp_path / "clinics.csv"
    out.write_bytes(clinics_to_csv_bytes(_checked(shipped, "symetria-recovery-houston", evening="no")))
    before = out.read_bytes()
    run = subprocess.run(
        [sys.executable, "-m", "clinic_finder", "import-samhsa", str(XLSX), "--out", str(out), "--staff", "test"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "1 clinic(s) checked or edited by staff where the directory now says something else (kept as they are"\
        in run.stdout
    assert "symetria-recovery-houston  evening  no   yes" in run.stdout
    assert out.read_bytes() == before and "is unchanged" in run.stdout


def test_cli_reimport_keeps_what_a_maintainer_changed_in_the_app(tmp_path: Path, shipped: pd.DataFrame) -> None:
    """A maintainer's edit (an accepted suggestion, the grid) does not mark the row checked: the directory's next
    import used to put the old phone back without a word. The edit's note in the row's source keeps it."""
    out = tmp_path / "clinics.csv"
    out.write_bytes(clinics_to_csv_bytes(shipped))
    snapshot = read_snapshot(out)
    edited = shipped.copy()
    edited.loc[edited["id"] == "centerstone-of-illinois-alton", "phone"] = "618-555-0142"
    maintainer = Account("ann", Role.MAINTAINER, (), "$argon2id$unused")
    save_as_account(out, maintainer, edited, snapshot.fingerprint, base=shipped)
    row = read_clinics_csv(out).clinics.set_index("id").loc["centerstone-of-illinois-alton"]
    assert row["source"].endswith(f"; phone from the IOP Finder maintainers (staff edit, {SUITE_DAY.isoformat()})")
    assert row["last_checked"] is None  # an edit is not a check
    before = out.read_bytes()
    run = subprocess.run(
        [sys.executable, "-m", "clinic_finder", "import-samhsa", str(XLSX), "--out", str(out), "--staff", "test"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "0 checked rows kept as checked and 1 rows edited by staff kept as edited" in run.stdout
    assert "centerstone-of-illinois-alton  phone" in run.stdout and "618-555-0142" in run.stdout
    assert out.read_bytes() == before
    merged = merge_import(read_clinics_csv(out).clinics, shipped, "SAMHSA National Directory", replace_checked=True)
    assert merged.clinics.set_index("id").loc["centerstone-of-illinois-alton", "phone"] == "618-462-2331"


@pytest.mark.parametrize(
    ("info", "codes"),
    [("SA DT * OP OIT", {"SA", "DT", "OP", "OIT"}), ("", set()), ("OITX * BU", {"OITX", "BU"})],
)
def test_service_codes_split_on_categories(info: str, codes: set[str]) -> None:
    assert service_codes(info) == codes


@pytest.mark.parametrize(
    ("name1", "name2", "name", "site", "listed_as"),
    [
        # Name2 is the site or programme: kept apart.
        ("Gateway Foundation", "Swansea", "Gateway Foundation", "Swansea", ""),
        ("Rosecrance Inc", "", "Rosecrance Inc", "", ""),
        ("Centerstone of Illinois", "Alton", "Centerstone of Illinois", "Alton", ""),  # "of" inside, not at the end
        # Name1 wrapped after a joining word: one name.
        ("South Suburban Council on", "Alcoholism and Substance Abuse",
         "South Suburban Council on Alcoholism and Substance Abuse", "", ""),
        ("Clinical Counseling Group and", "DUI Providers LLC", "Clinical Counseling Group and DUI Providers LLC", "", ""),
        ("Linden Oaks Behavioral Health AT", "Saint Charles", "Linden Oaks Behavioral Health AT Saint Charles", "", ""),
        ("Recovery &", "Wellness", "Recovery & Wellness", "", ""),
        ("Pecan Valley Centers for", "", "Pecan Valley Centers for", "", ""),  # nothing to join
        # An acronym line belongs to the name; after ")/" comes the site.
        ("Brazos Valley Council on Alc and SA", "(BVCASA)", "Brazos Valley Council on Alc and SA (BVCASA)", "", ""),
        ("Assoc for the Adv of Mexican Amer Inc", "(AAMA)/Project Tejas",
         "Assoc for the Adv of Mexican Amer Inc (AAMA)", "Project Tejas", ""),
        # "DBA ..." is the name a person knows the clinic by; the directory's name is kept apart.
        ("Collin County MH/MR Center", "DBA LifePath Systems", "LifePath Systems", "", "Collin County MH/MR Center"),
        ("Central Texas MH/MR Center", "dba the Center for Life Resources", "The Center for Life Resources", "",
         "Central Texas MH/MR Center"),
        ("Project COAT", "DBA Project COAT", "Project COAT", "", ""),
        ("Dbacon Recovery", "Adba", "Dbacon Recovery", "Adba", ""),  # "DBA" only as a word at the start
    ],
)
def test_name_and_site_from_the_directorys_two_name_lines(
    name1: str, name2: str, name: str, site: str, listed_as: str
) -> None:
    assert directory_name(name1, name2) == (name, site, listed_as)


def test_no_shipped_name_ends_in_a_joining_word_and_no_site_is_an_acronym_or_a_trade_name(
    shipped: pd.DataFrame,
) -> None:
    """Shown as "name — site", such a row read as a broken name ("South Suburban Council on — Alcoholism ...") or
    put the name a person knows second ("Collin County MH/MR Center — DBA LifePath Systems")."""
    last_words = shipped["name"].str.split().str[-1].str.lower()
    assert not last_words.isin(JOINING_WORDS).any(), shipped.loc[last_words.isin(JOINING_WORDS), "id"].tolist()
    assert not shipped["site"].str.startswith("(").any()
    assert not shipped["site"].str.match(r"(?i)dba\s").any()
    lifepath = shipped.set_index("id").loc["collin-county-mh-mr-center-dba-lifepath-systems"]
    assert (lifepath["name"], lifepath["site"]) == ("LifePath Systems", "")
    assert "Listed in the directory as Collin County MH/MR Center" in lifepath["notes"]
    row = shipped.set_index("id").loc["south-suburban-council-on-alcoholism-and-substance-abuse"]
    assert (row["name"], row["site"]) == ("South Suburban Council on Alcoholism and Substance Abuse", "")


@pytest.mark.parametrize(
    ("text", "slug"),
    [("Symetria Recovery Chicago", "symetria-recovery-chicago"), ("A & B's Place, Inc.", "a-and-bs-place-inc")],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_provenance_before_after_table_matches_the_shipped_file(shipped: pd.DataFrame) -> None:
    text = (ROOT / "data" / "sources" / "PROVENANCE.md").read_text(encoding="utf-8")
    table = text[text.index("### Before and after"):]
    seen = set()
    for line in table.splitlines():
        parts = [p.strip() for p in line.strip("|").split("|")]
        if len(parts) == 3 and parts[0].startswith("`"):
            column = parts[0].strip("`")
            counts = shipped[column].value_counts()
            assert parts[2] == f"{counts.get('yes', 0)} / {counts.get('no', 0)} / {counts.get('unknown', 0)}", column
            seen.add(column)
    assert seen == set(SERVICE_COLUMNS)


def test_provenance_lists_every_rule() -> None:
    text = (ROOT / "data" / "sources" / "PROVENANCE.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"| `{rule.column}` | {' '.join(sorted(rule.yes))}" in text, rule.column


@pytest.mark.parametrize(
    ("clinic_id", "name"),
    [
        ("harbor-light-alcoholism-and-drug-dependence-services", "Harbor Light Alcoholism and Drug Dependence Services"),
        ("hill-alcohol-and-substance-abuse-program-inc", "Hill Alcohol and Substance Abuse Program Inc"),
        ("association-for-multicultural-behavioral-health-llc", "Association for Multicultural Behavioral Health LLC"),
        ("sundance-methadone-treatment-center", "Sundance Methadone Treatment Center"),
    ],
)
def test_names_wrapped_with_no_joining_word_are_joined_by_a_correction_with_its_evidence(
    shipped: pd.DataFrame, clinic_id: str, name: str
) -> None:
    """Four names wrap over the directory's two lines with nothing the importer's rule can see ("Sundance
    Methadone — Treatment Center"); corrections.csv joins them, says why, and the row's source says who did."""
    row = shipped.set_index("id").loc[clinic_id]
    assert (row["name"], row["site"]) == (name, "")
    assert "name, site from the IOP Finder maintainers (the directory's two name lines)" in row["source"]
    fixes = [fix for fix in read_corrections(CORRECTIONS_CSV) if fix.id == clinic_id]
    assert {fix.column for fix in fixes} == {"name", "site"}
    assert all("one name over two lines" in fix.evidence for fix in fixes)
