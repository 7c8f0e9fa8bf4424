"""Import, export and round-trip of procedure records (docs/interfaces.md format)."""

from __future__ import annotations

import io
import json

import pytest

from services.catalogue import get_procedure, get_procedure_record
from procedures_db.db import session_scope
from integrations.catalogue_import import export_records, import_file, import_records, read_records
from integrations.seed import PROCEDURES_FILE

RECORD = {
    "code": "1.001193",
    "name": "Đăng ký khai sinh",
    "field": "Hộ tịch",
    "levels": ["Cấp xã"],
    "agency": "Ủy ban nhân dân cấp xã",
    "subjects": "Công dân Việt Nam",
    "result": "Giấy khai sinh",
    "processing_time": "Ngay trong ngày tiếp nhận hồ sơ",
    "fees": [{"name": "Lệ phí", "amount_vnd": 0, "text": "Miễn lệ phí đăng ký khai sinh đúng hạn"}],
    "documents": [
        {"name": "Tờ khai đăng ký khai sinh theo mẫu", "originals": 1, "copies": 0, "case": None, "form_url": None}
    ],
    "steps": ["Nộp hồ sơ", "Tiếp nhận và kiểm tra", "Trả kết quả"],
    "methods": [{"channel": "Trực tiếp", "processing_time": "Trong ngày", "fee_text": "Miễn phí"}],
    "online": "toan_trinh",
    "online_url": "https://dichvucong.gov.vn",
    "legal_basis": ["Luật Hộ tịch số 60/2014/QH13"],
    "source_url": None,
    "updated_at": "2025-07-01",
    "aliases": ["làm giấy khai sinh"],
}


def lines(*records) -> list:
    text = "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records)
    return list(read_records(io.StringIO(text)))


def test_good_record_is_inserted_and_reads_back(sqlite_url):
    with session_scope(sqlite_url) as session:
        summary = import_records(session, lines(RECORD))
    assert (summary.inserted, summary.updated, len(summary.rejected)) == (1, 0, 0)
    with session_scope(sqlite_url) as session:
        assert get_procedure_record(session, "1.001193") == RECORD


def test_reimport_is_idempotent_and_changes_update(sqlite_url):
    with session_scope(sqlite_url) as session:
        import_records(session, lines(RECORD))
    with session_scope(sqlite_url) as session:
        summary = import_records(session, lines(RECORD))
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 0, 1)
    changed = {**RECORD, "processing_time": "Trong 01 ngày làm việc", "steps": ["Nộp hồ sơ"]}
    with session_scope(sqlite_url) as session:
        summary = import_records(session, lines(changed))
    assert (summary.inserted, summary.updated) == (0, 1)
    with session_scope(sqlite_url) as session:
        procedure = get_procedure(session, "1.001193")
        assert procedure.processing_time == "Trong 01 ngày làm việc"
        assert [s.text for s in procedure.steps] == ["Nộp hồ sơ"]


def test_duplicate_codes_in_one_file_last_one_wins(sqlite_url):
    second = {**RECORD, "name": "Đăng ký khai sinh (cập nhật)"}
    with session_scope(sqlite_url) as session:
        summary = import_records(session, lines(RECORD, second))
    assert (summary.inserted, summary.updated) == (1, 1)
    with session_scope(sqlite_url) as session:
        assert get_procedure(session, "1.001193").name == "Đăng ký khai sinh (cập nhật)"


def test_malformed_records_are_reported_and_never_abort_the_rest(sqlite_url):
    bad_json = '{"code": "1.0", "name": '
    no_name = {**RECORD, "code": "1.000894", "name": ""}
    bad_fields = {
        **RECORD,
        "code": "2.000815",
        "online": "sometimes",
        "updated_at": "01/07/2025",
        "fees": [{"amount_vnd": -5}],
        "documents": [{"name": "Tờ khai", "copies": "two"}],
    }
    not_object = [1, 2, 3]
    good = {**RECORD, "code": "1.000656", "name": "Đăng ký khai tử"}
    with session_scope(sqlite_url) as session:
        summary = import_records(session, lines(bad_json, no_name, bad_fields, json.dumps(not_object), good))
    assert summary.inserted == 1
    rejected = {r.line: r for r in summary.rejected}
    assert set(rejected) == {1, 2, 3, 4}
    assert rejected[1].errors[0].field == "json"
    assert [e.field for e in rejected[2].errors] == ["name"]
    assert {e.field for e in rejected[3].errors} == {
        "online",
        "updated_at",
        "fees[0].amount_vnd",
        "fees[0].text",
        "documents[0].copies",
    }
    assert "line 3 (2.000815)" in str(rejected[3])
    with session_scope(sqlite_url) as session:
        assert get_procedure(session, "1.000894") is None
        assert get_procedure(session, "2.000815") is None
        assert get_procedure(session, "1.000656").name == "Đăng ký khai tử"


def test_unknown_fields_are_kept_and_exported(sqlite_url):
    record = {**RECORD, "ma_co_quan": "H48", "muc_do": 4}
    with session_scope(sqlite_url) as session:
        import_records(session, lines(record))
    with session_scope(sqlite_url) as session:
        exported = get_procedure_record(session, "1.001193")
    assert exported["ma_co_quan"] == "H48" and exported["muc_do"] == 4


