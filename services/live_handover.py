"""Live hand-over: staff take a handed-over conversation, answer in the citizen's channel, and hand it back.

The assistant records a hand-over request (``services/service_requests.py``);
:func:`sweep` (run by every Rasa replica's delivery loop and by the console's live
stream, whichever comes first) makes it a live hand-over, waiting for staff. A staff
member takes it (:func:`take`): from then on the channels do not hand the citizen's
messages to Rasa but store them here (:func:`citizen_message`, called by
``bot/channels/turns.py`` before Rasa), and what staff type (:func:`send`) goes into
an outbox that the Rasa replicas deliver in the citizen's own channel (web widget,
Zalo, Messenger). :func:`give_back` ("trả lại trợ lý") ends the hold: the assistant
answers again. Staff messages are stored in the project's store, not in Rasa's tracker.

A hand-over nobody takes within ``HANDOVER_WAIT_MINUTES`` (office time), or made
outside ``OFFICE_DAYS``/``OFFICE_HOURS``, gets a truthful notice with its reference and
the hotline. Complaint answers the queue stores as ``to_deliver`` are delivered
through the same outbox.

Citizens' text is shown in full only to the staff member holding the conversation;
everyone else sees it redacted (``core/redaction.py``). Every staff action is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from sqlalchemy.orm import Session

from core import wording
from core.redaction import redact
from core.settings import Settings
from core.settings import current as settings
from procedures_db import handover_messages as store
from services import staff
from services.staff import Identity, StaffError

VIETNAM = timezone(timedelta(hours=7))
MAX_MESSAGE_LENGTH = 2000
CLAIM_SECONDS = 30  # a claimed message not delivered within this is claimed again (its replica died)
NEW_WITHIN = timedelta(hours=24)  # older requests are not made live (they wait in the queue)
RETURNED_SHOWN = timedelta(hours=1)  # handed-back conversations stay in the inbox this long


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: Optional[datetime]) -> Optional[str]:
    moment = store.aware(moment)
    return moment.isoformat() if moment else None


# --- office hours --------------------------------------------------------------------------


def in_office(now: datetime, config: Settings | None = None) -> bool:
    """True when ``now`` falls in OFFICE_DAYS and OFFICE_HOURS (Vietnam time)."""
    config = config or settings()
    local = now.astimezone(VIETNAM)
    minute = local.hour * 60 + local.minute
    return local.isoweekday() in config.office_days and any(a <= minute < b for a, b in config.office_hours)


def hours_text(config: Settings | None = None) -> str:
    """The office hours in words: "Thứ Hai đến Thứ Sáu, 07:30–11:30 và 13:30–17:00"."""
    config = config or settings()
    days = sorted(config.office_days)
    names = [wording.LIVE_WEEKDAYS[d - 1] for d in days]
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        day_text = wording.LIVE_DAY_RANGE.format(first=names[0], last=names[-1])
    else:
        day_text = ", ".join(names)
    spans = wording.LIVE_HOURS_JOIN.join(
        f"{a // 60:02d}:{a % 60:02d}–{b // 60:02d}:{b % 60:02d}" for a, b in config.office_hours
    )
    return f"{day_text}, {spans}"


# --- what the Rasa replicas run ------------------------------------------------------------


@dataclass
class Sweep:
    opened: int = 0  # hand-overs made live
    notices: list[str] = field(default_factory=list)  # references told "nobody can answer now"
    answers: int = 0  # complaint answers queued for delivery


def sweep(session: Session, now: datetime | None = None) -> Sweep:
    """New hand-overs made live; the notice to those nobody took in time; complaint answers queued.

    Safe to run at once in several processes: each step is claimed by one UPDATE or a unique key.
    """
    now, config, done = now or _now(), settings(), Sweep()
    office = in_office(now, config)
    for handoff in store.new_handoffs(session, now - NEW_WITHIN):
        live = store.add_live(session, handoff)
        if live is None:
            continue
        done.opened += 1
        if not office and store.mark_notice(session, live.id, now):
            _notice(session, live, handoff.reference, now, wording.LIVE_OUT_OF_HOURS, config)
            done.notices.append(handoff.reference)
    limit = now - timedelta(minutes=config.handover_wait_minutes)
    for live in store.overdue(session, limit):
        if store.mark_notice(session, live.id, now):
            request = store.handoff_of(session, live)
            reference = request.reference if request else ""
            created = store.aware(live.created_at) or now
            template = wording.LIVE_NOBODY_FREE if in_office(created, config) and office else wording.LIVE_OUT_OF_HOURS
            _notice(session, live, reference, now, template, config)
            done.notices.append(reference)
    for case, handoff in store.answers_to_deliver(session):
        if store.mark_answer_sending(session, case.id):
            text = wording.LIVE_ANSWER.format(reference=handoff.reference, answer=case.answer)
            store.add_message(session, handoff.sender_id, "system", text, now, case_id=case.id)
            done.answers += 1
    return done


def _notice(session: Session, live, reference: str, now: datetime, template: str, config: Settings) -> None:
    text = template.format(reference=reference, hotline=config.support_hotline, hours=hours_text(config))
    store.add_message(session, live.conversation_id, "system", text, now, handover_id=live.id)


def is_held(db: store.Reader, conversation_id: str) -> bool:
    """Whether a staff member holds the conversation (a read only: nothing is stored)."""
    return store.held_id(db, conversation_id) is not None


def citizen_message(session: Session, conversation_id: str, text: str, now: datetime | None = None) -> bool:
    """True when staff hold the conversation: the message is stored for them and Rasa must not answer."""
    live = store.held(session, conversation_id)
    if live is None:
        return False
    store.add_message(session, conversation_id, "citizen", text[:MAX_MESSAGE_LENGTH], now or _now(), live.id)
    return True


@dataclass(frozen=True)
class Delivery:
    """A message to send into a citizen's conversation."""

    id: int
    conversation_id: str
    text: str


