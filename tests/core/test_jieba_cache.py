"""jieba's dictionary cache lives in the user cache folder, so a file planted in the shared temp folder is ignored."""
from __future__ import annotations

import marshal
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
from bot.core.analyzer import _base_tokenizer
tk = _base_tokenizer()
print("planted" in tk.FREQ, tk.FREQ.get("征信", 0) > 0)
"""


def test_a_cache_planted_in_the_temp_folder_is_not_trusted(tmp_path: Path) -> None:
    shared, cache = tmp_path / "shared-tmp", tmp_path / "home-cache"
    shared.mkdir()
    with open(shared / "jieba.cache", "wb") as planted:
        marshal.dump(({"planted": 1}, 1), planted)
    env = {**os.environ, "TMPDIR": str(shared), "XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]
    private = cache / "xinzhi"
    assert (private / "jieba.cache").is_file()
    assert private.stat().st_mode & 0o777 == 0o700
