"""`make bench`'s serving figures: what a first page load costs the server, and bursts of visitors.

Four set-ups run side by side: the bare page (`loadbench/bare_map.py`, Streamlit holding an empty
`st_folium` map) and the finder, each direct (one Streamlit process) and behind nginx (`deploy.serve`,
several processes).

* CPU-seconds per first page load: CPU time of the set-up's Streamlit processes (the kernel's per-process
  CPU clock, in nanoseconds), read before and after each fresh Chromium page load (a new browser context:
  nothing cached) until the page shows (finder: result cards and map markers; bare page: the map) and one
  second more for the server to finish; summed over N loads and divided by N. Loads are interleaved across
  the set-ups, and every process has served one page before counting starts. Behind nginx, nginx's own CPU
  is given too.
* References: the bare page plus one element above its map (`loadbench/bare_plus.py`: Streamlit's text
  input, its selectbox, the finder's search bar), direct, loaded in the same rounds: what one kind of
  element costs a first screen beside the bare page.
* Bursts: N raw websocket sessions arriving together, speaking Streamlit's own protocol as the browser
  does (GET /_stcore/health and host-config, open /_stcore/stream with the "streamlit" subprotocol and the
  XSRF token, send a rerun_script BackMsg with the page's query string, read ForwardMsgs until
  script_finished). Reported: p50 and p95 time to the first full script run, and dropped sessions (the
  connection failed or closed, or no finished run within the deadline). Keep-alive pings as the
  `websockets` client's defaults (every 20 s, 20 s to answer), so a server too busy to answer drops them.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from bench import Row
from deploy.serve import FIRST_SCREEN_ELEMENTS, ROOT, serve, streamlit_process

T = TypeVar("T")
BARE_PAGE = "loadbench/bare_map.py"
# The bare page with one more element (loadbench/bare_plus.py), measured direct beside it: what one kind of
# element costs a first screen. page name -> LOADBENCH_ELEMENT.
REFERENCE_PAGE = "loadbench/bare_plus.py"
REFERENCES = {
    "bare + Streamlit text input": "text_input",
    "bare + Streamlit selectbox": "selectbox",
    "bare + the finder's search bar": "search_bar",
}
FINDER = "app.py"
FINDER_QUERY = "zip=60613&services=evening"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
RESULT_CARD = '[data-part="result"] .cf-card'  # the finder's confirmed results (views/finder.py)
RATIO_TARGET = 1.1
SETTLE_SECONDS = 1.0  # after a page load, for the server to finish (session end included) before reading CPU


# ---- one Streamlit session over a raw websocket ----


@dataclass
class SessionResult:
    """One visitor's session: seconds to the first finished script run, or why it was dropped."""

    seconds: float | None
    error: str | None = None
    messages: int = 0
    reported: bool = field(default=False, repr=False)

    @property
    def dropped(self) -> bool:
        return self.seconds is None


async def _http_get(base_url: str, path: str, cookies: dict[str, str]) -> tuple[int, bytes]:
    """A plain HTTP/1.1 GET (one connection, closed after); stores any Set-Cookie in `cookies`."""
    url = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port or 80)
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    request = f"GET {path} HTTP/1.1\r\nHost: {url.netloc}\r\nConnection: close\r\n"
    if cookie:
        request += f"Cookie: {cookie}\r\n"
    writer.write((request + "\r\n").encode("latin-1"))
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "set-cookie":
            # Streamlit's XSRF cookie value holds "|", which SimpleCookie refuses: take name=value by hand.
            pair = value.strip().split(";", 1)[0]
            key, _, val = pair.partition("=")
            cookies[key.strip()] = val.strip()
    return status, body


async def open_session(
    base_url: str, query_string: str = FINDER_QUERY, deadline_seconds: float = 120.0,
    cookies: dict[str, str] | None = None, keep_open: asyncio.Event | None = None,
    on_result: Callable[[SessionResult], None] | None = None,
) -> SessionResult:
    """Open one session as the browser does and wait for its first full script run.

    With `keep_open`, the websocket stays open (a visitor still on the page) until that event is set;
    `on_result` hears the result as soon as it is known.
    """
    result = await _open_session(base_url, query_string, deadline_seconds, cookies, keep_open, on_result)
    if on_result is not None and not result.reported:
        on_result(result)
    return result


