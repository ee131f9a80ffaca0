"""Cache the trained model in the user cache dir, keyed by a hash of what it learns from and the matcher's code.

Each model is a folder of .npy files plus meta.json, so that a start maps the large arrays instead of reading
and checking them (the coefficient matrix is ~40 MB; a message touches a few hundred of its rows).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

logger = logging.getLogger(__name__)

CACHE_ENV = "XINZHI_CACHE_DIR"  # set to a folder to move the cache; "off" disables it
CORE_DIR = Path(__file__).resolve().parent
CODE_FILES = ("analyzer.py", "normalize.py", "features.py", "index.py", "learned.py", "scoring.py",
              "decide.py", "calibrate.py", "cache.py", "negatives.py", "loader.py", "engine.py", "kbfiles.py",
              "model.py", "kbcache.py", "acceptable.py")
MAP_BYTES = 1 << 20  # arrays at least this large are memory-mapped rather than read
CACHE_BUDGET_BYTES = 512 << 20  # after a save, the least recently used models and KBs beyond this are removed
STALE_TMP_SECONDS = 3600  # a temporary file or folder this old was left by a save that was cut short
UNREADABLE = (OSError, ValueError, KeyError, TypeError, AttributeError, EOFError)  # what a damaged cache raises
SEPARATOR = "\x00"  # between the strings of a packed list (normalized text never holds it)
META = "meta.json"


@dataclass(frozen=True)
class Cached:
    """One cached model: its arrays (large ones memory-mapped, read-only), metadata, and side files read on demand."""

    arrays: Mapping[str, np.ndarray]
    meta: Mapping[str, Any]
    folder: Path

    def side(self, name: str) -> Any:
        """Read a JSON side file saved with the model (None if it is missing or unreadable)."""
        try:
            return json.loads((self.folder / f"{name}.json").read_text(encoding="utf-8"))
        except UNREADABLE as exc:
            logger.warning("ignoring unreadable cache file %s/%s.json: %s", self.folder, name, exc)
            return None

    def discard(self) -> None:
        """Remove this cached model (it does not fit its KB), so that a retrained one can be saved in its place."""
        remove(self.folder)


def remove(path: Path) -> None:
    """Remove a cached model folder or file; a folder is renamed aside first, so a removal cut short leaves a
    temporary folder (pruned later), never a half model under its own name."""
    if path.is_dir() and not path.is_symlink():
        aside = path.with_name(f"{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            os.replace(path, aside)
        except OSError:
            aside = path
        shutil.rmtree(aside, ignore_errors=True)
    else:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


def pack_strings(items: Sequence[str]) -> np.ndarray:
    """Pack strings into one UTF-8 byte array (fast to save and to read back, unlike a fixed-width unicode array)."""
    if any(SEPARATOR in s for s in items):
        raise ValueError("a packed string holds the separator")
    return np.frombuffer(SEPARATOR.join(items).encode("utf-8"), dtype=np.uint8)


def unpack_strings(packed: np.ndarray) -> list[str]:
    """Inverse of pack_strings (an empty list packs to nothing)."""
    return bytes(packed).decode("utf-8").split(SEPARATOR) if len(packed) else []


def files_digest(root: Path, *extra: Path | None) -> str:
    """Hash every file directly in a KB folder (names and bytes), plus any extra file."""
    h = hashlib.sha256()
    paths = sorted(p for p in Path(root).iterdir() if p.is_file()) if Path(root).is_dir() else []
    for p in [*paths, *(e for e in extra if e is not None and e.parent != Path(root))]:
        try:
            data = p.read_bytes()
        except OSError:  # deleted or unreadable since it was listed: the loader reports it; the hash skips it
            continue
        h.update(p.name.encode())
        h.update(data)
    return h.hexdigest()


def code_digest() -> str:
    """Hash of the matcher's own code: a code change invalidates every cached model."""
    h = hashlib.sha256()
    for name in CODE_FILES:
        path = CORE_DIR / name
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cache_dir() -> Path | None:
    """Where models are cached; None when caching is off."""
    configured = os.environ.get(CACHE_ENV, "").strip()
    if configured.lower() == "off":
        return None
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("xinzhi", appauthor=False))


