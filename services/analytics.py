"""The province's analytics: conversations, hand-overs, complaints, satisfaction, dossier look-ups, lock-outs.

Every figure is counted per day in Vietnam time (UTC+7) over a date range, from
the stored conversations (Rasa's events) and the store's rows; :data:`DEFINITIONS`
says exactly what each one counts (the README repeats it, the console shows it).
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from typing import Optional

from sqlalchemy.orm import Session

from core.redaction import redact
from core.text import folded_text
from procedures_db import analytics as rows
from procedures_db.staff import COMPLAINT_PREFIX

VIETNAM = timezone(timedelta(hours=7))  # no daylight saving
MAX_DAYS = 366
CHANNELS = ("web", "zalo", "messenger", "rest")
# Hand-overs and ratings store the channel Rasa names (tracker.get_latest_input_channel()); the
# conversations' ids carry the channel's own namespace (bot/channels/conversations.py).
_INPUT_CHANNEL = {"socketio": "web", "facebook": "messenger", "web": "web", "zalo": "zalo", "rest": "rest"}

DEFINITIONS: dict[str, str] = {
    "conversations": "citizens (conversation ids) who sent at least one message that day; one id counts once per "
    "day and channel; the channel is the id's namespace (web, zalo, messenger, rest)",
    "messages": "messages citizens sent (Rasa 'user' events), buttons included",
    "handoffs": "requests to talk to staff recorded that day (hand-overs), complaints excluded",
    "complaints": "complaints (grievances, reports, petitions) recorded with a reference that day",
    "handoff_share": "hand-overs and complaints of the range divided by the conversations of the range",
    "ratings": "1-5 satisfaction ratings given that day; the average, and the share of 4 and 5 among them",
    "lookups": "dossier status look-ups answered (runs of action_dossier_status: found, refused or locked)",
    "lockouts": "dossier codes locked out by wrong phone digits whose latest failure was that day; the store "
    "keeps one row per code, so a code locked twice counts on the day of its latest lock-out",
    "turns": "a turn is a citizen's message (Rasa 'user' event) with what the assistant did until the next one; "
    "each turn has exactly one outcome, tried in this order: handed over, asked back, unanswered, answered",
    "handed_over": "turns in which the assistant recorded a request to talk to staff (a hand-over reference was set)",
    "asked_back": "turns the assistant answered with a question (which procedure, which case, or 'did you mean', "
    "the graded fallback's suggestion)",
    "unanswered": "turns that ended in a fallback (the message was not understood) or out of scope with no procedure "
    "found in the catalogue",
    "answered": "every other turn: the assistant replied with an answer (a procedure's facts, a dossier's status, "
    "a support point, small talk)",
    "outcome_shares": "each outcome's turns divided by all the turns of the range",
    "unanswered_questions": "the unanswered turns' messages, redacted (core/redaction.py), grouped when they share "
    "at least half of their words (accents ignored); the largest groups first",
}
OUTCOMES = ("answered", "asked_back", "handed_over", "unanswered")
FALLBACK_ACTIONS = frozenset({"action_default_fallback", "action_graded_fallback"})
MAX_UNANSWERED = 5000  # the newest unanswered messages grouped (the counts above include all)
MAX_GROUPS = 50
SIMILAR = 0.5


class AnalyticsError(ValueError):
    code = "bad_range"


def parse_range(start: Optional[str], end: Optional[str], today: Optional[date] = None) -> tuple[date, date]:
    """``YYYY-MM-DD`` days, both included; default the last 30 days up to today (Vietnam time)."""
    today = today or datetime.now(VIETNAM).date()
    try:
        last = date.fromisoformat(end) if end else today
        first = date.fromisoformat(start) if start else last - timedelta(days=29)
    except ValueError as exc:
        raise AnalyticsError("dates are YYYY-MM-DD") from exc
    if first > last:
        raise AnalyticsError("the range starts after it ends")
    if (last - first).days + 1 > MAX_DAYS:
        raise AnalyticsError(f"the range is at most {MAX_DAYS} days")
    return first, last


def _day(moment: datetime) -> date:
    if moment.tzinfo is None:  # SQLite gives back naive UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(VIETNAM).date()


def _channel_of_sender(sender_id: str) -> str:
    prefix, separator, _ = (sender_id or "").partition(":")
    return prefix if separator and prefix in CHANNELS else "other"


def report(
    session: Session, first: date, last: date, channel: Optional[str] = None, tracker_url: Optional[str] = None
) -> dict:
    """Every figure per day of [first, last], optionally for one channel; with totals and definitions."""
    if channel is not None and channel not in CHANNELS:
        raise AnalyticsError(f"channel is one of {', '.join(CHANNELS)}")
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    index = {day: n for n, day in enumerate(days)}
    start = datetime.combine(first, time(), VIETNAM)
    end = datetime.combine(last + timedelta(days=1), time(), VIETNAM)

    def series() -> list:
        return [0] * len(days)

    seen: set[tuple[date, str]] = set()
    conversations: dict[str, list[int]] = {name: series() for name in CHANNELS}
    conversations["other"] = series()
    messages, lookups = series(), series()
    in_range: set[str] = set()
    for sender_id, type_name, timestamp, _action in rows.tracker_events(start, end, tracker_url):
        sender_channel = _channel_of_sender(sender_id)
        if channel is not None and sender_channel != channel:
            continue
        day = datetime.fromtimestamp(timestamp, VIETNAM).date()
        n = index.get(day)
        if n is None:
            continue
        if type_name == "user":
            messages[n] += 1
            in_range.add(sender_id)
            if (day, sender_id) not in seen:
                seen.add((day, sender_id))
                conversations[sender_channel][n] += 1
        else:
            lookups[n] += 1

    handoffs, complaints = series(), series()
    for created_at, handoff_channel, summary in rows.handoffs_between(session, start, end):
        if channel is not None and _INPUT_CHANNEL.get(handoff_channel or "") != channel:
            continue
        n = index.get(_day(created_at))
        if n is not None:
            (complaints if summary.startswith(COMPLAINT_PREFIX) else handoffs)[n] += 1

    by_rating = {str(value): 0 for value in range(1, 6)}
    rating_sum, rating_count = series(), series()
    for created_at, rating_channel, rating in rows.ratings_between(session, start, end):
        if channel is not None and _INPUT_CHANNEL.get(rating_channel or "") != channel:
            continue
        n = index.get(_day(created_at))
        if n is not None and 1 <= rating <= 5:
            by_rating[str(rating)] += 1
            rating_sum[n] += rating
            rating_count[n] += 1

    lockouts = series()
    lockouts_total = 0
    for last_failure, count in rows.lockouts_between(session, start, end):
        n = index.get(_day(last_failure))
        if n is not None:
            lockouts[n] += 1
            lockouts_total += count

    outcomes, unanswered = turn_outcomes(start, end, index, channel, tracker_url)
    turns = sum(sum(values) for values in outcomes.values())

    rated = sum(by_rating.values())
    total_conversations = sum(sum(values) for values in conversations.values())
    conversation_ids = len(in_range)
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "channel": channel,
        "days": [day.isoformat() for day in days],
        "conversations": {name: values for name, values in conversations.items() if any(values) or name != "other"},
        "messages": messages,
        "handoffs": handoffs,
        "complaints": complaints,
        "ratings": {
            "count": rating_count,
            "average": [round(s / c, 2) if c else None for s, c in zip(rating_sum, rating_count)],
            "by_rating": by_rating,
        },
        "lookups": lookups,
        "lockouts": lockouts,
        "totals": {
            "conversations": total_conversations,
            "citizens": conversation_ids,
            "messages": sum(messages),
            "handoffs": sum(handoffs),
            "complaints": sum(complaints),
            "handoff_share": round((sum(handoffs) + sum(complaints)) / total_conversations, 4)
            if total_conversations
            else None,
            "ratings": rated,
            "average_rating": round(sum(int(k) * v for k, v in by_rating.items()) / rated, 2) if rated else None,
            "share_4_5": round((by_rating["4"] + by_rating["5"]) / rated, 4) if rated else None,
            "lookups": sum(lookups),
            "lockouts": sum(lockouts),
            "lockouts_counted": lockouts_total,
            "turns": turns,
            **{name: sum(values) for name, values in outcomes.items()},
            **{f"{name}_share": round(sum(values) / turns, 4) if turns else None for name, values in outcomes.items()},
        },
        "outcomes": outcomes,
        "unanswered": group_similar(unanswered),
        "definitions": DEFINITIONS,
    }


CSV_COLUMNS = (
    "day",
    "conversations",
    "messages",
    "handoffs",
    "complaints",
    "ratings",
    "average_rating",
    "lookups",
    "lockouts",
)


def report_csv(data: dict) -> str:
    """One row per day (UTF-8 with BOM, for spreadsheets)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    per_day: dict[int, int] = defaultdict(int)
    for values in data["conversations"].values():
        for n, count in enumerate(values):
            per_day[n] += count
    for n, day in enumerate(data["days"]):
        average = data["ratings"]["average"][n]
        writer.writerow(
            [
                day,
                per_day[n],
                data["messages"][n],
                data["handoffs"][n],
                data["complaints"][n],
                data["ratings"]["count"][n],
                "" if average is None else average,
                data["lookups"][n],
                data["lockouts"][n],
            ]
        )
    return out.getvalue()


