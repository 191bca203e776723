"""The production recipe: nginx (Debian's) in front of two Streamlit processes of the finder, via deploy.serve.

Static files come from nginx with caching and compression; the page works through it in Chromium; the
affinity cookie keeps a visitor's session, and the files it made, on one process; both processes get
visitors; nothing is logged.
"""

from __future__ import annotations

import gzip
import re
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser

import loadbench
from clinic_finder import accounts, auth
from deploy import serve as deploy_serve
from tests.browser import ARTIFACTS, ROOT

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
COOKIE = deploy_serve.AFFINITY_COOKIE
MAINTAINER, PASSWORD = "ann", "evening groups on tuesdays"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[deploy_serve.Served]:
    folder = tmp_path_factory.mktemp("data")
    data = folder / "clinics.csv"
    shutil.copyfile(ROOT / "data" / "clinics.csv", data)
    accounts_file = folder / "accounts.json"
    accounts.add_account(accounts_file, MAINTAINER, "maintainer", auth.hash_password(PASSWORD))
    ARTIFACTS.mkdir(exist_ok=True)
    env = {"CLINIC_FINDER_TILES": "none", "CLINIC_FINDER_DATA": str(data),
           "CLINIC_FINDER_ACCOUNTS": str(accounts_file)}
    with (ARTIFACTS / "proxy-test.log").open("w") as log, deploy_serve.serve(
        "app.py", backends=2, env=env, log=log
    ) as running:
        yield running


def get(url: str, cookie: str | None = None, gzip_ok: bool = True) -> tuple[int, dict[str, str], bytes]:
    """GET url; returns status, headers (lower-case names; Set-Cookie values joined by newlines) and the body
    as sent (still compressed if it was)."""
    headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
    if cookie:
        headers["Cookie"] = cookie
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            status, raw_headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, raw_headers, body = error.code, error.headers, error.read()
    names = {name.lower() for name in raw_headers}
    return status, {name: "\n".join(raw_headers.get_all(name) or []) for name in names}, body


def connects(backend: deploy_serve.Backend) -> int:
    """How many sessions this Streamlit process has seen (its own /_stcore/metrics)."""
    _, _, body = get(f"{backend.url}/_stcore/metrics", gzip_ok=False)
    match = re.search(r'^session_events_total\{type="connect"\} (\d+)', body.decode(), re.MULTILINE)
    assert match, body[:500]
    return int(match.group(1))


def test_health_passes_through_nginx_and_sets_the_affinity_cookie(served: deploy_serve.Served) -> None:
    status, headers, body = get(f"{served.url}/_stcore/health", gzip_ok=False)
    assert (status, body) == (200, b"ok")
    assert headers["server"] == "nginx"
    assert re.search(rf"^{COOKIE}=[0-9a-f]{{32}}; Path=/; HttpOnly; SameSite=Lax$", headers["set-cookie"], re.M)
    assert "_streamlit_xsrf=" in headers["set-cookie"]  # Streamlit's XSRF protection is on
    status, headers, _ = get(f"{served.url}/_stcore/health", cookie=f"{COOKIE}=abc", gzip_ok=False)
    assert status == 200 and f"{COOKIE}=" not in headers.get("set-cookie", "")  # kept, not replaced


def test_streamlits_visitor_metrics_are_not_published_through_nginx(served: deploy_serve.Served) -> None:
    """/_stcore/metrics counts each process's visitor sessions: 404 from outside, still there on a backend's port."""
    status, headers, body = get(f"{served.url}/_stcore/metrics", gzip_ok=False)
    assert (status, headers["server"]) == (404, "nginx")
    assert b"session_events_total" not in body
    assert connects(served.backends[0]) >= 0  # the backend's own copy answers (and parses)


