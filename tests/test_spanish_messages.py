"""The package's own sentences in Spanish: places, the clinics file's problems, validation, saves, the map.

Each is said in the language of the run that asks (`i18n.set_language`), with its `{placeholders}` filled;
English stays word for word what the other tests expect.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from clinic_finder import attendance, csvfile, geo, i18n, mapview
from clinic_finder.diff import ClinicChange, ClinicsDiff
from clinic_finder.live import LiveClinics
from clinic_finder.schema import MAX_SHORT_TEXT, Clinic

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _english_again() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("en")


def _place_message(typed: str) -> str:
    with pytest.raises(geo.PlaceError) as caught:
        geo.resolve_place(typed)
    return str(caught.value)


@pytest.mark.parametrize(
    ("typed", "english", "spanish"),
    [
        ("6061", "'6061' is not a ZIP code", "'6061' no es un código postal"),
        ("Paris", "Which one did you mean: Paris, TX or Paris, IL?", "¿Cuál quiso decir: Paris, TX o Paris, IL?"),
        ("Housten", "Did you mean Houston, TX?", "No encontramos ningún lugar llamado 'Housten'. ¿Quiso decir Houston, TX?"),
        ("Harriss County", "We could not find a county", "No encontramos ningún condado llamado 'Harriss County'"),
        ("Austin, IL", "We could not find a city called 'Austin' in IL.", "ninguna ciudad llamada 'Austin' en IL"),
        ("Texas", "Texas is a whole state.", "Texas es un estado entero. Escriba una ciudad, un condado o un código "
                  "postal de Texas, como 'Houston, TX'."),
    ],
)
def test_place_messages_follow_the_language(typed: str, english: str, spanish: str) -> None:
    assert english in _place_message(typed)
    i18n.set_language("es")
    assert spanish in _place_message(typed)


def test_coverage_message_in_spanish() -> None:
    i18n.set_language("es")
    message = geo.coverage_message(geo.resolve_place("Denver"))
    assert message.startswith("Este buscador muestra programas solo en Illinois y Texas, y Denver, CO está en Colorado.")
    assert "1-800-662-4357" in message and "FindTreatment.gov" in message


@pytest.mark.parametrize(("typed", "english", "spanish"), [
    ("10001", "and 10001 (New York, NY) is in New York.", "y 10001 (New York, NY) está en Nueva York."),
    ("Raleigh, NC", "is in North Carolina.", "está en Carolina del Norte."),
    ("Santa Fe, NM", "is in New Mexico.", "está en Nuevo México."),
    ("Denver", "is in Colorado.", "está en Colorado."),
])
def test_a_state_is_named_in_the_pages_language(typed: str, english: str, spanish: str) -> None:
    """The place as the person typed it or the directory names it stays; the state is a word of the sentence."""
    place = geo.resolve_place(typed)
    assert english in geo.coverage_message(place)
    i18n.set_language("es")
    assert spanish in geo.coverage_message(place)
    assert geo.resolve_place("New York").label == "New York"  # a state typed alone searches again as typed


def test_validation_messages_keep_their_placeholders_in_spanish() -> None:
    i18n.set_language("es")
    result = csvfile.parse_clinics_csv((DATA / "017-many-problems-in-one-row.csv").read_bytes())
    said = [str(p) for p in result.problems]
    assert said and all(s.startswith("fila ") for s in said), said
    assert not any("{" in s for s in said), said


def test_a_pydantic_template_is_filled_after_translation() -> None:
    i18n.set_language("es")
    with pytest.raises(ValidationError) as caught:
        Clinic.model_validate({"id": "x", "name": "N" * (MAX_SHORT_TEXT + 1)})
    names = [e for e in caught.value.errors() if e["loc"] == ("name",)]
    assert names[0]["msg"] == f"tiene más de {MAX_SHORT_TEXT} caracteres"


def test_an_upload_is_checked_again_in_another_language() -> None:
    data = (DATA / "017-many-problems-in-one-row.csv").read_bytes()
    english = [str(p) for p in csvfile.parse_upload(data).problems]
    i18n.set_language("es")
    spanish = [str(p) for p in csvfile.parse_upload(data).problems]
    assert english[0].startswith("row 4") and spanish[0].startswith("fila 4")
    i18n.set_language("en")
    assert [str(p) for p in csvfile.parse_upload(data).problems] == english


def test_the_live_list_says_its_problems_in_the_asking_language(tmp_path: Path) -> None:
    csv = tmp_path / "clinics.csv"
    shutil.copyfile(DATA / "001-valid.csv", csv)
    live = LiveClinics(csv)
    live.current()
    broken = tmp_path / "broken.csv"
    shutil.copyfile(DATA / "017-many-problems-in-one-row.csv", broken)
    broken.replace(csv)
    assert str(live.current().problems[0]).startswith("row 4, column phone")
    i18n.set_language("es")
    assert str(live.current().problems[0]).startswith("fila 4, columna phone")
    assert live.reads == 2  # the file itself was read once per version, not once per language
    i18n.set_language("en")
    assert str(live.current().problems[0]).startswith("row 4, column phone")


@pytest.mark.parametrize(
    ("counts", "english", "spanish"),
    [
        ((1, 0, 2), "1 added, 0 removed, 2 changed", "1 añadida, 0 quitadas, 2 cambiadas"),
        ((2, 1, 1), "2 added, 1 removed, 1 changed", "2 añadidas, 1 quitada, 1 cambiada"),
    ],
)
def test_diff_summary_has_a_plural_form_per_count(counts: tuple[int, int, int], english: str, spanish: str) -> None:
    added, removed, changed = counts
    diff = ClinicsDiff(tuple(f"a{i}" for i in range(added)), tuple(f"r{i}" for i in range(removed)),
                       tuple(ClinicChange(f"c{i}", "", ()) for i in range(changed)))
    assert diff.summary() == english
    i18n.set_language("es")
    assert diff.summary() == spanish


def test_map_popup_words_in_spanish() -> None:
    i18n.set_language("es")
    labels = mapview.ClinicCluster("", "/Suggest_a_correction?clinic=").labels
    assert labels["directions"] == "Cómo llegar"
    assert labels["suggest"] == "¿Algo está mal? Sugiera una corrección"
    assert labels["approx"] == "Ubicación aproximada (centro del código postal ZIPCODE)"


def test_map_popup_limits_in_spanish() -> None:
    row = {"accepts_women": "yes", "accepts_men": "no", "age_17_or_younger": "no", "age_26_to_64": "yes"}
    frame = pd.DataFrame([{**{c: "" for c in mapview.PACKED_FIELDS}, "lat": 41.9, "lon": -87.6, "id": "a",
                           "name": "A", "location_precision": "address", **row}])
    i18n.set_language("es")
    # The map sends short codes; the popup's words come with the layer, in the page's language.
    assert mapview.pack_clinics(frame).split(mapview.FIELD_SEP)[-1] == "w,a18"
    labels = mapview.ClinicCluster("").labels
    assert labels["limits"]["w"] == "Solo mujeres"
    assert attendance.limit_sentence("x17-/65+") == labels["notForAges"].replace(
        "AGES", ", ".join([labels["ages"]["17-"], labels["ages"]["65+"]]))
