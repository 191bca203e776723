"""Who a program serves: the limits a card states plainly, and the search choices that leave out programs
that would turn the person away.

Both read the schema's "who can attend" columns with the usual honesty: only a definite value limits or
excludes; `unknown` never does (the person is told to call to confirm instead).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from clinic_finder.i18n import N_, _


@dataclass(frozen=True)
class Choice:
    """One answer to a "who is the care for?" question: its URL value, its label, and what it leaves out."""

    value: str
    label: str  # message id, translated where shown
    exclude: tuple[tuple[str, str], ...]  # (column, value) pairs: a clinic with any of them is left out


AGE_CHOICES: tuple[Choice, ...] = (
    Choice("17-", N_("17 or younger"), (("age_17_or_younger", "no"),)),
    Choice("18-25", N_("18 to 25"), (("age_18_to_25", "no"),)),
    Choice("26-64", N_("26 to 64"), (("age_26_to_64", "no"),)),
    Choice("65+", N_("65 or older"), (("age_65_or_older", "no"),)),
)
GENDER_CHOICES: tuple[Choice, ...] = (
    Choice("woman", N_("A woman"), (("accepts_women", "no"),)),
    Choice("man", N_("A man"), (("accepts_men", "no"),)),
)
_ONE_NEED_ONLY = (("dui_only", "yes"),)
SUBSTANCE_CHOICES: tuple[Choice, ...] = (
    Choice("alcohol", N_("Alcohol"),
           (("treats_alcohol_use", "no"), ("opioid_use_only", "yes"), *_ONE_NEED_ONLY)),
    Choice("opioids", N_("Opioids (heroin, fentanyl, pain pills)"),
           (("treats_opioid_use", "no"), ("alcohol_use_only", "yes"), *_ONE_NEED_ONLY)),
    Choice("other", N_("Other drugs (such as meth, cocaine, cannabis)"),
           (("opioid_use_only", "yes"), ("alcohol_use_only", "yes"), *_ONE_NEED_ONLY)),
)
QUESTIONS: dict[str, tuple[Choice, ...]] = {"age": AGE_CHOICES, "gender": GENDER_CHOICES, "for": SUBSTANCE_CHOICES}


def choice(question: str, value: str | None) -> Choice | None:
    """The choice with URL value `value` for `question` ("age", "gender", "for"), or None."""
    return next((c for c in QUESTIONS[question] if c.value == value), None)


def exclusions(
    age: str | None = None, gender: str | None = None, substance: str | None = None
) -> tuple[tuple[str, str], ...]:
    """The (column, value) pairs that leave out programs that would not serve this person."""
    pairs: list[tuple[str, str]] = []
    for question, value in (("age", age), ("gender", gender), ("for", substance)):
        chosen = choice(question, value)
        if chosen is not None:
            pairs.extend(chosen.exclude)
    return tuple(dict.fromkeys(pairs))


_AGE_COLUMNS = ("age_17_or_younger", "age_18_to_25", "age_26_to_64", "age_65_or_older")


# Each limit has a short code (the map sends codes, not sentences: 12,744 clinics' limits in words were
# 230 KB of its payload) and a sentence in the current language.
LIMIT_SENTENCES: dict[str, str] = {
    "w": N_("Women only"),
    "m": N_("Men only"),
    "a18": N_("Ages 18 and over"),
    "a17": N_("Ages 17 and under only"),
    "o": N_("Opioid use only"),
    "l": N_("Alcohol use only"),
    "d": N_("DUI/DWI clients only"),
    "na": N_("Does not treat alcohol use"),
    "no": N_("Does not treat opioid use"),
}
NOT_FOR_AGES = N_("Not for ages {ages}")  # code "x" + the refused age groups' values, e.g. "x17-/65+"


def _age_code(row: Mapping[str, object]) -> str:
    values = [str(row.get(c, "unknown")) for c in _AGE_COLUMNS]
    if "no" not in values:
        return ""
    if values[0] == "no" and "yes" in values[1:]:
        return "a18"
    if values[0] == "yes" and all(v == "no" for v in values[1:]):
        return "a17"
    return "x" + "/".join(c.value for c, v in zip(AGE_CHOICES, values, strict=True) if v == "no")


def limit_codes(row: Mapping[str, object]) -> list[str]:
    """The attendance limits of a clinic as codes (`LIMIT_SENTENCES`, or "x…" for "Not for ages …"), most
    important first; empty when none is known (an unknown never limits)."""
    found: list[str] = []
    women, men = str(row.get("accepts_women", "unknown")), str(row.get("accepts_men", "unknown"))
    if women == "yes" and men == "no":
        found.append("w")
    elif men == "yes" and women == "no":
        found.append("m")
    age = _age_code(row)
    if age:
        found.append(age)
    only = [code for column, code in (("opioid_use_only", "o"), ("alcohol_use_only", "l"), ("dui_only", "d"))
            if str(row.get(column)) == "yes"]
    found.extend(only)
    if str(row.get("treats_alcohol_use")) == "no" and "o" not in only:
        found.append("na")
    if str(row.get("treats_opioid_use")) == "no" and "l" not in only:
        found.append("no")
    return found


def age_labels() -> dict[str, str]:
    """Each age group's URL value -> its label in the current language."""
    return {c.value: _(c.label) for c in AGE_CHOICES}


def limit_sentence(code: str) -> str:
    """The sentence for one limit code, in the current language."""
    if code.startswith("x"):
        labels = age_labels()
        return _(NOT_FOR_AGES).format(ages=", ".join(labels.get(v, v) for v in code[1:].split("/")))
    return _(LIMIT_SENTENCES[code])


def limits(row: Mapping[str, object]) -> list[str]:
    """The attendance limits of a clinic in plain words, most important first (empty when none is known)."""
    return [limit_sentence(code) for code in limit_codes(row)]
