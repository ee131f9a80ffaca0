import subprocess
import sys

CODE = """
import sys
import bot.app, bot.core.engine, bot.editor.evaluate, bot.console.render, bot.cli
from bot.core.engine import build_engine
build_engine(sys.argv[1]).respond("上门催收合法吗")
loaded = sorted(m for m in sys.modules if m == "telegram" or m.startswith("telegram."))
print(",".join(loaded) or "none")
"""


def test_importing_and_using_the_core_does_not_load_telegram(tiny_kb):
    res = subprocess.run([sys.executable, "-c", CODE, str(tiny_kb)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "none"


CORE_ONLY = """
import pkgutil, sys, importlib
import bot.core
for info in pkgutil.iter_modules(bot.core.__path__, "bot.core."):
    importlib.import_module(info.name)
from bot.core.engine import build_engine
build_engine(sys.argv[1]).respond("上门催收合法吗")
banned = ("telegram", "prompt_toolkit", "sqlite3", "_sqlite3", "bot.storage", "bot.console", "bot.tg", "bot.editor",
          "bot.app", "bot.cli", "bot.watch", "starlette", "uvicorn", "psycopg", "httpx")
print(",".join(sorted(m for m in sys.modules if m.split(".")[0] in banned or m.startswith(banned))) or "none")
"""


def test_the_core_imports_no_transport_no_storage_and_no_adapter(tiny_kb):
    """bot.core decides; it must not pull in Telegram, the terminal, SQLite or any adapter, even indirectly."""
    res = subprocess.run([sys.executable, "-c", CORE_ONLY, str(tiny_kb)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "none"
