"""Import SAMHSA's National Directory of Substance Use Treatment Facilities (xlsx) into the clinic schema.

Deterministic: the same workbook and corrections file give the same CSV byte for byte (rows sorted by
state, city and id; ids derived from names; the source date read from the workbook's own properties).

How a yes/no/unknown value is read from a facility's service codes is written once, as data, in `RULES`:
the directory lists only the codes that apply to a facility, one ` * `-separated group per category it
answered, and leaves a category out entirely when nothing in it applies or it was not answered. So a
value is `yes` when one of its codes is listed; `no` only when the facility answered the question (listed
some code of each category the rule names) or listed an explicit negative code (such as NMOA, "does not
use medication for opioid use disorder"); otherwise `unknown` — call to confirm. Where the facility's own
answers contradict each other (a yes code and a negative one; a list the facility shows elsewhere to be
incomplete), the value is `unknown` too: a "no" would hide the clinic, and a "yes" would call it confirmed.
See `data/sources/PROVENANCE.md` for the table in words.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import openpyxl
import pandas as pd

from clinic_finder import geo
from clinic_finder.corrections import Correction, apply_corrections, read_corrections
from clinic_finder.csvfile import LoadResult, validate_records
from clinic_finder.schema import COLUMNS, SERVICE_COLUMNS

SOURCE = "SAMHSA National Directory of Substance Use Treatment Facilities 2023"
SHEET = "Facilities List"
SOURCES_DIR = Path(__file__).resolve().parent.parent / "data" / "sources"
SERVICE_CODES_CSV = SOURCES_DIR / "service_codes.csv"
CORRECTIONS_CSV = SOURCES_DIR / "corrections.csv"

# The "Other Languages" category (OL): code -> language, for the `languages` column.
LANGUAGE_CATEGORY = "OL"


@dataclass(frozen=True)
class CodeRule:
    """How one yes/no/unknown column is read from a facility's service codes.

    * `yes`: codes that mean yes (the column's own codes).
    * `also_yes`: codes in other categories that also show yes (e.g. BWN, "buprenorphine with naloxone",
      for `buprenorphine`); they never make a `no`.
    * `answered`: the categories that must all have been answered (some code of each listed) before a code's
      absence reads as `no`. Default: the categories of the `yes` codes. `None`: silence never means no.
    * `answered_by`: instead of whole categories, sets of codes of which one each must be listed (used when a
      category's answers are known to be incomplete, see `why`).
    * `no_when`: explicit negative answers: if every code of any one set is listed, the value is `no`. With a
      yes code listed too, the facility contradicts itself: `unknown`.
    * `silence_doubted_by` / `silence_kept_by`: codes elsewhere showing that the answered question left this
      out (NU, "naltrexone used", with no naltrexone among the pharmacotherapies): with one of the first
      listed and none of the second, a yes code's absence reads unknown, not no.
    * `also_yes_over_answer`: False when an `also_yes` code (AD, an adolescent group) against the column's
      own question answered without its yes codes (an age list without CHLD) is a contradiction: unknown.
    * `doubtful_alone`: yes codes that do not count as the only code of their category (CHLD as a whole age
      list, see `why`) unless an `also_yes` code is listed too: then unknown.
    * `why`: the reason for any rule that is not the plain one, for PROVENANCE.md.
    """

    column: str
    yes: frozenset[str]
    also_yes: frozenset[str] = frozenset()
    answered: tuple[str, ...] | None = ()
    answered_by: tuple[frozenset[str], ...] = ()
    no_when: tuple[frozenset[str], ...] = ()
    why: str = ""
    silence_doubted_by: frozenset[str] = frozenset()
    silence_kept_by: frozenset[str] = frozenset()
    also_yes_over_answer: bool = True
    doubtful_alone: frozenset[str] = frozenset()


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _rule(column: str, yes: str, also_yes: str = "", no_when: Iterable[str] = (),
          answered: tuple[str, ...] | None = (), answered_by: Iterable[str] = (), why: str = "",
          silence_doubted_by: str = "", silence_kept_by: str = "", also_yes_over_answer: bool = True,
          doubtful_alone: str = "") -> CodeRule:
    return CodeRule(column, _codes(yes), _codes(also_yes), answered, tuple(_codes(s) for s in answered_by),
                    tuple(_codes(s) for s in no_when), why, _codes(silence_doubted_by), _codes(silence_kept_by),
                    also_yes_over_answer, _codes(doubtful_alone))


_OPIOID_TREATMENT_CODES = "DB BUM OTP DM MM UB UN RPN PAIN MOA NMOA DLC MWS"

RULES: tuple[CodeRule, ...] = (
    _rule("iop", "OIT"),
    _rule("virtual", "TELE"),
    _rule("buprenorphine", "BU", also_yes="BWN BWON BERI BSDM UB BUM DB", no_when=["NMOA", "NOOP"]),
    _rule("naltrexone", "NU", also_yes="NXN VTRL UN RPN", answered=("OM", "PHR"),
          no_when=["NMOA NMAUT", "NMOA NAUT", "NOOP NMAUT", "NOOP NAUT"],
          why="NU sits in 'opioid medications used in treatment' (OM), but naltrexone is also used for alcohol, "
              "listed under pharmacotherapies (PHR): both must be answered, or the facility must say it uses no "
              "medication for either opioid or alcohol use, before naltrexone reads as no."),
    _rule("vivitrol", "VTRL", no_when=["NMOA NMAUT", "NMOA NAUT", "NOOP NMAUT", "NOOP NAUT"],
          silence_doubted_by="NU UN RPN", silence_kept_by="NXN",
          why="A facility that says it uses or prescribes naltrexone (NU, UN, RPN) but lists no form of it among "
              "its pharmacotherapies (neither NXN, oral, nor VTRL) left naltrexone out of that list, so the list "
              "does not say Vivitrol is not used: unknown (18 of the 554)."),
    _rule("methadone", "MU", also_yes="METH MM DM", no_when=["NMOA", "NOOP"]),
    _rule("prescribes_buprenorphine", "UB", no_when=["NMOA", "NOOP"]),
    _rule("accepts_outside_medication", "MOA", no_when=["NOOP"]),
    _rule("mental_health", "SUMH MHS",
          why="Treating co-occurring conditions is SUMH (type of care, TC) or MHS (mental health services, AS); "
              "both categories must be answered for a no."),
    _rule("co_occurring_group", "CO"),
    _rule("detox", "DT HID OD RD", also_yes="ADTX BDTX CDTX MDTX ODTX"),
    _rule("partial_hospitalization", "ODT"),
    _rule("residential", "RES RL RS"),
    _rule("spanish", "SP"),
    _rule("sign_language", "AH"),
    _rule("other_languages", "FX NX", also_yes="F4 F17 F19 F25 F28 F30 F31 F35 F36 F37 F42 F43 F47 F66 F67 F70 "
                                               "F81 F92 N24 N40"),
    _rule("medicaid", "MD"),
    _rule("medicare", "MC"),
    _rule("private_insurance", "PI"),
    _rule("military_insurance", "MI"),
    _rule("ihs_tribal_funds", "ITU"),
    _rule("self_pay", "SF"),
    _rule("sliding_fee", "SS"),
    _rule("payment_assistance", "PA"),
    _rule("free_care", "NP"),
    _rule("government_funding", "FSA"),
    _rule("samhsa_funding", "SAMF"),
    _rule("transportation", "TA"),
    _rule("child_care", "CCC"),
    _rule("age_17_or_younger", "CHLD", also_yes="AD", also_yes_over_answer=False, doubtful_alone="CHLD",
          why="CHLD as a facility's whole age list is not trusted (see ages 18 to 25): it reads yes only with an "
              "adolescent group (AD) beside it, else unknown (55 of the 554, 20 of them running groups only for "
              "adults). An adolescent group against an age list without CHLD is a contradiction: unknown."),
    _rule("age_18_to_25", "YAD", also_yes="TAY", answered=None,
          why="The 2023 workbook's age lists are incomplete: 2,407 facilities list only CHLD, many of them adult "
              "programs with groups for adult women, men, seniors or veterans, and 179 list children and adults "
              "26-64 but not 18-25. Silence about young adults is therefore not read as no."),
    _rule("age_26_to_64", "ADLT", also_yes="WN MN", answered_by=["YAD ADLT SNR"],
          why="An age list without any adult code (only CHLD) is not an answer about adults (see ages 18 to 25), "
              "so adults 26-64 read as no only when some other adult age is listed."),
    _rule("age_65_or_older", "SNR", also_yes="SE", answered=None,
          why="Only 113 of 12,744 facilities list SNR, while many that do not run groups for seniors (SE): the "
              "directory's silence about seniors is not read as no."),
    _rule("accepts_women", "FEM", also_yes="WN PW"),
    _rule("accepts_men", "MALE", also_yes="MN"),
    _rule("treats_alcohol_use", "ACMA PMAT NMAUT", also_yes="AUDO ADTX", no_when=["NAUT"],
          why="Any answer about how alcohol use disorder is treated (ACMA, PMAT, NMAUT) shows it is treated; "
              "NAUT says it is not."),
    _rule("treats_opioid_use", _OPIOID_TREATMENT_CODES, also_yes="OUDO BU MU NU ODTX", no_when=["NOOP"],
          why="Any answer about how opioid use disorder is treated shows it is treated; NOOP says it is not."),
    _rule("opioid_use_only", "OUDO"),
    _rule("alcohol_use_only", "AUDO"),
    _rule("dui_only", "DUO"),
)
RULE_BY_COLUMN: dict[str, CodeRule] = {rule.column: rule for rule in RULES}


@functools.cache
def code_categories() -> dict[str, str]:
    """Every service code -> its category code, from the workbook's "Service Code Reference" sheet (as CSV)."""
    with SERVICE_CODES_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["service_code"].strip(): row["category_code"].strip() for row in csv.DictReader(handle)}


@functools.cache
def code_names() -> dict[str, str]:
    """Every service code -> its name in the reference sheet."""
    with SERVICE_CODES_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["service_code"].strip(): " ".join(row["service_name"].split()) for row in csv.DictReader(handle)}


