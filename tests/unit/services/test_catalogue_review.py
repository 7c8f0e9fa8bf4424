"""Catalogue review (services/catalogue_review.py) on real SQLite and PostgreSQL: an alias an administrator adds is
linked by the NLU's linker and searched, a hidden procedure is found nowhere, a corrected fact is answered with its
note; every change is audited; the imported record itself is never changed."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message
from sqlalchemy import select

from actions.answers import answer_reply
from bot.components.normalizer import VietnameseNormalizer
from bot.components.procedure_linker import ProcedureEntityLinker
from integrations.seed import seed_if_empty
from procedures_db.db import session_scope
from procedures_db.models import Procedure, StaffAccount, StaffAuditEntry
from services import catalogue, catalogue_review, staff
from tests.unit.procedures_db.test_migrations import empty_database  # noqa: F401

PASSWORD = "mat-khau-du-dai-1"
BIRTH = "1.001193"  # đăng ký khai sinh (the shipped seed)
NEW_ALIAS = "giấy chào đời cho em bé"  # nobody's folk name until the administrator adds it


@pytest.fixture
def db(empty_database, monkeypatch):  # noqa: F811 (SQLite, then a new database on a real PostgreSQL)
    monkeypatch.setenv("DATABASE_URL", empty_database)
    monkeypatch.setattr(catalogue, "INDEX_CHECK_SECONDS", 0.0)  # the real cache, looked at on every call
    with session_scope(empty_database) as session:
        seed_if_empty(session)
        staff.create_account(session, "quantri", "Quản trị tỉnh", "province_admin", PASSWORD)
        hash_ = session.scalar(select(StaffAccount.password_hash))
        staff.store.add_account(session, "xa.an", "Cán bộ An", "commune_staff", hash_, "Xã An Bình")
    return empty_database


def identity(url: str, username: str = "quantri") -> staff.Identity:
    with session_scope(url) as session:
        _, token, _ = staff.login(session, username, PASSWORD)
        found = staff.authenticate(session, token)
        assert found is not None
        session.expunge_all()
        return found


def linked(url: str, text: str) -> list[str]:
    linker = ProcedureEntityLinker({**ProcedureEntityLinker.get_default_config(), "database_url": url})
    message = Message.build(text)
    VietnameseNormalizer().process([message])
    linker.process([message])
    return [entity["value"] for entity in message.get("entities", []) if entity["entity"] == "procedure"]


def best(url: str, text: str) -> str | None:
    with session_scope(url) as session:
        hit = catalogue.search_procedures(session, text, limit=3).best
        return hit.code if hit else None


def test_an_alias_added_is_linked_and_searched_and_removing_one_unlinks_it(db):
    admin = identity(db)
    assert linked(db, f"làm {NEW_ALIAS} ở đâu") != [BIRTH]
    with session_scope(db) as session:
        detail = catalogue_review.set_aliases(session, admin, BIRTH, [NEW_ALIAS, "  "], ["làm khai sinh"])
    assert NEW_ALIAS in detail["aliases"]["effective"] and "làm khai sinh" not in detail["aliases"]["effective"]
    assert "làm khai sinh" in detail["aliases"]["file"]  # the reviewed alias file is untouched
    assert linked(db, f"làm {NEW_ALIAS} ở đâu") == [BIRTH]
    assert best(db, NEW_ALIAS) == BIRTH
    with session_scope(db) as session:
        assert NEW_ALIAS not in (session.scalar(select(Procedure.aliases).where(Procedure.code == BIRTH)) or [])
        entry = session.scalar(select(StaffAuditEntry).where(StaffAuditEntry.action == "catalogue.aliases"))
        assert entry.username == "quantri" and entry.target == f"procedure:{BIRTH}"
        assert entry.detail["after"]["added"] == [NEW_ALIAS]


def test_a_hidden_procedure_is_found_nowhere_until_shown_again(db):
    admin = identity(db)
    assert best(db, "đăng ký khai sinh") == BIRTH
    with session_scope(db) as session:
        with pytest.raises(staff.StaffError) as refused:
            catalogue_review.set_hidden(session, admin, BIRTH, True, "  ")
        assert refused.value.code == "note_required"
    with session_scope(db) as session:
        catalogue_review.set_hidden(session, admin, BIRTH, True, "Thủ tục đã bãi bỏ theo Quyết định 99/QĐ-UBND")
    assert best(db, "đăng ký khai sinh") != BIRTH
    assert BIRTH not in linked(db, "đăng ký khai sinh cần giấy tờ gì")
    with session_scope(db) as session:
        assert catalogue.get_procedure(session, BIRTH) is None
        assert catalogue.get_procedure_record(session, BIRTH) is None
        listed = catalogue_review.review_list(session, "khai sinh", "hidden")
        assert [item["code"] for item in listed["items"]] == [BIRTH] and listed["counts"]["hidden"] == 1
        catalogue_review.set_hidden(session, admin, BIRTH, False, None)
    assert best(db, "đăng ký khai sinh") == BIRTH
    with session_scope(db) as session:
        audited = session.scalars(select(StaffAuditEntry.action).where(StaffAuditEntry.action.like("catalogue.%")))
        assert list(audited) == ["catalogue.hide", "catalogue.show"]


def test_a_corrected_fact_is_answered_with_its_note_and_can_be_withdrawn(db):
    admin = identity(db)
    note = "Nghị quyết 12/2026/NQ-HĐND tỉnh"
    with session_scope(db) as session:
        original = catalogue.get_procedure(session, BIRTH)
        before, _ = answer_reply(original, "ask_fee", None)
        with pytest.raises(staff.StaffError):
            catalogue_review.correct_fact(session, admin, BIRTH, "fee", "Miễn lệ phí", "")  # no source: refused
        with pytest.raises(staff.StaffError):
            catalogue_review.correct_fact(session, admin, BIRTH, "name", "x", note)  # not a correctable field
    with session_scope(db) as session:
        detail = catalogue_review.correct_fact(session, admin, BIRTH, "fee", "Miễn lệ phí đăng ký", note)
        assert detail["facts"]["fee"]["corrected"]["note"] == note and detail["facts"]["fee"]["original"]
    with session_scope(db) as session:
        text, _ = answer_reply(catalogue.get_procedure(session, BIRTH), "ask_fee", None)
    assert "Miễn lệ phí đăng ký" in text and note in text and text != before
    with session_scope(db) as session:
        catalogue_review.correct_fact(session, admin, BIRTH, "processing_time", "Trong ngày", "Công văn 5/UBND")
    with session_scope(db) as session:
        text, _ = answer_reply(catalogue.get_procedure(session, BIRTH), "ask_processing_time", None)
        assert text.count("Trong ngày (nguồn: Công văn 5/UBND)") == 1
        catalogue_review.correct_fact(session, admin, BIRTH, "fee", "", "")
    with session_scope(db) as session:
        text, _ = answer_reply(catalogue.get_procedure(session, BIRTH), "ask_fee", None)
        assert note not in text
        actions = list(
            session.scalars(select(StaffAuditEntry.action).where(StaffAuditEntry.action.like("catalogue.%")))
        )
        assert actions == ["catalogue.fact", "catalogue.fact", "catalogue.fact.clear"]


def test_the_review_list_shows_sources_and_warnings_and_refuses_bad_input(db):
    admin = identity(db)
    with session_scope(db) as session:
        listed = catalogue_review.review_list(session)
        assert listed["total"] == listed["counts"]["all"] > 10
        item = next(i for i in listed["items"] if i["code"] == BIRTH)
        assert item["source"]["kind"] == "seed" and isinstance(item["warnings"], list)
        assert all(w["code"] in catalogue_review.WARNINGS for i in listed["items"] for w in i["warnings"])
        with pytest.raises(staff.StaffError):
            catalogue_review.review_list(session, only="everything")
        for added in ("not a list", [1, 2], ["ab"], ["x" * 300]):
            with pytest.raises(staff.StaffError):
                catalogue_review.set_aliases(session, admin, BIRTH, added, [])
        with pytest.raises(staff.StaffError) as missing:
            catalogue_review.set_aliases(session, admin, "9.999999", ["khai sinh"], [])
        assert missing.value.status == 404
        with pytest.raises(staff.StaffError):
            catalogue_review.correct_fact(session, admin, BIRTH, "online_url", "javascript:alert(1)", "nguồn")
    assert (
        staff.PERMISSIONS["commune_staff"].isdisjoint({"catalogue"})
        and "catalogue" in staff.PERMISSIONS["province_admin"]
    )