def pending_deliveries(session: Session, now: datetime | None = None, limit: int = 100) -> list[Delivery]:
    """Messages to citizens nobody has sent yet (or whose sender died), oldest first."""
    stale = (now or _now()) - timedelta(seconds=CLAIM_SECONDS)
    return [Delivery(m.id, m.conversation_id, m.text) for m in store.outbox(session, stale, limit)]


def claim_delivery(session: Session, message_id: int, replica: str, now: datetime | None = None) -> bool:
    """True when this replica sends the message (no other replica will, unless it is not delivered in time)."""
    now = now or _now()
    return store.claim(session, message_id, replica, now, now - timedelta(seconds=CLAIM_SECONDS))


def delivered(session: Session, message_id: int, now: datetime | None = None) -> None:
    store.mark_delivered(session, message_id, now or _now())


def delivery_failed(session: Session, message_id: int) -> bool:
    """The send failed: tried again on a later round; True when given up (after 5 attempts)."""
    return store.release(session, message_id)


# --- what staff do (the console) -------------------------------------------------------------


def _channel(conversation_id: str) -> str:
    namespace, separator, _ = conversation_id.partition(":")
    return namespace if separator else "rest"


def _live(session: Session, live_id: int):
    live = store.live_by_id(session, live_id)
    if live is None:
        raise StaffError("not_found", "no such hand-over", 404)
    return live


def _holder(identity: Identity, live) -> None:
    if live.state != "held" or live.staff_id != identity.account.id:
        raise StaffError("not_holder", "take the conversation first", 403)


def _waited_seconds(live, now: datetime) -> int:
    created = store.aware(live.created_at) or now
    taken = store.aware(live.taken_at)
    until = taken if live.state != "waiting" and taken is not None else now
    return max(0, int((until - created).total_seconds()))


