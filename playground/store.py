"""Short share links: the page's state kept in an SQLite database file, found by an id.

A share link used to carry the whole state (ruleset and snapshot, deflated) in the URL:
tens of thousands of characters, too long for chat tools and tickets. The server now
keeps each shared state in one row of an SQLite file and hands out `/s/<id>`.

- The id is derived from the content (a hash of the canonical JSON of the state), so
  sharing the same state twice gives the same link and stores it once.
- Each entry has a size limit, and the whole store a total cap: when a new entry would
  pass it, the entries shared longest ago are deleted first (sharing a state again
  counts as sharing it now).
- The file survives a restart; the server may run several workers and processes, so
  every write is one `BEGIN IMMEDIATE` transaction and the database runs in WAL mode.
- The file is the user's: its folder is created 0700 and the file 0600, a folder other
  users can write is refused (they could swap the file under us), and a file that is
  not a lawcode share store (another SQLite database, or no database at all) is refused
  rather than written to. Only JSON is stored; nothing read back is ever executed.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import sqlite3
import stat
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

APPLICATION_ID = 0x6C617763  # "lawc": marks a database file as a lawcode share store
ID_LENGTH = 16  # base64url characters: 96 bits of a SHA-256
ID_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
BUSY_MILLISECONDS = 10_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS shares (
  id TEXT PRIMARY KEY,
  state BLOB NOT NULL,       -- zlib-compressed canonical JSON
  size INTEGER NOT NULL,     -- bytes stored (what the total cap counts)
  shared_at INTEGER NOT NULL -- nanoseconds; the oldest go first
);
CREATE INDEX IF NOT EXISTS shares_by_age ON shares (shared_at);
"""


class StoreRefused(Exception):
    """The store path cannot be used: the message says why and what to do instead."""


class EntryTooLarge(Exception):
    """A state over the per-entry limit (or over the whole store's cap)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"the shared state is {size} bytes, over the limit of {limit} bytes")
        self.size, self.limit = size, limit


def default_path() -> Path:
    """`$XDG_STATE_HOME/lawcode/playground-shares.sqlite3`, else under `~/.local/state`."""
    state = os.environ.get("XDG_STATE_HOME", "")
    base = Path(state) if state and Path(state).is_absolute() else Path.home() / ".local" / "state"
    return base / "lawcode" / "playground-shares.sqlite3"


def share_id(state: dict[str, Any]) -> str:
    """The id of a state: the same state (whatever its key order) always gives the same id."""
    digest = hashlib.sha256(canonical(state)).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:ID_LENGTH]


def canonical(state: dict[str, Any]) -> bytes:
    return orjson.dumps(state, option=orjson.OPT_SORT_KEYS)


def valid_id(text: str) -> bool:
    return len(text) == ID_LENGTH and set(text) <= ID_ALPHABET


@dataclass(frozen=True, slots=True)
class ShareStore:
    """An SQLite share store at `path`; `open()` it once to check and create the file."""

    path: Path
    max_entry_bytes: int
    max_total_bytes: int

    @classmethod
    def open(cls, path: Path, max_entry_bytes: int, max_total_bytes: int) -> ShareStore:
        """Check the folder and the file, create both if missing; `StoreRefused` when unusable."""
        path = Path(path).expanduser().absolute()
        _check_folder(path.parent)
        _check_file(path)
        store = cls(path, max_entry_bytes, max_total_bytes)
        try:
            with store._connect() as db:
                found = db.execute("PRAGMA application_id").fetchone()[0]
                tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                if found != APPLICATION_ID and (found != 0 or tables):
                    raise StoreRefused(f"{path} is an SQLite database, but not a lawcode share store; pick another file with --store")
                if not tables:  # a new store: the file shrinks as entries are evicted
                    db.execute("PRAGMA auto_vacuum = FULL")
                db.execute("PRAGMA journal_mode = WAL")
                db.executescript(f"PRAGMA application_id = {APPLICATION_ID};" + SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreRefused(f"{path} is not a usable share store ({exc}); pick another file with --store") from None
        return store

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # One connection per call: handlers run on several threads (and servers in several processes).
        # mode=rw: a store file removed under a running server is an error, not a new file.
        db = sqlite3.connect(f"{self.path.as_uri()}?mode=rw", uri=True, timeout=BUSY_MILLISECONDS / 1000, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_MILLISECONDS}")
            yield db
        finally:
            db.close()

    def put(self, state: dict[str, Any]) -> str:
        """Keep `state` (or mark it shared now, if kept already) and return its id.

        Raises `EntryTooLarge` over the per-entry limit. Entries shared longest ago are
        deleted, in the same transaction, until the store is within its total cap.
        """
        raw = canonical(state)
        if len(raw) > self.max_entry_bytes:
            raise EntryTooLarge(len(raw), self.max_entry_bytes)
        packed = zlib.compress(raw, 6)
        if len(packed) > self.max_total_bytes:
            raise EntryTooLarge(len(packed), self.max_total_bytes)
        key = share_id(state)
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "INSERT INTO shares (id, state, size, shared_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET shared_at = excluded.shared_at",
                    (key, packed, len(packed), time.time_ns()),
                )
                self._evict(db, keep=key)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return key

    def _evict(self, db: sqlite3.Connection, keep: str) -> None:
        total = db.execute("SELECT COALESCE(SUM(size), 0) FROM shares").fetchone()[0]
        if total <= self.max_total_bytes:
            return
        for key, size in db.execute("SELECT id, size FROM shares WHERE id != ? ORDER BY shared_at, id", (keep,)).fetchall():
            db.execute("DELETE FROM shares WHERE id = ?", (key,))
            total -= size
            if total <= self.max_total_bytes:
                return

    def get(self, key: str) -> dict[str, Any] | None:
        """The state kept under `key`, or None (never shared here, or evicted since)."""
        with self._connect() as db:
            row = db.execute("SELECT state FROM shares WHERE id = ?", (key,)).fetchone()
        if row is None:
            return None
        value: dict[str, Any] = orjson.loads(zlib.decompress(row[0]))
        return value

    def usage(self) -> tuple[int, int]:
        """(entries, bytes stored): for the tests and the log."""
        with self._connect() as db:
            count, total = db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM shares").fetchone()
        return int(count), int(total)


def _check_folder(folder: Path) -> None:
    """Create the folder 0700 if missing; refuse one that is not ours alone to write."""
    if not folder.exists():
        try:
            folder.mkdir(mode=0o700, parents=True)
        except OSError as exc:
            raise StoreRefused(f"cannot create the share store's folder {folder}: {exc.strerror or exc}; pick another with --store") from None
    try:
        info = folder.stat()
    except OSError as exc:
        raise StoreRefused(f"cannot read the share store's folder {folder}: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise StoreRefused(f"{folder} is not a folder; pick another share store path with --store")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise StoreRefused(
            f"the share store's folder {folder} can be written by other users, who could replace the database; "
            f"pick a folder only you can write (chmod go-w {folder}) or another path with --store"
        )
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise StoreRefused(f"the share store's folder {folder} belongs to another user; pick one of yours with --store")


def _check_file(path: Path) -> None:
    """Create the file 0600 if missing; refuse a symlink, a non-file or another user's file."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        os.close(fd)
        return
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
        raise StoreRefused(f"{path} is not a regular file (a symlink, folder or device); pick another share store path with --store")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise StoreRefused(f"{path} belongs to another user; pick a share store path of yours with --store")