def answered_categories(codes: Iterable[str]) -> set[str]:
    """The categories a facility answered: those with at least one of its codes."""
    categories = code_categories()
    return {categories[code] for code in codes if code in categories}


def rule_categories(rule: CodeRule) -> tuple[str, ...]:
    """The categories that must be answered before silence reads as no (empty tuple if `answered` is None)."""
    if rule.answered is None:
        return ()
    if rule.answered:
        return rule.answered
    categories = code_categories()
    return tuple(sorted({categories[code] for code in rule.yes}))


def question_answered(rule: CodeRule, codes: frozenset[str] | set[str]) -> bool:
    """Whether the facility answered the question behind `rule` (see `CodeRule.answered`, `answered_by`)."""
    if rule.answered is None:
        return False
    if rule.answered_by:
        return all(codes & group for group in rule.answered_by)
    answered = answered_categories(codes)
    return all(category in answered for category in rule_categories(rule))


def _alone_in_category(listed: frozenset[str] | set[str], codes: frozenset[str] | set[str]) -> bool:
    """Whether `listed` are the only codes of their category (or categories) that the facility lists."""
    categories = code_categories()
    theirs = {categories[code] for code in listed}
    return {code for code in codes if categories.get(code) in theirs} <= set(listed)


def read_value(rule: CodeRule, codes: frozenset[str] | set[str]) -> str:
    """yes / no / unknown for one column from one facility's codes, by `rule` (see `CodeRule`)."""
    own, also = codes & rule.yes, codes & rule.also_yes
    said_no = any(group <= codes for group in rule.no_when)
    if own or also:
        if said_no:
            return "unknown"  # a yes and a stated no: the facility contradicts itself
        if own and not also and own <= rule.doubtful_alone and _alone_in_category(own, codes):
            return "unknown"
        if not own and not rule.also_yes_over_answer and question_answered(rule, codes):
            return "unknown"
        return "yes"
    if said_no:
        return "no"
    if codes & rule.silence_doubted_by and not codes & rule.silence_kept_by:
        return "unknown"
    return "no" if question_answered(rule, codes) else "unknown"


