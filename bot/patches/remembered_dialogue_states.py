"""Dialogue states: computed once per unchanged tracker.

RulePolicy replays the whole conversation to compute these states twice for
the first prediction after each message (once matching on the text, once on
the intent) with nothing changed in between: an eighth of a turn is spent
here. The states are kept on the tracker with its event count and last event
(every change to a tracker adds an event) and handed out as copies, since
callers edit them. Rasa computes them when anything differs.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.shared.core.domain import Domain, State
from rasa.shared.core.trackers import DialogueStateTracker

RASA_VERSIONS = "==3.6.21"

original_states_for_tracker_history = Domain.states_for_tracker_history
_STATES_MEMO = "_bot_states_memo"


def states_for_tracker_history(
    self: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Optional[Dict[Text, Any]] = None,
) -> List[State]:
    """Rasa's states of the tracker's history, remembered until the tracker gets an event."""
    if ignore_rule_only_turns:  # not RulePolicy's call: depends on rule_only_data too
        return original_states_for_tracker_history(self, tracker, omit_unset_slots, True, rule_only_data)
    key = (id(self), omit_unset_slots, len(tracker.events), id(tracker.events[-1]) if tracker.events else None)
    memo = tracker.__dict__.get(_STATES_MEMO)
    if memo is None or memo[0] != key:
        memo = (key, original_states_for_tracker_history(self, tracker, omit_unset_slots))
        tracker.__dict__[_STATES_MEMO] = memo
    return [{part: dict(sub_state) for part, sub_state in state.items()} for state in memo[1]]


def install() -> None:
    Domain.states_for_tracker_history = states_for_tracker_history


def uninstall() -> None:
    Domain.states_for_tracker_history = original_states_for_tracker_history


def is_installed() -> bool:
    return Domain.states_for_tracker_history is states_for_tracker_history
