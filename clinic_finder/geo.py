"""Offline US geography: where a typed place is, whether the finder covers it, and distances in miles.

People type a ZIP code, a ZIP+4, a city with or without its state ("Austin", "peoria illinois",
"Fort Worth tx", "Chicago, IL") or a county ("Cook County", "Travis County, TX"). `resolve_place` turns
any of these into a `Place` with a centre, or raises a `PlaceError` whose message is written for the
person who typed it. Two kinds of `PlaceError` carry candidate places the page can offer as buttons:
`AmbiguousPlaceError` (the name fits more than one place, e.g. "Paris" is in Illinois and in Texas) and
`PlaceSuggestionError` (nothing matched, but a close spelling did: "Did you mean Houston, TX?").

The data comes from the `zipcodes` package, which embeds GeoNames-derived ZIP records (primary city,
other accepted city names, state, county, centre), so nothing here touches the network. `zipcodes` stores
0,0 for codes it cannot place (military and some PO-box codes); those are treated as "no known location",
never as a point in the Gulf of Guinea. A city's or county's centre is the mean of its placed ZIP centres.

The finder lists programs in Illinois and Texas (`COVERED_STATES`). A place elsewhere still resolves, with
its `state`, so the page can tell the person where the finder does and does not reach
(`outside_coverage`, `coverage_message`).
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import zipcodes

from clinic_finder.i18n import _
from clinic_finder.us_states import STATE_NAMES

EARTH_RADIUS_MILES = 3958.7613  # mean Earth radius (IUGG), in miles

COVERED_STATES: tuple[str, ...] = ("IL", "TX")
"""The states whose programs the finder lists, as USPS codes."""

NATIONAL_HELPLINE = "1-800-662-4357"  # SAMHSA's National Helpline: free, confidential, 24/7
FIND_TREATMENT = "FindTreatment.gov"

ZIP_INPUT = re.compile(r"^(\d{5})(?:[-\s]?(\d{4}))?$")
# An address line or "City, ST" that ends in a ZIP code ("Chicago, IL 60613", "3934 N Lincoln Ave, Chicago IL
# 60613-1234"): the ZIP code says the most, so it is what is searched.
TRAILING_ZIP = re.compile(r"^(?=.*[^\W\d_]).*?[\s,]+(\d{5})(?:[-\s]?\d{4})?$")
CANADIAN_POSTAL_CODE = re.compile(r"^[A-Z]\d[A-Z] ?\d[A-Z]\d$", re.IGNORECASE)
# A place name: letters, spaces and the punctuation names and abbreviations use ("St. Louis, MO", "O'Fallon").
NAME_INPUT = re.compile(r"[^\W\d_](?:[^\W\d_]|[\s.,'\u2019-])*")
COUNTRY_SUFFIX = re.compile(r"[\s,]+(?:usa|u\.s\.a\.?|u\.s\.?|us|united states(?: of america)?)\.?$", re.IGNORECASE)

QUOTE_LIMIT = 40  # characters of the person's own text that a message repeats
SUGGESTION_LIMIT = 3

PlaceKind = Literal["zip", "city", "county", "state"]


class PlaceError(ValueError):
    """A search location that cannot be placed; the message is written for the person who typed it."""


class PlaceChoiceError(PlaceError):
    """The text could mean one of a few places; `candidates` holds them, most likely first.

    Each candidate's `label` is a search text that resolves to exactly that candidate, so a page can
    offer one button per candidate and search again with the label of the one pressed.
    """

    def __init__(self, message: str, candidates: Sequence[Place]) -> None:
        super().__init__(message)
        self.candidates: tuple[Place, ...] = tuple(candidates)


class AmbiguousPlaceError(PlaceChoiceError):
    """The name belongs to more than one place the person could mean ("Paris": Paris, TX or Paris, IL)."""


class PlaceSuggestionError(PlaceChoiceError):
    """Nothing is called that, but places with a close spelling exist ("Did you mean Houston, TX?")."""


@dataclass(frozen=True)
class ZipRecord:
    """One ZIP code's primary city, state and centre (degrees)."""

    zip: str
    city: str
    state: str
    lat: float
    lon: float

    @property
    def has_location(self) -> bool:
        return not (self.lat == 0.0 and self.lon == 0.0)