def read_directory(xlsx_path: str | Path) -> pd.DataFrame:
    """The "Facilities List" sheet with every cell as stripped text (blank for empty)."""
    frame = pd.read_excel(xlsx_path, sheet_name=SHEET, dtype=str, keep_default_na=False, engine="openpyxl")
    return frame.apply(lambda column: column.str.strip())


def directory_date(xlsx_path: str | Path) -> dt.date:
    """The date the workbook was last modified by its publisher (its document properties)."""
    workbook = openpyxl.load_workbook(xlsx_path, read_only=True)
    try:
        stamp = workbook.properties.modified or workbook.properties.created
    finally:
        workbook.close()
    if stamp is None:
        raise ValueError(f"{xlsx_path} has no modified or created date in its properties")
    return stamp.date()


def service_codes(info: str) -> set[str]:
    """The codes in a `Service_code_info` cell (categories separated by ' * ')."""
    return set(info.replace("*", " ").split())


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by hyphens."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower().replace("&", " and ").replace("'", "")))


def _unique_ids(rows: pd.DataFrame) -> list[str]:
    """name-site; where two sites share that, add the city, then the street; then a counter."""
    candidates = [slugify(f"{n} {s}") for n, s in zip(rows["Name1"], rows["Name2"], strict=True)]
    for extra in ("City", "Street1"):
        counts = Counter(candidates)
        candidates = [
            f"{c}-{slugify(v)}" if counts[c] > 1 else c for c, v in zip(candidates, rows[extra], strict=True)
        ]
    seen: Counter[str] = Counter()
    unique = []
    for candidate in candidates:
        seen[candidate] += 1
        unique.append(candidate if seen[candidate] == 1 else f"{candidate}-{seen[candidate]}")
    return unique


