"""The finder page through AppTest, driven by widget keys: search, filters, unknowns, bad input, URL, map, download."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from clinic_finder import mapview, samhsa
from clinic_finder.csvfile import clinics_to_csv_bytes, read_clinics_csv
from tests.test_mapview import packed_from

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
NOT_CARD_HEADINGS = {"**What do you need?**", "**How will you pay?**", "**Selected on the map**"}


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, clinics_csv: Path) -> AppTest:
    monkeypatch.setenv("CLINIC_FINDER_DATA", str(clinics_csv))
    monkeypatch.setenv("CLINIC_FINDER_TILES", "none")
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def card_titles(at: AppTest) -> list[str]:
    return [m.value.split("**")[1] for m in at.markdown
            if m.value.startswith("**") and m.value not in NOT_CARD_HEADINGS and "Need help right now?" not in m.value]


def summary(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("### "))


def clinic_id_of(title: str) -> str:
    return samhsa.slugify(title.replace(" — ", " "))


def query(at: AppTest, key: str) -> str:
    value = at.query_params[key]
    return value if isinstance(value, str) else value[-1]


def map_args(at: AppTest) -> dict:
    [element] = [e for e in at.get("component_instance") if e.proto.component_name == "streamlit_folium.st_folium"]
    return json.loads(element.proto.json_args)


def test_first_visit_shows_every_clinic_grouped_by_state_and_the_crisis_lines(app: AppTest) -> None:
    run(app)
    assert summary(app) == "### 550 clinics"
    assert [s.value for s in app.subheader][:1] == ["Illinois"]
    assert len(card_titles(app)) == 20  # one page; "Show more" for the rest
    crisis = app.markdown[0].value
    for link in ("tel:988", "sms:988", "tel:+18006624357", "tel:911"):
        assert link in crisis


def test_zip_search_with_a_filter_lists_nearest_first(app: AppTest) -> None:
    run(app)
    app.text_input(key="location").input("60613")
    app.checkbox(key="svc_evening").check()
    run(app)
    assert card_titles(app) == ["Symetria Recovery — Chicago", "Symetria Recovery — Des Plaines",
                                "Symetria Recovery — Palos Heights", "Symetria Recovery — Vernon Hills"]
    assert summary(app).startswith("### 4 confirmed · ")
    assert summary(app).endswith("more might — call to ask")
    assert app.caption[-1].value == "Tick “also show clinics where this is unknown” to see them."
    assert (query(app, "zip"), query(app, "services")) == ("60613", "evening")


def test_unknowns_are_shown_only_when_asked_and_marked(app: AppTest) -> None:
    app.query_params.update({"zip": "77040", "radius": "10", "services": "evening"})
    run(app)
    assert card_titles(app) == ["Symetria Recovery — Houston"]
    app.checkbox(key="unknown").check()
    run(app)
    titles = card_titles(app)
    assert titles[0] == "Symetria Recovery — Houston" and len(titles) > 1
    bodies = [m.value for m in app.markdown if "Source:" in m.value]
    assert "unknown — call to confirm" in bodies[1]
    assert ":orange-badge[? Evening groups\\: unknown — call to confirm]" in bodies[1]


def test_medications_and_payment_filters_combine_with_and(app: AppTest) -> None:
    app.query_params.update({"zip": "60613", "radius": "25"})
    run(app)
    everything = len(card_titles(app)) if "20" not in summary(app) else None
    app.checkbox(key="svc_medications").check()
    app.checkbox(key="pay_medicaid").check()
    app.checkbox(key="svc_spanish").check()
    run(app)
    confirmed = int(summary(app).split()[1])
    assert 0 < confirmed < 40 and everything != confirmed
    assert (query(app, "services"), query(app, "payment")) == ("medications,spanish", "medicaid")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("00000", "00000 is not a US ZIP code we know"),
        ("M5V 3L9", "looks like a Canadian postal code"),
        ("Springfeld, IL", "We could not find a city called 'Springfeld' in IL"),
        ("<b>hi</b>", "We could not read '<b>hi</b>' as a place"),
    ],
)
def test_bad_location_gets_a_specific_message(app: AppTest, typed: str, message: str) -> None:
    run(app)
    app.text_input(key="location").input(typed)
    run(app)
    assert message in app.warning[0].value
    assert card_titles(app) == []


def test_city_and_state_work_too(app: AppTest) -> None:
    app.query_params.update({"zip": "Houston, TX", "services": "evening"})
    run(app)
    assert card_titles(app)[0].startswith("Symetria Recovery")


def test_empty_result_suggests_widening_and_the_helpline(app: AppTest) -> None:
    app.query_params.update({"zip": "79901", "radius": "5", "services": "evening"})
    run(app)
    assert card_titles(app) == []
    advice = app.info[-1].value
    assert "wider distance" in advice and "1-800-662-4357" in advice


def test_shared_url_restores_the_search(app: AppTest) -> None:
    app.query_params.update({"zip": "77040", "services": "evening,medications", "payment": "private_insurance",
                             "unknown": "1", "radius": "50"})
    run(app)
    assert app.text_input(key="location").value == "77040"
    assert app.selectbox(key="radius").value == 50
    assert app.checkbox(key="svc_evening").value and app.checkbox(key="svc_medications").value
    assert app.checkbox(key="pay_private_insurance").value and app.checkbox(key="unknown").value
    assert not app.checkbox(key="svc_morning").value
    assert card_titles(app)[0] == "Symetria Recovery — Houston"


def test_bad_url_parameters_are_ignored_with_a_note(app: AppTest) -> None:
    app.query_params.update({"zip": "60613", "services": "evening,yoga", "radius": "7"})
    run(app)
    notes = [i.value for i in app.info]
    assert "Ignored the unknown service 'yoga' in the link." in notes
    assert any(n.startswith("Ignored radius '7'") for n in notes)
    assert card_titles(app)[0] == "Symetria Recovery — Chicago"


def test_map_gets_only_matching_clinics_and_only_local_assets(app: AppTest) -> None:
    app.query_params.update({"zip": "77040", "radius": "25", "services": "evening"})
    run(app)
    args = map_args(app)
    sent = [clinic["id"] for clinic in mapview.unpack_clinics(packed_from(args))]
    assert sent == [clinic_id_of(title) for title in card_titles(app)]
    assert "symetria-recovery-houston" in sent and "symetria-recovery-chicago" not in sent
    for link in args["js_links"] + args["css_links"]:
        assert link.startswith("/app/static/"), link


def test_map_script_is_the_same_on_a_rerun(app: AppTest) -> None:
    """A rerun with the same search (a click, "show more") sends the same map: no stale element names."""
    app.query_params.update({"zip": "60613", "services": "evening", "unknown": "1"})
    run(app)
    first = map_args(app)
    run(app)
    assert map_args(app)["script"] == first["script"]


def test_show_more_pages_through_the_list(app: AppTest) -> None:
    run(app)
    app.button(key="more").click()
    run(app)
    assert len(card_titles(app)) == 40


def test_invalid_file_on_disk_keeps_serving_the_last_valid_list(app: AppTest, clinics_csv: Path) -> None:
    app.query_params.update({"zip": "60613", "services": "evening", "radius": "10"})
    run(app)
    shutil.copyfile(DATA / "017-many-problems-in-one-row.csv", clinics_csv)
    run(app)
    assert card_titles(app) == ["Symetria Recovery — Chicago"]
    assert any("being updated" in c.value for c in app.caption)
    assert not any("row 4" in m.value for m in app.markdown)  # staff details stay on the staff page


def test_staff_edit_on_disk_shows_on_the_next_interaction(app: AppTest, clinics_csv: Path) -> None:
    app.query_params.update({"zip": "60613", "services": "evening", "radius": "10"})
    run(app)
    clinics = read_clinics_csv(clinics_csv).clinics
    assert clinics is not None
    # Staff learn that another Chicago clinic runs evening groups and say so in the file.
    other = clinics.index[(clinics["zip"] == "60613") & (clinics["name"] != "Symetria Recovery")][0]
    clinics.loc[other, "evening"] = "yes"
    clinics_csv.write_bytes(clinics_to_csv_bytes(clinics))
    run(app)
    assert len(card_titles(app)) == 2
    assert clinics.loc[other, "name"] in " ".join(card_titles(app))


def test_download_is_the_current_results_with_formulas_neutralised(
    app: AppTest, clinics_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clinics = read_clinics_csv(clinics_csv).clinics
    assert clinics is not None
    chicago = clinics.index[clinics["id"] == "symetria-recovery-chicago"][0]
    clinics.loc[chicago, "notes"] = '=HYPERLINK("http://attacker.example","click")'
    clinics_csv.write_bytes(clinics_to_csv_bytes(clinics))
    sent: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep_a_copy(self, path_or_data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        file_id = original(self, path_or_data, mimetype, kind, filename)
        sent[file_id] = path_or_data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep_a_copy)
    app.query_params.update({"zip": "60613", "services": "evening"})
    run(app)
    [button] = app.get("download_button")
    assert button.proto.label == "Download these results (CSV)"
    data = sent[button.proto.url.rsplit("/", 1)[1].split(".")[0]]
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == [clinic_id_of(t) for t in card_titles(app)]
    assert rows[0]["notes"] == "'=HYPERLINK(\"http://attacker.example\",\"click\")"
    assert float(rows[0]["distance_miles"]) == 0.0