@dataclass(frozen=True)
class Place:
    """A resolved search origin: a label for people, a centre in degrees, what kind of place, and its state.

    `state` is the two-letter USPS code of the state (or district, territory) the place is in.
    """

    label: str
    lat: float
    lon: float
    kind: PlaceKind
    state: str


@dataclass(frozen=True)
class _Entry:
    """A named place in one state: a city, another accepted city name, or a county."""

    name: str
    state: str
    lat: float
    lon: float
    zips: int  # how many placed ZIP codes the centre averages: a rough measure of size
    kind: PlaceKind

    def place(self) -> Place:
        return Place(f"{self.name}, {self.state}", self.lat, self.lon, self.kind, self.state)


_Index = dict[str, dict[str, _Entry]]  # name key -> state -> entry

# Spellings that name the same place: "St. Louis" and "Saint Louis", "Ft Worth" and "Fort Worth".
_WORD_FORMS = {
    "st": "saint",
    "ste": "sainte",
    "ft": "fort",
    "mt": "mount",
    "mtn": "mountain",
    "pt": "point",
    "hts": "heights",
    "hgts": "heights",
    "spgs": "springs",
    "lk": "lake",
    "vlg": "village",
    "jct": "junction",
}
_LEADING_DIRECTIONS = {"n": "north", "s": "south", "e": "east", "w": "west"}
_COUNTY_WORDS = frozenset({"county", "parish", "co", "cnty"})
_WORD = re.compile(r"[a-z0-9]+")
_APOSTROPHE = re.compile(r"['\u2019]")


def _words(text: str) -> list[str]:
    """Lower-case ASCII words of a name: accents dropped, apostrophes joined ("O'Fallon" -> "ofallon")."""
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _WORD.findall(_APOSTROPHE.sub("", text.lower()))


def _key(words: Sequence[str]) -> str:
    """One key for every spelling of a name: abbreviations spelled out, spaces dropped ("La Salle" = "LaSalle")."""
    full = [_WORD_FORMS.get(word, word) for word in words]
    if len(full) > 1 and full[0] in _LEADING_DIRECTIONS:
        full[0] = _LEADING_DIRECTIONS[full[0]]
    return "".join(full)


@functools.cache  # only for the data's own names: a bounded set
def _city_key(city: str) -> str:
    return _key(_words(city))


def _county_key(words: Sequence[str]) -> str | None:
    """The key of a county name ("Cook County" -> "cook"), or None when the words do not end in "County"."""
    if len(words) > 1 and words[-1] in _COUNTY_WORDS:
        return _key(words[:-1])
    return None


@functools.cache
def _zip_index() -> dict[str, ZipRecord]:
    return {
        z["zip_code"]: ZipRecord(z["zip_code"], z["city"], z["state"], float(z["lat"]), float(z["long"]))
        for z in zipcodes.list_all()
    }


def _build_index(rows: Iterable[tuple[str, str, str, float, float]], kind: PlaceKind) -> _Index:
    """rows of (key, name as written, state, lat, lon) -> key -> state -> entry at the mean centre."""
    sums: dict[tuple[str, str], list[float]] = {}
    names: dict[tuple[str, str], Counter[str]] = {}
    for key, name, state, lat, lon in rows:
        total = sums.setdefault((key, state), [0.0, 0.0, 0])
        total[0] += lat
        total[1] += lon
        total[2] += 1
        names.setdefault((key, state), Counter())[name] += 1
    index: _Index = {}
    for (key, state), (lat, lon, count) in sums.items():
        # The spelling most ZIP codes use; among equals, the longest (not the abbreviation).
        name = max(names[(key, state)].items(), key=lambda item: (item[1], len(item[0]), item[0]))[0]
        n = int(count)
        index.setdefault(key, {})[state] = _Entry(name, state, lat / n, lon / n, n, kind)
    return index


