"""The event chain on PostgreSQL: a row trigger on the events table.

Why a trigger here (and Python on SQLite): the one-round-trip write sends the lock, the
read-model rows and the events INSERT as one query and learns the new notification ids
only from its result, so Python could chain them only in a second round trip, about
halving the rate of single payments. An AFTER ROW trigger runs inside that same INSERT,
after the table lock, for every path alike (the one-trip query, the library's pipelined
array insert used by imports, the restore). Row triggers of one statement fire in the
order the rows were inserted (notification order) and each sees the chain row of the
one before. A statement trigger over the transition table did the same in one call per
INSERT, but cost a command about three times as much (measured: a payment +20% time
against +7%), and commands, not imports, are the hot path. Each path marks its
transaction (``MARK``).
The hashes are the ones ``tracker.store.chain`` defines, computed with PostgreSQL's
``sha256()`` (PostgreSQL 11 or later).
"""

from __future__ import annotations

from tracker.store.chain import CHAIN_TABLE, GENESIS

FUNCTION = "tracker_chain_events"
TRIGGER = "tracker_chain"
# Each of the tracker's write paths marks its transaction; the trigger chains only the
# rows of marked transactions, so a row inserted by other means (psql, another program)
# stays out of the chain and ``tracker verify`` reports it as inserted, as on SQLite.
MARK = "SET LOCAL tracker.chain = 'on'"


def create_function() -> str:
    """The trigger function (``CREATE OR REPLACE``: safe on every start)."""
    return f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
    head_seq bigint;
    head text;
    eh text;
BEGIN
    IF coalesce(current_setting('tracker.chain', true), '') <> 'on' THEN
        RETURN NULL;
    END IF;
    SELECT seq, chain_hash INTO head_seq, head FROM {CHAIN_TABLE} ORDER BY notification_id DESC LIMIT 1;
    head_seq := coalesce(head_seq, 0);
    head := coalesce(head, '{GENESIS}');
    eh := encode(sha256(convert_to(NEW.notification_id::text || E'\\n' || NEW.originator_id::text || E'\\n'
          || NEW.originator_version::text || E'\\n' || NEW.topic || E'\\n', 'UTF8') || NEW.state), 'hex');
    INSERT INTO {CHAIN_TABLE} VALUES (NEW.notification_id, head_seq + 1, NEW.originator_id::text,
        NEW.originator_version, eh, encode(sha256(convert_to(head || eh, 'UTF8')), 'hex'));
    RETURN NULL;
END
$body$"""


def create_trigger(qualified_events_table: str) -> str:
    """The trigger itself, created once (PostgreSQL has no CREATE TRIGGER IF NOT EXISTS
    before version 14); a statement-level one of a development build is replaced."""
    return f"""DO $do$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger
                   WHERE tgname = '{TRIGGER}' AND tgrelid = '{qualified_events_table}'::regclass
                   AND (tgtype & 1) = 1) THEN
        DROP TRIGGER IF EXISTS {TRIGGER} ON {qualified_events_table};
        CREATE TRIGGER {TRIGGER} AFTER INSERT ON {qualified_events_table}
            FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
    END IF;
END $do$"""
