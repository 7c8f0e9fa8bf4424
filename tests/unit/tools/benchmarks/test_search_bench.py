"""tools/benchmarks/search_bench.py: the figures it prints, and the national part skipped, saying so, without its pages."""

from __future__ import annotations

import json
from pathlib import Path

from tools.benchmarks import search_bench


def small(monkeypatch) -> None:
    """A few hundred generated records and queries: the same code path, in seconds."""
    monkeypatch.setattr(
        search_bench, "GENERATED_SIZE", len(search_bench.load_seed()) * len(search_bench.SEED_VARIANTS) + 60
    )
    monkeypatch.setattr(search_bench, "CITIZEN_QUERIES", 20)
    monkeypatch.setattr(search_bench, "REPEATS", 1)


def test_without_the_national_pages_the_national_part_is_skipped_and_said(tmp_path, monkeypatch):
    small(monkeypatch)
    lines: list[str] = []
    results = search_bench.run(tmp_path, log=lines.append, national_dir=tmp_path / "absent")
    assert set(results) == {"seed", "generated"}
    assert results["generated"]["records"] == results["seed"]["records"] + search_bench.GENERATED_SIZE
    for figures in results.values():
        assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]
        assert figures["index_mb"] > 0 and figures["index_build_peak_mb"] >= figures["index_mb"]
    assert results["generated"]["p95_target_ms"] == 10.0
    assert any("SKIPPED, no portal pages in" in line and "absent" in line for line in lines)


def test_national_pages_are_imported_timed_and_searched(tmp_path, monkeypatch):
    small(monkeypatch)
    folder = tmp_path / "national"
    folder.mkdir()
    pages = [
        {
            "ma_thu_tuc": f"9.2000{n:02d}",
            "ten_thu_tuc": f"Thủ tục cấp giấy phép thử nghiệm loại {n} cho hộ gia đình",
            "cap_thuc_hien": "Cấp xã",
        }
        for n in range(30)
    ]
    Path(folder / "bo-thu.jsonl").write_text(
        "\n".join(json.dumps(page, ensure_ascii=False) for page in pages) + "\n", encoding="utf-8"
    )
    lines: list[str] = []
    results = search_bench.run(tmp_path, log=lines.append, national_dir=folder)
    national = results["national"]
    assert (national["files"], national["imported"], national["rejected"]) == (1, 30, 0)
    assert national["records"] == results["seed"]["records"] + 30
    assert national["import_s"] > 0 and national["p95_target_ms"] == 5.0
    assert any(line.startswith("import of 1 national files: 30 pages") for line in lines)