def test_static_files_come_from_nginx_cached_and_compressed(served: deploy_serve.Served) -> None:
    status, headers, body = get(f"{served.url}/")
    assert status == 200 and headers["server"] == "nginx"
    assert headers["cache-control"] == "no-cache" and headers["content-encoding"] == "gzip"
    index = gzip.decompress(body).decode()
    assert '<div id="root">' in index

    frontend = deploy_serve.streamlit_static_dir()
    bundle = re.search(r'src="\./(static/js/index\.[\w-]+\.js)"', index).group(1)
    component = deploy_serve.folium_frontend_dir()
    component_js = re.search(r'(static/js/main\.\w+\.js)', (component / "index.html").read_text()).group(1)
    hashed = [
        (f"/{bundle}", frontend / bundle),
        (f"/component/streamlit_folium.st_folium/{component_js}", component / component_js),
    ]
    for path, on_disk in hashed:
        status, headers, body = get(served.url + path)
        assert status == 200 and headers["server"] == "nginx", path
        assert headers["content-encoding"] == "gzip", path
        assert headers["cache-control"] == "public, max-age=31536000, immutable", path
        assert gzip.decompress(body) == on_disk.read_bytes(), path

    status, headers, body = get(f"{served.url}/app/static/vendor/leaflet-1.9.4/leaflet.js")
    assert status == 200 and headers["server"] == "nginx"
    assert headers["cache-control"] == "public, max-age=86400" and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == (ROOT / "static/vendor/leaflet-1.9.4/leaflet.js").read_bytes()

    status, headers, body = get(f"{served.url}/component/streamlit_folium.st_folium/index.html?streamlitUrl=x")
    assert status == 200 and headers["server"] == "nginx" and headers["cache-control"] == "no-cache"
    assert body == (component / "index.html").read_bytes()

    status, headers, body = get(f"{served.url}/{bundle}", gzip_ok=False)  # a client without gzip gets it plain
    assert status == 200 and "content-encoding" not in headers and body == (frontend / bundle).read_bytes()
    assert get(f"{served.url}/static/js/no-such-file.js")[0] == 404


def test_nothing_is_logged(served: deploy_serve.Served) -> None:
    """No access log anywhere (a search lives in the page URL); nginx writes no log files."""
    get(f"{served.url}/?zip=60613&services=evening")
    assert re.findall(r"^\s*access_log\s+([^;]+);", served.config, re.MULTILINE) == ["off"]
    assert "error_log stderr" in served.config
    assert not list(served.runtime.rglob("*.log"))