async def _open_session(
    base_url: str, query_string: str, deadline_seconds: float, cookies: dict[str, str] | None,
    keep_open: asyncio.Event | None, on_result: Callable[[SessionResult], None] | None,
) -> SessionResult:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect as ws_connect

    start = time.perf_counter()
    cookies = {} if cookies is None else cookies
    messages = 0
    ws = None
    try:
        async with asyncio.timeout(deadline_seconds):
            for path in ("/_stcore/health", "/_stcore/host-config"):
                status, _ = await _http_get(base_url, path, cookies)
                if status != 200:
                    return SessionResult(None, f"GET {path}: HTTP {status}")
            protocols = ["streamlit", cookies.get("_streamlit_xsrf", "")]
            ws = await ws_connect(
                "ws" + base_url.removeprefix("http") + "/_stcore/stream", subprotocols=[p for p in protocols if p],
                origin=base_url, additional_headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
                ping_interval=20, ping_timeout=20, open_timeout=None, max_size=None,
            )  # fmt: skip
            rerun = BackMsg()
            rerun.rerun_script.query_string = query_string
            info = rerun.rerun_script.context_info
            info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
            info.url, info.is_embedded, info.color_scheme = base_url + "/", False, "light"
            await ws.send(rerun.SerializeToString())
            while True:
                message = ForwardMsg()
                message.ParseFromString(await ws.recv())
                messages += 1
                if message.WhichOneof("type") != "script_finished":
                    continue
                if message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    break
                if message.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    return SessionResult(None, "script failed to compile", messages)
        result = SessionResult(time.perf_counter() - start, None, messages)
        if on_result is not None:
            on_result(result)
            result.reported = True
        if keep_open is not None:
            await keep_open.wait()
        return result
    except TimeoutError:
        return SessionResult(None, f"no finished run in {deadline_seconds:g} s", messages)
    except Exception as error:  # a dropped connection, a refused handshake, a reset: all count as dropped
        return SessionResult(None, f"{type(error).__name__}: {error}", messages)
    finally:
        if ws is not None:
            await ws.close()