def inbox(session: Session, identity: Identity, now: datetime | None = None) -> dict:
    """Live hand-overs for the console: waiting first, then held, then recently handed back."""
    now = now or _now()
    rows = store.inbox(session, now - RETURNED_SHOWN)
    names = store.procedure_names(session, {r.handoff.procedure_code for r in rows if r.handoff.procedure_code})
    order = {"waiting": 0, "held": 1, "returned": 2}
    items = []
    for row in rows:
        live, handoff = row.live, row.handoff
        mine = live.state == "held" and live.staff_id == identity.account.id
        items.append(
            {
                "id": live.id,
                "reference": handoff.reference,
                "channel": _channel(live.conversation_id),
                "procedure_code": handoff.procedure_code,
                "procedure_name": names.get(handoff.procedure_code or ""),
                "state": live.state,
                "staff": row.staff_name,
                "mine": mine,
                "created_at": _iso(live.created_at),
                "waited_seconds": _waited_seconds(live, now),
                "notice_sent": live.notice_sent_at is not None,
                "last_message_id": row.last_message_id,
                "messages": row.messages,
            }
        )
    items.sort(key=lambda item: (order.get(item["state"], 3), item["created_at"] or ""))
    return {"items": items, "in_office": in_office(now), "hours": hours_text()}


def conversation(session: Session, identity: Identity, live_id: int, ip: str | None = None) -> dict:
    """One hand-over: its facts, the conversation before it (redacted) and the live messages."""
    live = _live(session, live_id)
    handoff = store.handoff_of(session, live)
    now = _now()
    mine = live.state == "held" and live.staff_id == identity.account.id
    earlier: list[dict] = [
        {"author": who, "text": redact(text), "at": datetime.fromtimestamp(ts, timezone.utc).isoformat()}
        for who, text, ts in store.conversation_turns(live.conversation_id)
    ]
    if not earlier and handoff is not None and handoff.summary:  # no tracker to read: what the request kept
        earlier = [{"author": "citizen", "text": redact(line), "at": None} for line in handoff.summary.splitlines()]
    messages = []
    for message, staff_name in store.messages_of(session, live.id):
        text = message.text if message.author != "citizen" or mine else redact(message.text)
        messages.append(
            {
                "id": message.id,
                "author": message.author,
                "staff": staff_name,
                "text": text,
                "at": _iso(message.created_at),
                "delivered": message.delivered_at is not None,
                "failed": bool(message.failed),
            }
        )
    if mine:
        staff.audit_once(session, identity, "live.view", target=f"live:{live.id}", ip=ip)  # once per sign-in
    names = store.procedure_names(session, {handoff.procedure_code} if handoff and handoff.procedure_code else set())
    return {
        "id": live.id,
        "reference": handoff.reference if handoff else None,
        "channel": _channel(live.conversation_id),
        "procedure_code": handoff.procedure_code if handoff else None,
        "procedure_name": names.get(handoff.procedure_code or "") if handoff else None,
        "state": live.state,
        "mine": mine,
        "redacted": not mine,
        "created_at": _iso(live.created_at),
        "waited_seconds": _waited_seconds(live, now),
        "earlier": earlier,
        "messages": messages,
    }


def take(session: Session, identity: Identity, live_id: int, ip: str | None = None) -> dict:
    """The staff member holds the conversation from now on: the assistant stops answering it."""
    live = _live(session, live_id)
    handoff = store.handoff_of(session, live)
    if handoff is None:
        raise StaffError("not_found", "no such hand-over", 404)
    now, previous = _now(), live.staff_id
    if live.state == "held" and previous == identity.account.id:
        return conversation(session, identity, live_id, ip)
    for other in store.open_in_conversation(session, live.conversation_id):
        if other.id != live.id and other.state == "held":  # one hold per conversation: the older one ends
            other.state, other.returned_at = "returned", now
    live.state, live.staff_id, live.taken_at, live.returned_at = "held", identity.account.id, now, None
    staff.take(session, identity, f"handoff-{handoff.id}", ip=ip)  # the queue's case: in progress, audited
    staff.audit(session, identity, "live.take", target=f"live:{live.id}", detail={"from_account": previous}, ip=ip)
    text = wording.LIVE_STAFF_JOINED.format(name=identity.account.display_name, reference=handoff.reference)
    store.add_message(session, live.conversation_id, "system", text, now, live.id, identity.account.id)
    return conversation(session, identity, live_id, ip)


