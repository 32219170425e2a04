"""A broken event log reported in Chinese, naming the object, instead of a traceback.

When an event has been removed from the store, replaying the aggregate makes the
library raise ``OriginatorVersionError`` (event 6 follows event 4). The service
layer's repository turns that into ``BrokenLogError`` (项目 P001 的事件记录不连续：缺少第
5 条，…) for every command and read that loads the aggregate, and the rebuild's own
check (``tracker.projections.gaps``) is named the same way (``tracker.queries.log_names``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Repository
from eventsourcing.domain import OriginatorVersionError

from tracker.domain.errors import BrokenLogError


class GapAwareRepository(Repository[UUID]):
    """The library's repository, with a gap in a history named by ``describe``."""

    describe: Callable[[UUID], str] = staticmethod(str)

    def get(self, aggregate_id: UUID, **kwargs: Any) -> Any:
        """The aggregate, or ``BrokenLogError`` naming it and its first missing event."""
        try:
            return super().get(aggregate_id, **kwargs)
        except OriginatorVersionError as e:
            missing = int(e.args[1]) if len(e.args) > 1 else 0
            raise BrokenLogError(self.describe(aggregate_id), missing) from None
        except AssertionError:
            # The library asserts when a history does not start with its creation
            # event: a gap at version 1 (anything else is not ours to rename).
            first = self.event_store.recorder.select_events(aggregate_id, limit=1)
            if first and first[0].originator_version != 1:
                raise BrokenLogError(self.describe(aggregate_id), 1) from None
            raise


def gap_aware(
    library: Repository[UUID], cache_maxsize: int | None, describe: Callable[[UUID], str]
) -> Repository[UUID]:
    """The library's repository rebuilt as a ``GapAwareRepository`` with the same settings."""
    repository = GapAwareRepository(
        event_store=library.event_store,
        snapshot_store=library.snapshot_store,
        cache_maxsize=cache_maxsize,
        fastforward=library.fastforward,
        fastforward_skipping=library.fastforward_skipping,
        deepcopy_from_cache=library.deepcopy_from_cache,
    )
    repository.describe = describe
    return repository


def contiguous(events: Sequence[Any], describe: Callable[[], str]) -> list[Any]:
    """``events`` (one aggregate's, oldest first), or ``BrokenLogError`` at the first hole."""
    missing = next((n for n, e in enumerate(events, start=1) if e.originator_version != n), None)
    if missing is not None:
        raise BrokenLogError(describe(), missing)
    return list(events)
