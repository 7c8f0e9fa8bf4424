"""``python -m webapp.staff create-admin|create-staff``: staff console accounts from the command line.

The password is read from the terminal (asked twice, not echoed) or, with
``--password-stdin``, from the first line of standard input: never from the
command line, where other users and the shell history would see it.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from procedures_db.db import session_scope
from services.staff import StaffError, create_account


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise StaffError("mismatch", "the two passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webapp.staff", description="Staff console accounts.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("create-admin", "create a province administrator (the first account)"),
        ("create-staff", "create a commune's support staff account"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("username", help="user name: a-z, digits, '.', '_', '-'")
        command.add_argument("--name", required=True, help="the name shown in the console and the audit log")
        command.add_argument("--commune", help="the support point's commune")
        command.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args(argv)
    role = "province_admin" if args.command == "create-admin" else "commune_staff"
    try:
        password = _password(args.password_stdin)
        with session_scope() as session:
            account = create_account(session, args.username, args.name, role, password, args.commune)
            username = account.username
    except StaffError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (EOFError, KeyboardInterrupt):
        print("error: no password given", file=sys.stderr)
        return 2
    print(f"created {role} account {username}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