def test_json_array_input_reports_line_numbers(sqlite_url, tmp_path):
    path = tmp_path / "records.json"
    path.write_text(json.dumps([RECORD, {**RECORD, "code": ""}], ensure_ascii=False, indent=2), encoding="utf-8")
    with session_scope(sqlite_url) as session:
        summary = import_file(session, path)
    assert summary.inserted == 1 and len(summary.rejected) == 1
    assert summary.rejected[0].line > 2 and summary.rejected[0].errors[0].field == "code"


def test_seed_catalogue_round_trips(sqlite_url, tmp_path):
    with session_scope(sqlite_url) as session:
        summary = import_file(session, PROCEDURES_FILE)
    assert not summary.rejected, [str(r) for r in summary.rejected]
    assert 40 <= summary.inserted <= 60
    out = io.StringIO()
    with session_scope(sqlite_url) as session:
        assert export_records(session, out) == summary.inserted
    exported = tmp_path / "export.jsonl"
    exported.write_text(out.getvalue(), encoding="utf-8")
    other = f"sqlite:///{tmp_path / 'other.db'}"
    with session_scope(other) as session:
        assert import_file(session, exported).inserted == summary.inserted
    again = io.StringIO()
    with session_scope(other) as session:
        export_records(session, again)
    assert again.getvalue() == out.getvalue()
    originals = {r["code"]: r for _, r in read_records(io.StringIO(PROCEDURES_FILE.read_text(encoding="utf-8")))}
    for _, record in read_records(io.StringIO(out.getvalue())):
        original = originals[record["code"]]
        assert record["name"] == original["name"]
        assert len(record["documents"]) == len(original.get("documents") or [])
        assert [f.get("amount_vnd") for f in record["fees"]] == [
            f.get("amount_vnd") for f in original.get("fees") or []
        ]


@pytest.mark.parametrize("cli_args", [["import", "missing.jsonl"]])
def test_cli_import_missing_file_is_a_clear_error(cli_args, capsys):
    from procedures_db.__main__ import main

    assert main(cli_args) == 2
    assert "file not found" in capsys.readouterr().err


def test_procedures_are_read_once_and_reread_when_the_catalogue_changes(sqlite_url, monkeypatch):
    import services.catalogue as catalogue

    monkeypatch.setattr(catalogue, "INDEX_CHECK_SECONDS", 0.0)  # check the catalogue's version every time
    with session_scope(sqlite_url) as session:
        import_records(session, lines(RECORD))
    with session_scope(sqlite_url) as session:
        first = get_procedure(session, "1.001193")
    with session_scope(sqlite_url) as session:
        assert get_procedure(session, "1.001193") is first  # the same snapshot, not read again
    assert [d.name for d in first.documents] == [RECORD["documents"][0]["name"]]  # usable after the session
    changed = {**RECORD, "processing_time": "Trong 01 ngày làm việc"}
    with session_scope(sqlite_url) as session:
        import_records(session, lines(changed))
    with session_scope(sqlite_url) as session:
        assert get_procedure(session, "1.001193").processing_time == "Trong 01 ngày làm việc"
        assert get_procedure(session, "9.999999") is None


def test_an_import_that_changes_only_documents_or_steps_is_seen_by_a_running_assistant(sqlite_url, monkeypatch):
    import services.catalogue as catalogue

    monkeypatch.setattr(catalogue, "INDEX_CHECK_SECONDS", 0.0)
    with session_scope(sqlite_url) as session:
        import_records(session, lines(RECORD))
    with session_scope(sqlite_url) as session:
        assert [s.text for s in get_procedure(session, "1.001193").steps] == RECORD["steps"]  # cached now
    documents = [{**RECORD["documents"][0], "name": "Giấy chứng sinh"}]
    with session_scope(sqlite_url) as session:
        import_records(session, lines({**RECORD, "steps": ["Nộp hồ sơ"], "documents": documents}))
    with session_scope(sqlite_url) as session:
        procedure = get_procedure(session, "1.001193")
        assert [s.text for s in procedure.steps] == ["Nộp hồ sơ"]
        assert [d.name for d in procedure.documents] == ["Giấy chứng sinh"]


def test_a_record_the_database_refuses_is_rolled_back_alone_and_reported(sqlite_url):
    """upsert_procedure, shared by the catalogue and the portal imports: a constraint rejects one record only."""
    from integrations.catalogue_import import upsert_procedure
    from procedures_db.catalogue import procedures_by_code, write_procedure
    from procedures_db.models import Procedure
    from procedures_db.records import validate_record

    def write_with_a_clash(session, procedure, clean, new):
        write_procedure(session, procedure, clean, new)
        session.add(Procedure(code=RECORD["code"], name="a second row with the same code"))
        session.flush()  # the unique code refuses it

    with session_scope(sqlite_url) as session:
        import_records(session, lines(RECORD))
        existing = procedures_by_code(session)
        other = validate_record({**RECORD, "code": "1.000001", "name": "Thủ tục khác"})
        outcome, reason = upsert_procedure(session, existing, other, write_with_a_clash)
        assert outcome is None and "UNIQUE" in reason.upper() and "\n" not in reason
        assert set(existing) == {RECORD["code"]}  # read again after the rollback
        assert upsert_procedure(session, existing, other, write_procedure) == ("inserted", "")
        assert upsert_procedure(session, existing, other, write_procedure) == ("unchanged", "")
    with session_scope(sqlite_url) as session:
        assert sorted(procedures_by_code(session)) == ["1.000001", RECORD["code"]]
