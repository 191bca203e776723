"""What the finder page shows, as plain functions: search state <-> URL, counts, result cards, downloads.

The page (`views/finder.py`) only turns widgets into a `SearchState` and these values into Streamlit
elements. Every text from the CSV or the page address is escaped here for where it goes: cards are HTML
(`markdown.html_text`), notes and headlines that reach Markdown go through `markdown.md_escape`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode

import pandas as pd

from clinic_finder import attendance
from clinic_finder.csvfile import csv_text
from clinic_finder.i18n import LANGUAGES, N_, _, current_language, language_in_link, ngettext
from clinic_finder.markdown import html_attr, html_text, md_escape
from clinic_finder.schema import COLUMN_INFO, COLUMNS, GROUP_TITLES, SEARCHABLE, SERVICE_COLUMNS, column_info
from clinic_finder.search import SearchIndex, SearchResult, search

RADIUS_CHOICES: tuple[int | None, ...] = (5, 10, 25, 50, 100, None)  # miles; None = any distance
DEFAULT_RADIUS = 25
# What people filter on, grouped the way they think of it; every name is in the schema's vocabulary.
SERVICE_GROUPS: dict[str, tuple[str, ...]] = {
    N_("When"): ("evening", "morning", "virtual"),
    N_("Medications"): ("medications", "buprenorphine", "naltrexone", "vivitrol", "methadone",
                        "prescribes_buprenorphine", "accepts_outside_medication"),
    N_("Care and language"): ("mental_health", "spanish", "sign_language", "other_languages"),
    N_("Help getting there"): ("transportation", "child_care"),
}
SERVICE_FILTERS: tuple[str, ...] = tuple(name for names in SERVICE_GROUPS.values() for name in names)
PAYMENT_FILTERS: tuple[str, ...] = (
    "medicaid", "medicare", "private_insurance", "military_insurance", "ihs_tribal_funds", "self_pay", "low_cost",
)  # fmt: skip
NATIONAL_HELPLINE = "1-800-662-4357"
HELPLINE_HREF = "tel:+18006624357"
MAX_LOCATION_LENGTH = 80
PAGE_SIZE = 20
COVERED_STATE_NAMES = {"IL": N_("Illinois"), "TX": N_("Texas")}
# URL parameters that belong to the page rather than to the search (kept, never reported as unknown).
PAGE_PARAMETERS = frozenset({"lang"})
SEARCH_PARAMETERS = ("zip", "radius", "services", "payment", "age", "gender", "for", "unknown")


@dataclass(frozen=True)
class SearchState:
    """Everything that defines a search; it round-trips through the URL query."""

    location: str = ""
    radius: int | None = DEFAULT_RADIUS
    services: tuple[str, ...] = ()
    payment: tuple[str, ...] = ()
    include_unknown: bool = True  # "might match — call to confirm" clinics are shown after the confirmed ones
    age: str | None = None
    gender: str | None = None
    substance: str | None = None

    @property
    def required(self) -> tuple[str, ...]:
        return self.services + self.payment

    @property
    def exclude(self) -> tuple[tuple[str, str], ...]:
        return attendance.exclusions(self.age, self.gender, self.substance)

    @property
    def filter_count(self) -> int:
        """How many filters are on (for the compact filter control's label), "Confirmed only" included."""
        return (len(self.required) + sum(v is not None for v in (self.age, self.gender, self.substance))
                + (not self.include_unknown))


@dataclass(frozen=True)
class ParsedQuery:
    state: SearchState
    notes: list[str] = field(default_factory=list)  # parameters we ignored, said kindly (already Markdown-safe)


def _first(value: str | Sequence[str] | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else (value[-1] if value else "")


def _quoted(text: object, limit: int = 40) -> str:
    """Visitor text for a note: shortened, then escaped so it shows literally in Markdown."""
    return md_escape(str(text)[:limit])


def _names(text: str, allowed: Sequence[str], unknown_note: str, notes: list[str]) -> tuple[str, ...]:
    chosen: list[str] = []
    for name in (n.strip().lower() for n in text.split(",")):
        if not name:
            continue
        if name in allowed:
            if name not in chosen:
                chosen.append(name)
        else:
            notes.append(unknown_note.format(value=_quoted(name)))
    # canonical order, so the same search always has the same URL
    return tuple(n for n in allowed if n in chosen)


def radius_code(miles: int | None) -> str:
    """The distance as the search form and the URL write it: "25", or "any" for no limit (miles)."""
    return "any" if miles is None else str(miles)


def typed_search(sent: object) -> tuple[str, int | None] | None:
    """What the search form sent, checked like the URL: (place, radius in miles), or None if it is not a search.

    The browser is not trusted: the place is cut to MAX_LOCATION_LENGTH with its spaces tidied, and a distance
    that is not one of RADIUS_CHOICES ends the check (nothing changes)."""
    if not isinstance(sent, Mapping):
        return None
    location, radius = sent.get("location"), sent.get("radius")
    if not isinstance(location, str) or not isinstance(radius, str):
        return None
    choices = {radius_code(r): r for r in RADIUS_CHOICES}
    if radius not in choices:
        return None
    return " ".join(location.split())[:MAX_LOCATION_LENGTH], choices[radius]


def typed_filters(sent: object) -> dict[str, Any] | None:
    """What the filter panel sent, checked like the URL: the session's filter values (needs, pay, age, gender,
    substance, confirmed_only), or None if it is not the panel's answer.

    The browser is not trusted: names outside the vocabularies are dropped, lists come back in canonical
    order (the same search, the same URL), and an answer that is not one of a question's choices is no answer."""
    if not isinstance(sent, Mapping):
        return None

    def names(value: object, allowed: tuple[str, ...]) -> list[str]:
        chosen = value if isinstance(value, list | tuple) else ()
        return [name for name in allowed if name in chosen]

    def answer(value: object, question: str) -> str | None:
        return value if isinstance(value, str) and attendance.choice(question, value) else None

    return {
        "needs": names(sent.get("needs"), SERVICE_FILTERS), "pay": names(sent.get("pay"), PAYMENT_FILTERS),
        "age": answer(sent.get("age"), "age"), "gender": answer(sent.get("gender"), "gender"),
        "substance": answer(sent.get("substance"), "for"), "confirmed_only": sent.get("confirmed_only") is True,
    }


def state_from_query(params: Mapping[str, str | Sequence[str]]) -> ParsedQuery:
    """Read the search from a URL query; ignore bad values with a note (Markdown-safe) for each."""
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
            notes.append(_("Ignored the distance '{value}' in the link (choose {choices} or any); using {default} "
                           "miles.").format(value=_quoted(radius_text, 20), choices=choices, default=DEFAULT_RADIUS))
    services = _names(_first(params.get("services")), SERVICE_FILTERS,
                      _("Ignored the unknown need '{value}' in the link."), notes)
    payment = _names(_first(params.get("payment")), PAYMENT_FILTERS,
                     _("Ignored the unknown way to pay '{value}' in the link."), notes)
    unknown_text = _first(params.get("unknown")).strip().lower()
    include_unknown = unknown_text not in {"0", "false", "no", "off"}
    if unknown_text and unknown_text not in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
        notes.append(_("Ignored unknown='{value}' in the link (use 1 or 0).").format(value=_quoted(unknown_text, 20)))
    answers: dict[str, str | None] = {}
    for question in attendance.QUESTIONS:
        text = _first(params.get(question)).strip().lower()
        answers[question] = text if attendance.choice(question, text) else None
        if text and answers[question] is None:
            notes.append(_("Ignored {name}='{value}' in the link.").format(name=question, value=_quoted(text, 20)))
    language_text = _first(params.get("lang")).strip().lower()
    if language_text and language_in_link(language_text) is None:
        names = " · ".join(f"{name} (lang={code})" for code, name in LANGUAGES.items())
        notes.append(_("Ignored lang='{value}' in the link: this site speaks {languages}.").format(
            value=_quoted(language_text, 20), languages=names))
    for key in params:
        if key not in SEARCH_PARAMETERS and key not in PAGE_PARAMETERS:
            notes.append(_("Ignored '{name}' in the link.").format(name=_quoted(key)))
    state = SearchState(location, radius, services, payment, include_unknown, answers["age"], answers["gender"],
                        answers["for"])
    return ParsedQuery(state, notes)


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
    for question, value in (("age", state.age), ("gender", state.gender), ("for", state.substance)):
        if value:
            query[question] = value
    if not state.include_unknown:
        query["unknown"] = "0"
    return query


def query_key(state: SearchState) -> tuple[tuple[str, str], ...]:
    """A hashable, canonical key for a search (for caches)."""
    return tuple(sorted(query_from_state(state).items()))


def with_query(url: str, query: Mapping[str, str]) -> str:
    """An app link (`/Page?x=1#anchor`) that carries `query` (the current search and language): parameters
    already in the link are kept unless `query` names them too; the anchor stays last."""
    if not query or not url.startswith("/"):
        return url
    path, hash_mark, anchor = url.partition("#")
    path, _mark, existing = path.partition("?")
    merged = dict(parse_qsl(existing, keep_blank_values=True)) | dict(query)
    return f"{path}?{urlencode(merged)}{hash_mark}{anchor}"


def near_line(place_label: str, radius_miles: int | None) -> str:
    """Where the search is, as the finder understood what was typed: "Near Springfield, IL, within 25 miles." (a
    city alone is taken in Illinois or Texas, so the person sees which one); "" without a place."""
    if not place_label:
        return ""
    if radius_miles is None:
        return _("Near {place}, at any distance.").format(place=place_label)
    return _("Near {place}, within {miles} miles.").format(place=place_label, miles=radius_miles)


def summary_line(result: SearchResult, state: SearchState) -> tuple[str, str]:
    """The headline count and a hint (or ""), e.g. ('2 confirmed · 14 might match — call to ask', '…')."""
    if not state.required:
        headline = ngettext("{count} program", "{count} programs", result.confirmed).format(count=result.confirmed)
        return headline, ""
    headline = ngettext("{count} confirmed", "{count} confirmed", result.confirmed).format(count=result.confirmed)
    if not result.maybe:
        return headline, ""
    headline += " · " + ngettext("{count} more might match — call to ask", "{count} more might match — call to ask",
                                 result.maybe).format(count=result.maybe)
    if state.include_unknown:
        return headline, _("Our source does not say whether these offer everything you picked (it has no "
                           "schedules at all), so they are listed after the confirmed ones: call to ask.")
    return headline, _("Showing confirmed programs only; switch off “Confirmed only” to see the others.")


def excluded_line(result: SearchResult) -> str:
    """Say how many programs were left out because they would not serve the person ("" if none)."""
    if not result.excluded:
        return ""
    return ngettext(
        "{count} program nearby was left out because it does not serve the person you described.",
        "{count} programs nearby were left out because they do not serve the person you described.",
        result.excluded,
    ).format(count=result.excluded)


def tel_href(phone: str) -> str:
    """RFC 3966 link for a stored phone such as 630-620-6616 x100."""
    match = re.fullmatch(r"(\d{3})-(\d{3})-(\d{4})(?: x(\d+))?", phone)
    if not match:
        return ""
    href = f"tel:+1-{match.group(1)}-{match.group(2)}-{match.group(3)}"
    return href + (f";ext={match.group(4)}" if match.group(4) else "")


def full_address(row: Mapping[str, object]) -> str:
    parts = [str(row["address"]), str(row.get("address2") or "")]
    street = ", ".join(p for p in parts if p)
    return f"{street}, {row['city']}, {row['state']} {row['zip']}"


def directions_url(row: Mapping[str, object]) -> str:
    """A directions link (opened only if the person taps it)."""
    return "https://www.google.com/maps/dir/?api=1&destination=" + quote_plus(full_address(row))


def distance_text(miles: float) -> str:
    """A card's distance from the search centre, in miles ("" without one)."""
    if miles != miles:  # NaN: no origin
        return ""
    if miles < 0.05:
        # Not "here": a ZIP code's centre is where both a ZIP search and a clinic placed by its ZIP code sit, and
        # the clinic can be a few miles from the person.
        return _("under 0.1 miles")
    return _("{miles} miles").format(miles=f"{miles:.1f}")


def _present(value: object) -> bool:
    return value is not None and value == value and str(value).strip() != ""


def provenance_text(row: Mapping[str, object]) -> str:
    """Where a row comes from and whether a person has checked it, for the foot of a card (plain text)."""
    source, source_date = str(row.get("source") or ""), str(row.get("source_date") or "")
    if _present(row.get("last_checked")):
        return _("Source: {source} ({date}). Last checked {checked} by {who}.").format(
            source=source, date=source_date, checked=row["last_checked"], who=row.get("checked_by") or _("staff"))
    return _("Source: {source} ({date}). Not yet checked by phone: call to confirm.").format(
        source=source, date=source_date)


STATUS_TEXT = {
    "yes": N_("{label}"),
    "no": N_("{label}: no"),
    "unknown": N_("{label}: unknown — call to confirm"),
}
STATUS_MARK = {"yes": "✓", "no": "✗", "unknown": "?"}


def status_text(name: str, status: str) -> str:
    """'Evening groups', 'Evening groups: no' or 'Evening groups: unknown — call to confirm' (never a guess)."""
    return _(STATUS_TEXT[status]).format(label=_(column_info(name).label))


def value_of(row: Mapping[str, object], name: str) -> str:
    """yes / no / unknown of a column or a shortcut (`medications`, `low_cost`) for one row."""
    from clinic_finder.schema import SHORTCUTS

    if name in SHORTCUTS:
        values = [str(row.get(c, "unknown")) for c in SHORTCUTS[name]]
        return "yes" if "yes" in values else "no" if all(v == "no" for v in values) else "unknown"
    return str(row.get(name, "unknown"))


def _screen_reader_text(text: str, before: str = " ") -> str:
    """Words a screen reader says and the page does not show (the stylesheet's .cf-sr), after `before` (our own
    punctuation: html_text would strip its space)."""
    return f'<span class="cf-sr">{before}{html_text(text)}</span>'


def _new_tab_note() -> str:
    # Said before the person lands somewhere else: the link leaves this page in a new tab.
    return _screen_reader_text(_("(opens a new tab)"))


def _badge_html(name: str, status: str, link: Callable[[str], str]) -> str:
    # A yes shows a check mark and the feature's name; a screen reader hears the name and "yes" (the mark is
    # hidden from it), as it hears "…: no" and "…: unknown — call to confirm".
    said_yes = _screen_reader_text(_("yes"), before=": ") if status == "yes" else ""
    return (f'<a class="cf-badge cf-{status}" href="{html_attr(link(name))}" target="_self">'
            f'<span aria-hidden="true">{STATUS_MARK[status]}</span> {html_text(status_text(name, status))}'
            f"{said_yes}</a>")


@dataclass(frozen=True)
class CardLinks:
    """Where a card's links go, with the current search and language carried along."""

    glossary: Callable[[str], str]  # searchable name -> glossary URL
    suggest: Callable[[str], str]  # clinic id -> the "suggest a correction" page


def card_html(row: Mapping[str, object], state: SearchState, links: CardLinks, has_origin: bool,
              other_listings: Sequence[str] = ()) -> str:
    """One result card as HTML: every CSV value escaped; what the person filtered for and any attendance limit
    up front, the rest behind "More about this clinic" (a native <details>, no page rerun)."""
    title = str(row["name"]) + (f" — {row['site']}" if _present(row.get("site")) else "")
    distance = distance_text(float(row.get("distance_miles", float("nan")))) if has_origin else ""
    parts = [f'<div class="cf-card" id="clinic-{html_attr(row["id"])}">',
             f'<h3 class="cf-title">{html_text(title)}'
             + (f' <span class="cf-distance">· {html_text(distance)}</span>' if distance else "") + "</h3>"]
    unknown = [n for n in str(row.get("unknown_services") or "").split(", ") if n]
    if unknown:
        names = ", ".join(_(column_info(n).label) for n in unknown)
        maybe = _("Might match — call to confirm:")
        parts.append(f'<p class="cf-maybe">{html_text(maybe)} {html_text(names)}</p>')
    limits = attendance.limits(row)
    if limits:
        parts.append(f'<p class="cf-limits">{html_text(" · ".join(limits))}</p>')
    address = html_text(full_address(row))
    if row.get("location_precision") == "zip":
        approximate = _("approximate location (ZIP centre)")
        address += f' <span class="cf-note">· {html_text(approximate)}</span>'
    parts.append(f'<p class="cf-address">{address}</p>')
    actions = []
    phone = str(row["phone"])
    # Words first, then the HTML: Babel cannot see a _() call inside an f-string on Python 3.11.
    if tel_href(phone):
        call = _("Call {phone}").format(phone=phone)
        actions.append(f'<a class="cf-button cf-call" href="{html_attr(tel_href(phone))}">{html_text(call)}</a>')
    directions = _("Directions")
    actions.append(f'<a class="cf-button" href="{html_attr(directions_url(row))}" target="_blank" '
                   f'rel="noopener noreferrer">{html_text(directions)}{_new_tab_note()}</a>')
    intake = str(row.get("intake_phone") or "")
    if tel_href(intake):
        intake_call = _("Intake {phone}").format(phone=intake)
        actions.append(f'<a class="cf-button" href="{html_attr(tel_href(intake))}">{html_text(intake_call)}</a>')
    if _present(row.get("website")):
        website = _("Website")
        actions.append(f'<a class="cf-button" href="{html_attr(row["website"])}" target="_blank" '
                       f'rel="noopener noreferrer nofollow">{html_text(website)}{_new_tab_note()}</a>')
    parts.append(f'<p class="cf-actions">{" ".join(actions)}</p>')
    wanted = [n for n in state.required if n not in unknown]
    if wanted or unknown:
        parts.append('<p class="cf-wanted">' + " ".join(_badge_html(n, value_of(row, n), links.glossary)
                                                        for n in state.required) + "</p>")
    parts.append(f'<p class="cf-provenance">{html_text(provenance_text(row))}</p>')
    parts.append(_more_html(row, links, other_listings))
    suggest = _("Something wrong? Suggest a correction")
    parts.append(f'<p class="cf-suggest"><a href="{html_attr(links.suggest(str(row["id"])))}" target="_self">'
                 f'{html_text(suggest)}</a></p></div>')
    return "".join(parts)


# Groups shown under "More about this clinic", in the schema's order.
MORE_GROUPS = ("schedule", "medication", "care", "language", "payment", "support", "attendance", "intake")


def _more_html(row: Mapping[str, object], links: CardLinks, other_listings: Sequence[str]) -> str:
    more = _("More about this clinic")
    parts = [f'<details class="cf-more"><summary>{html_text(more)}</summary>']
    for group in MORE_GROUPS:
        names = [c for c in SERVICE_COLUMNS if COLUMN_INFO[c].group == group and c != "iop"]
        if not names:
            continue
        title = _(GROUP_TITLES[group])
        parts.append(f'<p class="cf-group"><strong>{html_text(title)}</strong><br>'
                     + " ".join(_badge_html(n, value_of(row, n), links.glossary) for n in names) + "</p>")
        if group == "language" and _present(row.get("languages")):
            languages = _("Other languages: {names}").format(names=row["languages"])
            parts.append(f"<p>{html_text(languages)}</p>")
        if group == "intake" and _present(row.get("current_wait")):
            wait = _("Current wait: {wait} (as of {date})").format(wait=row["current_wait"],
                                                                  date=row.get("wait_as_of") or "")
            parts.append(f"<p>{html_text(wait)}</p>")
    if _present(row.get("notes")):
        in_english = _("in English")  # the notes are data, written in English: said so on other languages' cards
        marker = f' <span class="cf-note">({html_text(in_english)})</span>' if current_language() != "en" else ""
        parts.append(f'<p class="cf-notes"><em>{html_text(row["notes"])}</em>{marker}</p>')
    if other_listings:
        twice = _("Listed twice in the directory, also as: {names}").format(names="; ".join(other_listings))
        parts.append(f"<p>{html_text(twice)}</p>")
    parts.append("</details>")
    return "".join(parts)


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    # Column lists zipped into dicts: a few times faster than pandas 3's to_dict(orient="records").
    columns = list(frame.columns)
    values = zip(*(frame[c].tolist() for c in columns), strict=True)
    return [dict(zip(columns, row, strict=True)) for row in values]


@dataclass
class ResultView:
    """One search's results as the page shows them, built once per (data version, search, language) and reused
    by reruns (clicks, "show more"): counts, the list (confirmed first, then "might match"), the statewide
    video programs, the cards, the download.

    Not the map: a folium map rendered a second time names an undefined variable (streamlit-folium renames the
    map's elements in place), so the page keeps the map's rendered text instead (views.mapframe).
    """

    result: SearchResult
    state: SearchState
    confirmed: pd.DataFrame
    maybe: pd.DataFrame
    by_video: pd.DataFrame  # virtual programs in the origin's state beyond the radius (empty unless asked)
    video_state: str  # "TX", "IL" or ""
    origin: tuple[float, float] | None  # degrees
    radius_miles: float | None
    has_origin: bool
    links: CardLinks
    other_listings: dict[str, list[str]] = field(default_factory=dict)  # id -> other listings' titles
    _cards: dict[str, str] = field(default_factory=dict)
    _rows: dict[tuple[int, int], tuple[pd.DataFrame, list[dict[str, object]]]] = field(default_factory=dict)

    @functools.cached_property
    def listing(self) -> pd.DataFrame:
        """Every result in list order: confirmed, then might-match."""
        return pd.concat([self.confirmed, self.maybe], ignore_index=True) if len(self.maybe) else self.confirmed

    @functools.cached_property
    def on_map(self) -> pd.DataFrame:
        """Every clinic on the map: the list, then the statewide video programs."""
        if self.by_video.empty:
            return self.listing
        return pd.concat([self.listing, self.by_video], ignore_index=True)

    def card(self, row: Mapping[str, object]) -> str:
        """The card of one clinic (made once, then remembered)."""
        clinic_id = str(row["id"])
        if clinic_id not in self._cards:
            self._cards[clinic_id] = card_html(row, self.state, self.links, self.has_origin,
                                               self.other_listings.get(clinic_id, ()))
        return self._cards[clinic_id]

    @functools.cached_property
    def csv_bytes(self) -> bytes:
        """The results as a CSV download (made on first use, then remembered)."""
        return results_csv_bytes(self.listing)

    def rows(self, frame: pd.DataFrame, count: int) -> list[dict[str, object]]:
        """The first `count` rows of one part of the list (made once, then remembered: every visitor opening this
        search reads them)."""
        key = (id(frame), count)  # the frame is kept with its rows, so its id is not reused while they are
        if key not in self._rows:
            self._rows[key] = (frame, _records(frame.iloc[:count]))
        return self._rows[key][1]

    def row_of(self, clinic_id: str) -> dict[str, object] | None:
        for frame in (self.confirmed, self.maybe, self.by_video):
            found = _records(frame[frame["id"] == clinic_id])
            if found:
                return found[0]
        return None


def listing_order(results: pd.DataFrame, has_origin: bool) -> pd.DataFrame:
    """Nearest first with a location; without one, by state, city and name (the page adds a heading per state)."""
    if has_origin or results.empty:
        return results.reset_index(drop=True)
    return results.sort_values(["state", "city", "name", "site"], kind="stable").reset_index(drop=True)


def _other_listings(index: SearchIndex, ids: Sequence[str]) -> dict[str, list[str]]:
    """For each id shown, the titles of the place's other listings (same_site_as)."""
    clinics = index.clinics
    if "same_site_as" not in clinics or not (clinics["same_site_as"] != "").any():
        return {}
    titles = {str(i): str(n) + (f" — {s}" if s else "") for i, n, s in
              zip(clinics["id"], clinics["name"], clinics["site"], strict=True)}
    main_of = {str(i): str(m or i) for i, m in zip(clinics["id"], clinics["same_site_as"], strict=True)}
    members: dict[str, list[str]] = {}
    for clinic_id, main in main_of.items():
        members.setdefault(main, []).append(clinic_id)
    return {clinic_id: [titles[o] for o in members[main_of[clinic_id]] if o != clinic_id]
            for clinic_id in ids if len(members.get(main_of.get(clinic_id, clinic_id), [])) > 1}


def build_result_view(
    index: SearchIndex,
    state: SearchState,
    origin: tuple[float, float] | None,
    links: CardLinks,
    origin_state: str = "",
) -> ResultView:
    """Search and order the list for one search (`origin` in degrees, radius in miles); `origin_state` is the
    state the search is in (for the "by video anywhere in the state" section)."""
    radius = state.radius if origin is not None else None
    result = search(index, origin=origin, radius_miles=radius, services=state.required,
                    include_unknown=state.include_unknown, exclude=state.exclude)
    ordered = listing_order(result.clinics, has_origin=origin is not None)
    is_maybe = ordered["unknown_services"] != ""
    confirmed, maybe = ordered[~is_maybe].reset_index(drop=True), ordered[is_maybe].reset_index(drop=True)
    by_video = ordered.iloc[0:0]
    video_state = ""
    wants_video = "virtual" in state.services and origin is not None and radius is not None
    if wants_video and origin_state in COVERED_STATE_NAMES:
        # Programs with video sessions anywhere in the same state: licensed there, so the person can join from
        # home even when the clinic is far away.
        anywhere = search(index, origin=origin, radius_miles=None, services=state.required,
                          include_unknown=False, exclude=state.exclude).clinics
        shown = set(ordered["id"])
        by_video = anywhere[(anywhere["state"] == origin_state) & ~anywhere["id"].isin(shown)].reset_index(drop=True)
        video_state = origin_state
    ids = [*ordered["id"], *by_video["id"]]
    return ResultView(
        result=result, state=state, confirmed=confirmed, maybe=maybe, by_video=by_video, video_state=video_state,
        origin=origin, radius_miles=radius, has_origin=origin is not None, links=links,
        other_listings=_other_listings(index, [str(i) for i in ids]),
    )


def no_results_advice(state: SearchState) -> str:
    """What to try when nothing matched, and a number that always helps (Markdown)."""
    tips = []
    if state.location and state.radius is not None and state.radius < max(r for r in RADIUS_CHOICES if r):
        tips.append(_("choose a wider distance"))
    if state.required:
        tips.append(_("remove a filter"))
        if not state.include_unknown:
            tips.append(_("switch off “Confirmed only”"))
    if state.exclude:
        tips.append(_("change who the care is for"))
    advice = (_("No programs match this search. Try to {tips}.").format(tips=_(", or ").join(tips)) + " "
              if tips else _("No programs match.") + " ")
    return advice + _(
        "SAMHSA's National Helpline, [{number}]({href}), can also find treatment near you: free, confidential, "
        "24/7, in English and Spanish."
    ).format(number=NATIONAL_HELPLINE, href=HELPLINE_HREF)


def outside_coverage_here_advice() -> str:
    """For "Use my location" outside Illinois and Texas: who to call instead (Markdown). The position's state is
    not named: the nearest ZIP code's is a guess abroad or at sea."""
    return _(
        "We list programs in Illinois and Texas, and your location is outside them. For care near you, call "
        "SAMHSA's National Helpline, [{number}]({href}) (free, confidential, 24/7, in English and Spanish), or "
        "search [FindTreatment.gov](https://findtreatment.gov/)."
    ).format(number=NATIONAL_HELPLINE, href=HELPLINE_HREF)


def outside_coverage_advice(place_label: str, state_name: str) -> str:
    """For a place outside Illinois and Texas: who to call instead (Markdown; the place is escaped)."""
    return _(
        "We list programs in Illinois and Texas, and {place} is in {state}. For care near you, call SAMHSA's "
        "National Helpline, [{number}]({href}) (free, confidential, 24/7, in English and Spanish), or search "
        "[FindTreatment.gov](https://findtreatment.gov/)."
    ).format(place=md_escape(place_label), state=md_escape(state_name), number=NATIONAL_HELPLINE, href=HELPLINE_HREF)


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """Prefix text a spreadsheet would run as a formula with an apostrophe (OWASP's CSV-injection advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def results_csv_bytes(result: pd.DataFrame) -> bytes:
    """The current results as CSV for download: the schema's columns under their labels in the current
    language, plus the distance in miles; formulas neutralised."""
    columns = [*COLUMNS, "distance_miles"]
    headers = [_(COLUMN_INFO[c].label) if c in COLUMN_INFO else _("Distance (miles)") for c in columns]
    rows: list[list[str]] = [headers]
    for row in result.reindex(columns=columns).itertuples(index=False, name=None):
        cells = []
        for column, value in zip(columns, row, strict=True):
            if column == "distance_miles":
                cells.append("" if value is None or value != value else f"{value:.2f}")
            elif column in ("lat", "lon"):
                cells.append(repr(float(value)))  # numbers, never formulas
            else:
                cells.append(str(neutralise_formula("" if value is None or value != value else str(value))))
        rows.append(cells)
    # csv_text, not csv.writer: it also quotes a bare carriage return, so every row reads back whole.
    return csv_text(rows).encode("utf-8-sig")  # BOM: Excel then reads accents correctly


def filter_label(name: str) -> str:
    """A filter's label in the current language."""
    return _(column_info(name).label)


def filter_help(name: str) -> str:
    """A filter's one-line explanation in the current language."""
    return _(column_info(name).help)


assert set(SERVICE_FILTERS) <= set(SEARCHABLE) and set(PAYMENT_FILTERS) <= set(SEARCHABLE)