def test_finder_page_through_the_proxy_shows_results_and_draws_markers(
    served: deploy_serve.Served, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    servers: dict[str, str] = {}
    try:
        page = context.new_page()
        page.on("response", lambda r: servers.__setitem__(r.url, r.headers.get("server", "")))
        page.goto(f"{served.url}/?zip=60613&services=evening")
        page.locator('[data-part="result"] .cf-card').first.wait_for(timeout=30_000)
        page.frame_locator(MAP_FRAME).locator(".leaflet-marker-icon, .marker-cluster").first.wait_for(timeout=30_000)
        first = page.locator('[data-part="result"] .cf-card').first.get_attribute("id")
        assert first == "clinic-symetria-recovery-chicago"
        page.screenshot(path=str(ARTIFACTS / "proxy-finder-60613-evening.png"), full_page=True)
        assert any(COOKIE == c["name"] for c in context.cookies())
    finally:
        context.close()
    from_disk = [url for url in servers if "/static/" in url or "/component/streamlit_folium" in url]
    assert from_disk and all(servers[url] == "nginx" for url in from_disk)


@pytest.mark.parametrize(("path", "heading"), [
    ("/Staff", "Staff sign-in"),
    ("/Glossary#medicaid", "Glossary"),
    ("/What_is_an_IOP?zip=60613", "What is an IOP?"),
])
def test_every_page_opens_at_its_own_address(served: deploy_serve.Served, browser: Browser, path: str,
                                            heading: str) -> None:
    """A link to a page other than the finder (the glossary's "What is this?", a shared link, a bookmark) is a
    fresh load of that address: nginx must not answer Streamlit's health check under the page's path."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(served.url + path)
        page.get_by_role("heading", name=heading, exact=True).first.wait_for(timeout=30_000)
        assert get(f"{served.url}/Staff/_stcore/health")[0] == 404
        assert get(f"{served.url}/_stcore/health")[0] == 200
    finally:
        context.close()


def test_affinity_cookie_keeps_a_session_and_its_files_on_one_backend(
    served: deploy_serve.Served, browser: Browser
) -> None:
    before = [connects(b) for b in served.backends]
    context = browser.new_context()
    try:
        page = context.new_page()
        # A staff download (the clinics file, offered by Streamlit's download button) lives in the memory of the
        # process that runs this session, under /media/: the other process has no such file.
        page.goto(f"{served.url}/Staff")
        page.get_by_role("textbox", name="Account name").fill(MAINTAINER)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("tab", name="Download").click(timeout=60_000)
        # (Streamlit's button may fetch the file as soon as it is drawn: the download's own address is the one.)
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name="Download the current list (CSV)").click(timeout=60_000)
        media_url = download.value.url
        assert urlsplit(media_url).path.startswith("/media/"), media_url
        cookie = next(c["value"] for c in context.cookies() if c["name"] == COOKIE)
        after = [connects(b) for b in served.backends]
        assert sorted(a - b for a, b in zip(after, before, strict=True)) == [0, 1]  # exactly one process has it
        # With the cookie, every request reaches that process and finds the file.
        assert all(get(media_url, cookie=f"{COOKIE}={cookie}")[0] == 200 for _ in range(12))
        # Without it, each request goes to either process, so some miss (chance that none does: 2^-24).
        assert any(get(media_url)[0] == 404 for _ in range(24))
    finally:
        context.close()


def test_a_cookie_pins_sessions_and_both_backends_get_visitors(served: deploy_serve.Served) -> None:
    def sessions(count: int, cookie: str | None) -> list[int]:
        before = [connects(b) for b in served.backends]
        for _ in range(count):
            cookies = {COOKIE: cookie} if cookie else {}
            result = loadbench.session(served.url, "zip=60613", 60, cookies=cookies)
            assert not result.dropped, result.error
        return [connects(b) - n for b, n in zip(served.backends, before, strict=True)]

    assert sorted(sessions(5, "same-visitor")) == [0, 5]  # one visitor: every session on one process
    seen = [0, 0]
    for _ in range(30):  # visitors without a cookie are spread; chance both are not reached in 30: 2^-29
        seen = [a + b for a, b in zip(seen, sessions(1, None), strict=True)]
        if all(seen):
            break
    assert all(seen), seen


def test_the_template_is_filled_in_at_start(tmp_path: Path) -> None:
    config = deploy_serve.render_config(
        listen="127.0.0.1:8080", backend_ports=[9001, 9002, 9003], runtime=tmp_path,
        streamlit_static=tmp_path / "st", folium_frontend=tmp_path / "folium", app_static=tmp_path / "app",
    )  # fmt: skip
    assert not re.findall(r"@[A-Z_]+@", config)
    assert re.findall(r"server 127\.0\.0\.1:(\d+);", config) == ["9001", "9002", "9003"]
    assert "listen 127.0.0.1:8080;" in config and f"alias {tmp_path}/app/;" in config
    directives = [line.split("#")[0].strip() for line in config.splitlines()]
    assert "hash $iop_affinity consistent;" in directives and not any("ip_hash" in d for d in directives)


def test_a_page_preloads_only_its_own_first_screen_modules(tmp_path: Path) -> None:
    """The finder's set announces the modules of its first screen; another page (the bench's bare page) can be
    served with none, so it does not fetch the finder's code."""
    static = deploy_serve.streamlit_static_dir()

    def preloads(**kwargs: object) -> list[str]:
        config = deploy_serve.render_config(
            listen="127.0.0.1:8080", backend_ports=[9001], runtime=tmp_path, streamlit_static=static,
            folium_frontend=tmp_path / "folium", app_static=tmp_path / "app", **kwargs,  # type: ignore[arg-type]
        )  # fmt: skip
        return re.findall(r'add_header Link "<([^>]+)>; rel=modulepreload"', config)

    finder = preloads()
    assert any("/BidiComponent." in module for module in finder)
    assert preloads(preload_elements=deploy_serve.FIRST_SCREEN_ELEMENTS) == finder
    assert preloads(preload_elements=()) == []