# The directory prints a facility's name on two lines, Name1 and Name2. Name2 is usually the site or programme
# ("Gateway Foundation" / "Swansea"), but where a long name was wrapped it is the rest of the name ("South
# Suburban Council on" / "Alcoholism and Substance Abuse", "Brazos Valley Council on Alc and SA" / "(BVCASA)"),
# and shown as "name — site" it read as a broken name. No name ends in a joining word, and a site does not
# open with a parenthesis: those two lines are one name. An acronym line may go on to the site after a slash
# ("(AAMA)/Project Tejas"). And "DBA ..." ("Collin County MH/MR Center" / "DBA LifePath Systems") is the name
# the clinic does business under, the one a person knows it by (the schema's `name`); the directory's name
# goes into the notes.
JOINING_WORDS = frozenset({"and", "&", "of", "for", "on", "at", "in", "the", "to", "with"})
DOING_BUSINESS_AS = re.compile(r"^DBA\s+", re.IGNORECASE)

# What the directory writes for a street address it does not publish (shelters for people escaping violence among
# them: 11 facilities in the 2023 directory, none in Illinois or Texas), and what the clinics list says instead: the
# placeholder starts like a spreadsheet formula, which the schema refuses, and it reads as nothing to a visitor.
UNPUBLISHED_STREET = "- - -"
UNPUBLISHED_ADDRESS = "Street address not published"
UNPUBLISHED_NOTE = "The directory does not publish this facility's street address: call for directions."


class DirectoryName(NamedTuple):
    """A clinic's name and site read from the directory's two name lines."""

    name: str
    site: str
    listed_as: str = ""  # the directory's own name, where the clinic does business under another


def directory_name(name1: str, name2: str) -> DirectoryName:
    """The clinic's name and site from the directory's two name lines (Name1, Name2)."""
    if DOING_BUSINESS_AS.match(name2):
        trade_name = DOING_BUSINESS_AS.sub("", name2).strip()
        trade_name = trade_name[:1].upper() + trade_name[1:]
        return DirectoryName(trade_name, "", "" if trade_name.lower() == name1.lower() else name1)
    if name2.startswith("("):
        acronym, slash, site = name2.partition(")/")
        return DirectoryName(f"{name1} {acronym}{')' if slash else ''}", site.strip())
    words = name1.split()
    if name2 and words and words[-1].lower() in JOINING_WORDS:
        return DirectoryName(f"{name1} {name2}", "")
    return DirectoryName(name1, name2)


