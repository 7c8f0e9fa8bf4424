"""A model is trained with one catalogue: the linker's fingerprint names it, so `make train` retrains when it changes."""

from __future__ import annotations

import sqlalchemy as sa

from bot.components.procedure_linker import ProcedureEntityLinker
from integrations.seed import seed_demo_dossiers, seed_if_empty
from procedures_db.db import session_scope
from procedures_db.models import Procedure


def _fingerprint(url: str) -> str:
    return ProcedureEntityLinker.fingerprint_addon({**ProcedureEntityLinker.get_default_config(), "database_url": url})


def _seeded(tmp_path, name: str) -> str:
    url = f"sqlite:///{tmp_path / name}"
    with session_scope(url) as session:
        seed_if_empty(session)
    return url


def test_the_same_catalogue_gives_the_same_fingerprint_and_other_data_does_not_count(tmp_path):
    first, second = _seeded(tmp_path, "a.db"), _seeded(tmp_path, "b.db")
    assert _fingerprint(first) == _fingerprint(second)
    with session_scope(second) as session:
        seed_demo_dossiers(session)  # dossiers are not what linking reads
    assert _fingerprint(first) == _fingerprint(second)


def test_a_new_alias_or_name_changes_the_fingerprint(tmp_path):
    url = _seeded(tmp_path, "c.db")
    before = _fingerprint(url)
    with session_scope(url) as session:
        procedure = session.scalar(sa.select(Procedure).where(Procedure.code == "1.001193"))
        procedure.aliases = [*procedure.aliases, "giấy khai sinh cho bé"]
    with_alias = _fingerprint(url)
    with session_scope(url) as session:
        session.scalar(sa.select(Procedure).where(Procedure.code == "1.001193")).name += " (mới)"
    assert len({before, with_alias, _fingerprint(url)}) == 3


def test_without_the_catalogue_the_fingerprint_says_so():
    assert _fingerprint("postgresql://nobody@127.0.0.1:1/none").endswith(":catalogue unavailable")