def send(session: Session, identity: Identity, live_id: int, text: str, ip: str | None = None) -> dict:
    """What the staff member typed, queued for the citizen's channel."""
    body = (text or "").strip()
    if not body:
        raise StaffError("empty_message", "the message is empty")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise StaffError("message_too_long", f"the message is longer than {MAX_MESSAGE_LENGTH} characters")
    live = _live(session, live_id)
    _holder(identity, live)
    shown = wording.LIVE_STAFF_MESSAGE.format(name=identity.account.display_name, text=body)
    message = store.add_message(session, live.conversation_id, "staff", shown, _now(), live.id, identity.account.id)
    staff.audit(session, identity, "live.message", target=f"live:{live.id}", detail={"length": len(body)}, ip=ip)
    return {"id": message.id}


def send_checklist(
    session: Session, identity: Identity, live_id: int, code: str, text: str, agreed: Any, ip: str | None = None
) -> dict:
    """Assisted mode: the checklist sent into the conversation the staff member holds, once the citizen agreed.

    The agreement is recorded in the audit log (``assisted.send``: who, when, which procedure, that the
    citizen agreed); a long checklist goes as several messages of at most ``MAX_MESSAGE_LENGTH``.
    """
    if agreed is not True:
        raise StaffError("agreement_required", "the citizen must agree to receive the checklist in their conversation")
    live = _live(session, live_id)
    _holder(identity, live)
    room = MAX_MESSAGE_LENGTH - 200  # the staff member's name goes before each part
    parts: list[str] = []
    for line in text.splitlines():
        line = line[:room]
        if parts and len(parts[-1]) + 1 + len(line) <= room:
            parts[-1] += "\n" + line
        else:
            parts.append(line)
    ids = [send(session, identity, live_id, part, ip)["id"] for part in parts if part.strip()]
    detail = {"procedure": code, "agreed": True, "agreed_at": _iso(_now()), "messages": len(ids)}
    staff.audit(session, identity, "assisted.send", target=f"live:{live.id}", detail=detail, ip=ip)
    return {"messages": ids, "channel": _channel(live.conversation_id)}


def give_back(session: Session, identity: Identity, live_id: int, ip: str | None = None) -> dict:
    """ "Trả lại trợ lý": the hold ends, the citizen is told, and the assistant answers again."""
    live = _live(session, live_id)
    _holder(identity, live)
    handoff = store.handoff_of(session, live)
    now = _now()
    live.state, live.returned_at = "returned", now
    reference = handoff.reference if handoff else ""
    store.add_message(
        session, live.conversation_id, "system", wording.LIVE_STAFF_LEFT.format(reference=reference), now, live.id
    )
    if handoff is not None:
        staff.set_status(session, identity, f"handoff-{handoff.id}", "answered", ip=ip)
    staff.audit(session, identity, "live.return", target=f"live:{live.id}", ip=ip)
    return conversation(session, identity, live_id, ip)


def signed_in(session: Session, token: str | None) -> Optional[Identity]:
    """The staff member of a console session that is still valid and may see hand-overs, without
    counting this as use: the live stream asks every poll, and an open console must still time out."""
    if not token or len(token) > 128:
        return None
    found = staff.store.session_by_digest(session, staff._digest(token))
    if found is None:
        return None
    row, account = found
    idle = timedelta(minutes=settings().staff_session_idle_minutes)
    if not account.active or _now() - staff.store.session_last_seen(row) > idle:
        return None
    identity = Identity(account, row)
    return identity if identity.may("queue") else None


def purge(session: Session, days: int, now: datetime | None = None) -> int:
    """Live hand-over messages older than ``days`` deleted (retention, as ``purge_service_requests``)."""
    if days < 1:
        raise ValueError("the retention must be at least 1 day")
    return store.purge_messages(session, cutoff=(now or _now()) - timedelta(days=days))


def forget(session: Session, conversation_id: str) -> int:
    """A citizen's deletion request: their live hand-overs and every message of them deleted."""
    return store.purge_messages(session, conversation_id=conversation_id)


def change_mark(session: Session) -> tuple:
    """Changes whenever the inbox or a conversation's messages change (the console's stream watches it)."""
    return store.change_mark(session)
