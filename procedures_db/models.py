"""SQLAlchemy models: the procedure catalogue, support points, dossiers, lookup locks, hand-overs, feedback, staff.

Lists that belong to a procedure (documents, fees, steps, submission methods,
legal basis) are child rows kept in their original order by ``position``.
The database's schema comes from the migrations (procedures_db/migrations/): a
change here is a new revision there (tests/unit/procedures_db/test_migrations.py
fails until the migrations match these models).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

Base: Any = declarative_base()  # SQLAlchemy 1.4 without its mypy plugin: the models are typed Any

ONLINE_LEVELS = ("toan_trinh", "mot_phan", "none")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _children(target: str):
    return relationship(target, order_by=f"{target}.position", cascade="all, delete-orphan", lazy="selectin")


class Procedure(Base):
    __tablename__ = "procedures"

    id = Column(Integer, primary_key=True)
    code = Column(String(64), nullable=False, unique=True)
    name = Column(Text, nullable=False)
    field = Column(String(255))
    levels = Column(JSON, nullable=False, default=list)
    agency = Column(Text)
    subjects = Column(Text)
    result = Column(Text)
    processing_time = Column(Text)
    online = Column(String(16), nullable=False, default="none")
    online_url = Column(Text)
    source_url = Column(Text)
    updated_at = Column(Date)
    aliases = Column(JSON, nullable=False, default=list)
    # From the national portal (integrations/portal.py); null for records that do not give them.
    official_name = Column(Text)  # the full published name ("Thủ tục đăng ký …"), kept for search
    conditions = Column(Text)  # yêu cầu, điều kiện thực hiện
    decision = Column(String(64))  # the decision that published it (số quyết định)
    # Fields of the national format this model does not know: kept for export.
    extra = Column(JSON, nullable=False, default=dict)
    modified_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    documents = _children("ProcedureDocument")
    fees = _children("ProcedureFee")
    steps = _children("ProcedureStep")
    methods = _children("SubmissionMethod")
    legal_basis = _children("LegalBasis")


class _ProcedureChild:
    id = Column(Integer, primary_key=True)
    position = Column(Integer, nullable=False)


class ProcedureDocument(_ProcedureChild, Base):
    __tablename__ = "procedure_documents"
    procedure_id = Column(ForeignKey("procedures.id", ondelete="CASCADE"), nullable=False, index=True)
    name = Column(Text, nullable=False)
    originals = Column(Integer)
    copies = Column(Integer)
    case = Column(Text)
    form_url = Column(Text)
    form_name = Column(Text)  # the form's file name when no link is given ("Mẫu số 01.docx")
    group = Column(String(16))  # nop (to submit), xuat_trinh (to show), luu_y (a note); null: not said


class ProcedureFee(_ProcedureChild, Base):
    __tablename__ = "procedure_fees"
    procedure_id = Column(ForeignKey("procedures.id", ondelete="CASCADE"), nullable=False, index=True)
    name = Column(Text)
    amount_vnd = Column(BigInteger)  # null: not a fixed number (e.g. set by the provincial council)
    text = Column(Text, nullable=False)
    channel = Column(String(64))  # set when the fee applies to one submission method only
    basis = Column(Text)


class ProcedureStep(_ProcedureChild, Base):
    __tablename__ = "procedure_steps"
    procedure_id = Column(ForeignKey("procedures.id", ondelete="CASCADE"), nullable=False, index=True)
    text = Column(Text, nullable=False)


class SubmissionMethod(_ProcedureChild, Base):
    __tablename__ = "submission_methods"
    procedure_id = Column(ForeignKey("procedures.id", ondelete="CASCADE"), nullable=False, index=True)
    channel = Column(String(64), nullable=False)
    processing_time = Column(Text)
    fee_text = Column(Text)
    time_value = Column(Float)  # null: unknown; set without time_unit when the page lost the unit
    time_unit = Column(String(32))  # ngày làm việc, ngày, giờ, tháng …
    fee_amount = Column(BigInteger)  # in fee_currency; null: unknown (an empty cell is not "free")
    fee_currency = Column(String(8))  # VND or USD
    description = Column(Text)


class LegalBasis(_ProcedureChild, Base):
    __tablename__ = "legal_basis"
    procedure_id = Column(ForeignKey("procedures.id", ondelete="CASCADE"), nullable=False, index=True)
    text = Column(Text, nullable=False)
    number = Column(String(64))  # "60/2014/QH13"
    title = Column(Text)


class SupportPoint(Base):
    """A one-stop office (bộ phận một cửa) or a commune support point for online filing."""

    __tablename__ = "support_points"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    name = Column(Text, nullable=False)
    kind = Column(String(32), nullable=False)  # province_centre, commune_one_stop, support_point
    province = Column(Text)
    commune = Column(Text)
    address = Column(Text)
    hours = Column(Text)
    phone = Column(String(64))
    latitude = Column(Float)
    longitude = Column(Float)


class Dossier(Base):
    """A dossier pushed by the one-stop system. The phone is never stored in clear."""

    __tablename__ = "dossiers"

    id = Column(Integer, primary_key=True)
    code = Column(String(64), nullable=False, unique=True)
    procedure_code = Column(String(64))
    applicant_name = Column(Text)
    phone_last4_digest = Column(String(64), nullable=False)
    status = Column(String(32), nullable=False)
    received_at = Column(DateTime(timezone=True))
    due_at = Column(DateTime(timezone=True))
    returned_at = Column(DateTime(timezone=True))
    note = Column(Text)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    history = relationship("DossierEvent", order_by="DossierEvent.id", cascade="all, delete-orphan", lazy="selectin")


class DossierEvent(Base):
    __tablename__ = "dossier_events"

    id = Column(Integer, primary_key=True)
    dossier_id = Column(ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False, index=True)
    status = Column(String(32), nullable=False)
    note = Column(Text)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class DossierLookupLock(Base):
    """Failed phone-digit checks of one dossier code, shared by every chat sender and replica.

    Keyed by a keyed digest of the canonical code, never the code itself: codes
    that do not exist are counted too (so the lock tells nothing about
    existence), and a code typed by a citizen is personal-ish data.
    ``dossier_id`` links the row to the dossier when the code exists, so staff
    can be shown which dossiers are under attack (procedures_db/lookup_locks.py).
    """

    __tablename__ = "dossier_lookup_locks"

    id = Column(Integer, primary_key=True)
    code_digest = Column(String(64), nullable=False, unique=True)
    dossier_id = Column(ForeignKey("dossiers.id", ondelete="SET NULL"), index=True)
    failures = Column(Integer, nullable=False, default=0)  # in the current window
    window_started_at = Column(DateTime(timezone=True))
    total_failures = Column(Integer, nullable=False, default=0)
    lockouts = Column(Integer, nullable=False, default=0)  # how many times locked: the lock doubles
    locked_until = Column(DateTime(timezone=True), index=True)
    last_failure_at = Column(DateTime(timezone=True))
    forget_at = Column(DateTime(timezone=True), nullable=False, index=True)  # the row is purged after


class HandoffRequest(Base):
    """A citizen asked for a person; staff see it through the API."""

    __tablename__ = "handoff_requests"

    id = Column(Integer, primary_key=True)
    reference = Column(String(32), nullable=False, unique=True)
    sender_id = Column(String(255), nullable=False)
    channel = Column(String(64))
    procedure_code = Column(String(64))
    summary = Column(Text)
    status = Column(String(16), nullable=False, default="open")  # open, taken, closed
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Feedback(Base):
    __tablename__ = "feedback"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255))
    channel = Column(String(64))
    rating = Column(Integer)  # 1..5, or null for a comment without a rating
    comment = Column(Text)
    about = Column(String(16), nullable=False, default="service")  # service or answer
    procedure_code = Column(String(64))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


Index("ix_feedback_created_at", Feedback.created_at)
Index("ix_handoff_status", HandoffRequest.status)


# --- the staff console (webapp/staff/, services/staff.py, procedures_db/staff.py) -------------------

STAFF_ROLES = ("commune_staff", "province_admin")  # support staff of a commune; the province's administrator
CASE_STATUSES = ("new", "in_progress", "answered", "closed")


class StaffAccount(Base):
    """A staff member of the console; the password is stored only as an argon2 hash."""

    __tablename__ = "staff_accounts"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)  # lower case
    display_name = Column(Text, nullable=False)
    role = Column(String(32), nullable=False)  # one of STAFF_ROLES
    commune = Column(Text)  # the support point's commune, for commune staff
    password_hash = Column(Text, nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_login_at = Column(DateTime(timezone=True))


class StaffSession(Base):
    """A signed-in browser: the cookie's token is stored only as a SHA-256 digest."""

    __tablename__ = "staff_sessions"

    id = Column(Integer, primary_key=True)
    token_digest = Column(String(64), nullable=False, unique=True)
    csrf_token = Column(String(64), nullable=False)  # sent back in X-CSRF-Token by every change
    account_id = Column(ForeignKey("staff_accounts.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_seen_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class StaffLoginThrottle(Base):
    """Failed sign-ins per user name (known or not, so the lock-out tells nothing about existence)."""

    __tablename__ = "staff_login_throttle"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    failures = Column(Integer, nullable=False, default=0)  # in the current window
    window_started_at = Column(DateTime(timezone=True))
    lockouts = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime(timezone=True))


class StaffAuditEntry(Base):
    """One staff action: who, what, on which item, when (append-only)."""

    __tablename__ = "staff_audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    account_id = Column(ForeignKey("staff_accounts.id", ondelete="SET NULL"), index=True)
    username = Column(String(64))  # kept when the account is gone; the name tried for a failed sign-in
    action = Column(String(64), nullable=False)
    target = Column(String(255))
    detail = Column(JSON)
    ip = Column(String(64))


class StaffCase(Base):
    """The staff side of a hand-over or a feedback row: status, who handles it, the answer to deliver."""

    __tablename__ = "staff_cases"
    __table_args__ = (UniqueConstraint("kind", "record_id", name="uq_staff_cases_kind_record"),)

    id = Column(Integer, primary_key=True)
    kind = Column(String(16), nullable=False)  # handoff (handoff_requests) or feedback (feedback)
    record_id = Column(Integer, nullable=False)
    status = Column(String(16), nullable=False, default="new")  # one of CASE_STATUSES
    assignee_id = Column(ForeignKey("staff_accounts.id", ondelete="SET NULL"), index=True)
    answer = Column(Text)
    answer_delivery = Column(String(16))  # to_deliver (stored, not yet sent to the citizen), delivered
    answered_at = Column(DateTime(timezone=True))
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)


