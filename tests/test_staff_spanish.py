"""The Staff page and the "Suggest a correction" page in Spanish (`?lang=es`) under AppTest: what a clinic's staff
and a visitor are told is Spanish, including the answers made in a button's callback (Streamlit runs those before
the page sets its language).

The accounts are those of tests/test_staff_page.py ("alton", a clinic account for OWN only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from clinic_finder import i18n, store, suggestions
from clinic_finder.csvfile import read_clinics_csv
from tests.conftest import PAGE
from tests.test_spanish_pages import data_values, our_english_words, visible_texts
from tests.test_staff_page import (
    OWN,
    SUGGEST_PAGE,
    TODAY,
    add_people,
    audit_lines,
    form,
    no_waiting_after_failures,
    sign_in,
    table_with,
    text,
)

SPANISH = {"lang": "es"}
OWN_TITLE = "Centerstone of Illinois — Alton, Alton IL"


@pytest.fixture(autouse=True)
def _english_again():
    """The test's own thread speaks Spanish while it drives Spanish widgets (AppTest calls their format_func
    there); every test starts and ends in English."""
    i18n.set_language("en")
    yield
    i18n.set_language("en")


def spanish_page(csv: Path, monkeypatch: pytest.MonkeyPatch, script: str = PAGE,
                 query: dict[str, str] | None = None) -> AppTest:
    monkeypatch.setenv("CLINIC_FINDER_DATA", str(csv))
    at = AppTest.from_file(script, default_timeout=30)
    at.query_params.update({**SPANISH, **(query or {})})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    i18n.set_language("es")
    return at


# ---- answers made in a callback ----


def test_a_wrong_password_is_answered_in_spanish(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                 password_hash: str) -> None:
    add_people(small_csv, password_hash)
    no_waiting_after_failures(monkeypatch)
    at = sign_in(spanish_page(small_csv, monkeypatch), "alton", "not the password")
    assert [t.value for t in at.title] == ["Acceso del personal"]
    assert text(at.error) == ("El nombre de cuenta y la contraseña no coinciden. Cada intento fallido hace esperar "
                              "más al siguiente.")


def test_a_visitors_incomplete_note_is_answered_in_spanish(small_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = spanish_page(small_csv, monkeypatch, SUGGEST_PAGE, {"clinic": OWN})
    at.button(key="suggest_send").click()  # nothing chosen, nothing typed
    at.run()
    assert not at.exception
    assert text(at.error).splitlines() == ["Por favor, revise el formulario.", "Elija qué está mal.",
                                           "Diga qué está mal o qué debería decir."]
    assert not suggestions.queue_path(small_csv).exists()


# ---- a clinic account keeps its listing right, in Spanish ----


def all_spanish(at: AppTest, csv: Path) -> None:
    """No English word from our code on the page as it is now (as tests/test_spanish_pages.py checks)."""
    english = our_english_words(visible_texts(at), data_values(csv))
    assert not english, "English words in the Spanish Staff page:\n" + "\n".join(english)


def test_a_clinic_account_saves_its_evening_groups_in_spanish(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                              password_hash: str) -> None:
    add_people(small_csv, password_hash)
    before_bytes = small_csv.read_bytes()
    before = read_clinics_csv(small_csv).clinics
    assert before is not None and before.loc[1, "evening"] == "unknown"

    at = sign_in(spanish_page(small_csv, monkeypatch), "alton")
    assert not at.error, text(at.error)
    assert [t.value for t in at.title] == ["El listado de su clínica"]
    assert "Sesión iniciada como alton (cuenta de clínica)." in text(at.sidebar.caption)
    assert "Todavía no hay cambios en el formulario." in text(at.info)
    all_spanish(at, small_csv)

    # Change the evening groups: the form shows what will change, before and after, in Spanish.
    evening = at.radio(key=form(OWN) + "evening")
    assert evening.label == "Grupos por la noche"
    assert evening.options == ["Sí", "No", "No se sabe (se muestra como 'llame para confirmar')"]
    evening.set_value("yes")
    at.run()
    assert not at.exception and not at.error, text(at.error)
    assert "Lo que cambiará en el listado público, antes y después:" in text(at.caption)
    changes = table_with(at, "Después")
    assert list(changes.columns) == ["Pregunta", "Antes", "Después"]
    assert set(zip(changes["Pregunta"], changes["Antes"], changes["Después"], strict=True)) == {
        ("Grupos por la noche", "desconocido", "sí"), ("Última revisión", "", TODAY), ("Revisado por", "", "alton")}
    assert at.checkbox(key=form(OWN) + "confirm").label == "Revisé estos cambios y quiero guardarlos."
    assert at.button(key=form(OWN) + "save").label == "Guardar"
    all_spanish(at, small_csv)

    # Save without ticking the box: told in Spanish, nothing written.
    at.button(key=form(OWN) + "save").click()
    at.run()
    assert text(at.error) == ("Marque la casilla de arriba para confirmar que revisó los cambios, y luego haga clic "
                              "en 'Guardar'.")
    assert small_csv.read_bytes() == before_bytes

    # Confirm and save: the save lands, and the page says so in Spanish.
    at.checkbox(key=form(OWN) + "confirm").check()
    at.button(key=form(OWN) + "save").click()
    at.run()
    assert not at.exception and not at.error, text(at.error)
    assert text(at.success) == (f"Se guardó {OWN_TITLE}: 0 añadidas, 0 quitadas, 1 cambiada. El buscador lo "
                                "mostrará desde el próximo clic.")
    after = read_clinics_csv(small_csv).clinics
    assert after is not None
    assert (after.loc[1, "evening"], str(after.loc[1, "last_checked"]), after.loc[1, "checked_by"]) == (
        "yes", TODAY, "alton")
    assert after.drop(index=1).equals(before.drop(index=1))  # nothing else changed
    entry = audit_lines(small_csv)[-1]
    assert (entry["account"], entry["role"], entry["action"], entry["changed_ids"]) == (
        "alton", "clinic", "clinic form", [OWN])
    assert store.list_backups(small_csv)[0].path.read_bytes() == before_bytes
    # The form now shows the saved listing, with nothing pending.
    assert at.radio(key=form(OWN) + "evening").value == "yes"
    assert "Todavía no hay cambios en el formulario." in text(at.info)
    assert f"Revisado por última vez el {TODAY} por alton." in text(at.markdown)
    all_spanish(at, small_csv)


def test_still_correct_in_spanish(small_csv: Path, monkeypatch: pytest.MonkeyPatch, password_hash: str) -> None:
    add_people(small_csv, password_hash)
    at = sign_in(spanish_page(small_csv, monkeypatch), "alton")
    still = at.button(key=form(OWN) + "still")
    assert still.label == "Todo sigue correcto"
    still.click()
    at.run()
    assert not at.exception and not at.error, text(at.error)
    assert text(at.success) == (f"{OWN_TITLE}: el listado quedó marcado hoy como correcto, por alton. Los "
                                "visitantes verán la nueva fecha desde su próximo clic.")
    after = read_clinics_csv(small_csv).clinics
    assert after is not None and (str(after.loc[1, "last_checked"]), after.loc[1, "checked_by"]) == (TODAY, "alton")
    all_spanish(at, small_csv)
