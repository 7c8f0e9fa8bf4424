"""Dossier store: validation, idempotent upsert, history, overdue, owner verification, CSV, demo seed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, select

from tests.dossier_helpers import LAST4, PHONE, TEST_KEY, sqlite_url_in, valid_payload
from procedures_db.__main__ import main as cli
from procedures_db.db import get_engine, session_scope
from core.wording import STATUS_LABELS_VI
from core.dossier_rules import DossierValidationError, PhoneHashKeyMissing, phone_hash_key
from integrations.dossier_csv import import_dossiers_csv
from integrations.seed import seed_demo_dossiers
from procedures_db.dossiers import (
    apply_payload,
    dossier_to_json,
    get_dossier,
    is_overdue,
    to_view,
    upsert_dossier,
    verify_owner,
)
from procedures_db.models import Dossier, DossierEvent

CODE = "000.00.12.H48-251105-0012"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, monkeypatch):
    """An empty dossier store on SQLite, then on a real PostgreSQL (skipped where not installed)."""
    if request.param == "sqlite":
        url = sqlite_url_in(tmp_path)
    else:
        url = request.getfixturevalue("postgres_url")  # one server per test session: empty its dossiers
        with session_scope(url) as session:
            session.execute(delete(DossierEvent))
            session.execute(delete(Dossier))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PHONE_HASH_KEY", TEST_KEY)
    return url


@pytest.fixture
def session(db_url):
    with session_scope(db_url) as session:
        yield session


def events(session) -> list[DossierEvent]:
    return list(session.scalars(select(DossierEvent).order_by(DossierEvent.id)))


# --- validation -------------------------------------------------------------------------------


def test_valid_payload_is_stored_normalised(session):
    payload = valid_payload(
        code="000 00 12 h48 251105 0012",
        phone="+84 912.345.678",
        received_at="2025-11-05T08:30:00",  # naive: Vietnam time
        due_at="2025-11-06T10:00:00Z",
        applicant_name="  Nguyễn   Văn An ",
    )
    dossier, created = upsert_dossier(session, payload)

    assert created
    assert dossier.code == CODE
    assert dossier.applicant_name == "Nguyễn Văn An"
    assert dossier.received_at == datetime(2025, 11, 5, 1, 30, tzinfo=timezone.utc)
    assert dossier.due_at == datetime(2025, 11, 6, 10, 0, tzinfo=timezone.utc)
    assert [(e.status, e.note) for e in dossier.history] == [("received", None)]


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"code": "HS-12"}, "code"),
        ({"code": None}, "code"),
        ({"procedure_code": "khai sinh!"}, "procedure_code"),
        ({"status": "done"}, "status"),
        ({"status": ""}, "status"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "0912 345 67a"}, "phone"),
        ({"phone": "+1 415 555 0100"}, "phone"),
        ({"applicant_name": "   "}, "applicant_name"),
        ({"applicant_name": "A" * 201}, "applicant_name"),
        ({"applicant_name": ["Nguyễn"]}, "applicant_name"),
        ({"note": "x" * 2001}, "note"),
        ({"received_at": "05/11/2025"}, "received_at"),
        ({"received_at": "1970-01-01T00:00:00Z"}, "received_at"),
        ({"received_at": 1730790000}, "received_at"),
        ({"due_at": "2025-11-04T08:00:00+07:00"}, "due_at"),
    ],
)
def test_invalid_field_is_reported_by_name(session, overrides, field):
    with pytest.raises(DossierValidationError) as caught:
        upsert_dossier(session, valid_payload(**overrides))
    assert field in caught.value.by_field()
    assert session.scalar(select(Dossier.id)) is None


def test_every_problem_is_reported_at_once(session):
    bad = {"code": "x", "status": "?", "phone": "1", "received_at": "yesterday"}
    with pytest.raises(DossierValidationError) as caught:
        upsert_dossier(session, bad)
    assert set(caught.value.by_field()) == {
        "code",
        "procedure_code",
        "applicant_name",
        "status",
        "phone",
        "received_at",
    }


def test_payload_must_be_an_object(session):
    with pytest.raises(DossierValidationError) as caught:
        upsert_dossier(session, ["not", "a", "dict"])
    assert caught.value.errors == [("body", "must be a JSON object")]


def test_phone_may_be_left_out_only_when_updating(session):
    with pytest.raises(DossierValidationError) as caught:
        upsert_dossier(session, valid_payload(phone=None))
    assert "phone" in caught.value.by_field()

    dossier, _ = upsert_dossier(session, valid_payload())
    digest = dossier.phone_last4_digest
    upsert_dossier(session, valid_payload(phone=None, status="processing"))
    assert dossier.phone_last4_digest == digest
    assert verify_owner(session, CODE, LAST4) is not None


# --- idempotency and history ------------------------------------------------------------------


def test_same_payload_twice_changes_nothing(db_url):
    with session_scope(db_url) as session:
        upsert_dossier(session, valid_payload())
    with session_scope(db_url) as session:
        before = session.scalar(select(Dossier.updated_at))
        dossier, outcome = apply_payload(session, valid_payload(code="0000012H48 251105 0012"))
        assert outcome == "unchanged"
    with session_scope(db_url) as session:
        assert session.scalar(select(Dossier.updated_at)) == before
        assert len(events(session)) == 1


def test_status_change_appends_history_and_sets_returned_at(session):
    received = datetime(2025, 11, 5, 2, 0, tzinfo=timezone.utc)
    upsert_dossier(session, valid_payload(), at=received)
    upsert_dossier(session, valid_payload(status="processing"), at=received + timedelta(hours=1))
    upsert_dossier(session, valid_payload(status="processing"), at=received + timedelta(hours=2))
    dossier, created = upsert_dossier(session, valid_payload(status="returned"), at=received + timedelta(days=1))

    assert not created
    assert [e.status for e in events(session)] == ["received", "processing", "returned"]
    assert dossier.returned_at == received + timedelta(days=1)

    # A correction away from "returned" must not leave a stale hand-over time.
    upsert_dossier(session, valid_payload(status="completed"))
    assert dossier.returned_at is None


def test_new_note_appends_an_event_without_status_change(session):
    upsert_dossier(session, valid_payload(status="supplement_required", note="Bổ sung bản sao CCCD"))
    upsert_dossier(session, valid_payload(status="supplement_required", note="Bổ sung bản sao CCCD"))
    upsert_dossier(session, valid_payload(status="supplement_required", note="Bổ sung sổ hộ khẩu"))

    assert [(e.status, e.note) for e in events(session)] == [
        ("supplement_required", "Bổ sung bản sao CCCD"),
        ("supplement_required", "Bổ sung sổ hộ khẩu"),
    ]
    assert to_view(session, get_dossier(session, CODE)).note == "Bổ sung sổ hộ khẩu"


def test_other_field_changes_update_without_history(session):
    upsert_dossier(session, valid_payload())
    dossier, outcome = apply_payload(session, valid_payload(due_at="2025-11-07T17:00:00+07:00"))
    assert outcome == "updated"
    assert dossier.due_at == datetime(2025, 11, 7, 10, 0, tzinfo=timezone.utc)
    assert len(events(session)) == 1


# --- overdue ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, due_in_days, overdue",
    [
        ("processing", -1, True),
        ("received", -1, True),
        ("supplement_required", -1, True),
        ("processing", 1, False),
        ("completed", -1, False),
        ("returned", -1, False),
        ("rejected", -1, False),
        ("cancelled", -1, False),
    ],
)
def test_overdue_means_past_due_and_still_in_progress(db_url, status, due_in_days, overdue):
    now = datetime.now(timezone.utc)
    payload = valid_payload(
        status=status,
        received_at=(now - timedelta(days=5)).isoformat(),
        due_at=(now + timedelta(days=due_in_days)).isoformat(),
    )
    with session_scope(db_url) as session:
        upsert_dossier(session, payload)
    with session_scope(db_url) as session:  # read back from the database (SQLite drops the time zone)
        dossier = get_dossier(session, CODE)
        assert is_overdue(dossier) is overdue
        assert verify_owner(session, CODE, LAST4).overdue is overdue
        assert dossier_to_json(dossier)["overdue"] is overdue


def test_no_due_date_is_never_overdue(session):
    dossier, _ = upsert_dossier(session, valid_payload(due_at=None, status="processing"))
    assert not is_overdue(dossier)


# --- owner verification -----------------------------------------------------------------------


def test_verify_owner_with_the_right_digits_returns_the_view(session):
    upsert_dossier(session, valid_payload(status="supplement_required", note="Bổ sung bản sao CCCD"))
    view = verify_owner(session, "000.00.12.h48 251105-0012", " 5678 ")

    assert view.code == CODE
    assert view.status == "supplement_required"
    assert view.status_label_vi == "cần bổ sung hồ sơ"
    assert view.note == "Bổ sung bản sao CCCD"
    assert view.received_at.utcoffset() == timedelta(hours=7)
    assert view.received_at.hour == 8
    assert [h.status_label_vi for h in view.history] == ["cần bổ sung hồ sơ"]
    assert not hasattr(view, "applicant_name")


def test_wrong_digits_and_unknown_code_are_indistinguishable(session):
    upsert_dossier(session, valid_payload())
    answers = [
        verify_owner(session, CODE, "5679"),
        verify_owner(session, CODE, "1234"),
        verify_owner(session, "000.00.12.H48-251105-0013", LAST4),
        verify_owner(session, "not a code", LAST4),
        verify_owner(session, CODE, "678"),
        verify_owner(session, CODE, ""),
        verify_owner(session, CODE, PHONE),
    ]
    assert answers == [None] * len(answers)


def test_digest_depends_on_the_secret_key(session, monkeypatch):
    upsert_dossier(session, valid_payload())
    monkeypatch.setenv("PHONE_HASH_KEY", "another-secret-key-9876543210")
    assert verify_owner(session, CODE, LAST4) is None


def test_phone_is_never_stored_in_clear(tmp_path, monkeypatch):
    monkeypatch.setenv("PHONE_HASH_KEY", TEST_KEY)
    url = sqlite_url_in(tmp_path)
    with session_scope(url) as session:
        upsert_dossier(session, valid_payload(phone="0912 345 678"))
    get_engine(url).dispose()  # flush the SQLite WAL into the database file
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("dossiers.db*"))
    assert b"912345678" not in stored
    assert "Nguyễn Văn An".encode() in stored  # the scan does see the row


def test_missing_key_fails_clearly(session, monkeypatch):
    monkeypatch.delenv("PHONE_HASH_KEY")
    with pytest.raises(PhoneHashKeyMissing, match="PHONE_HASH_KEY"):
        phone_hash_key()
    with pytest.raises(PhoneHashKeyMissing):
        upsert_dossier(session, valid_payload())
    monkeypatch.setenv("PHONE_HASH_KEY", "short")
    with pytest.raises(PhoneHashKeyMissing):
        verify_owner(session, CODE, LAST4)


# --- staff JSON -------------------------------------------------------------------------------


def test_dossier_to_json_has_no_phone_nor_digest(session):
    dossier, _ = upsert_dossier(session, valid_payload(status="processing"))
    body = dossier_to_json(dossier)
    text = json.dumps(body, ensure_ascii=False)

    assert dossier.phone_last4_digest not in text
    assert PHONE not in text and "phone" not in text and "digest" not in text
    assert body["code"] == CODE
    assert body["status_label_vi"] == "đang xử lý"
    assert body["received_at"] == "2025-11-05T08:30:00+07:00"
    assert [e["status"] for e in body["history"]] == ["processing"]


def test_every_status_has_one_vietnamese_label():
    assert set(STATUS_LABELS_VI) == {
        "received",
        "processing",
        "supplement_required",
        "completed",
        "returned",
        "rejected",
        "cancelled",
    }
    assert all(label and label == label.strip() for label in STATUS_LABELS_VI.values())


# --- CSV import -------------------------------------------------------------------------------

CSV_HEADER = "code,procedure_code,applicant_name,phone,status,received_at,due_at,note\n"


def write_csv(tmp_path, body: str, bom: bool = False):
    path = tmp_path / "dossiers.csv"
    path.write_text(("\ufeff" if bom else "") + CSV_HEADER + body, encoding="utf-8")
    return path


def test_csv_import_keeps_good_rows_and_reports_bad_ones_by_line(session, tmp_path):
    path = write_csv(
        tmp_path,
        "000.00.12.H48-251105-0001,1.001193,Nguyễn Văn A,0912345678,received,2025-11-05T08:00:00,2025-11-06T17:00:00,\n"
        "000.00.12.H48-251105-0002,1.004222,Trần Thị B,0987654321,supplement_required,"
        '2025-11-05T09:00:00,2025-11-08T17:00:00,"Bổ sung:\n'
        '- bản sao CCCD"\n'
        "000.00.12.H48-251105-0003,1.004194,Lê Văn C,123,finished,2025-11-05T09:00:00,2025-11-04T17:00:00,\n"
        "BAD-CODE,1.004194,Lê Văn D,0901234567,received,2025-11-05T09:00:00,,\n"
        "000.00.12.H48-251105-0005,2.000815,Phạm Thị E,0934567890,processing,2025-11-05T10:00:00,,\n",
        bom=True,
    )
    summary = import_dossiers_csv(session, path)

    assert (summary.created, summary.updated, summary.unchanged) == (3, 0, 0)
    assert [(r.line, r.code) for r in summary.rejected] == [
        (5, "000.00.12.H48-251105-0003"),
        (6, "BAD-CODE"),
    ]
    assert {name for name, _ in summary.rejected[0].errors} == {"phone", "status", "due_at"}
    assert "line 5" in str(summary.rejected[0])
    assert get_dossier(session, "000.00.12.H48-251105-0002").note == "Bổ sung: - bản sao CCCD"
    assert get_dossier(session, "000.00.12.H48-251105-0003") is None

    again = import_dossiers_csv(session, path)
    assert (again.created, again.unchanged, len(again.rejected)) == (0, 3, 2)


def test_csv_without_required_columns_is_refused(session, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("code,status\n000.00.12.H48-251105-0001,received\n", encoding="utf-8")
    with pytest.raises(ValueError, match="procedure_code"):
        import_dossiers_csv(session, path)


def test_import_dossiers_cli(db_url, tmp_path, capsys):
    path = write_csv(
        tmp_path,
        "000.00.12.H48-251105-0001,1.001193,Nguyễn Văn A,0912345678,received,2025-11-05T08:00:00,,\n"
        "000.00.12.H48-251105-0002,1.001193,,0912345678,received,2025-11-05T08:00:00,,\n",
    )
    assert cli(["import-dossiers", str(path)]) == 0
    out = capsys.readouterr()
    assert "1 created" in out.out and "1 rejected" in out.out
    assert "line 3" in out.err and "applicant_name" in out.err
    assert cli(["import-dossiers", str(tmp_path / "missing.csv")]) == 2


# --- demo seed --------------------------------------------------------------------------------

DEMO = {  # code: (last 4 digits, status, overdue) as documented in the README
    "000.00.12.H48-251105-0012": ("5678", "received", False),
    "000.00.12.H48-251103-0021": ("4321", "processing", False),
    "000.00.12.H48-251101-0007": ("4567", "supplement_required", False),
    "000.00.12.H48-251028-0003": ("7890", "completed", False),
    "000.00.12.H48-251020-0015": ("3456", "returned", False),
    "000.00.12.H48-251015-0009": ("5432", "processing", True),
}


def test_demo_seed_covers_every_case_and_runs_once(db_url):
    with session_scope(db_url) as session:
        assert seed_demo_dossiers(session) == len(DEMO)
    with session_scope(db_url) as session:
        assert seed_demo_dossiers(session) == 0
        for code, (last4, status, overdue) in DEMO.items():
            view = verify_owner(session, code, last4)
            assert view is not None, code
            assert (view.status, view.overdue) == (status, overdue)
            assert view.history[-1].status == status
            assert verify_owner(session, code, "0000") is None
        supplement = verify_owner(session, "000.00.12.H48-251101-0007", "4567")
        assert "bổ sung" in supplement.note.lower()
        returned = verify_owner(session, "000.00.12.H48-251020-0015", "3456")
        assert returned.returned_at is not None


# --- issue 19 (finding 12): full-width codes, control characters ---------------------------------


def test_a_full_width_code_is_stored_and_found_in_ascii(session):
    full_width = CODE.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    dossier, _ = upsert_dossier(session, valid_payload(code=full_width))
    assert dossier.code == CODE
    assert get_dossier(session, full_width) is dossier
    assert verify_owner(session, full_width, "５６７８") is None  # the digits themselves stay ASCII-only
    assert verify_owner(session, full_width, LAST4).code == CODE


@pytest.mark.parametrize(
    "field, value",
    [
        ("applicant_name", "Trần\x00Thị B"),
        ("applicant_name", "\u200bTrần Thị B"),
        ("note", "x\x7fy"),
        ("status", "received\x00"),
        ("phone", "0912\x00345678"),
    ],
)
def test_control_and_invisible_characters_are_named_in_the_error(session, field, value):
    with pytest.raises(DossierValidationError) as caught:
        upsert_dossier(session, valid_payload(**{field: value}))
    assert list(caught.value.by_field()) == [field]
    assert "U+" in caught.value.by_field()[field]


def test_csv_rows_with_control_characters_are_rejected_by_line(session, tmp_path):
    path = write_csv(
        tmp_path,
        "000.00.12.H48-251105-0001,1.001193,Nguyễn Văn A,0912345678,received,2025-11-05T08:00:00,,\n"
        "000.00.12.H48-251105-0002,1.001193,Trần\x01Thị B,0912345678,received,2025-11-05T08:00:00,,\n",
    )
    summary = import_dossiers_csv(session, path)
    assert summary.created == 1
    assert [(r.line, [name for name, _ in r.errors]) for r in summary.rejected] == [(3, ["applicant_name"])]


def test_a_csv_file_with_a_nul_byte_is_refused_with_its_line(session, tmp_path):
    path = write_csv(
        tmp_path,
        "000.00.12.H48-251105-0001,1.001193,Nguyễn Văn A,0912345678,received,2025-11-05T08:00:00,,\n"
        "000.00.12.H48-251105-0002,1.001193,Trần\x00Thị B,0912345678,received,2025-11-05T08:00:00,,\n",
    )
    with pytest.raises(ValueError, match="line 3"):
        import_dossiers_csv(session, path)


@pytest.mark.parametrize("name", [12, 3.5, ["Trần Thị B"], {"ho": "Trần"}, True])
def test_an_applicant_name_that_is_not_text_is_refused(session, name):
    with pytest.raises(DossierValidationError) as caught:
        upsert_dossier(session, valid_payload(applicant_name=name))
    assert list(caught.value.by_field()) == ["applicant_name"]
