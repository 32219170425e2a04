"""Settings from the environment, in one place.

Users set one variable, ``TRACKER_DB``; it is translated here into the eventsourcing
library's own settings (``PERSISTENCE_MODULE``, ``SQLITE_DBNAME``, ``POSTGRES_*``).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from tracker.domain.errors import InvalidInputError

DEFAULT_DB = "sqlite:///tracker.db"


@dataclass(frozen=True)
class Settings:
    db_url: str
    user: str

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            db_url=env.get("TRACKER_DB") or DEFAULT_DB,
            user=env.get("TRACKER_USER") or _os_user(),
        )


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def is_postgres(db_url: str) -> bool:
    return db_url.startswith(("postgresql://", "postgres://"))


def eventsourcing_env(db_url: str) -> dict[str, str]:
    """Translate ``TRACKER_DB`` into the eventsourcing library's environment."""
    if db_url.startswith("sqlite:///"):
        path = db_url[len("sqlite:///") :]
        if not path:
            raise InvalidInputError("sqlite:/// 之后需要数据库文件路径", "TRACKER_DB")
        return {
            "PERSISTENCE_MODULE": "tracker.store.sqlite_store:TrackerSQLiteFactory",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": "30",
            "APPLICATION_RECORDER_TOPIC": "tracker.store.recorders:TrackerSQLiteRecorder",
        }
    if is_postgres(db_url):
        parts = urlparse(db_url)
        dbname = parts.path.lstrip("/")
        if not dbname:
            raise InvalidInputError(
                "PostgreSQL 地址需要数据库名，如 postgresql://user@host:5432/db", "TRACKER_DB"
            )
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_CONNECT_TIMEOUT": "10",
            "POSTGRES_LOCK_TIMEOUT": "30",
            "POSTGRES_POOL_SIZE": "2",
            "POSTGRES_MAX_OVERFLOW": "4",
            "APPLICATION_RECORDER_TOPIC": "tracker.store.recorders:TrackerPostgresRecorder",
        }
    raise InvalidInputError(
        f"不支持的数据库地址“{db_url}”，应为 sqlite:///文件路径 或 postgresql://用户@主机:端口/库名",
        "TRACKER_DB",
    )


SCHEMA_LOCK_KEY = 7_420_240_001  # any constant: serialises table creation across processes


@contextmanager
def schema_lock(db_url: str) -> Iterator[None]:
    """Hold a PostgreSQL advisory lock while the store creates its tables.

    The library creates functions and types on every start; processes starting at
    the same moment would otherwise fail with "tuple concurrently updated".
    """
    if not is_postgres(db_url):
        yield
        return
    import psycopg

    with psycopg.connect(db_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))
