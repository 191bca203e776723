"""`python -m deploy.serve` (or `make serve`): the finder behind nginx, with several Streamlit processes.

Starts K Streamlit processes of the app on free local ports (127.0.0.1 only), renders
`deploy/nginx.conf.template` for them into a fresh runtime folder and runs Debian's nginx in the
foreground until Ctrl-C (or SIGTERM), then stops everything it started. nginx serves Streamlit's frontend,
the map component's files and the app's ./static from disk (with .gz copies made once and kept in
`.serve-cache/`), and passes /_stcore/ (health, the session websocket, uploads) and /media/ to the
processes, sticky by cookie. The staff save lock is a file beside the data file, so all processes share it;
the staff geocoder's per-process rate limit is divided between the processes.

The tests and `make bench` use `serve()` and `streamlit_process()` from here.
"""

from __future__ import annotations

import argparse
import grp
import gzip
import hashlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from clinic_finder import PROCESSES_ENV_VAR

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
CACHE_DIR = ROOT / ".serve-cache"
AFFINITY_COOKIE = "iop_backend"
GEOCODER_DELAY_VARIABLE = "CLINIC_FINDER_GEOCODER_MIN_DELAY"
COMPRESSIBLE = frozenset({".js", ".mjs", ".css", ".html", ".json", ".svg", ".txt", ".csv"})

# How every Streamlit process is run here: local only, no file watching (nothing is edited in place on a
# server; the finder notices data edits itself), XSRF and CORS protection on whatever a config file says.
STREAMLIT_FLAGS = (
    "--server.headless", "true",
    "--server.address", "127.0.0.1",
    "--server.fileWatcherType", "none",
    "--server.runOnSave", "false",
    "--server.enableXsrfProtection", "true",
    "--server.enableCORS", "true",
    "--browser.gatherUsageStats", "false",
)  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_nginx() -> str:
    """Debian's nginx (`make browser` installs it); /usr/sbin is not on every user's PATH."""
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found is None:
        raise RuntimeError("nginx is not installed: `make browser` (or apt-get install nginx) installs it")
    return found


def streamlit_static_dir() -> Path:
    """Streamlit's built frontend (index.html, static/js, static/css, static/media) in the installed package."""
    import streamlit

    return Path(streamlit.__file__).parent / "static"


def folium_frontend_dir() -> Path:
    """streamlit-folium's built component, which Streamlit serves under /component/streamlit_folium.st_folium/."""
    import streamlit_folium

    return Path(streamlit_folium.__file__).parent / "frontend" / "build"