def classify_turn(intent: Optional[str], actions: set[str], slots: dict) -> str:
    """One turn's outcome (DEFINITIONS): handed over, asked back, unanswered or answered."""
    if slots.get("handoff_reference") or "action_request_human" in actions:
        return "handed_over"
    if slots.get("pending_question") or slots.get("suggested_intent"):
        return "asked_back"
    fell_back = intent == "nlu_fallback" or bool(actions & FALLBACK_ACTIONS)
    if (fell_back or "action_out_of_scope" in actions) and not slots.get("procedure_code"):
        return "unanswered"
    return "answered"


def turn_outcomes(
    start: datetime, end: datetime, index: dict, channel: Optional[str] = None, tracker_url: Optional[str] = None
) -> tuple[dict[str, list[int]], list[str]]:
    """Per day, the turns of each outcome; and the unanswered messages (redacted, the newest last)."""
    outcomes = {name: [0] * len(index) for name in OUTCOMES}
    unanswered: list[tuple[float, str]] = []
    turn: Optional[dict] = None

    def close(current: Optional[dict]) -> None:
        if current is None:
            return
        outcome = classify_turn(current["intent"], current["actions"], current["slots"])
        outcomes[outcome][current["n"]] += 1
        if outcome == "unanswered" and current["text"].strip():
            unanswered.append((current["at"], current["text"]))

    for sender_id, type_name, timestamp, intent, action, data in rows.turn_events(start, end, tracker_url):
        if turn is not None and turn["sender"] != sender_id:
            close(turn)
            turn = None
        if type_name == "user":
            close(turn)
            turn = None
            if channel is not None and _channel_of_sender(sender_id) != channel:
                continue
            n = index.get(datetime.fromtimestamp(timestamp, VIETNAM).date())
            if n is None:
                continue
            text = data.get("text") if isinstance(data, dict) else None
            turn = {"sender": sender_id, "n": n, "at": timestamp, "intent": intent, "text": str(text or "")}
            turn.update(actions=set(), slots={})
        elif turn is None:
            continue
        elif type_name == "action" and action:
            turn["actions"].add(action)
        elif type_name == "slot" and isinstance(data, dict):
            turn["slots"][data.get("name")] = data.get("value")
    close(turn)
    unanswered.sort()
    return outcomes, [redact(text) for _, text in unanswered[-MAX_UNANSWERED:]]


