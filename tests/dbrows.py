"""Read an SQLite log file directly, as an operator would, to check what was really stored."""
from __future__ import annotations

import sqlite3
from pathlib import Path


def sqlite_rows(path: Path, sql: str) -> list[tuple]:
    """All rows of one query on the database file at `path` (a fresh connection, closed afterwards)."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()
