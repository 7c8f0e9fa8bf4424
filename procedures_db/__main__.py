"""Command line: ``python -m procedures_db COMMAND``.

Commands: migrate, import FILE, import-portal [PATH...] [--if-changed] [--report FILE.csv], export [FILE], seed,
search TEXT, serve, import-dossiers FILE.csv, seed-dossiers, sync-dossiers [--once | --interval SECONDS].
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from core.settings import current as settings
from procedures_db.db import database_url, session_scope


def _missing(path: Path) -> bool:
    """Says so when the file to import is not there."""
    if path.is_file():
        return False
    print(f"Không tìm thấy tệp / file not found: {path}", file=sys.stderr)
    return True


def _import(args) -> int:
    from integrations.catalogue_import import import_file

    if _missing(args.file):
        return 2
    with session_scope() as session:
        summary = import_file(
            session,
            args.file,
            progress=sys.stderr.isatty() or args.progress,
            source={"kind": "file", "file": args.file.name},
        )
    for rejection in summary.rejected:
        print(f"rejected {rejection}", file=sys.stderr)
    print(summary)
    return 1 if summary.rejected and not (summary.inserted or summary.updated or summary.unchanged) else 0


def _import_portal(args) -> int:
    from integrations.portal_import import import_if_changed, import_portal

    paths = args.paths or list(settings().catalogue_import)
    named = "" if args.paths else " (CATALOGUE_IMPORT)"
    if not paths:
        if args.if_changed:
            print("CATALOGUE_IMPORT is not set: the catalogue stays as it is (the shipped seed on a new database)")
            return 0
        print("name the files or folders to import, or set CATALOGUE_IMPORT", file=sys.stderr)
        return 2
    progress = sys.stderr.isatty() or args.progress
    try:
        with session_scope() as session:
            if args.if_changed:
                files, report = import_if_changed(session, paths, progress=progress)
            else:
                files, report = [], import_portal(session, paths, progress=progress)
    except FileNotFoundError as exc:
        print(f"Không tìm thấy tệp / file not found: {exc}{named}", file=sys.stderr)
        return 2
    if report is None:
        print(f"national catalogue: {len(files)} file(s) unchanged since their import{named}: nothing to do")
        return 0
    for row in report.rejected:
        print(
            f"rejected {row.file} line {row.line}" + (f" ({row.code})" if row.code else "") + f": {row.reason}",
            file=sys.stderr,
        )
    print(report.summary())
    print(report.field_table())
    print(
        f"{len(report.unknown)} fields left unknown in {len({(r.file, r.line) for r in report.unknown})} records"
        + (f": see {args.report}" if args.report else " (--report FILE.csv lists them)")
    )
    if args.report:
        with open(args.report, "w", encoding="utf-8", newline="") as stream:
            report.write_csv(stream)
    return 1 if report.rejected and not report.imported else 0


def _export(args) -> int:
    from integrations.catalogue_import import export_records

    with session_scope() as session:
        if args.file:
            with open(args.file, "w", encoding="utf-8") as stream:
                count = export_records(session, stream)
        else:
            count = export_records(session, sys.stdout)
    print(f"{count} procedures exported", file=sys.stderr)
    return 0


def _seed(_args) -> int:
    from integrations.seed import rename_seed_codes, seed_if_empty

    with session_scope() as session:
        for old, done in rename_seed_codes(session).items():
            print(f"seed code {old}: {done} (national code)")
        summary = seed_if_empty(session)
    if summary is None:
        print(f"catalogue already loaded ({database_url().split('@')[-1]})")
    else:
        print(f"seed catalogue: {summary}")
        for rejection in summary.rejected:
            print(f"rejected {rejection}", file=sys.stderr)
    return 0


def _search(args) -> int:
    from services.catalogue import search_procedures

    with session_scope() as session:
        result = search_procedures(session, " ".join(args.text), limit=args.limit)
    for hit in result.hits:
        print(f"{hit.score:.3f}  R={hit.recall:.2f} P={hit.precision:.2f}  {hit.code:12} {hit.name}")
    if result.ambiguous:
        print("ambiguous between:", ", ".join(h.code for h in result.ambiguous_with))
    return 0


def _serve(args) -> int:
    from webapp.api import create_app
    from core.redaction import install_log_redaction

    install_log_redaction()  # request logs may carry dossier codes and phone numbers

    create_app().run(host=args.host, port=args.port, access_log=False, workers=1)
    return 0


def _import_support_points(args) -> int:
    from integrations.seed import load_support_points

    if _missing(args.file):
        return 2
    try:
        with session_scope() as session:
            count = load_support_points(session, args.file)
    except ValueError as exc:  # JSONDecodeError is one
        print(exc, file=sys.stderr)
        return 2
    print(f"support points: {count} read from {args.file} (upserted by key)")
    return 0


def _import_dossiers(args) -> int:
    from core.dossier_rules import PhoneHashKeyMissing
    from integrations.dossier_csv import import_dossiers_csv

    if _missing(args.file):
        return 2
    try:
        with session_scope() as session:
            summary = import_dossiers_csv(session, args.file)
    except (PhoneHashKeyMissing, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    for rejection in summary.rejected:
        print(f"rejected {rejection}", file=sys.stderr)
    print(f"dossiers: {summary}")
    return 1 if summary.rejected and not summary.accepted else 0


def _seed_dossiers(_args) -> int:
    from core.dossier_rules import PhoneHashKeyMissing
    from integrations.seed import seed_demo_dossiers

    try:
        with session_scope() as session:
            count = seed_demo_dossiers(session)
    except PhoneHashKeyMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"{count} demo dossiers seeded" if count else "dossiers already present: demo seed skipped")
    return 0


def _migrate(args) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from procedures_db.db import get_engine
    from procedures_db.migrate import current_revision, head_revision

    try:
        engine = get_engine()  # runs the migrations the database lacks
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        print(f"migration failed: {exc}", file=sys.stderr)
        return 1
    print(f"database schema at revision {revision} (newest: {head_revision()})")
    return 0 if revision == head_revision() else 1


def _positive_seconds(value: str) -> float:
    seconds = float(value)
    if seconds <= 0:
        raise argparse.ArgumentTypeError("must be a number of seconds > 0")
    return seconds


def _sync_dossiers(args) -> int:
    import time

    from core.dossier_rules import PhoneHashKeyMissing
    from integrations.one_stop_sync import DossierSyncClient, SyncError

    try:
        client = DossierSyncClient.from_env()
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    logger = logging.getLogger("integrations.one_stop_sync")
    try:
        while True:
            try:
                with session_scope() as session:
                    summary = client.sync_once(session)
                print(f"dossier sync: {summary}")
                status = 0
            except PhoneHashKeyMissing as exc:
                print(exc, file=sys.stderr)
                return 2
            except SyncError as exc:  # the endpoint is down: say so, try again next interval
                logger.error("dossier sync failed: %s", exc)
                status = 1
            if not args.interval:
                return status
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return 0
    finally:
        client.close()


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=settings().log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m procedures_db", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("migrate", help="bring the database schema to the newest migration").set_defaults(run=_migrate)
    command = commands.add_parser("import", help="import procedure records (JSON lines or a JSON array)")
    command.add_argument("file", type=Path)
    command.add_argument("--progress", action="store_true", help="show a progress bar even when not on a terminal")
    command.set_defaults(run=_import)

    command = commands.add_parser(
        "import-portal", help="import national portal pages (files or folders of .jsonl, .json, .gz)"
    )
    command.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="files or folders (default: those of CATALOGUE_IMPORT)"
    )
    command.add_argument(
        "--if-changed",
        action="store_true",
        help="import only the files whose content is not yet in the store (what make run does)",
    )
    command.add_argument(
        "--report",
        type=Path,
        metavar="FILE.csv",
        help="write each rejected line and each field left unknown, with the reason, as CSV",
    )
    command.add_argument("--progress", action="store_true", help="show a progress bar even when not on a terminal")
    command.set_defaults(run=_import_portal)

    command = commands.add_parser("export", help="export the catalogue as JSON lines")
    command.add_argument("file", nargs="?", type=Path)
    command.set_defaults(run=_export)

    commands.add_parser("seed", help="load the shipped seed data into an empty database").set_defaults(run=_seed)

    command = commands.add_parser("search", help="search the catalogue")
    command.add_argument("text", nargs="+")
    command.add_argument("--limit", type=int, default=5)
    command.set_defaults(run=_search)

    command = commands.add_parser("serve", help="serve the HTTP API and the web chat page")
    command.add_argument("--host", default=settings().api_host)
    command.add_argument("--port", type=int, default=settings().api_port)
    command.set_defaults(run=_serve)

    command = commands.add_parser(
        "import-support-points", help="load the province's support points (a JSON array, upserted by key)"
    )
    command.add_argument("file", type=Path)
    command.set_defaults(run=_import_support_points)

    command = commands.add_parser("import-dossiers", help="import dossiers from a CSV file (header = contract fields)")
    command.add_argument("file", type=Path)
    command.set_defaults(run=_import_dossiers)

    commands.add_parser("seed-dossiers", help="load the demo dossiers into an empty dossiers table").set_defaults(
        run=_seed_dossiers
    )

    command = commands.add_parser("sync-dossiers", help="pull dossier updates from ONE_STOP_SYNC_URL")
    when = command.add_mutually_exclusive_group()
    when.add_argument("--once", action="store_true", help="sync once and exit (the default)")
    when.add_argument(
        "--interval", type=_positive_seconds, metavar="SECONDS", help="sync again every SECONDS until stopped"
    )
    command.set_defaults(run=_sync_dossiers)

    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