@dataclass
class Burst:
    """N sessions arriving together at one set-up."""

    sessions: list[SessionResult]

    @property
    def times(self) -> list[float]:
        return sorted(s.seconds for s in self.sessions if s.seconds is not None)

    @property
    def dropped(self) -> int:
        return sum(s.dropped for s in self.sessions)

    def percentile(self, p: float) -> float | None:
        """Nearest-rank percentile of the finished sessions' times (None if none finished)."""
        times = self.times
        if not times:
            return None
        rank = max(1, -(-len(times) * p // 100))  # ceil(n * p / 100)
        return times[int(rank) - 1]


async def _burst(base_url: str, n: int, query_string: str, deadline_seconds: float) -> Burst:
    # Everyone stays on the page (websocket open) until the last one has their results or was dropped.
    everyone_done = asyncio.Event()
    known = 0

    def counted(result: SessionResult) -> None:
        nonlocal known
        known += 1
        if known == n:
            everyone_done.set()

    sessions = [
        open_session(base_url, query_string, deadline_seconds, keep_open=everyone_done, on_result=counted)
        for _ in range(n)
    ]
    return Burst(list(await asyncio.gather(*sessions)))


def _run(coroutine: Coroutine[object, object, T]) -> T:
    # In a thread of its own: the caller may be inside an event loop (Playwright's sync API keeps one).
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def burst(base_url: str, n: int, query_string: str = FINDER_QUERY, deadline_seconds: float = 120.0) -> Burst:
    """N sessions opened at once against `base_url`; each waits for its first finished script run."""
    return _run(_burst(base_url, n, query_string, deadline_seconds))


def session(
    base_url: str, query_string: str = FINDER_QUERY, deadline_seconds: float = 120.0,
    cookies: dict[str, str] | None = None,
) -> SessionResult:
    """One session (see `open_session`), from synchronous code."""
    return _run(open_session(base_url, query_string, deadline_seconds, cookies))


# ---- CPU per first page load ----


def process_cpu_clock(pid: int) -> int:
    """Linux's CPU-time clock of another process (what clock_getcpuclockid(3) returns: MAKE_PROCESS_CPUCLOCK with
    CPUCLOCK_SCHED), for time.clock_gettime."""
    return ((~pid) << 3) | 2


def cpu_seconds(pids: Sequence[int]) -> float:
    """CPU seconds these processes have used so far, their threads included, ended ones too.

    From the kernel's per-process CPU clock, in nanoseconds: /proc/PID/stat counts in clock ticks (10 ms here),
    and a first load behind nginx costs a process about 40 ms, so each reading there was off by up to a quarter
    of what it measured."""
    return sum(time.clock_gettime_ns(process_cpu_clock(pid)) for pid in pids) / 1e9


@dataclass
class Setup:
    """One page served one way, with what was measured on it."""

    page: str  # "bare" or "finder"
    mode: str  # "direct" or "proxy"
    base_url: str
    pids: list[int]
    backend_urls: list[str]
    nginx_pids: Callable[[], list[int]] = list
    cpu: list[float] = field(default_factory=list)
    nginx_cpu: list[float] = field(default_factory=list)
    bursts: dict[int, Burst] = field(default_factory=dict)
    # Seconds from navigation to what the visitor sees, per load: milestone -> values (`page_shown`).
    seen: dict[str, list[float]] = field(default_factory=dict)

    @property
    def query(self) -> str:
        return FINDER_QUERY if self.page == "finder" else ""

    def page_url(self, base_url: str | None = None) -> str:
        base = base_url or self.base_url
        return f"{base}/?{self.query}" if self.query else f"{base}/"


# What a visitor came for, as CSS selectors: milestone -> (selector, in the map's frame?). Each is timed by the
# page itself (`SEEN_SCRIPT`), the same way on both pages.
MILESTONES: dict[str, dict[str, tuple[str, bool]]] = {
    "finder": {
        "search box usable": ("#cf-search-where", False),
        "first result card": (RESULT_CARD, False),
        "markers visible": (".leaflet-marker-icon, .marker-cluster", True),
    },
    "bare": {"map drawn": (".leaflet-container", True)},
}

# Runs in every frame of the page from its start: every 5 ms, notes when each of this frame's selectors first
# matches an element that is drawn (has a box) and not disabled, as a time on the clock every frame shares
# (performance.timeOrigin + now(), milliseconds since 1970). The main thread runs it, so a busy page notes late,
# as it would draw late: the same for both pages.
SEEN_SCRIPT = """
(() => {
  const wanted = Object.entries(%s).filter(([, [, inMap]]) => inMap === (window !== window.top));
  const seen = (window.__loadbenchSeen = {});
  const timer = setInterval(() => {
    for (const [name, [selector]] of wanted) {
      if (name in seen) continue;
      const node = document.querySelector(selector);
      if (node && node.getClientRects().length && !node.disabled) {
        seen[name] = performance.timeOrigin + performance.now();
      }
    }
    if (Object.keys(seen).length === wanted.length) clearInterval(timer);
  }, 5);
})();
"""


def milestones_of(setup: Setup) -> dict[str, tuple[str, bool]]:
    """The finder's milestones, or the bare page's map for the bare page and the reference pages."""
    return MILESTONES["finder" if setup.page == "finder" else "bare"]


def page_shown(page, setup: Setup) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Wait until the page a visitor came for is on screen; return when each part appeared, in seconds from the
    start of navigation, as the page itself noted it (`SEEN_SCRIPT`, added to the page's context beforehand).

    Not by Playwright's clock: its waits are round trips to a page that is busy drawing, taken one after another,
    so each of the finder's later milestones came with the delays of the earlier ones (about 0.3-0.7 s on the
    finder; the bare page has one wait)."""
    milestones = milestones_of(setup)
    in_map = sum(inside for _selector, inside in milestones.values())
    for selector, inside in milestones.values():
        where = page.frame_locator(MAP_FRAME) if inside else page
        where.locator(selector).first.wait_for(timeout=60_000)
    all_noted = "n => window.__loadbenchSeen && Object.keys(window.__loadbenchSeen).length === n"
    page.wait_for_function(all_noted, arg=len(milestones) - in_map, timeout=60_000)
    navigation_start = page.evaluate("() => performance.timeOrigin")
    noted = dict(page.evaluate("() => window.__loadbenchSeen"))
    if in_map:
        frame = page.locator(MAP_FRAME).element_handle().content_frame()
        frame.wait_for_function(all_noted, arg=in_map, timeout=60_000)
        noted.update(frame.evaluate("() => window.__loadbenchSeen"))
    return {name: (noted[name] - navigation_start) / 1000 for name in milestones}


def first_load(browser, setup: Setup, record: bool = True, base_url: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """One visitor's first page load in a fresh browser context; records the server CPU it cost."""
    before, nginx_before = cpu_seconds(setup.pids), cpu_seconds(setup.nginx_pids())
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.add_init_script(SEEN_SCRIPT % json.dumps(milestones_of(setup)))
        page = context.new_page()
        page.goto(setup.page_url(base_url))
        seen = page_shown(page, setup)
    finally:
        context.close()
    time.sleep(SETTLE_SECONDS)
    if record:
        setup.cpu.append(cpu_seconds(setup.pids) - before)
        setup.nginx_cpu.append(cpu_seconds(setup.nginx_pids()) - nginx_before)
        for milestone, seconds in seen.items():
            setup.seen.setdefault(milestone, []).append(seconds)


CLICK_QUERY = "zip=60613&unknown=0"
CLICK_FILTER = "Evening groups"


@dataclass
class FilterClick:
    """A filter click on the finder: seconds until the list and the markers both changed; map frame kept?"""

    seconds: float
    frame_kept: bool


def filter_click(browser, setup: Setup) -> FilterClick:  # type: ignore[no-untyped-def]
    """Open the finder without filters, then tick one: time until the list and the markers both show the new
    search, and whether the map's frame kept its document (a reload would blank the map)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{setup.base_url}/?{CLICK_QUERY}")
        frame = page.frame_locator(MAP_FRAME)
        page.locator(RESULT_CARD).first.wait_for(timeout=60_000)
        frame.locator(".leaflet-marker-icon, .marker-cluster").first.wait_for(timeout=60_000)
        body = frame.locator("body")
        body.evaluate("() => { window.__probe = 42; }")
        markers = int(body.evaluate("() => window.__clinicLayer.cluster.getLayers().length"))
        cards = page.locator(RESULT_CARD).count()
        page.get_by_text("Filters", exact=False).first.click()
        pill = page.get_by_role("checkbox", name=CLICK_FILTER, exact=True)
        pill.wait_for(timeout=30_000)
        started = time.perf_counter()
        pill.click()
        page.wait_for_function(
            """([frameSelector, markers, cards]) => {
                const f = document.querySelector(frameSelector);
                const w = f && f.contentWindow;
                const layer = w && w.__clinicLayer;
                const shown = document.querySelectorAll('[data-part="result"] .cf-card').length;
                return layer && layer.cluster.getLayers().length !== markers && shown !== cards;
            }""",
            arg=[MAP_FRAME, markers, cards], timeout=60_000,
        )
        seconds = time.perf_counter() - started
        kept = frame.locator("body").evaluate("() => window.__probe === 42")
        return FilterClick(seconds, bool(kept))
    finally:
        context.close()


def filter_click_rows(clicks: Sequence[FilterClick]) -> list[Row]:
    if not clicks:
        return []
    kept = sum(c.frame_kept for c in clicks)
    median = statistics.median([c.seconds for c in clicks]) * 1000
    return [Row(
        f"filter click on the finder (direct, `/?{CLICK_QUERY}` then '{CLICK_FILTER}'): until the list and the "
        f"markers both changed; map frame kept its document",
        f"{median:,.0f} ms (median of {len(clicks)}); frame kept {kept} of {len(clicks)}",
        "markers change without a map reload", kept == len(clicks),
    )]


# ---- the four set-ups ----


@contextmanager
def setups(backends: int, log_dir: Path, references: bool = True) -> Iterator[list[Setup]]:
    """The bare page and the finder, each direct and behind nginx with `backends` processes, all running; with
    `references`, the bare page plus one element (REFERENCES), direct."""
    with ExitStack() as stack:
        data = Path(tempfile.mkdtemp(prefix="loadbench-"))
        stack.callback(shutil.rmtree, data, ignore_errors=True)
        shutil.copyfile(ROOT / "data" / "clinics.csv", data / "clinics.csv")
        env = {"CLINIC_FINDER_TILES": "none", "CLINIC_FINDER_DATA": str(data / "clinics.csv")}
        log_dir.mkdir(parents=True, exist_ok=True)
        made: list[Setup] = []
        for page, script in (("bare", BARE_PAGE), ("finder", FINDER)):
            log = stack.enter_context((log_dir / f"loadbench-{page}.log").open("w"))
            direct = stack.enter_context(streamlit_process(script, env, log))
            made.append(Setup(page, "direct", direct.url, [direct.process.pid], [direct.url]))
            # The finder's first-screen modules are announced for the finder only: the bare page would fetch
            # (and compile) about 200 KB of code it never runs, and be slowed by the finder's set-up.
            preload = FIRST_SCREEN_ELEMENTS if page == "finder" else ()
            proxied = stack.enter_context(serve(script, backends, env=env, log=log, preload_elements=preload))
            made.append(Setup(page, "proxy", proxied.url, [b.process.pid for b in proxied.backends],
                              [b.url for b in proxied.backends], proxied.nginx_pids))  # fmt: skip
        if references:
            log = stack.enter_context((log_dir / "loadbench-references.log").open("w"))
            for page, element in REFERENCES.items():
                one = stack.enter_context(streamlit_process(REFERENCE_PAGE, {**env, "LOADBENCH_ELEMENT": element}, log))
                made.append(Setup(page, "direct", one.url, [one.process.pid], [one.url]))
        yield made


# ---- the table ----


def per_load(values: list[float]) -> float:
    """CPU-seconds per load: the total over all measured loads divided by their number."""
    return sum(values) / len(values)


def _cpu(values: list[float]) -> str:
    return f"{per_load(values):.3f} CPU-s"


def ratio_text(ratio: float, target: float) -> str:
    """"1.22x"; with a third decimal when two would round onto the target ("1.102x" misses 1.1, "1.10x" would
    read as met)."""
    text = f"{ratio:.2f}"
    if float(text) == target and ratio != target:
        text = f"{ratio:.3f}"
    return text + "x"


def _burst_text(burst: Burst) -> str:
    p50, p95 = burst.percentile(50), burst.percentile(95)
    times = "no session finished" if p50 is None or p95 is None else f"p50 {p50:.2f} s / p95 {p95:.2f} s"
    return f"{times}, {burst.dropped} dropped"


FIRST_SCREEN_TARGET = 1.3  # each of the finder's first-screen figures, as a multiple of the bare page's map


def round_by_round(finder: Sequence[float], bare: Sequence[float]) -> str:
    """The finder's time over the bare page's, load by load in the same round (they are loaded in turn), as
    "round by round 1.24x, middle half 1.15x-1.33x": how far one run's ratio of medians could move on this
    machine. Empty with fewer than two rounds."""
    ratios = [f / b for f, b in zip(finder, bare, strict=True)]
    if len(ratios) < 2:
        return ""
    low, middle, high = statistics.quantiles(ratios, n=4, method="inclusive")
    return f"round by round {middle:.2f}x, middle half {low:.2f}x-{high:.2f}x"


def first_screen_rows(made: Sequence[Setup], loads: int) -> list[Row]:
    """What a visitor sees and when (fresh Chromium loads, medians), direct and behind nginx: the finder's
    search box, first card and markers, each beside the same set-up's bare page with its map drawn."""
    by = {(s.page, s.mode): s for s in made}
    out = []
    for mode, how in (("direct", "direct"), ("proxy", "behind nginx")):
        bare, finder = by["bare", mode], by["finder", mode]
        if "map drawn" not in bare.seen:
            continue
        reference = statistics.median(bare.seen["map drawn"])
        for milestone in ("search box usable", "first result card", "markers visible"):
            value = statistics.median(finder.seen[milestone])
            ratio = value / reference
            spread = round_by_round(finder.seen[milestone], bare.seen["map drawn"])
            out.append(Row(
                f"first screen, {how} ({loads} fresh Chromium loads): navigation to {milestone} on the finder "
                f"`/?{FINDER_QUERY}`, vs the bare page's map drawn",
                f"{value * 1000:,.0f} ms vs {reference * 1000:,.0f} ms ({ratio_text(ratio, FIRST_SCREEN_TARGET)} bare"
                f"{'; ' + spread if spread else ''})", f"≤ {FIRST_SCREEN_TARGET:g}x bare", ratio <= FIRST_SCREEN_TARGET,
            ))  # fmt: skip
        if mode == "direct":
            out += reference_rows(made, reference, loads)
    return out


def reference_rows(made: Sequence[Setup], bare_map_drawn: float, loads: int) -> list[Row]:
    """The bare page plus one element, each beside the bare page (direct): what one kind of element costs."""
    bare = next(s for s in made if s.page == "bare" and s.mode == "direct")
    out = []
    for setup in made:
        if setup.page not in REFERENCES or "map drawn" not in setup.seen:
            continue
        value = statistics.median(setup.seen["map drawn"])
        out.append(Row(
            f"reference, direct ({loads} fresh Chromium loads): the {setup.page} (one element above the map): "
            "navigation to its map drawn, vs the bare page's", f"{value * 1000:,.0f} ms vs "
            f"{bare_map_drawn * 1000:,.0f} ms ({value / bare_map_drawn:.2f}x bare); server CPU "
            f"{_cpu(setup.cpu)} vs {_cpu(bare.cpu)}", "", None,
        ))  # fmt: skip
    return out


def rows(made: Sequence[Setup], backends: int, loads: int) -> list[Row]:
    """The serving rows of `make bench`: first screen, first-load CPU and bursts, bare page beside the finder."""
    by = {(s.page, s.mode): s for s in made}
    out: list[Row] = first_screen_rows(made, loads)
    for mode, how in (("direct", "direct (1 Streamlit process)"),
                      ("proxy", f"behind nginx ({backends} Streamlit processes)")):  # fmt: skip
        bare, finder = by["bare", mode], by["finder", mode]
        ratio = per_load(finder.cpu) / per_load(bare.cpu)
        value = f"{_cpu(bare.cpu)} vs {_cpu(finder.cpu)} ({ratio_text(ratio, RATIO_TARGET)} bare)"
        if mode == "proxy":
            value += f"; nginx {_cpu(bare.nginx_cpu)} vs {_cpu(finder.nginx_cpu)}"
        out.append(Row(
            f"first page load, {how}: Streamlit CPU per load ({loads} fresh Chromium loads each), bare page vs "
            f"finder `/?{FINDER_QUERY}`", value, f"finder ≤ {RATIO_TARGET:g}x bare", ratio <= RATIO_TARGET,
        ))  # fmt: skip
    sizes = sorted({n for s in made for n in s.bursts})
    for n in sizes:
        for mode, how in (("direct", "direct"), ("proxy", f"behind nginx ({backends} processes)")):
            bare, finder = by["bare", mode], by["finder", mode]
            target, met = ("0 dropped (finder)", finder.bursts[n].dropped == 0) if mode == "proxy" else ("", None)
            out.append(Row(
                f"{n} websocket sessions arriving together, {how}: time to first full script run, bare page; finder",
                f"bare: {_burst_text(bare.bursts[n])}; finder: {_burst_text(finder.bursts[n])}", target, met,
            ))  # fmt: skip
    return out


def run(
    loads: int = 10, sizes: Sequence[int] = (20, 50), backends: int = 2, deadline_seconds: float = 120.0,
    log_dir: Path = ROOT / "test-artifacts", browser=None,  # type: ignore[no-untyped-def]
) -> list[Row]:
    """Start the four set-ups, measure first loads (interleaved) and bursts, and return the table's rows.

    `browser`: a Playwright Chromium to use (the tests' own); by default Debian's Chromium is launched here.
    """
    with setups(backends, log_dir) as made:
        if browser is not None:
            clicks = _first_loads(browser, made, loads)
        else:
            from playwright.sync_api import sync_playwright

            from tests.browser import CHROMIUM, CHROMIUM_ARGS

            with sync_playwright() as playwright:
                launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    clicks = _first_loads(launched, made, loads)
                finally:
                    launched.close()
        # (after Playwright's sync API has let go of the thread's event loop, or in a thread of their own)
        for n in sizes:
            for setup in made:
                if setup.page in REFERENCES:
                    continue
                setup.bursts[n] = burst(setup.base_url, n, setup.query, deadline_seconds)
                time.sleep(SETTLE_SECONDS)
    return [*rows(made, backends, loads), *filter_click_rows(clicks)]


def _first_loads(browser, made: Sequence[Setup], loads: int) -> list[FilterClick]:  # type: ignore[no-untyped-def]
    for setup in made:  # a process's first load fills its caches: each one has it before we count
        for backend_url in setup.backend_urls:
            first_load(browser, setup, record=False, base_url=backend_url)
    finder = next(s for s in made if s.page == "finder" and s.mode == "direct")
    clicks = []
    for _ in range(loads):
        for setup in made:
            first_load(browser, setup)
        clicks.append(filter_click(browser, finder))
    return clicks