def cache_key(kb_digest: str, params: dict[str, Any]) -> str:
    """One key per (KB files, code, build parameters)."""
    blob = json.dumps({"kb": kb_digest, "code": code_digest(), "params": params}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def _read(path: Path) -> np.ndarray:
    if path.stat().st_size >= MAP_BYTES:
        return np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))  # a plain read-only view of the map
    return np.load(path, allow_pickle=False)


def load(key: str) -> Cached | None:
    """Return the model cached under key, or None."""
    folder = cache_dir()
    if folder is None or not key:
        return None
    path = folder / f"model-{key}"
    if not (path / META).is_file():
        return None
    try:
        meta = json.loads((path / META).read_text(encoding="utf-8"))
        arrays = {name: _read(path / f"{name}.npy") for name in meta["arrays"]}
    except UNREADABLE as exc:
        logger.warning("ignoring unreadable model cache %s: %s", path, exc)
        remove(path)  # so that the retrained model can be saved in its place
        return None
    try:
        os.utime(path)  # recently used: pruning keeps it
    except OSError:
        pass
    return Cached(arrays, meta, path)


def _size(path: Path) -> int:
    try:
        return sum(p.stat().st_size for p in path.iterdir()) if path.is_dir() else path.stat().st_size
    except OSError:
        return 0


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:  # removed meanwhile (another process pruning)
        return None


def prune(folder: Path, budget: int = CACHE_BUDGET_BYTES) -> list[Path]:
    """Remove the least recently used models and KBs until the rest fit the budget, and the temporary leftovers
    of saves cut short; return what was removed.

    A process still serving a removed model keeps its mapped arrays (the files go when it lets go of them).
    """
    removed: list[Path] = []
    items: list[tuple[float, Path]] = []
    now = time.time()
    for path in [*folder.glob("model-*"), *folder.glob("kb-*.json"), *folder.glob("*.tmp")]:
        mtime = _mtime(path)
        if mtime is None:
            continue
        if path.suffix == ".tmp":
            if now - mtime > STALE_TMP_SECONDS:
                remove(path)
                removed.append(path)
            continue
        items.append((mtime, path))
    total = 0
    for _, path in sorted(items, reverse=True):
        total += _size(path)
        if total > budget:
            remove(path)
            removed.append(path)
    return removed


def synced(path: Path, data: bytes | np.ndarray) -> None:
    """Write bytes or one array (.npy) and flush it to disk: a power cut must not leave an empty file behind."""
    with open(path, "wb") as fh:
        if isinstance(data, bytes):
            fh.write(data)
        else:
            np.save(fh, data, allow_pickle=False)
        fh.flush()
        os.fsync(fh.fileno())


def replace_file(target: Path, data: bytes) -> None:
    """Write a file atomically (a synced temporary file beside it, then renamed); raises OSError."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    os.close(fd)
    try:
        synced(Path(tmp), data)
        os.replace(tmp, target)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(key: str, arrays: Mapping[str, np.ndarray], meta: dict[str, Any],
         sides: Mapping[str, Any] | None = None) -> None:
    """Write a model folder atomically (built aside, then renamed); a failure only costs the next start a retrain."""
    folder = cache_dir()
    if folder is None or not key:
        return
    tmp = None
    target = folder / f"model-{key}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder, suffix=".tmp"))
        for name, array in arrays.items():
            synced(tmp / f"{name}.npy", np.asarray(array))
        for name, value in (sides or {}).items():
            synced(tmp / f"{name}.json", json.dumps(value, ensure_ascii=False).encode())
        synced(tmp / META, json.dumps({**meta, "arrays": sorted(arrays)}, ensure_ascii=False).encode())
        if target.exists() and not (target / META).is_file():
            remove(target)  # a folder without its metadata: left by a removal cut short
        os.replace(tmp, target)
        tmp = None
        prune(folder)
    except OSError as exc:  # includes another process having saved the same model first
        if not (target / META).is_file():
            logger.warning("could not write the model cache in %s: %s", folder, exc)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