@functools.cache
def _city_index() -> _Index:
    """Each ZIP code's primary city, by name key and state."""
    return _build_index(
        ((_city_key(r.city), r.city, r.state, r.lat, r.lon) for r in _zip_index().values() if r.has_location),
        "city",
    )


@functools.cache
def _alias_index() -> _Index:
    """The other city names a ZIP code accepts ("Hoffman Estates", "The Woodlands"), by name key and state."""
    rows = []
    for z in zipcodes.list_all():
        record = _zip_index()[z["zip_code"]]
        if not record.has_location:
            continue
        own = _city_key(record.city)
        for alias in z["acceptable_cities"]:
            key = _city_key(alias)
            if key and key != own:
                rows.append((key, alias, record.state, record.lat, record.lon))
    return _build_index(rows, "city")


@functools.cache
def _county_index() -> _Index:
    """Counties (and Louisiana's parishes), by the key of the name without "County", and state."""
    rows = []
    for z in zipcodes.list_all():
        record = _zip_index()[z["zip_code"]]
        words = _words(z["county"]) if record.has_location else []
        key = _county_key(words) if words and words[-1] in {"county", "parish"} else None
        if key:
            rows.append((key, z["county"], record.state, record.lat, record.lon))
    return _build_index(rows, "county")


@functools.cache
def _state_centres() -> dict[str, tuple[float, float]]:
    """State code -> mean of its placed ZIP centres (states with none placed, like AE, are left out)."""
    sums: dict[str, list[float]] = {}
    for record in _zip_index().values():
        if record.has_location:
            total = sums.setdefault(record.state, [0.0, 0.0, 0])
            total[0] += record.lat
            total[1] += record.lon
            total[2] += 1
    return {state: (lat / n, lon / n) for state, (lat, lon, n) in sums.items()}


@functools.cache
def _state_lookup() -> dict[str, str]:
    """Lower-case code or name key ("tx", "texas", "newyork", "dc") -> USPS code."""
    lookup = {code.lower(): code for code in STATE_NAMES}
    lookup.update({_key(_words(name)): code for code, name in STATE_NAMES.items()})
    return lookup


@functools.cache
def _largest_city(state: str) -> _Entry | None:
    entries = [by_state[state] for by_state in _city_index().values() if state in by_state]
    return max(entries, key=lambda e: (e.zips, e.name), default=None)


@functools.cache
def state_codes() -> frozenset[str]:
    """Every state, district, territory and military code that has ZIP codes."""
    return frozenset(record.state for record in _zip_index().values())


def warm_up(covered: Iterable[str] = COVERED_STATES) -> None:
    """Build every lookup table now, once per process (a few seconds), rather than in the first search."""
    states = _covered(covered)
    _city_index(), _alias_index(), _county_index(), _state_centres(), _state_lookup()
    for state in states:
        _largest_city(state)
    for kind in ("city", "county"):
        _bigram_postings(kind, states)
        for state in states:
            _bigram_postings(kind, (state,))


def state_name(code: str) -> str:
    """The name of a state from its USPS code, in the page's language ("NY" -> "New York", "Nueva York"); the code
    itself when it is not one."""
    name = STATE_NAMES.get(code.upper())
    return _(name) if name else code


def lookup_zip_record(zip_code: str) -> ZipRecord | None:
    """The record for a 5-digit ZIP or ZIP+4, or None when the code is not a US ZIP code."""
    match = ZIP_INPUT.fullmatch(zip_code.strip())
    return _zip_index().get(match.group(1)) if match else None


