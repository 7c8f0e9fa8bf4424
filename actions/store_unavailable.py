"""One handling of "the store cannot be reached" for every action.

The catalogue and dossier database may be down, or slow past its timeouts. An
action never shows that to the citizen: the error is logged with its traceback
for the operators, the citizen gets the domain's polite ``utter_default``, and
the action returns what it returns when nothing could be done::

    with StoreCall(dispatcher, "hand-over request") as call:
        ...  # store work
    if call.failed:
        return []
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Optional, Type

from rasa_sdk.executor import CollectingDispatcher

logger = logging.getLogger(__name__)

STORE_UNAVAILABLE_RESPONSE = "utter_default"


class StoreCall:
    """Catches an error of the store work inside it; ``failed`` tells the action afterwards.

    ``tell_citizen=False`` for work the answer can do without (suggestions):
    logged, nothing said.
    """

    def __init__(self, dispatcher: CollectingDispatcher, what: str, tell_citizen: bool = True) -> None:
        self.dispatcher = dispatcher
        self.what = what
        self.tell_citizen = tell_citizen
        self.failed = False

    def __enter__(self) -> "StoreCall":
        return self

    def __exit__(
        self, kind: Optional[Type[BaseException]], error: Optional[BaseException], trace: Optional[TracebackType]
    ) -> bool:
        if kind is None or not issubclass(kind, Exception):
            return False  # success, or a cancellation / interpreter exit: not ours to swallow
        logger.error("store unavailable (%s)", self.what, exc_info=error)
        if self.tell_citizen:
            self.dispatcher.utter_message(response=STORE_UNAVAILABLE_RESPONSE)
        self.failed = True
        return True
