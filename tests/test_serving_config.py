"""Server settings that the finder's speed under load depends on, and what they assume of the pages."""

from __future__ import annotations

import ast
import tomllib

import pytest

from tests.browser import ROOT

PAGES = ["app.py", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))]


def test_streamlit_runs_no_full_collection_after_each_run_and_no_magic() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"] == {"postScriptGC": False, "magicEnabled": False}
    assert config["browser"]["gatherUsageStats"] is False
    # No per-session file watchers (they were about 40% of a first load's server CPU).
    assert config["server"]["fileWatcherType"] == "none"


@pytest.mark.parametrize("page", PAGES)
def test_no_page_relies_on_magic(page: str) -> None:
    """With magic off, a bare expression (not a call or docstring) would silently show nothing."""
    tree = ast.parse((ROOT / page).read_text(encoding="utf-8"))
    bare = []
    for parent in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            statements = getattr(parent, field, None)
            if not isinstance(statements, list):
                continue
            for position, node in enumerate(statements):
                if not isinstance(node, ast.Expr) or isinstance(node.value, ast.Call | ast.Await | ast.Yield):
                    continue
                if position == 0 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    continue  # a docstring
                bare.append(f"line {node.lineno}: {ast.unparse(node)[:60]}")
    assert bare == [], f"{page} relies on Streamlit magic (off in .streamlit/config.toml): {bare}"