@functools.cache
def _placed_zip_arrays() -> tuple[list[ZipRecord], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    records = [r for r in _zip_index().values() if r.has_location]
    return records, np.array([r.lat for r in records]), np.array([r.lon for r in records])


def nearest_zip(lat: float, lon: float) -> ZipRecord | None:
    """The ZIP code whose centre is nearest to (lat, lon) in degrees: its state says where a position is."""
    records, lats, lons = _placed_zip_arrays()
    if not records:
        return None
    return records[int(np.argmin(distance_miles(lat, lon, lats, lons)))]


def outside_coverage(place: Place, covered: Iterable[str] = COVERED_STATES) -> bool:
    """True when the place is in none of the covered states, so the finder lists no programs around it."""
    return place.state not in _covered(covered)


def coverage_message(place: Place, covered: Iterable[str] = COVERED_STATES) -> str:
    """Plain sentences for someone whose place is outside the covered states: where we list, and who can help.

    >>> coverage_message(resolve_place("Denver"))  # doctest: +ELLIPSIS
    'This finder lists programs in Illinois and Texas only, and Denver, CO is in Colorado. For care near you, ...'
    """
    states = _join([state_name(code) for code in _covered(covered)], _and())
    if place.kind == "state":
        message = _(
            "This finder lists programs in {states} only, not in {state}. For care near you, call SAMHSA's "
            "National Helpline at {number} (free, confidential and open 24 hours a day) or search {website}."
        )
    else:
        message = _(
            "This finder lists programs in {states} only, and {place} is in {state}. For care near you, call "
            "SAMHSA's National Helpline at {number} (free, confidential and open 24 hours a day) or search "
            "{website}."
        )
    return message.format(states=states, state=state_name(place.state), place=place.label, number=NATIONAL_HELPLINE,
                          website=FIND_TREATMENT)


def resolve_place(text: str, covered: Iterable[str] = COVERED_STATES) -> Place:
    """Turn what someone typed into a place with a centre, or raise a PlaceError with advice for them.

    Understands a 5-digit ZIP, a ZIP+4 (with or without the hyphen), anything that ends in one (an address
    line, "Chicago, IL 60613": the ZIP code is searched), a city alone ("houston", "St. Louis"),
    a city with its state as a code or a name, after a comma or not ("Austin, Texas", "Fort Worth tx"), a
    county ("Cook County", "Travis County, TX") and a state name alone. Capitals, extra spaces, accents and
    the spellings "St."/"Saint", "Ft."/"Fort", "Mt."/"Mount" do not matter.

    A city or county alone resolves in a covered state when it exists there, even if other states have
    the same name ("Peoria" is Peoria, IL). When it exists in more than one covered state, this raises
    AmbiguousPlaceError with the candidates. A name found only outside the covered states resolves to the
    largest place of that name (by ZIP codes), with its `state`: check it with `outside_coverage`.

    Raises PlaceError (never anything else for a str): AmbiguousPlaceError and PlaceSuggestionError, both
    PlaceChoiceError, carry candidate places to offer.
    """
    states = _covered(covered)
    query = " ".join(text.split())
    if not query:
        raise PlaceError(_("Type a ZIP code (like 60613) or a city and state (like Chicago, IL)."))
    zip_match = ZIP_INPUT.fullmatch(query) or TRAILING_ZIP.fullmatch(query)
    if zip_match:
        return _zip_place(zip_match.group(1))
    if CANADIAN_POSTAL_CODE.fullmatch(query):
        raise PlaceError(
            _("{text} looks like a Canadian postal code. This finder covers US ZIP codes ({states} clinics).").format(
                text=_quoted(query), states=_join([state_name(code) for code in states], _and()))
        )
    if re.fullmatch(r"[\d\s-]+", query):
        raise PlaceError(_("{text} is not a ZIP code: a US ZIP code has 5 digits, like 60613.").format(
            text=_quoted(query)))
    if not NAME_INPUT.fullmatch(query):
        raise PlaceError(
            _("We could not read {text} as a place. Type a 5-digit ZIP code (like 60613), a city and state (like "
              "'Houston, TX') or a county (like 'Cook County').").format(text=_quoted(query))
        )
    query = COUNTRY_SUFFIX.sub("", query) or query
    name, _comma, state_text = (part.strip(" ,.") for part in query.rpartition(","))
    if not name or not state_text:  # no comma, or nothing on one side of it ("Chicago,")
        return _name_alone(query.strip(" ,"), states)
    return _in_state(name, _typed_state(name, state_text, states), state_text, states)


def _zip_place(zip_code: str) -> Place:
    record = _zip_index().get(zip_code)
    if record is None:
        raise PlaceError(
            _("{zip} is not a US ZIP code we know. Check the digits, or type a city and state like "
              "'Chicago, IL'.").format(zip=zip_code)
        )
    if not record.has_location:
        raise PlaceError(
            _("ZIP {zip} ({city}, {state}) is a military or post-office-box code with no map location. Try the "
              "ZIP code of where you live or work.").format(zip=record.zip, city=record.city, state=record.state)
        )
    return Place(f"{record.zip} ({record.city}, {record.state})", record.lat, record.lon, "zip", record.state)


def _name_alone(query: str, states: tuple[str, ...]) -> Place:
    """A name with no comma: a place in a covered state, a state, "name ST"/"name State", or a place elsewhere."""
    words = _words(query)
    found = _covered_city(query, words, states)
    if found is not None:
        return found
    state = _state_lookup().get(_key(words))
    if state is not None:  # "Colorado" is the state, not Colorado County, TX; but "Ohio" is Ohio, IL
        return _state_place(state, states)
    found = _covered_other_name(query, words, states)
    if found is not None:
        return found
    tokens = query.split()
    deferred: PlaceError | None = None
    for size in (3, 2, 1):  # "Albany New York" before "... York"
        state = _state_lookup().get(_key(_words(" ".join(tokens[-size:])))) if len(tokens) > size else None
        if state is not None:
            try:
                return _in_state(" ".join(tokens[:-size]), state, " ".join(tokens[-size:]), states)
            except PlaceError as error:  # perhaps a name elsewhere that only ends like a state: try it whole
                deferred = error
            break
    found = _elsewhere(words)
    if found is not None:
        return found
    if deferred is not None:
        raise deferred
    raise _not_found(query, words, states)


def _covered_city(query: str, words: Sequence[str], states: tuple[str, ...]) -> Place | None:
    """The city (or, for "... County", the county) of this name in the covered states.

    None when there is none; AmbiguousPlaceError when there are several.
    """
    county = _county_key(words)
    index = _county_index() if county is not None else _city_index()
    by_state = index.get(county if county is not None else _key(words), {})
    return _one_or_ask(query, [by_state[s] for s in states if s in by_state])


def _covered_other_name(query: str, words: Sequence[str], states: tuple[str, ...]) -> Place | None:
    """For a name that is no covered state's city: a covered county, or another accepted city name, of that name.

    The largest city of that name elsewhere is offered beside them ("Boston" is a city name in Texas too, but
    mostly in Massachusetts; "Cook" is Cook County, IL, or Cook, NE).
    """
    if _county_key(words) is not None:
        return None
    key = _key(words)
    aliases, counties = _alias_index().get(key, {}), _county_index().get(key, {})
    candidates = [aliases[s] for s in states if s in aliases] + [counties[s] for s in states if s in counties]
    if not candidates:
        return None
    elsewhere = _largest(_city_index().get(key, {}).values())
    return _one_or_ask(query, candidates + ([elsewhere] if elsewhere else []))


def _elsewhere(words: Sequence[str]) -> Place | None:
    """The largest place of this name in any state (the covered states have none by now)."""
    county = _county_key(words)
    if county is not None:
        entries = _county_index().get(county, {}).values()
    else:
        key = _key(words)
        entries = _city_index().get(key, {}).values() or _alias_index().get(key, {}).values()
    largest = _largest(entries)
    return largest.place() if largest else None


def _in_state(name: str, state: str, state_text: str, states: tuple[str, ...]) -> Place:
    """A city or county in a given state, or a PlaceError (with suggestions where there are some)."""
    words = _words(name)
    county = _county_key(words)
    if county is not None:
        entry = _county_index().get(county, {}).get(state)
    else:  # a city, another accepted city name, or a county typed without "County" ("Cook, IL")
        key = _key(words)
        entry = None
        for index in (_city_index(), _alias_index(), _county_index()):
            entry = entry or index.get(key, {}).get(state)
    if entry is not None:
        return entry.place()
    kind: PlaceKind = "county" if county is not None else "city"
    shown = state if len(_key(_words(state_text))) == 2 else state_name(state)  # as typed: "in IL", "in Illinois"
    if county is not None:
        message = _("We could not find a county called {text} in {state}. Check the spelling, or type a ZIP code.")
    else:
        message = _("We could not find a city called {text} in {state}. Check the spelling, or type a ZIP code.")
    message = message.format(text=_quoted(name), state=shown)
    # The same name in the covered states ("Austin, IL": Austin, TX), then close spellings in that state.
    key = county if county is not None else _key(words)
    index = _county_index() if county is not None else _city_index()
    same_name = [index[key][s] for s in states if s != state and s in index.get(key, {})]
    close = [index[k][state] for k in _close_keys(key, kind, (state,))]
    raise _suggest_or_fail(message, same_name + close)


def _typed_state(name: str, state_text: str, states: tuple[str, ...]) -> str:
    """The USPS code for the text after the comma, or a PlaceError that says what a state looks like."""
    state = _state_lookup().get(_key(_words(state_text)))
    if state is not None:
        return state
    if re.fullmatch(r"[A-Za-z]{2}", state_text):
        raise PlaceError(_("{text} is not a US state code. Try 'Chicago, IL'.").format(text=_quoted(state_text)))
    lead = _("{text} is not a US state.").format(text=_quoted(state_text))
    message = lead + " " + _("After the comma, type the state's name or two-letter code, like 'Austin, Texas' or "
                             "'Austin, TX'.")
    # "Austin, Tex": states whose name starts so, or is spelled close, that have a place of that name.
    typed = _key(_words(state_text))
    names = {_key(_words(full)): code for code, full in STATE_NAMES.items()}
    codes = [code for full, code in names.items() if len(typed) >= 3 and full.startswith(typed)]
    codes += [names[full] for full in difflib.get_close_matches(typed, list(names), n=SUGGESTION_LIMIT, cutoff=0.75)]
    candidates = []
    for code in dict.fromkeys(codes):
        try:
            candidates.append(_in_state(name, code, code, states))
        except PlaceError:
            continue
    raise _suggest_or_fail(message, candidates, lead)


def _state_place(state: str, states: tuple[str, ...]) -> Place:
    """A state named alone: too wide to search from in a covered state; a place outside coverage otherwise."""
    if state in states:
        largest = _largest_city(state)
        if largest is None:
            raise PlaceError(_("{state} is a whole state. Type a city, county or ZIP code in {state}.").format(
                state=state_name(state)))
        raise PlaceError(
            _("{state} is a whole state. Type a city, county or ZIP code in {state}, like {example}.").format(
                state=state_name(state), example=f"'{largest.name}, {state}'")
        )
    centre = _state_centres().get(state)
    if centre is None:
        raise PlaceError(
            _("{state} has no map location we can search from. Type a city or ZIP code instead.").format(
                state=state_name(state))
        )
    return Place(STATE_NAMES[state], centre[0], centre[1], "state", state)  # a label that searches again as typed


def _not_found(query: str, words: Sequence[str], states: tuple[str, ...]) -> PlaceError:
    county = _county_key(words)
    key = county if county is not None else _key(words)
    kind: PlaceKind = "county" if county is not None else "city"
    index = _county_index() if county is not None else _city_index()
    candidates = [index[k][s] for k in _close_keys(key, kind, states) for s in states if s in index[k]]
    if county is not None:
        lead = _("We could not find a county called {text}.").format(text=_quoted(query))
    else:
        lead = _("We could not find a place called {text}.").format(text=_quoted(query))
    return _suggest_or_fail(
        lead + " " + _("Check the spelling, or type a 5-digit ZIP code (like 60613) or a city and state (like "
                       "'Houston, TX')."),
        candidates,
        lead,
    )


def _suggest_or_fail(message: str, found: Sequence[_Entry | Place], lead: str | None = None) -> PlaceError:
    """PlaceSuggestionError offering what was found (`lead` then "Did you mean ...?"), or PlaceError(message)."""
    places = list(dict.fromkeys(f.place() if isinstance(f, _Entry) else f for f in found))[:SUGGESTION_LIMIT]
    if not places:
        return PlaceError(message)
    question = _("Did you mean {places}?").format(places=_join([p.label for p in places], _or()))
    return PlaceSuggestionError(f"{lead or message} {question}", places)


def _one_or_ask(query: str, entries: Sequence[_Entry]) -> Place | None:
    if not entries:
        return None
    if len(entries) == 1:
        return entries[0].place()
    ranked = sorted(entries, key=lambda e: -e.zips)  # stable: ties keep the covered states' order
    places = [entry.place() for entry in ranked]
    raise AmbiguousPlaceError(
        _("There is more than one place called {text}. Which one did you mean: {places}?").format(
            text=_quoted(query), places=_join([p.label for p in places], _or())),
        places,
    )


def _largest(entries: Iterable[_Entry]) -> _Entry | None:
    return max(entries, key=lambda e: (e.zips, e.state), default=None)


def _bigrams(key: str) -> set[str]:
    padded = f"^{key}$"
    return {padded[i : i + 2] for i in range(len(padded) - 1)}


@functools.cache
def _bigram_postings(kind: PlaceKind, states: tuple[str, ...]) -> tuple[tuple[str, ...], dict[str, tuple[int, ...]]]:
    """The keys of the cities (or counties) in these states, and bigram -> positions of the keys that have it."""
    index = _county_index() if kind == "county" else _city_index()
    keys = tuple(key for key, by_state in index.items() if any(state in by_state for state in states))
    postings: dict[str, list[int]] = {}
    for position, key in enumerate(keys):
        for bigram in _bigrams(key):
            postings.setdefault(bigram, []).append(position)
    return keys, {bigram: tuple(positions) for bigram, positions in postings.items()}


def _close_keys(key: str, kind: PlaceKind, states: tuple[str, ...]) -> list[str]:
    """Keys of the cities (or counties) in these states spelled close to `key`, closest first.

    difflib compares with the 50 keys that share the most letter pairs with it, not with all of them, so a
    miss costs well under a millisecond.
    """
    if not key:
        return []
    keys, postings = _bigram_postings(kind, states)
    shared: Counter[int] = Counter()
    for bigram in _bigrams(key):
        shared.update(postings.get(bigram, ()))
    shortlist = [keys[position] for position, _count in shared.most_common(50)]
    return difflib.get_close_matches(key, shortlist, n=SUGGESTION_LIMIT, cutoff=0.8)


def _covered(covered: Iterable[str]) -> tuple[str, ...]:
    states = tuple(dict.fromkeys(code.upper() for code in covered))
    unknown = [code for code in states if code not in STATE_NAMES]
    if unknown or not states:
        raise ValueError(f"covered must name at least one state by its USPS code, not {unknown or 'nothing'}")
    return states


def _quoted(text: str) -> str:
    """The person's own text in quotes, cut short so that a message never repeats a long paste."""
    text = " ".join(text.split())
    return f"'{text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1].rstrip() + '…'}'"


def _and() -> str:
    # TRANSLATORS: joins the last two names of a list, as in "Illinois and Texas".
    return _("and")


def _or() -> str:
    # TRANSLATORS: joins the last two places of a choice, as in "Paris, TX or Paris, IL".
    return _("or")


def _join(items: Sequence[str], word: str) -> str:
    """Join names as "A", "A or B", "A, B or C"; labels with commas as "Paris, TX; Paris, IL; or Paris, AR"."""
    if len(items) <= 2:
        return f" {word} ".join(items)
    if any("," in item for item in items):
        return f"{'; '.join(items[:-1])}; {word} {items[-1]}"
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def distance_miles(
    lat: float | npt.ArrayLike, lon: float | npt.ArrayLike, lats: npt.ArrayLike, lons: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Great-circle (haversine) distance in miles from each (lat, lon) to each (lats, lons), degrees in."""
    lat1, lon1 = np.radians(lat), np.radians(lon)
    lat2, lon2 = np.radians(np.asarray(lats, dtype=float)), np.radians(np.asarray(lons, dtype=float))
    half_dlat = (lat2 - lat1) / 2.0
    half_dlon = (lon2 - lon1) / 2.0
    a = np.sin(half_dlat) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(half_dlon) ** 2
    return 2.0 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
