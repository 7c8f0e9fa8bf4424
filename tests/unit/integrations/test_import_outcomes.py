"""What every import reports (integrations/import_outcomes.py): rejections and counts, in each store's words."""

from __future__ import annotations

from integrations.catalogue_import import ImportSummary
from integrations.import_outcomes import DossierImportSummary, Rejection
from integrations.one_stop_sync import SyncSummary
from integrations.portal_import import PortalImportReport
from procedures_db.records import FieldError


def test_a_rejection_names_where_the_record_is_and_every_field_refused():
    from_a_file = Rejection.at_line(12, "1.001193", [FieldError("name", "is required"), FieldError("json", "x")])
    assert (from_a_file.where, from_a_file.line) == ("line 12", 12)
    assert str(from_a_file) == "line 12 (1.001193): name: is required; json: x"
    from_a_feed = Rejection("page 2 record 5", None, [("status", "unknown")])
    assert (str(from_a_feed), from_a_feed.line) == ("page 2 record 5: status: unknown", None)


def test_each_summary_counts_in_its_store_words():
    catalogue, dossiers = ImportSummary(), DossierImportSummary()
    for outcome in ("inserted", "updated", "unchanged", "unchanged"):
        catalogue.count(outcome)
    for outcome in ("created", "created", "updated"):
        dossiers.count(outcome)
    dossiers.rejected.append(Rejection.at_line(3, None, [("phone", "is required")]))
    assert (catalogue.inserted, catalogue.accepted, str(catalogue)) == (
        1,
        4,
        "1 inserted, 1 updated, 2 unchanged, 0 rejected",
    )
    assert (dossiers.created, dossiers.accepted, str(dossiers)) == (
        2,
        3,
        "2 created, 1 updated, 0 unchanged, 1 rejected",
    )


def test_the_portal_and_the_sync_reports_add_their_own_context_to_the_counts():
    portal = PortalImportReport(files=["a.jsonl"], read=3, inserted=2, seconds=1.25)
    assert portal.imported == 2
    assert portal.summary() == "3 records read from 1 file(s): 2 inserted, 0 updated, 0 unchanged, 0 rejected (1.2 s)"
    sync = SyncSummary(created=1, pages=2)
    assert str(sync) == "2 page(s) since the beginning: 1 created, 0 updated, 0 unchanged, 0 rejected"