PLACEHOLDER = re.compile(r"\[[^\]]*\]")  # what core/redaction.py puts for personal data ("[SĐT]")


def _words(text: str) -> frozenset[str]:
    """The message's words, accents folded, without punctuation or redaction placeholders."""
    return frozenset(word for word in folded_text(PLACEHOLDER.sub(" ", text)).split() if word.isalnum())


def group_similar(texts: list[str], threshold: float = SIMILAR, limit: int = MAX_GROUPS) -> list[dict]:
    """Messages grouped with the first of a group they share at least ``threshold`` of their words with (Jaccard).

    Each group: its first message, how many, and up to five different examples; the largest first.
    """
    groups: list[dict] = []
    by_word: dict[str, list[int]] = defaultdict(list)
    for text in texts:
        words = _words(text)
        if not words:
            continue
        best, best_score = None, 0.0
        for g in {g for word in words for g in by_word.get(word, ())}:
            leader = groups[g]["words"]
            score = len(words & leader) / len(words | leader)
            if score > best_score:
                best, best_score = g, score
        if best is not None and best_score >= threshold:
            group = groups[best]
            group["count"] += 1
            if len(group["examples"]) < 5 and text not in group["examples"]:
                group["examples"].append(text)
            continue
        for word in words:
            by_word[word].append(len(groups))
        groups.append({"words": words, "text": text, "count": 1, "examples": [text]})
    groups.sort(key=lambda g: -g["count"])
    return [{"text": g["text"], "count": g["count"], "examples": g["examples"]} for g in groups[:limit]]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def unanswered_nlu_yaml(data: dict) -> str:
    """The unanswered questions' groups as Rasa NLU training data (YAML) for a person to review.

    Each group is an intent named ``review_unanswered_NN`` to be renamed to the right intent (or dropped):
    nothing here is ever trained automatically.
    """
    lines = [
        "# Candidate NLU training examples: messages the assistant did not answer",
        f"# from {data['from']} to {data['to']} (channel: {data['channel'] or 'all'}), redacted, grouped by similarity.",
        "# FOR REVIEW ONLY: give each group its right intent (or drop it), correct the examples,",
        "# and move them into data/nlu/ by hand; then retrain. Never trained automatically.",
        'version: "3.1"',
        "nlu:",
    ]
    for number, group in enumerate(data["unanswered"], start=1):
        lines.append(f"- intent: review_unanswered_{number:02d}  # {group['count']} messages")
        lines.append("  examples: |")
        lines += [f"    - {_one_line(example)}" for example in group["examples"]]
    if not data["unanswered"]:
        lines[-1] = "nlu: []"
    return "\n".join(lines) + "\n"
