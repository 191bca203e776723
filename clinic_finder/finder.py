"""What the finder page shows, as plain functions: search state <-> URL, result cards, counts, downloads.

The page (`app.py`) only turns widgets into a `SearchState` and these values into Streamlit elements.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote_plus

import pandas as pd

from clinic_finder.csvfile import csv_text
from clinic_finder.schema import COLUMN_INFO, COLUMNS, PAYMENT_COLUMNS, SEARCHABLE, column_info
from clinic_finder.search import SearchIndex, SearchResult, search

RADIUS_CHOICES: tuple[int | None, ...] = (5, 10, 25, 50, 100, None)  # miles; None = any distance
DEFAULT_RADIUS = 25
# Services people filter on, in the order they think of them; every one is in the schema's vocabulary.
SERVICE_FILTERS: tuple[str, ...] = (
    "evening", "morning", "virtual", "medications", "buprenorphine", "naltrexone", "vivitrol", "methadone",
    "mental_health", "spanish",
)  # fmt: skip
PAYMENT_FILTERS: tuple[str, ...] = PAYMENT_COLUMNS
# Badges on each result: what a caller most wants to know, in that order.
BADGE_COLUMNS: tuple[str, ...] = (*SERVICE_FILTERS[:3], *SERVICE_FILTERS[4:], *PAYMENT_COLUMNS)
NATIONAL_HELPLINE = "1-800-662-4357"
MAX_LOCATION_LENGTH = 80


@dataclass(frozen=True)
class SearchState:
    """Everything that defines a search; it round-trips through the URL query."""

    location: str = ""
    radius: int | None = DEFAULT_RADIUS
    services: tuple[str, ...] = ()
    payment: tuple[str, ...] = ()
    include_unknown: bool = False

    @property
    def required(self) -> tuple[str, ...]:
        return self.services + self.payment


@dataclass(frozen=True)
class ParsedQuery:
    state: SearchState
    notes: list[str] = field(default_factory=list)  # parameters we ignored, said kindly


def _first(value: str | Sequence[str] | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else (value[-1] if value else "")


def _names(text: str, allowed: Sequence[str], what: str, notes: list[str]) -> tuple[str, ...]:
    chosen: list[str] = []
    for name in (n.strip().lower() for n in text.split(",")):
        if not name:
            continue
        if name in allowed:
            if name not in chosen:
                chosen.append(name)
        else:
            notes.append(f"Ignored the unknown {what} '{name[:40]}' in the link.")
    # canonical order, so the same search always has the same URL
    return tuple(n for n in allowed if n in chosen)


def state_from_query(params: Mapping[str, str | Sequence[str]]) -> ParsedQuery:
    """Read `zip`, `radius`, `services`, `payment`, `unknown` from a URL query; ignore bad values with a note."""
    notes: list[str] = []
    location = " ".join(_first(params.get("zip")).split())[:MAX_LOCATION_LENGTH]
    radius: int | None = DEFAULT_RADIUS
    radius_text = _first(params.get("radius")).strip().lower()
    if radius_text:
        if radius_text in {"any", "all", "none"}:
            radius = None
        elif radius_text.isdigit() and int(radius_text) in RADIUS_CHOICES:
            radius = int(radius_text)
        else:
            choices = ", ".join(str(r) for r in RADIUS_CHOICES if r is not None)
            notes.append(f"Ignored radius '{radius_text[:20]}' in the link (choose {choices} or any); using 25 miles.")
    services = _names(_first(params.get("services")), SERVICE_FILTERS, "service", notes)
    payment = _names(_first(params.get("payment")), PAYMENT_FILTERS, "payment option", notes)
    unknown_text = _first(params.get("unknown")).strip().lower()
    include_unknown = unknown_text in {"1", "true", "yes", "on"}
    if unknown_text and unknown_text not in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
        notes.append(f"Ignored unknown='{unknown_text[:20]}' in the link (use 1 or 0).")
    known = {"zip", "radius", "services", "payment", "unknown"}
    for key in params:
        if key not in known:
            notes.append(f"Ignored '{str(key)[:40]}' in the link.")
    return ParsedQuery(SearchState(location, radius, services, payment, include_unknown), notes)


def query_from_state(state: SearchState) -> dict[str, str]:
    """The URL query for a search; defaults are left out so links stay short."""
    query: dict[str, str] = {}
    if state.location:
        query["zip"] = state.location
    if state.radius != DEFAULT_RADIUS:
        query["radius"] = "any" if state.radius is None else str(state.radius)
    if state.services:
        query["services"] = ",".join(state.services)
    if state.payment:
        query["payment"] = ",".join(state.payment)
    if state.include_unknown:
        query["unknown"] = "1"
    return query


def summary_line(result: SearchResult, state: SearchState) -> tuple[str, str]:
    """The headline count, e.g. '12 confirmed · 231 more might — call to ask', and a hint (or "")."""
    if not state.required:
        return f"{result.confirmed} {'clinic' if result.confirmed == 1 else 'clinics'}", ""
    line = f"{result.confirmed} confirmed"
    if not result.maybe:
        return line, ""
    line += f" · {result.maybe} more might — call to ask"
    if state.include_unknown:
        return line, "Clinics marked “unknown — call to confirm” may offer what you ticked: our source does not say."
    return line, "Tick “also show clinics where this is unknown” to see them."


def tel_href(phone: str) -> str:
    """RFC 3966 link for a stored phone such as 630-620-6616 x100."""
    match = re.fullmatch(r"(\d{3})-(\d{3})-(\d{4})(?: x(\d+))?", phone)
    if not match:
        return ""
    href = f"tel:+1-{match.group(1)}-{match.group(2)}-{match.group(3)}"
    return href + (f";ext={match.group(4)}" if match.group(4) else "")


def full_address(row: Mapping[str, object]) -> str:
    parts = [str(row["address"]), str(row["address2"] or "")]
    street = ", ".join(p for p in parts if p)
    return f"{street}, {row['city']}, {row['state']} {row['zip']}"


def directions_url(row: Mapping[str, object]) -> str:
    """A directions link (opened only if the person taps it)."""
    return "https://www.google.com/maps/dir/?api=1&destination=" + quote_plus(full_address(row))


@dataclass(frozen=True)
class Badge:
    column: str
    label: str
    status: str  # yes / no / unknown
    help: str

    @property
    def text(self) -> str:
        if self.status == "yes":
            return f"✓ {self.label}"
        if self.status == "no":
            return f"✗ {self.label}: no"
        return f"? {self.label}: unknown — call to confirm"


def badges(row: Mapping[str, object], columns: Sequence[str] = BADGE_COLUMNS) -> list[Badge]:
    """yes / no / unknown for each badge column; unknown is never shown as yes or no."""
    return [Badge(c, COLUMN_INFO[c].label, str(row[c]), COLUMN_INFO[c].help) for c in columns]


def distance_text(miles: float) -> str:
    if miles != miles:  # NaN: no origin
        return ""
    return "here" if miles < 0.05 else f"{miles:.1f} miles"


def listing_order(results: pd.DataFrame, has_origin: bool) -> pd.DataFrame:
    """The list's order: nearest first with a location; without one, by state, city and name (the page
    adds a heading per state)."""
    if has_origin:
        return results
    return results.sort_values(["state", "city", "name", "site"], kind="stable").reset_index(drop=True)


@dataclass
class ResultView:
    """One search's results as the page shows them, built once per (data version, search) and reused by
    reruns (clicks, "show more"): the counts, the list in its order, the result cards, the download.

    Not the map: a folium map handed to st_folium a second time sends a script naming an undefined
    variable (st_folium renames the map's elements in place), so the page builds it afresh each rerun.
    """

    result: SearchResult
    listing: pd.DataFrame  # the list's order (see listing_order)
    origin: tuple[float, float] | None  # degrees
    radius_miles: float | None
    has_origin: bool
    glossary_url: Callable[[str], str]
    _cards: dict[str, str] = field(default_factory=dict)

    def card_markdown(self, row: Mapping[str, object]) -> str:
        """The result card of one clinic (made once, then remembered)."""
        clinic_id = str(row["id"])
        if clinic_id not in self._cards:
            card = ClinicCard.from_row(row, self.glossary_url)
            self._cards[clinic_id] = card.heading_markdown(self.has_origin) + "  \n" + card.body_markdown()
        return self._cards[clinic_id]

    @functools.cached_property
    def csv_bytes(self) -> bytes:
        """The results as a CSV download (made on first use, then remembered)."""
        return results_csv_bytes(self.result.clinics)

    def rows(self, count: int) -> list[dict[str, object]]:
        """The first `count` rows of the list."""
        return _records(self.listing.iloc[:count])

    def row_of(self, clinic_id: str) -> dict[str, object] | None:
        found = _records(self.listing[self.listing["id"] == clinic_id])
        return found[0] if found else None


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    # Column lists zipped into dicts: a few times faster than pandas 3's to_dict(orient="records").
    columns = list(frame.columns)
    values = zip(*(frame[c].tolist() for c in columns), strict=True)
    return [dict(zip(columns, row, strict=True)) for row in values]


def build_result_view(
    index: SearchIndex,
    state: SearchState,
    origin: tuple[float, float] | None,
    glossary_url: Callable[[str], str],
) -> ResultView:
    """Search and order the list for one search (`origin` in degrees, radius in miles)."""
    radius = state.radius if origin is not None else None
    result = search(index, origin=origin, radius_miles=radius, services=state.required,
                    include_unknown=state.include_unknown)
    return ResultView(
        result=result,
        listing=listing_order(result.clinics, has_origin=origin is not None),
        origin=origin,
        radius_miles=radius,
        has_origin=origin is not None,
        glossary_url=glossary_url,
    )


def query_key(state: SearchState) -> tuple[tuple[str, str], ...]:
    """A hashable, canonical key for a search (for caches)."""
    return tuple(sorted(query_from_state(state).items()))


def no_results_advice(state: SearchState) -> str:
    """What to try when nothing matched, and a number that always helps."""
    tips = []
    if state.location and state.radius is not None and state.radius < max(r for r in RADIUS_CHOICES if r):
        tips.append("choose a wider distance")
    if state.required:
        tips.append("untick a filter")
        if not state.include_unknown:
            tips.append("tick “also show clinics where this is unknown”")
    advice = f"No clinics match this search. Try to {', or '.join(tips)}. " if tips else "No clinics match. "
    return advice + (
        f"SAMHSA's National Helpline, [{NATIONAL_HELPLINE}](tel:+1-800-662-4357), can also find treatment "
        "near you: free, confidential, 24/7, in English and Spanish."
    )


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md_escape(text: object) -> str:
    """Text from the CSV shown literally in Streamlit markdown (no links, emphasis or colour directives)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", "" if text is None else str(text))


BADGE_COLOURS = {"yes": "green", "no": "gray", "unknown": "orange"}


@dataclass(frozen=True)
class ClinicCard:
    """One result as the list and the map's side panel show it."""

    row: Mapping[str, object]
    badges: list[Badge]
    glossary_links: dict[str, str]

    @classmethod
    def from_row(cls, row: Mapping[str, object], glossary_url: Callable[[str], str]) -> ClinicCard:
        shown = badges(row)
        return cls(row, shown, {b.column: glossary_url(b.column) for b in shown})

    @property
    def title(self) -> str:
        site = str(self.row.get("site") or "")
        return f"{self.row['name']} — {site}" if site else str(self.row["name"])

    def heading_markdown(self, include_distance: bool) -> str:
        distance = distance_text(float(self.row.get("distance_miles", float("nan")))) if include_distance else ""
        return f"**{md_escape(self.title)}**" + (f" · {distance}" if distance else "")

    def body_markdown(self) -> str:
        row = self.row
        lines = [md_escape(full_address(row))]
        if row["location_precision"] == "zip":
            lines[0] += " · *approximate location (ZIP centre)*"
        contact = [f"Call [{md_escape(row['phone'])}]({tel_href(str(row['phone']))})"]
        if row.get("intake_phone"):
            contact.append(f"Intake [{md_escape(row['intake_phone'])}]({tel_href(str(row['intake_phone']))})")
        contact.append(f"[Directions]({directions_url(row)})")
        if row.get("website"):
            contact.append(f"[Website]({str(row['website']).replace(')', '%29').replace(' ', '%20')})")
        lines.append(" · ".join(contact))
        unknown = str(row.get("unknown_services") or "")
        if unknown:
            names = ", ".join(column_info(c).label for c in unknown.split(", "))
            lines.append(f":orange[**Might match — unknown — call to confirm:** {md_escape(names)}]")
        lines.append(
            " ".join(
                f"[:{BADGE_COLOURS.get(b.status, 'gray')}-badge[{md_escape(b.text)}]]({self.glossary_links[b.column]})"
                for b in self.badges
            )
        )
        if row.get("notes"):
            lines.append(f"*{md_escape(row['notes'])}*")
        lines.append(f"Source: {md_escape(row['source'])} · last verified {md_escape(row['last_verified'])}")
        return "  \n".join(lines)


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """Prefix text a spreadsheet would run as a formula with an apostrophe (OWASP's CSV-injection advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def results_csv_bytes(result: pd.DataFrame) -> bytes:
    """The current results as CSV for download: schema columns + distance in miles, formulas neutralised."""
    columns = [*COLUMNS, "distance_miles"]
    rows: list[list[str]] = [columns]
    for row in result[columns].itertuples(index=False, name=None):
        cells = []
        for column, value in zip(columns, row, strict=True):
            if column == "distance_miles":
                cells.append("" if value != value else f"{value:.2f}")
            elif column in ("lat", "lon"):
                cells.append(repr(float(value)))  # numbers, never formulas
            else:
                cells.append(str(neutralise_formula("" if value is None else str(value))))
        rows.append(cells)
    # csv_text, not csv.writer: it also quotes a bare carriage return, so every row reads back whole.
    return csv_text(rows).encode("utf-8-sig")  # BOM: Excel then reads accents correctly


def filter_label(name: str) -> str:
    return column_info(name).label


def filter_help(name: str) -> str:
    return column_info(name).help


assert set(SERVICE_FILTERS) <= set(SEARCHABLE) and set(PAYMENT_FILTERS) <= set(SEARCHABLE)