# --- live hand-over (services/live_handover.py, procedures_db/handover_messages.py) -------------------

LIVE_STATES = ("waiting", "held", "returned")  # nobody yet; a staff member holds it; handed back to the assistant
MESSAGE_AUTHORS = ("citizen", "staff", "system")  # system: the notice when nobody takes a hand-over


class LiveHandover(Base):
    """A hand-over to a person, live in the citizen's own conversation: who holds it and since when."""

    __tablename__ = "live_handovers"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(ForeignKey("handoff_requests.id", ondelete="CASCADE"), nullable=False, unique=True)
    conversation_id = Column(String(255), nullable=False, index=True)  # Rasa's sender id ("web:…", "zalo:…")
    state = Column(String(16), nullable=False, default="waiting", index=True)  # one of LIVE_STATES
    staff_id = Column(ForeignKey("staff_accounts.id", ondelete="SET NULL"), index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    taken_at = Column(DateTime(timezone=True))
    returned_at = Column(DateTime(timezone=True))
    notice_sent_at = Column(DateTime(timezone=True))  # the "nobody can answer now" notice was queued
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)


class HandoverMessage(Base):
    """One message of a live hand-over: the citizen's to staff, or staff's (and notices) to the citizen.

    Messages to the citizen are an outbox: each Rasa replica claims those it can send (its own
    web sockets; any Zalo or Messenger user) and marks them delivered.
    """

    __tablename__ = "handover_messages"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    handover_id = Column(ForeignKey("live_handovers.id", ondelete="CASCADE"), index=True)
    case_id = Column(ForeignKey("staff_cases.id", ondelete="SET NULL"))  # a complaint's answer
    author = Column(String(16), nullable=False)  # one of MESSAGE_AUTHORS
    staff_id = Column(ForeignKey("staff_accounts.id", ondelete="SET NULL"))
    text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    claimed_by = Column(String(64))  # the replica sending it
    claimed_at = Column(DateTime(timezone=True))
    attempts = Column(Integer, nullable=False, default=0)
    delivered_at = Column(DateTime(timezone=True))
    failed = Column(Boolean, nullable=False, default=False)  # given up after too many attempts


Index("ix_handover_messages_outbox", HandoverMessage.delivered_at, HandoverMessage.failed, HandoverMessage.author)


class CatalogueOverride(Base):
    """An administrator's review of one procedure (issue 17): aliases added or removed, hidden, facts corrected.

    Applied over the imported record when the catalogue is read (procedures_db/catalogue_overrides.py), so
    a re-import keeps them; ``facts`` maps a field to ``{"value", "note", "by", "at"}`` (the note says the source).
    """

    __tablename__ = "catalogue_overrides"

    id = Column(Integer, primary_key=True)
    procedure_code = Column(String(64), nullable=False, unique=True)
    hidden = Column(Boolean, nullable=False, default=False)
    hidden_note = Column(Text)
    aliases_added = Column(JSON, nullable=False, default=list)
    aliases_removed = Column(JSON, nullable=False, default=list)
    facts = Column(JSON, nullable=False, default=dict)
    updated_by = Column(ForeignKey("staff_accounts.id", ondelete="SET NULL"))
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
