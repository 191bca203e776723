"""The Staff page and the "Suggest a correction" page in Spanish (`?lang=es`) under AppTest: what a clinic's staff
and a visitor are told is Spanish, including the answers made in a button's callback (Streamlit runs those before
the page sets its language).

The accounts are those of tests/test_staff_page.py ("alton", a clinic account for OWN only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from clinic_finder import accounts, auth, i18n, suggestions
from tests.conftest import PAGE, PASSWORD
from tests.test_staff_page import OWN, SUGGEST_PAGE, add_people, text

SPANISH = {"lang": "es"}


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


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="staff_account_name").input(name)
    at.text_input(key="staff_password").input(password)
    at.button(key="staff_sign_in").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# ---- answers made in a callback ----


def test_a_wrong_password_is_answered_in_spanish(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                 password_hash: str) -> None:
    add_people(small_csv, password_hash)
    monkeypatch.setattr(auth, "THROTTLE", auth.FailureThrottle(base_seconds=0.0))
    monkeypatch.setattr(accounts, "NAME_THROTTLE", accounts.NameThrottle(base_seconds=0.0))
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
