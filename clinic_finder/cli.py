"""The command line for staff and scripts: `python -m clinic_finder COMMAND --help`."""

from __future__ import annotations

import argparse
import getpass
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from clinic_finder import DEFAULT_CLINICS_CSV, data_path
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


def _print_diff_table(rows: list[dict[str, str]], out: Any = sys.stdout) -> None:
    """The Staff page's old -> new table, as text."""
    headers = ["change", "id", "field", "old", "new"]
    cells = [[str(row[h])[:60] for h in headers] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)] if cells else []
    for line in [headers, *cells]:
        print("  " + "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)), file=out)


def cmd_import_samhsa(args: argparse.Namespace) -> int:
    from clinic_finder.corrections import CorrectionError
    from clinic_finder.reimport import merge_import
    from clinic_finder.samhsa import SOURCE, import_directory  # openpyxl is only needed here
    from clinic_finder.store import read_snapshot, save_clinics

    try:
        result = import_directory(args.xlsx, states=[s for s in args.states.split(",") if s.strip()])
    except CorrectionError as error:
        print(f"nothing was written: {error}", file=sys.stderr)
        return 1
    if not result.ok:
        _print_problems(result, str(args.xlsx))
        return 1
    assert result.clinics is not None
    out = Path(args.out)
    current = read_snapshot(out)
    if current.fingerprint is None:  # a new file: nothing to keep
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(clinics_to_csv_bytes(result.clinics))
        print(f"wrote {len(result.clinics)} clinics to {args.out}")
        return 0
    if not current.result.ok:
        print(f"{args.out} has problems, so it was not merged or replaced; fix it or move it away first.",
              file=sys.stderr)
        _print_problems(current.result, str(args.out))
        return 1
    # The sources' prefix without the edition: rows of any edition of this directory may be replaced.
    merged = merge_import(current.result.clinics, result.clinics, SOURCE.rsplit(" ", 1)[0], args.replace_checked)
    if not merged.conflicts.empty:
        print(f"{len(merged.conflicts.changed)} clinic(s) checked or edited by staff where the directory now says "
              "something else " + ("(replaced, as --replace-checked asks):" if args.replace_checked else
                                   "(kept as they are; use --replace-checked to take the directory's values):"))
        _print_diff_table(merged.conflicts.rows())
    saved = save_clinics(out, merged.clinics, current.fingerprint, args.staff or f"{_cli_label()} import-samhsa",
                         action="import")
    print(merged.summary())
    print(f"wrote {len(merged.clinics)} clinics to {args.out}" if saved.saved else f"{args.out} is unchanged")
    return 0


def cmd_data_dictionary(args: argparse.Namespace) -> int:
    from clinic_finder.schema import data_dictionary_markdown

    print(data_dictionary_markdown(), end="")
    return 0


def cmd_hash_password(args: argparse.Namespace) -> int:
    from clinic_finder.auth import HASH_ENV_VAR, hash_password

    # getpass: the password is never echoed, never in shell history, never an argument other users can see.
    password = getpass.getpass("New staff password: ")
    if len(password) < args.min_length:
        print(f"The password must have at least {args.min_length} characters; nothing was printed.", file=sys.stderr)
        return 1
    if getpass.getpass("Type it again: ") != password:
        print("The two passwords differ; nothing was printed.", file=sys.stderr)
        return 1
    print(hash_password(password))
    print(
        "Put this hash in .streamlit/secrets.toml as  [staff]  password_hash = \"...\"  "
        f"or in the environment variable {HASH_ENV_VAR}.",
        file=sys.stderr,
    )
    return 0


def _read_new_password(args: argparse.Namespace) -> str | None:
    """The new password from stdin (--password-stdin, for scripts) or typed twice; None after a message."""
    from clinic_finder.accounts import AccountError, check_password_strength

    if args.password_stdin:
        # One line; the newline the shell or a pipe adds is not part of the password.
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        # getpass: never echoed, never in shell history, never an argument other users can see.
        password = getpass.getpass(f"New password for {args.name}: ")
    try:
        check_password_strength(password, args.min_length)
    except AccountError as error:
        print(f"{error} Nothing was changed.", file=sys.stderr)
        return None
    if not args.password_stdin and getpass.getpass("Type it again: ") != password:
        print("The two passwords differ. Nothing was changed.", file=sys.stderr)
        return None
    return password


def _known_clinic_ids(csv_path: str) -> set[str] | None:
    result = read_clinics_csv(csv_path)
    return None if result.clinics is None or not result.ok else set(result.clinics["id"])


def cmd_user(args: argparse.Namespace) -> int:
    from clinic_finder import accounts
    from clinic_finder.auth import hash_password

    path = Path(args.accounts).expanduser() if args.accounts else accounts.default_accounts_path()
    try:
        if args.user_command == "list":
            listed = accounts.list_accounts(path)
            if not listed:
                print(f"No accounts in {path}.")
            for account in listed:
                clinics = ", ".join(account.clinic_ids) if account.clinic_ids else "every clinic"
                print(f"{account.name:<{accounts.MAX_NAME_CHARS}}  {account.role.value:<10}  {clinics}  "
                      f"(created {account.created or '?'}, password set {account.password_changed or '?'})")
        elif args.user_command == "add":
            accounts.check_name(args.name)  # before asking for a password
            known = _known_clinic_ids(args.csv) if args.role == accounts.Role.CLINIC else None
            password = _read_new_password(args)
            if password is None:
                return 1
            added = accounts.add_account(path, args.name, args.role, hash_password(password), args.clinic,
                                         known_clinic_ids=known)
            where = ", ".join(added.clinic_ids) if added.clinic_ids else "every clinic"
            print(f"Added {added.name} ({added.role.value}: {where}) to {path}.")
        elif args.user_command == "remove":
            removed = accounts.remove_account(path, args.name)
            print(f"Removed {removed.name}; it is signed out on its next click.")
        elif args.user_command == "reset":
            name = accounts.normalize_name(args.name)
            if name not in accounts.load_accounts(path):  # before asking for a password
                raise accounts.AccountError(f"There is no account called '{name}'.")
            password = _read_new_password(args)
            if password is None:
                return 1
            reset = accounts.reset_password(path, args.name, hash_password(password))
            print(f"New password set for {reset.name}; its open sessions are signed out.")
    except accounts.AccountError as error:
        print(f"{error} Nothing was changed.", file=sys.stderr)
        return 1
    except accounts.AccountsFileError as error:
        print(f"{path}: {error}. Nothing was changed; fix or move the file.", file=sys.stderr)
        return 1
    for warning in accounts.file_warnings(path):
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def cmd_suggestions(args: argparse.Namespace) -> int:
    from clinic_finder import suggestions

    if args.suggestions_command == "archive":
        moved, archive = suggestions.archive_resolved(args.csv)
        if archive is None:
            print("No resolved suggestions to archive.")
        else:
            print(f"Moved {moved} resolved suggestion(s) to {archive}; the open ones stay in the queue.")
        return 0
    entries = suggestions.read_queue(args.csv)
    open_ = sum(1 for e in entries if e.status == "open")
    size = suggestions.queue_path(args.csv).stat().st_size if entries else 0
    percent = round(100 * size / suggestions.MAX_QUEUE_BYTES)
    print(f"{open_} open, {len(entries) - open_} resolved; the queue file uses {percent}% of its size limit.")
    return 0


def _cli_label() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no user name in this environment (some containers)
        return "cli"


def cmd_geocode(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from clinic_finder.geocode import GeocoderSettings, locate, make_geocoder, settings_from_env
    from clinic_finder.store import InvalidClinics, SaveBusy, SaveConflict, read_snapshot, save_clinics

    snapshot = read_snapshot(args.path)
    if not snapshot.result.ok or snapshot.result.clinics is None:
        _print_problems(snapshot.result, args.path)
        return 1
    clinics = snapshot.result.clinics.copy()
    defaults = settings_from_env()
    settings = GeocoderSettings(
        user_agent=args.user_agent or defaults.user_agent,
        domain=args.domain or defaults.domain,
        scheme=args.scheme or defaults.scheme,
        timeout_seconds=args.timeout,
        min_delay_seconds=defaults.min_delay_seconds if args.min_delay is None else args.min_delay,
        max_retries=args.retries,
        retry_wait_seconds=args.retry_wait,
    )
    geocode = make_geocoder(settings)
    todo = clinics.index[clinics["location_precision"] == "zip"] if args.only_approximate else clinics.index
    counts = {"address": 0, "zip": 0, "unplaced": 0, "skipped": 0}
    fallbacks: list[str] = []
    unreachable_in_a_row = 0
    for index in tqdm(todo, desc="geocoding", unit="clinic", file=sys.stderr):
        if unreachable_in_a_row >= args.give_up_after:
            # The geocoder is down: leave the rest as they are rather than wait out every timeout.
            counts["skipped"] += 1
            continue
        row = clinics.loc[index].to_dict()
        located = locate(row, geocode)
        unreachable_in_a_row = unreachable_in_a_row + 1 if located.failure == "unreachable" else 0
        if located.precision is None:
            counts["unplaced"] += 1
            fallbacks.append(f"{row['id']}: {located.message}")
            continue
        clinics.loc[index, ["lat", "lon", "location_precision"]] = [located.lat, located.lon, located.precision.value]
        counts[located.precision.value] += 1
        if located.failure:
            fallbacks.append(f"{row['id']}: {located.message}")
    for line in fallbacks:
        print(f"  {line}", file=sys.stderr)
    print(
        f"{len(todo)} clinic(s) to locate: {counts['address']} at the street address, {counts['zip']} at the "
        f"ZIP centre (approximate), {counts['unplaced']} not placed, {counts['skipped']} skipped because the "
        "geocoder stopped answering."
    )
    try:
        result = save_clinics(args.path, clinics, snapshot.fingerprint, args.staff or _cli_label(), action="geocode")
    except SaveConflict as conflict:
        print(conflict.explanation(), file=sys.stderr)
        return 2
    except (InvalidClinics, SaveBusy) as error:
        print(f"nothing was saved: {error}", file=sys.stderr)
        for problem in getattr(error, "problems", []):
            print(f"  {problem}", file=sys.stderr)
        return 1
    if result.saved:
        backup = f"; the previous version is in {result.backup}" if result.backup else ""
        print(f"saved {args.path} ({result.diff.summary()}){backup}")
    else:
        print(f"{args.path} is unchanged")
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
        "given states that lists intensive outpatient treatment (OIT), with data/sources/corrections.csv applied. "
        "If --out exists, rows a person has checked are kept and conflicts are listed; the save is locked, "
        "backed up and audited like a staff save.",
    )
    importer.add_argument("xlsx", help="the directory workbook, e.g. data/sources/national-directory-...xlsx")
    importer.add_argument("--out", required=True, help="where to write the CSV")
    importer.add_argument("--states", default="IL,TX", help="comma-separated state codes (default IL,TX)")
    importer.add_argument("--replace-checked", action="store_true",
                          help="take the directory's values even for rows a person has checked or staff edited in "
                          "the app (default: keep those rows and list where the directory differs)")
    importer.add_argument("--staff", help="label for the audit log (default cli:<your user name> import-samhsa)")
    importer.set_defaults(func=cmd_import_samhsa)

    dictionary = commands.add_parser(
        "data-dictionary",
        help="print the CSV data dictionary (Markdown)",
        description="Print the data dictionary of the clinics CSV, generated from the schema, as a Markdown table.",
    )
    dictionary.set_defaults(func=cmd_data_dictionary)

    hasher = commands.add_parser(
        "hash-password",
        help="make a staff password hash",
        description="Ask for a staff password (twice, not echoed) and print its argon2id hash for "
        ".streamlit/secrets.toml ([staff] password_hash) or CLINIC_FINDER_STAFF_PASSWORD_HASH.",
    )
    hasher.add_argument("--min-length", type=int, default=12, help="shortest password accepted (default 12)")
    hasher.set_defaults(func=cmd_hash_password)

    users = commands.add_parser(
        "user",
        help="manage staff accounts (maintainers and clinics)",
        description="Add, list, remove staff accounts or reset a password. Accounts live in a JSON file outside "
        "the app's folder: --accounts, else $CLINIC_FINDER_ACCOUNTS, else $XDG_CONFIG_HOME/clinic-finder/"
        "accounts.json (~/.config/clinic-finder/accounts.json). Passwords are asked twice and never shown; "
        "only their argon2id hashes are stored, and never printed.",
    )
    users.add_argument("--accounts", help="the accounts file (default: $CLINIC_FINDER_ACCOUNTS or "
                       "~/.config/clinic-finder/accounts.json)")
    # --accounts works before or after the sub-command; SUPPRESS keeps an absent one from hiding the other.
    accounts_option = argparse.ArgumentParser(add_help=False)
    accounts_option.add_argument("--accounts", default=argparse.SUPPRESS, help="the accounts file")
    user_commands = users.add_subparsers(dest="user_command", required=True, metavar="USER_COMMAND")
    user_list = user_commands.add_parser("list", parents=[accounts_option],
                                         help="list accounts (names, roles, clinics; never hashes)")
    user_list.set_defaults(func=cmd_user)
    user_add = user_commands.add_parser("add", parents=[accounts_option], help="add an account")
    user_add.add_argument("name", help="account name: lowercase letters, digits, hyphens (e.g. ann, symetria-chicago)")
    user_add.add_argument("--role", required=True, choices=["maintainer", "clinic"],
                          help="maintainer: everything; clinic: only its own clinics' rows")
    user_add.add_argument("--clinic", action="append", default=[], metavar="ID",
                          help="a clinic id this clinic account may edit (repeatable; must be in the clinics list)")
    user_add.add_argument("--csv", default=str(data_path()),
                          help="the clinics list the ids are checked against (default: the app's)")
    user_reset = user_commands.add_parser("reset", parents=[accounts_option], help="give an account a new password")
    user_reset.add_argument("name")
    for command in (user_add, user_reset):
        command.add_argument("--password-stdin", action="store_true",
                             help="read the password from the first line of standard input (for scripts)")
        command.add_argument("--min-length", type=int, default=12, help="shortest password accepted (default 12)")
        command.set_defaults(func=cmd_user)
    user_remove = user_commands.add_parser("remove", parents=[accounts_option],
                                           help="remove an account (signed out on its next click)")
    user_remove.add_argument("name")
    user_remove.set_defaults(func=cmd_user)

    queue = commands.add_parser(
        "suggestions",
        help="the visitors' suggestion queue",
        description="Visitors' 'suggest a correction' notes are queued in suggestions.jsonl beside the clinics "
        "CSV and reviewed on the Staff page. 'status' counts them; 'archive' moves resolved ones to "
        "suggestions-archive-<time>.jsonl, making room when the queue is full.",
    )
    queue.add_argument("suggestions_command", choices=["status", "archive"])
    queue.add_argument("--csv", default=str(data_path()), help="the clinics CSV the queue sits beside "
                       "(default: the app's)")
    queue.set_defaults(func=cmd_suggestions)

    locator = commands.add_parser(
        "geocode",
        help="locate clinics' street addresses",
        description="Geocode each clinic's street address (Nominatim by default, at most one request a "
        "second) and save the file like the staff page does (lock, backup, audit log). A clinic the "
        "geocoder cannot find gets its ZIP centre with location_precision = zip.",
    )
    locator.add_argument("path", help="the CSV file, e.g. data/clinics.csv")
    locator.add_argument("--only-approximate", action="store_true",
                         help="only clinics whose location_precision is zip")
    locator.add_argument("--user-agent", help="identify this app to the geocoder (Nominatim requires it)")
    locator.add_argument("--domain", help="geocoder host[:port] (default nominatim.openstreetmap.org)")
    locator.add_argument("--scheme", choices=["https", "http"], help="default https")
    locator.add_argument("--min-delay", type=float, help="seconds between requests (default 1, Nominatim's limit)")
    locator.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for an answer (default 10)")
    locator.add_argument("--retries", type=int, default=1, help="retries after a network error (default 1)")
    locator.add_argument("--retry-wait", type=float, default=2.0, help="seconds before a retry (default 2)")
    locator.add_argument("--give-up-after", type=int, default=5,
                         help="stop asking after this many unreachable answers in a row (default 5)")
    locator.add_argument("--staff", help="label for the audit log (default cli:<your user name>)")
    locator.set_defaults(func=cmd_geocode)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))
