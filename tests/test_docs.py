"""The README keeps its promises: two quick-start commands, and a data dictionary that matches the schema."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clinic_finder.schema import COLUMNS, SERVICE_COLUMNS, data_dictionary_markdown

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, flags=re.MULTILINE | re.DOTALL)
    assert match, f"README has no section '{title}'"
    return match.group(1)


def test_quick_start_has_exactly_two_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", section("Quick start"), flags=re.DOTALL)
    commands = [line for block in blocks for line in block.splitlines() if line.strip()]
    assert commands == ["make run", "make test"]


def test_data_dictionary_is_the_generated_one() -> None:
    embedded = README.split("<!-- data-dictionary:start -->\n")[1].split("<!-- data-dictionary:end -->")[0]
    assert embedded == data_dictionary_markdown()


@pytest.mark.parametrize("column", COLUMNS)
def test_every_column_is_documented(column: str) -> None:
    assert f"| `{column}` |" in README


@pytest.mark.parametrize("column", SERVICE_COLUMNS)
def test_every_service_has_its_help_text_in_the_readme(column: str) -> None:
    from clinic_finder.schema import COLUMN_INFO

    assert COLUMN_INFO[column].help in README


def test_readme_attributes_its_sources() -> None:
    for needle in ("National Directory of Substance Use Treatment Facilities 2023", "GeoNames", "public domain"):
        assert needle in README
