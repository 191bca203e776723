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


def _age_limit(row: Mapping[str, object]) -> str:
    values = [str(row.get(c, "unknown")) for c in _AGE_COLUMNS]
    if "no" not in values:
        return ""
    if values[0] == "no" and "yes" in values[1:]:
        return _("Ages 18 and over")
    if values[0] == "yes" and all(v == "no" for v in values[1:]):
        return _("Ages 17 and under only")
    refused = [label for label, v in zip((c.label for c in AGE_CHOICES), values, strict=True) if v == "no"]
    return _("Not for ages {ages}").format(ages=", ".join(_(label) for label in refused))


def limits(row: Mapping[str, object]) -> list[str]:
    """The attendance limits of a clinic in plain words, most important first (empty when none is known)."""
    found: list[str] = []
    women, men = str(row.get("accepts_women", "unknown")), str(row.get("accepts_men", "unknown"))
    if women == "yes" and men == "no":
        found.append(_("Women only"))
    elif men == "yes" and women == "no":
        found.append(_("Men only"))
    age = _age_limit(row)
    if age:
        found.append(age)
    only = [(column, label) for column, label in (("opioid_use_only", N_("Opioid use only")),
                                                  ("alcohol_use_only", N_("Alcohol use only")),
                                                  ("dui_only", N_("DUI/DWI clients only")))
            if str(row.get(column)) == "yes"]
    found.extend(_(label) for _column, label in only)
    if str(row.get("treats_alcohol_use")) == "no" and not any(c == "opioid_use_only" for c, _l in only):
        found.append(_("Does not treat alcohol use"))
    if str(row.get("treats_opioid_use")) == "no" and not any(c == "alcohol_use_only" for c, _l in only):
        found.append(_("Does not treat opioid use"))
    return found
