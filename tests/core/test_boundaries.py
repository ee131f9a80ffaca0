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
