"""Cache the trained model in the user cache dir, keyed by a hash of the KB files and the matcher's code."""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

Cached = tuple[dict[str, np.ndarray], dict[str, Any]]  # (arrays, JSON metadata)
CACHE_ENV = "XINZHI_CACHE_DIR"  # set to a folder to move the cache; "off" disables it
CORE_DIR = Path(__file__).resolve().parent
CODE_FILES = ("analyzer.py", "normalize.py", "features.py", "index.py", "learned.py", "scoring.py",
              "decide.py", "calibrate.py", "cache.py", "negatives.py", "loader.py", "engine.py")


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


def load(key: str) -> Cached | None:
    """Return (arrays, metadata) cached under key, or None."""
    folder = cache_dir()
    if folder is None or not key:
        return None
    path = folder / f"model-{key}.npz"
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(bytes(arrays.pop("__meta__")).decode())
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        logger.warning("ignoring unreadable model cache %s: %s", path, exc)
        return None
    return arrays, meta


def save(key: str, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write arrays and metadata atomically; a failure only costs the next start a retrain."""
    folder = cache_dir()
    if folder is None or not key:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        blob = json.dumps(meta, ensure_ascii=False).encode()  # UTF-8, not \u escapes: smaller and faster to read
        payload: dict[str, Any] = {"__meta__": np.frombuffer(blob, dtype=np.uint8), **arrays}
        np.savez(buf, **payload)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(buf.getvalue())
        os.replace(tmp, folder / f"model-{key}.npz")
    except OSError as exc:
        logger.warning("could not write the model cache in %s: %s", folder, exc)
