"""Choose a private folder for jieba's dictionary cache instead of the shared temp folder."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def jieba_cache_dir() -> str:
    """The user cache folder (e.g. ~/.cache/xinzhi), created 0700: a cache file planted in /tmp would be trusted.

    jieba loads its cache with marshal, so only the operator may be able to write where it lives.
    """
    folder = Path(platformdirs.user_cache_dir("xinzhi", appauthor=False))
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o077 and folder.stat().st_uid == os.getuid():
        os.chmod(folder, 0o700)
    return str(folder)
