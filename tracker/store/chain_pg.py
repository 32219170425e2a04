"""The event chain on PostgreSQL: a statement trigger on the events table.

Why a trigger here (and Python on SQLite): the one-round-trip write sends the lock, the
read-model rows and the events INSERT as one query and learns the new notification ids
only from its result, so Python could chain them only in a second round trip, about
halving the rate of single payments. A statement-level trigger runs inside that same
INSERT, after the table lock, for every path alike (the one-trip query, the library's
pipelined array insert used by imports, the restore): one call per INSERT, looping over
its new rows in notification order. Each path marks its transaction (``MARK``).
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
    e record;
    eh text;
    ns bigint[] := ARRAY[]::bigint[];
    seqs bigint[] := ARRAY[]::bigint[];
    ids text[] := ARRAY[]::text[];
    versions bigint[] := ARRAY[]::bigint[];
    ehs text[] := ARRAY[]::text[];
    chs text[] := ARRAY[]::text[];
BEGIN
    IF coalesce(current_setting('tracker.chain', true), '') <> 'on' THEN
        RETURN NULL;
    END IF;
    SELECT seq, chain_hash INTO head_seq, head FROM {CHAIN_TABLE} ORDER BY notification_id DESC LIMIT 1;
    head_seq := coalesce(head_seq, 0);
    head := coalesce(head, '{GENESIS}');
    FOR e IN SELECT notification_id, originator_id::text AS oid, originator_version, topic, state
             FROM new_events ORDER BY notification_id LOOP
        eh := encode(sha256(convert_to(e.notification_id::text || E'\\n' || e.oid || E'\\n'
              || e.originator_version::text || E'\\n' || e.topic || E'\\n', 'UTF8') || e.state), 'hex');
        head := encode(sha256(convert_to(head || eh, 'UTF8')), 'hex');
        head_seq := head_seq + 1;
        ns := ns || e.notification_id;
        seqs := seqs || head_seq;
        ids := ids || e.oid;
        versions := versions || e.originator_version;
        ehs := ehs || eh;
        chs := chs || head;
    END LOOP;
    INSERT INTO {CHAIN_TABLE} SELECT * FROM unnest(ns, seqs, ids, versions, ehs, chs);
    RETURN NULL;
END
$body$"""


def create_trigger(qualified_events_table: str) -> str:
    """The trigger itself, created once (PostgreSQL has no CREATE TRIGGER IF NOT EXISTS
    before version 14)."""
    return f"""DO $do$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger
                   WHERE tgname = '{TRIGGER}' AND tgrelid = '{qualified_events_table}'::regclass) THEN
        CREATE TRIGGER {TRIGGER} AFTER INSERT ON {qualified_events_table}
            REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();
    END IF;
END $do$"""