def test_a_mirror_is_made_once_and_mirrors_of_files_that_are_gone_are_removed(tmp_path: Path) -> None:
    def package(name: str) -> Path:
        folder = tmp_path / name / "static"
        (folder / "js").mkdir(parents=True)
        (folder / "js" / "main.js").write_text("console.log('x');\n" * 100)
        (folder / "tiny.txt").write_text("x")
        return folder

    cache = tmp_path / "cache"
    old, other = package("old"), package("other")
    old_mirror, other_mirror = deploy_serve.gzip_mirror(old, cache), deploy_serve.gzip_mirror(other, cache)
    assert old_mirror != other_mirror and deploy_serve.gzip_mirror(old, cache) == old_mirror  # made once
    assert (old_mirror / "js" / "main.js").resolve() == (old / "js" / "main.js").resolve()
    assert gzip.decompress((old_mirror / "js" / "main.js.gz").read_bytes()) == (old / "js" / "main.js").read_bytes()
    assert not (old_mirror / "tiny.txt.gz").exists()  # too small to be worth compressing

    (old / "js" / "main.js").unlink()  # an upgrade removed the file the old mirror links to
    (old / "js" / "main.2.js").write_text("console.log('y');\n" * 100)
    new_mirror = deploy_serve.gzip_mirror(old, cache)
    assert new_mirror.is_dir() and not old_mirror.exists()
    assert other_mirror.is_dir()  # its files are all there: kept (another checkout may be serving it)


def test_staff_geocoding_shares_the_rate_limit_between_processes() -> None:
    assert deploy_serve.process_shares(3, {})["CLINIC_FINDER_GEOCODER_MIN_DELAY"] == "3"
    as_set = deploy_serve.process_shares(2, {"CLINIC_FINDER_GEOCODER_MIN_DELAY": "0.5"})
    assert "CLINIC_FINDER_GEOCODER_MIN_DELAY" not in as_set and as_set["CLINIC_FINDER_PROCESSES"] == "2"


def test_each_process_is_told_how_many_share_the_sign_in_and_suggestion_limits(served: deploy_serve.Served) -> None:
    """The throttles count in each process's memory; told the number of processes, each takes its share
    (clinic_finder.server_processes; tests/test_auth.py shows the shares hold together)."""
    assert deploy_serve.process_shares(3, {})["CLINIC_FINDER_PROCESSES"] == "3"
    as_set = deploy_serve.process_shares(2, {"CLINIC_FINDER_PROCESSES": "4"})
    assert "CLINIC_FINDER_PROCESSES" not in as_set and as_set["CLINIC_FINDER_GEOCODER_MIN_DELAY"] == "2"
    for backend in served.backends:
        environ = Path(f"/proc/{backend.process.pid}/environ").read_bytes().split(b"\0")
        assert f"CLINIC_FINDER_PROCESSES={len(served.backends)}".encode() in environ


def test_the_page_announces_its_first_screen_modules_for_preloading(served: deploy_serve.Served) -> None:
    """index.html comes with `Link: rel=modulepreload` for the finder's first-screen element modules (from the
    installed Streamlit's manifest), each a file nginx serves, so the browser fetches them with the page."""
    with urllib.request.urlopen(f"{served.url}/?zip=60613") as response:
        links = response.headers.get_all("Link") or []
    modules = [link.split(">")[0].lstrip("<") for link in links if link.endswith("rel=modulepreload")]
    names = {module.rsplit("/", 1)[1].split(".")[0] for module in modules}
    assert {"BidiComponent", "ComponentInstance"} <= names
    # Not on the finder's first screen (the search bar, filters, language switch, lists, "Show more" and the
    # download are custom elements): not fetched early.
    assert not {"TextInput", "Selectbox", "ButtonGroup", "Checkbox", "Html", "Button", "DownloadButton"} & names
    for module in modules:
        with urllib.request.urlopen(served.url + module) as response:
            assert response.status == 200 and "javascript" in response.headers["Content-Type"]
