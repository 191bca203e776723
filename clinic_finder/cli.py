"""The command line for staff and scripts: `python -m clinic_finder COMMAND --help`."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from clinic_finder import DEFAULT_CLINICS_CSV
from clinic_finder.csvfile import LoadResult, clinics_to_csv_bytes, read_clinics_csv
from clinic_finder.geo import PlaceError, resolve_place
from clinic_finder.schema import SEARCHABLE
from clinic_finder.search import search


def _print_problems(result: LoadResult, path: str) -> None:
    print(f"{path}: {len(result.problems)} problem(s); nothing was changed.", file=sys.stderr)
    for problem in result.problems:
        print(f"  {problem}", file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    result = read_clinics_csv(args.path)
    if not result.ok:
        _print_problems(result, args.path)
        return 1
    assert result.clinics is not None
    states = result.clinics["state"].value_counts().sort_index()
    by_state = ", ".join(f"{state} {count}" for state, count in states.items())
    print(f"{args.path}: {len(result.clinics)} valid clinics ({by_state}).")
    for note in result.notes:
        print(f"  note: {note}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    result = read_clinics_csv(args.csv)
    if not result.ok:
        _print_problems(result, str(args.csv))
        return 1
    assert result.clinics is not None
    try:
        place = resolve_place(args.zip)
    except PlaceError as error:
        print(str(error), file=sys.stderr)
        return 2
    found = search(
        result.clinics,
        origin=(place.lat, place.lon),
        radius_miles=args.radius,
        services=args.service,
        include_unknown=args.include_unknown,
    )
    rows = found.clinics
    if args.json:
        payload = {
            "origin": {"query": args.zip, "label": place.label, "lat": place.lat, "lon": place.lon},
            "radius_miles": args.radius,
            "services": args.service,
            "include_unknown": args.include_unknown,
            "confirmed": found.confirmed,
            "maybe": found.maybe,
            "clinics": [
                {
                    **{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in record.items()},
                    "distance_miles": round(record["distance_miles"], 2),
                }
                for record in rows.to_dict(orient="records")
            ],
        }
        json.dump(payload, sys.stdout, indent=2)
        print()
        return 0
    radius = "any distance" if args.radius is None else f"{args.radius:g} miles"
    print(
        f"{found.confirmed} clinic(s) within {radius} of {place.label} confirmed; "
        f"{found.maybe} more might (some service unknown)" + ("" if args.include_unknown else ", not shown")
    )
    for record in rows.to_dict(orient="records"):
        site = f" — {record['site']}" if record["site"] else ""
        unknown = f"  [unknown: {record['unknown_services']} — call to confirm]" if record["unknown_services"] else ""
        print(
            f"{record['distance_miles']:6.1f} mi  {record['name']}{site}, {record['city']} {record['state']}  "
            f"{record['phone']}{unknown}"
        )
    return 0


def cmd_import_samhsa(args: argparse.Namespace) -> int:
    from clinic_finder.samhsa import import_directory  # openpyxl is only needed here

    result = import_directory(args.xlsx, states=[s for s in args.states.split(",") if s.strip()])
    if not result.ok:
        _print_problems(result, str(args.xlsx))
        return 1
    assert result.clinics is not None
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_bytes(clinics_to_csv_bytes(result.clinics))
    print(f"wrote {len(result.clinics)} clinics to {args.out}")
    return 0


def cmd_data_dictionary(args: argparse.Namespace) -> int:
    from clinic_finder.schema import data_dictionary_markdown

    print(data_dictionary_markdown(), end="")
    return 0


def _radius(text: str) -> float | None:
    if text.lower() in {"any", "none", ""}:
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"radius must be a number of miles or 'any' (got {text!r})") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"radius must be zero or more miles (got {text!r})")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m clinic_finder", description="Find and maintain intensive outpatient programs (IOP)."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate", help="check a clinics CSV", description="Check a clinics CSV and list every problem."
    )
    validate.add_argument("path", help="the CSV file, e.g. data/clinics.csv")
    validate.set_defaults(func=cmd_validate)

    find = commands.add_parser(
        "search", help="find clinics near a ZIP code", description="Find clinics near a ZIP code or 'City, ST'."
    )
    find.add_argument("--zip", required=True, help="ZIP code (60613), ZIP+4 or 'City, ST'")
    find.add_argument("--radius", type=_radius, default=25.0, help="miles, or 'any' (default 25)")
    find.add_argument(
        "--service",
        action="append",
        default=[],
        choices=list(SEARCHABLE),
        metavar="SERVICE",
        help="required service, repeatable; one of: " + ", ".join(SEARCHABLE),
    )
    find.add_argument("--include-unknown", action="store_true", help="also list clinics where a service is unknown")
    find.add_argument("--json", action="store_true", help="print JSON instead of a table")
    find.add_argument("--csv", default=str(DEFAULT_CLINICS_CSV), help="clinics file (default: data/clinics.csv)")
    find.set_defaults(func=cmd_search)

    importer = commands.add_parser(
        "import-samhsa",
        help="build a clinics CSV from SAMHSA's directory",
        description="Build a clinics CSV from SAMHSA's National Directory (xlsx): every facility in the "
        "given states that lists intensive outpatient treatment (OIT).",
    )
    importer.add_argument("xlsx", help="the directory workbook, e.g. data/sources/national-directory-...xlsx")
    importer.add_argument("--out", required=True, help="where to write the CSV")
    importer.add_argument("--states", default="IL,TX", help="comma-separated state codes (default IL,TX)")
    importer.set_defaults(func=cmd_import_samhsa)

    dictionary = commands.add_parser(
        "data-dictionary",
        help="print the CSV data dictionary (Markdown)",
        description="Print the data dictionary of the clinics CSV, generated from the schema, as a Markdown table.",
    )
    dictionary.set_defaults(func=cmd_data_dictionary)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))