def languages_text(codes: Iterable[str]) -> str:
    """The names of the "Other Languages" (OL) codes listed, in the reference sheet's order."""
    categories, names = code_categories(), code_names()
    listed = set(codes)
    return ", ".join(names[c] for c in names if categories[c] == LANGUAGE_CATEGORY and c in listed)


def _record(row: pd.Series, clinic_id: str, source_date: dt.date) -> dict[str, str]:
    codes = frozenset(service_codes(row["Service_code_info"]))
    zip_code = row["Zip"]
    centre = geo.lookup_zip_record(zip_code)
    intake_lines = [row[c] for c in ("Intake1", "Intake2", "Intake1a", "Intake2a") if row[c]]
    name, site, listed_as = directory_name(row["Name1"], row["Name2"])
    notes = []
    if listed_as:
        notes.append(f"Listed in the directory as {listed_as}, doing business as {name}.")
    if len(intake_lines) > 1:
        notes.append("Other intake lines: " + ", ".join(intake_lines[1:]) + ".")
    street = row["Street1"]
    if street == UNPUBLISHED_STREET:
        street = UNPUBLISHED_ADDRESS
        notes.append(UNPUBLISHED_NOTE)
    # Every column the schema has; what the directory cannot say stays blank or unknown.
    record = {column: "unknown" if column in SERVICE_COLUMNS else "" for column in COLUMNS}
    record |= {
        "id": clinic_id,
        "name": name,
        "site": site,
        "address": street,
        "address2": row["Street2"],
        "city": row["City"],
        "state": row["State"],
        "zip": zip_code,
        "phone": row["Phone"],
        "intake_phone": intake_lines[0] if intake_lines else "",
        "website": "",
        "lat": str(centre.lat) if centre else "",
        "lon": str(centre.lon) if centre else "",
        "location_precision": "zip",
        # The directory publishes no schedules: unknown, except where corrections.csv cites an operator.
        "evening": "unknown",
        "morning": "unknown",
        "languages": languages_text(codes),
        "source": SOURCE,
        "source_date": source_date.isoformat(),
        "last_checked": "",  # nobody has checked these rows by phone
        "checked_by": "",
        "notes": " ".join(notes),
    }
    for rule in RULES:
        record[rule.column] = read_value(rule, codes)
    return record


def directory_records(
    xlsx_path: str | Path,
    states: Iterable[str] | None = ("IL", "TX"),
    only_iop: bool = True,
    corrections: Iterable[Correction] | None = None,
) -> list[tuple[int, dict[str, str]]]:
    """The directory's facilities as unvalidated clinic records: (row number in the output CSV, record).

    `corrections` (default: data/sources/corrections.csv) are applied after reading; see `corrections.py`.
    """
    directory = read_directory(xlsx_path)
    keep = pd.Series(True, index=directory.index)
    if states is not None:
        keep &= directory["State"].isin({s.strip().upper() for s in states})
    if only_iop:
        keep &= directory["Service_code_info"].map(lambda info: "OIT" in service_codes(info))
    in_scope = directory[keep]
    in_scope = in_scope.assign(_id=_unique_ids(in_scope))
    in_scope = in_scope.sort_values(["State", "City", "_id"], kind="stable")
    source_date = directory_date(xlsx_path)
    records = [_record(row, row["_id"], source_date) for _, row in in_scope.iterrows()]
    fixes = read_corrections(CORRECTIONS_CSV) if corrections is None else list(corrections)
    records = apply_corrections(records, fixes)
    return [(i + 2, record) for i, record in enumerate(records)]


def import_directory(
    xlsx_path: str | Path,
    states: Iterable[str] | None = ("IL", "TX"),
    only_iop: bool = True,
    corrections: Iterable[Correction] | None = None,
) -> LoadResult:
    """Facilities in `states` (None: every state) that list intensive outpatient treatment (OIT), validated.

    `only_iop=False` keeps every facility whatever its services (the whole directory, for the benchmark).
    """
    return validate_records(directory_records(xlsx_path, states, only_iop, corrections))
