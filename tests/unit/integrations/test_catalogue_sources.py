"""The seed and the national pages together: codes, provenance, which wins, the import at start.

Covers integrations/portal_import.py's flow (``--if-changed``, codes read twice, what a page
leaves to the seed), integrations/seed.py (source, renamed codes) and the CLI, on SQLite and on a
real PostgreSQL. The pages here are made up for these tests; the test over the real national
pages reads ``../shared/data/national`` and skips, saying so, when it is absent.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.settings import Settings
from integrations.portal_import import import_if_changed, import_portal
from integrations.seed import PROCEDURES_FILE, rename_seed_codes, renamed_codes, seed_if_empty, seed_records
from procedures_db.__main__ import main
from procedures_db.db import session_scope
from procedures_db.dossiers import upsert_dossier
from procedures_db.models import Feedback, HandoffRequest, Procedure
from services.catalogue import get_procedure_record

REPO = Path(__file__).resolve().parents[3]
NATIONAL = REPO.parent / "shared" / "data" / "national"
METHODS = "Hình thức nộpThời gianPhí, lệ phíMô tả"
DOCUMENTS = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"


def portal_page(code: str, **fields) -> dict:
    """A made-up page of the national portal (its headings as field names)."""
    record = {
        "ma_thu_tuc": code,
        "ten_thu_tuc": f"Thủ tục thử nghiệm số {code}",
        "so_quyet_dinh": "7/QĐ-THU",
        "cap_thuc_hien": "Cấp xã",
        "linh_vuc": "Thử nghiệm",
        "doi_tuong_thuc_hien": "Công dân Việt Nam",
        "co_quan_co_tham_quyen": "Ủy ban nhân dân cấp xã",
        "co_quan_thuc_hien": "Ủy ban nhân dân cấp xã",
        "trinh_tu_thuc_hien": "Bước 1: Nộp hồ sơ.\nBước 2: Nhận kết quả.",
        "cach_thuc_thuc_hien": METHODS + "Trực tiếp3 Ngày làm việcMiễn phí",
        "thanh_phan_ho_so": DOCUMENTS + "Tờ khai theo mẫu1 bản chính",
        "can_cu_phap_ly": "Tên văn bản pháp lýMã văn bảnLuật thử nghiệm1/2020/QH14",
        "yeu_cau_dieu_kien": "Không có thông tin",
        "ket_qua_xu_ly": "Giấy xác nhận thử nghiệm",
        "detail_url": f"https://dichvucong.example/{code}",
    }
    record.update(fields)
    return record


def write_pages(path: Path, items: list) -> Path:
    lines = [item if isinstance(item, str) else json.dumps(item, ensure_ascii=False) for item in items]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def counts(report) -> tuple[int, int, int, int]:
    return report.inserted, report.updated, report.unchanged, len(report.rejected)


def test_seed_records_say_they_come_from_the_seed(sqlite_url):
    with session_scope(sqlite_url) as session:
        seed_if_empty(session)
    with session_scope(sqlite_url) as session:
        extras = [extra for (extra,) in session.execute(sa.select(Procedure.extra))]
    assert extras and all(extra["source"] == {"kind": "seed", "file": "procedures.jsonl"} for extra in extras)


def test_the_seed_uses_national_codes_and_its_renamed_codes_are_gone_from_it():
    seed = seed_records()
    renamed = renamed_codes()
    assert not set(renamed) & set(seed), "a renamed local code is still in the seed"
    assert set(renamed.values()) <= set(seed), "a national code of renamed_codes.json is not in the seed"
    local = sorted(code for code in seed if code.startswith("DP-"))
    assert len(local) == 7, local  # only where the national data has no record (README: Load the national catalogue)
    assert all(seed[code]["source_url"] for code in seed if not code.startswith("DP-"))


def test_a_page_wins_over_the_seed_and_leaves_it_what_it_does_not_give(store_url, tmp_path):
    with session_scope(store_url) as session:
        seed_if_empty(session)
        before = session.scalar(sa.select(sa.func.count(Procedure.id)))
    seed = seed_records()["1.001193"]
    page = portal_page(
        "1.001193",
        ten_thu_tuc="Thủ tục đăng ký khai sinh",
        co_quan_thuc_hien="",
        co_quan_co_tham_quyen="",  # the page names no agency: the seed's is kept
        so_quyet_dinh="163/QĐ-THU",
    )
    path = write_pages(tmp_path / "tu-phap.jsonl", [page, portal_page("9.100001")])
    with session_scope(store_url) as session:
        report = import_portal(session, [path])
    assert counts(report) == (1, 1, 0, 0)
    unknown = {(row.code, row.field): row.reason for row in report.unknown}
    assert unknown[("1.001193", "agency")].endswith("the seed's is kept")  # the CSV report says so
    assert not unknown[("9.100001", "conditions")].endswith("kept")
    with session_scope(store_url) as session:
        record = get_procedure_record(session, "1.001193")
        assert session.scalar(sa.select(sa.func.count(Procedure.id))) == before + 1  # no duplicate
    assert record["decision"] == "163/QĐ-THU" and record["name"] == "Đăng ký khai sinh"
    assert len(record["steps"]) == 2 and record["steps"][1].endswith("Nhận kết quả.")  # the page's, not the seed's
    assert [m["channel"] for m in record["methods"]] == ["Trực tiếp"]
    assert record["agency"] == seed["agency"] and record["aliases"] == seed["aliases"]
    assert record["source"]["kind"] == "portal" and record["source"]["file"] == "tu-phap.jsonl"
    assert record["source"]["line"] == 1 and len(record["source"]["sha256"]) == 64
    # The page's subjects are only kinds of applicant: the seed's who-may-apply is kept, the kinds beside it.
    assert record["subjects"] == seed["subjects"] and "Cha hoặc mẹ" in record["subjects"]
    assert record["subject_list"] == ["Công dân Việt Nam"]
    assert record["source"]["seed_fields"] == ["agency", "subjects", "online_url"]
    assert record["source"]["seed_updated_at"] == seed["updated_at"].isoformat()
    with session_scope(store_url) as session:  # the same file again: nothing changes
        assert counts(import_portal(session, [path])) == (0, 0, 2, 0)


def test_a_page_whose_times_lost_their_unit_keeps_the_seeds_processing_time(store_url, tmp_path):
    # The real 1.000894 page gives "Trực tiếp1Miễn phí": a bare "1" (days? hours?) is no time to tell anyone.
    seed = seed_records()["1.000894"]
    assert seed["processing_time"]
    page = portal_page("1.000894", cach_thuc_thuc_hien=METHODS + "Trực tiếp1Miễn phíTrực tuyến1Miễn phí")
    path = write_pages(tmp_path / "tu-phap.jsonl", [page])
    with session_scope(store_url) as session:
        import_portal(session, [path])
    with session_scope(store_url) as session:
        record = get_procedure_record(session, "1.000894")
    assert record["processing_time"] == seed["processing_time"]
    assert "processing_time" in record["source"]["seed_fields"]
    # The page's bare numbers stay as read, unitless.
    assert [(m["time_value"], m.get("time_unit")) for m in record["methods"]] == [(1, None), (1, None)]


def test_a_code_read_twice_keeps_its_first_record_and_reimports_change_nothing(store_url, tmp_path):
    first = write_pages(tmp_path / "a.jsonl", [portal_page("9.100002", so_quyet_dinh="1/QĐ-A")])
    second = write_pages(
        tmp_path / "b.jsonl", [portal_page("9.100003"), portal_page("9.100002", so_quyet_dinh="2/QĐ-B")]
    )
    for expected in ((2, 0, 0, 1), (0, 0, 2, 1)):
        with session_scope(store_url) as session:
            report = import_portal(session, [first, second])
        assert counts(report) == expected
        assert [(Path(r.file).name, r.line, r.code) for r in report.rejected] == [("b.jsonl", 2, "9.100002")]
        assert "first kept" in report.rejected[0].reason and "a.jsonl line 1" in report.rejected[0].reason
    with session_scope(store_url) as session:
        assert get_procedure_record(session, "9.100002")["decision"] == "1/QĐ-A"


def test_if_changed_does_nothing_when_unchanged_and_reimports_all_when_a_file_changed(store_url, tmp_path):
    good = [portal_page("9.100010"), portal_page("9.100011")]
    cut = json.dumps(portal_page("9.100013"), ensure_ascii=False)
    a = write_pages(tmp_path / "a.jsonl", good)
    b = write_pages(tmp_path / "b.jsonl", [portal_page("9.100012"), "{not json", cut[: len(cut) // 2]])
    with session_scope(store_url) as session:
        files, report = import_if_changed(session, [tmp_path])
    assert [f.name for f in files] == ["a.jsonl", "b.jsonl"] and report is not None
    assert counts(report) == (3, 0, 0, 2)
    assert [r.reason.split(":")[0] for r in report.rejected] == ["not JSON", "truncated JSON"]
    with session_scope(store_url) as session:
        assert import_if_changed(session, [a, b])[1] is None  # nothing changed: nothing read

    # b changes (a fact), a is only reordered (the same facts on other lines)
    write_pages(b, [portal_page("9.100012", so_quyet_dinh="9/QĐ-MOI"), portal_page("9.100013")])
    write_pages(a, list(reversed(good)))
    with session_scope(store_url) as session:
        _, report = import_if_changed(session, [a, b])
    assert report is not None and counts(report) == (1, 1, 2, 0)
    with session_scope(store_url) as session:
        assert get_procedure_record(session, "9.100012")["decision"] == "9/QĐ-MOI"
        assert get_procedure_record(session, "9.100010")["source"]["line"] == 2  # its source follows the file
        assert import_if_changed(session, [a, b])[1] is None

    # a new file repeats a code of a: only it changed, yet a's record stays (the first file's)
    c = write_pages(tmp_path / "c.jsonl", [portal_page("9.100010", so_quyet_dinh="8/QĐ-LAP"), portal_page("9.100014")])
    with session_scope(store_url) as session:
        _, report = import_if_changed(session, [a, b, c])
    assert report is not None and counts(report) == (1, 0, 4, 1) and report.rejected[0].line == 1
    with session_scope(store_url) as session:
        assert get_procedure_record(session, "9.100010")["decision"] == "7/QĐ-THU"
        assert import_if_changed(session, [a, b, c])[1] is None


def test_cli_reads_catalogue_import_and_skips_unchanged_files(tmp_path, sqlite_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("CATALOGUE_IMPORT", raising=False)
    assert main(["import-portal", "--if-changed"]) == 0
    assert "CATALOGUE_IMPORT is not set" in capsys.readouterr().out
    assert main(["import-portal"]) == 2  # nothing named, nothing set: say what to do
    assert "set CATALOGUE_IMPORT" in capsys.readouterr().err

    a = write_pages(tmp_path / "a.jsonl", [portal_page("9.100020")])
    (tmp_path / "more").mkdir()
    b = write_pages(tmp_path / "more" / "b.jsonl", [portal_page("9.100021")])
    monkeypatch.setenv("CATALOGUE_IMPORT", f"{a}:{b.parent}")
    assert main(["import-portal", "--if-changed"]) == 0
    assert "2 records read from 2 file(s): 2 inserted" in capsys.readouterr().out
    started = time.perf_counter()
    assert main(["import-portal", "--if-changed"]) == 0
    assert "2 file(s) unchanged since their import (CATALOGUE_IMPORT): nothing to do" in capsys.readouterr().out
    print(f"unchanged check: {time.perf_counter() - started:.3f} s")

    monkeypatch.setenv("CATALOGUE_IMPORT", f"{a}:{tmp_path / 'gone.jsonl'}")
    assert main(["import-portal", "--if-changed"]) == 2
    assert "gone.jsonl (CATALOGUE_IMPORT)" in capsys.readouterr().err


def test_catalogue_import_setting_is_a_colon_separated_list():
    assert Settings({"CATALOGUE_IMPORT": " data/a.jsonl: /srv/national ::"}).catalogue_import == (
        Path("data/a.jsonl"),
        Path("/srv/national"),
    )
    assert Settings({}).catalogue_import == ()


def test_a_database_seeded_with_the_old_local_codes_gets_the_national_ones(store_url, monkeypatch):
    monkeypatch.setenv("PHONE_HASH_KEY", "test-phone-hash-key-0123456789")
    with session_scope(store_url) as session:
        seed_if_empty(session)
        # as seeded before: two procedures under their old local codes, things that name them
        for old, new in (("DP-XNC-01", "1.001456"), ("DP-TP-01", "3.000333")):
            session.scalar(sa.select(Procedure).where(Procedure.code == new)).code = old
        session.add(Feedback(rating=5, procedure_code="DP-XNC-01"))
        session.add(HandoffRequest(reference="HT-TEST-1", sender_id="s", procedure_code="DP-TP-01"))
        upsert_dossier(
            session,
            {
                "code": "000.00.12.H48-251105-0099",
                "procedure_code": "DP-XNC-01",
                "applicant_name": "Nguyễn Văn An",
                "phone": "0912345678",
                "status": "received",
                "received_at": "2025-11-05T08:30:00+07:00",
            },
        )
        # and the national page of one of them already imported beside it
        national = Procedure(code="3.000333", name="Cấp Phiếu lý lịch tư pháp", aliases=["lltp công an"])
        session.add(national)
    with session_scope(store_url) as session:
        done = rename_seed_codes(session)
    assert done == {"DP-XNC-01": "renamed 1.001456", "DP-TP-01": "merged 3.000333"}
    with session_scope(store_url) as session:
        codes = set(session.scalars(sa.select(Procedure.code)))
        assert {"1.001456", "3.000333"} <= codes and not {"DP-XNC-01", "DP-TP-01"} & codes
        merged = get_procedure_record(session, "3.000333")
        assert merged["aliases"][0] == "lltp công an" and "lý lịch tư pháp" in merged["aliases"]
        for model, code in ((Feedback, "1.001456"), (HandoffRequest, "3.000333")):
            assert session.scalar(sa.select(model.procedure_code)) == code
        assert session.scalar(sa.text("SELECT procedure_code FROM dossiers")) == "1.001456"
        assert rename_seed_codes(session) == {}  # once is enough


# --- the real national pages ---------------------------------------------------------------------


def national_files() -> list[Path]:
    files = sorted(NATIONAL.glob("*.jsonl")) if NATIONAL.is_dir() else []
    if not files:
        pytest.skip(f"the national portal pages are not here ({NATIONAL}): the seed + national test needs them")
    return files


def test_seed_and_all_national_pages_hold_each_code_once(store_url):
    files = national_files()
    national_codes = [
        json.loads(line)["ma_thu_tuc"].strip() for path in files for line in path.open(encoding="utf-8") if line.strip()
    ]
    seed = seed_records()
    with session_scope(store_url) as session:
        seed_if_empty(session)
    started = time.perf_counter()
    with session_scope(store_url) as session:
        _, report = import_if_changed(session, [NATIONAL])
    seconds = time.perf_counter() - started
    assert report is not None and not report.rejected
    print(f"\nseed + national: {report.summary()}; import {seconds:.1f} s")
    started = time.perf_counter()
    with session_scope(store_url) as session:
        assert import_if_changed(session, [NATIONAL])[1] is None
    print(f"unchanged check over {len(files)} files: {time.perf_counter() - started:.2f} s")

    with session_scope(store_url) as session:
        codes = list(session.scalars(sa.select(Procedure.code)))
        assert len(codes) == len(set(codes))
        assert set(codes) == set(national_codes) | set(seed)
        shared = sorted(set(seed) & set(national_codes))
        assert len(shared) == len(seed) - 7  # every seed code but the local ones
        assert report.updated == len(shared)
        for code in sorted(seed):
            record = get_procedure_record(session, code)
            if code in shared:  # superseded by the page, our aliases and the facts it lacks kept
                assert record["source"]["kind"] == "portal" and record["decision"]
                assert set(seed[code]["aliases"]) <= set(record["aliases"])
                for field in record["source"].get("seed_fields", []):
                    assert record[field] not in (None, [])
            else:  # no national record: the seed's facts as shipped
                assert record["source"] == {"kind": "seed", "file": PROCEDURES_FILE.name}
                assert record["name"] == seed[code]["name"] and len(record["documents"]) == len(seed[code]["documents"])


def test_a_file_imported_by_the_operator_is_its_records_source(tmp_path, sqlite_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    record = {"code": "9.100030", "name": "Thủ tục của tỉnh", "source": "ignored: the importer says where it read it"}
    path = tmp_path / "tinh.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["import", str(path)]) == 0
    assert main(["import", str(path)]) == 0
    assert "0 inserted, 0 updated, 1 unchanged, 0 rejected" in capsys.readouterr().out
    with session_scope(sqlite_url) as session:
        assert get_procedure_record(session, "9.100030")["source"] == {"kind": "file", "file": "tinh.jsonl"}
