"""Old event shapes brought up to date when the read models are rebuilt.

Loading an aggregate goes through the library's mapper, which upcasts by itself: an
event class with ``class_version = N`` stores ``"class_version": N`` in new events'
state, and an event stored without it (version 1) or with an older number is passed
through the class's static ``upcast_v1_v2``, ``upcast_v2_v3``, ... before it is used.
The rebuild (``tracker.projections.rebuild``) decodes events leanly, without the
mapper, so it calls ``upcast_state`` to apply the very same methods. Stored events are
never rewritten, so the event chain stays valid across the change (docs/design.md,
"Changing an event").
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from eventsourcing.utils import resolve_topic


@lru_cache(maxsize=512)
def _class_of(topic: str) -> Any:
    return resolve_topic(topic)


def upcast_state(topic: str, state: dict[str, Any]) -> dict[str, Any]:
    """``state`` (decoded, without the class's current fields if it is old) in the
    shape of the event class's current ``class_version``; changed in place."""
    target = getattr(_class_of(topic), "class_version", 1)
    version = state.pop("class_version", 1)
    while version < target:
        getattr(_class_of(topic), f"upcast_v{version}_v{version + 1}")(state)
        version += 1
    return state