def _tree_key(source: Path) -> str:
    digest = hashlib.sha256(str(source.resolve()).encode())
    for path in sorted(source.rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(source)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _drop_broken_mirrors(cache_dir: Path) -> None:
    """Remove the mirrors in `cache_dir` with a link to a file that is gone (a package upgraded or removed, a
    checkout deleted): they can serve nothing right, and each holds megabytes of .gz copies."""
    if not cache_dir.is_dir():
        return
    for mirror in cache_dir.iterdir():
        if mirror.name.startswith(".") or not mirror.is_dir():
            continue  # a mirror being built (dot-named until it is renamed into place)
        if any(path.is_symlink() and not path.exists() for path in mirror.rglob("*")):
            shutil.rmtree(mirror, ignore_errors=True)


def gzip_mirror(source: Path, cache_dir: Path = CACHE_DIR) -> Path:
    """A folder that mirrors `source` with symlinks, plus a .gz beside each compressible file, for nginx's
    gzip_static. Made once per content of `source` (a new package version gets a new mirror, and mirrors whose
    files are gone are removed then)."""
    target = cache_dir / f"{source.name}-{_tree_key(source)}"
    if target.is_dir():
        return target
    _drop_broken_mirrors(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{source.name}-", dir=cache_dir))
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.suffix == ".gz":
            continue
        relative = path.relative_to(source)
        (building / relative).parent.mkdir(parents=True, exist_ok=True)
        (building / relative).symlink_to(path.resolve())
        if path.suffix in COMPRESSIBLE and path.stat().st_size >= 1000:
            compressed = gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)
            (building / relative).with_name(relative.name + ".gz").write_bytes(compressed)
    building.chmod(0o755)
    try:
        building.rename(target)
    except OSError:  # another launcher made it first
        shutil.rmtree(building, ignore_errors=True)
    return target


# The elements the finder draws on its first screen. Streamlit's frontend loads each element's code on first
# sight, one wave after another (a text input's module is only asked for once the rows above it are drawn);
# announcing them with the page (HTTP `Link: rel=modulepreload`) fetches them all at once, in parallel with
# Streamlit's own bundle. Names are the element sources in Streamlit's Vite manifest.
FIRST_SCREEN_ELEMENTS = (
    "components/widgets/BidiComponent/BidiComponent.tsx",
    "components/widgets/CustomComponent/ComponentInstance.tsx",
)


def _closure(manifest: dict, keys: Sequence[str]) -> dict[str, None]:
    """The .js files of manifest `keys` and of everything they import, in first-seen order."""
    files: dict[str, None] = {}
    stack, seen = list(keys), set()
    while stack:
        key = stack.pop()
        if key in seen or key not in manifest:
            continue
        seen.add(key)
        entry = manifest[key]
        if str(entry.get("file", "")).endswith(".js"):
            files[entry["file"]] = None
        stack.extend(entry.get("imports", []))
    return files


def preload_links(streamlit_static: Path, elements: Sequence[str] = FIRST_SCREEN_ELEMENTS) -> list[str]:
    """`Link` header values preloading the first screen's element modules and what they import, less what
    Streamlit's entry bundle loads anyway (from the installed Streamlit's manifest.json); [] without one."""
    try:
        manifest = json.loads((streamlit_static / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    wanted = [key for key in manifest if any(key.endswith(element) for element in elements)]
    early = _closure(manifest, [key for key, entry in manifest.items() if entry.get("isEntry")])
    return [f"</{name}>; rel=modulepreload" for name in sorted(_closure(manifest, wanted)) if name not in early]


def render_config(
    *, listen: str, backend_ports: Sequence[int], runtime: Path, streamlit_static: Path, folium_frontend: Path,
    app_static: Path, user_line: str = "", preload_elements: Sequence[str] = FIRST_SCREEN_ELEMENTS,
) -> str:
    """deploy/nginx.conf.template with every @NAME@ filled in, the page preloading `preload_elements`' modules; fails
    if a placeholder is left."""
    values = {
        "USER_LINE": user_line,
        "RUNTIME": str(runtime),
        "LISTEN": listen,
        "COOKIE": AFFINITY_COOKIE,
        "UPSTREAM_SERVERS": "\n".join(f"        server 127.0.0.1:{port};" for port in backend_ports),
        "STREAMLIT_STATIC": str(streamlit_static),
        "FOLIUM_FRONTEND": str(folium_frontend),
        "APP_STATIC": str(app_static),
        # One header line per module: nginx caps a single quoted parameter's length.
        "PRELOAD_HEADERS": "".join(f'\n            add_header Link "{link}" always;'
                                   for link in preload_links(streamlit_static, preload_elements) if '"' not in link),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    left = sorted(set(re.findall(r"@[A-Z_]+@", text)))
    if left:
        raise ValueError(f"nginx template placeholders left unfilled: {left}")
    return text


def _user_line() -> str:
    # As root, nginx's workers would drop to "nobody", who may not read the app's files: run them as the
    # owner of the app folder instead. Started by that user (as in production), there is nothing to switch.
    if os.geteuid() != 0:
        return "# workers run as the user who started nginx"
    stat = ROOT.stat()
    return f"user {pwd.getpwuid(stat.st_uid).pw_name} {grp.getgrgid(stat.st_gid).gr_name};"


def process_shares(backends: int, environ: dict[str, str] | None = None) -> dict[str, str]:
    """What each of `backends` processes is told so that limits counted per process hold for all of them together;
    a variable already set is kept as set.

    Staff geocoding (1 request/s for Nominatim): each process waits `backends` times as long. The sign-in throttles
    and the suggestion limit: each process takes its share (clinic_finder.server_processes)."""
    environ = dict(os.environ) if environ is None else environ
    from clinic_finder.geocode import GeocoderSettings

    wanted = {GEOCODER_DELAY_VARIABLE: f"{GeocoderSettings().min_delay_seconds * backends:g}",
              PROCESSES_ENV_VAR: str(backends)}
    return {name: value for name, value in wanted.items() if not environ.get(name)}


def healthy(base_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=timeout) as response:
            return response.read().strip() == b"ok"
    except OSError:
        return False


def _wait_healthy(base_url: str, process: subprocess.Popen, what: str, deadline_seconds: float) -> None:
    give_up = time.monotonic() + deadline_seconds
    while not healthy(base_url):
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        if time.monotonic() > give_up:
            raise TimeoutError(f"{what} did not become healthy in {deadline_seconds} s")
        time.sleep(0.1)


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Backend:
    """One Streamlit process of the app."""

    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_streamlit(
    script: str | Path = "app.py", env: dict[str, str] | None = None, log: IO | None = None, port: int | None = None,
) -> Backend:
    """Start one Streamlit process of `script` on 127.0.0.1 (a free port unless given); not yet waited for."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port), *STREAMLIT_FLAGS],
        cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT if log else None,
    )
    return Backend(port, process)


@contextmanager
def streamlit_process(
    script: str | Path = "app.py", env: dict[str, str] | None = None, log: IO | None = None,
    port: int | None = None, deadline_seconds: float = 60,
) -> Iterator[Backend]:
    """One Streamlit process of `script` on 127.0.0.1, healthy, until the block ends."""
    backend = start_streamlit(script, env, log, port)
    try:
        _wait_healthy(backend.url, backend.process, f"streamlit on port {backend.port}", deadline_seconds)
        yield backend
    finally:
        _stop(backend.process)


@dataclass
class Served:
    """nginx and the Streamlit processes behind it."""

    url: str
    backends: list[Backend]
    nginx: subprocess.Popen
    runtime: Path
    config: str = field(repr=False)

    def nginx_pids(self) -> list[int]:
        """nginx's master and workers (for CPU accounting)."""
        pids = [self.nginx.pid]
        try:
            children = Path(f"/proc/{self.nginx.pid}/task/{self.nginx.pid}/children").read_text().split()
        except OSError:
            children = []
        return pids + [int(pid) for pid in children]


@contextmanager
def serve(
    script: str | Path = "app.py", backends: int = 2, listen: str | None = None,
    env: dict[str, str] | None = None, log: IO | None = None, deadline_seconds: float = 60,
    preload_elements: Sequence[str] = FIRST_SCREEN_ELEMENTS,
) -> Iterator[Served]:
    """nginx on `listen` (default: a free port on 127.0.0.1) in front of `backends` processes of `script`, the page
    preloading `preload_elements`' modules (the finder's first screen; another page has its own, or none)."""
    script_path = (ROOT / script).resolve()
    env = {**process_shares(backends), **(env or {})}
    listen = listen or f"127.0.0.1:{free_port()}"
    port = listen.rsplit(":", 1)[-1]
    with ExitStack() as stack:
        started = [start_streamlit(script, env, log) for _ in range(backends)]
        for backend in started:
            stack.callback(_stop, backend.process)
        for backend in started:  # they start side by side
            _wait_healthy(backend.url, backend.process, f"streamlit on port {backend.port}", deadline_seconds)
        runtime = Path(tempfile.mkdtemp(prefix="iop-serve-"))
        stack.callback(shutil.rmtree, runtime, ignore_errors=True)
        runtime.chmod(0o755)
        config = render_config(
            listen=listen, backend_ports=[b.port for b in started], runtime=runtime,
            streamlit_static=gzip_mirror(streamlit_static_dir()), folium_frontend=gzip_mirror(folium_frontend_dir()),
            app_static=gzip_mirror(script_path.parent / "static"), user_line=_user_line(),
            preload_elements=preload_elements,
        )  # fmt: skip
        (runtime / "nginx.conf").write_text(config, encoding="utf-8")
        nginx = subprocess.Popen(
            [find_nginx(), "-p", str(runtime), "-c", str(runtime / "nginx.conf"), "-e", "stderr"],
            stdout=log, stderr=subprocess.STDOUT if log else None,
        )
        stack.callback(_stop, nginx)
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, nginx, "nginx", deadline_seconds)
        yield Served(url, started, nginx, runtime, config)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--backends", type=int, default=2, help="Streamlit processes (default 2)")
    parser.add_argument("--listen", default="8080", help="nginx's listen address, e.g. 8080 or 127.0.0.1:8080")
    parser.add_argument("--script", default="app.py", help="the Streamlit script to serve (default app.py)")
    args = parser.parse_args(argv)

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        with serve(args.script, args.backends, listen=args.listen) as served:
            port = args.listen.rsplit(":", 1)[-1]
            print(f"IOP finder: http://localhost:{port} (nginx, {len(served.backends)} Streamlit processes on "
                  f"ports {', '.join(str(b.port) for b in served.backends)}); Ctrl-C stops", flush=True)
            while served.nginx.poll() is None and all(b.process.poll() is None for b in served.backends):
                time.sleep(1)
            print("a process exited; stopping", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
