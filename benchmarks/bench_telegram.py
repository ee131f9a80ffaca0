"""Measure the Telegram bot against the fake Bot API on 127.0.0.1 (loopback only, bounded in count and time); print numbers.

Scenarios (production settings: the default rate limiter, concurrency and fetch limits):
  throughput  2,000 messages from 200 private users: messages answered per second
  memory      3,000 users, one message each: RSS growth of this process (bot + fake server)
  flood       150 /ask messages in one group, then an innocent private user asks 3 times: worst wait
  kill        1,000 messages to `python -m bot telegram`; SIGTERM once answering starts, SIGKILL after
              the stop grace period: messages confirmed to Telegram but never answered (lost)

    python benchmarks/bench_telegram.py [throughput memory flood kill] [--grace 10]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import XinZhi  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.tg import run  # noqa: E402
from tests.tg.fakebotapi import FakeBotAPI  # noqa: E402

TOKEN = "123456789:AAbench-Token_abcdefghijklmnopqrstuvwxyz0123"
KB = ROOT / "knowledge"
WAIT_CAP = 150.0  # seconds: give up waiting for one innocent answer after this


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def questions(app: XinZhi, n: int = 40) -> list[str]:
    return [e.question for e in app.kb.entries[:n]]


def settings_for(fake: FakeBotAPI) -> Settings:
    return Settings(kb_path=KB, log_enabled=False, telegram_token=TOKEN, telegram_base_url=fake.base_url,
                    rate_limit_per_minute=20, hash_secret="bench-secret")


class Bot:
    """run.serve in a thread, as production runs it (production rate limiter and limits)."""

    def __init__(self, fake: FakeBotAPI):
        self.settings = settings_for(fake)
        self.app = XinZhi(self.settings)
        self.application = run.build_application(self.app, self.settings)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        run.serve(self.application, self.settings, stop_signals=None, poll_timeout=1)

    def __enter__(self) -> "Bot":
        self.thread.start()
        while not (self.application.running and self.application.updater.running):
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.application.stop_running)
        self.thread.join(30)  # a paced backlog may take longer: the daemon thread dies with us


def throughput(n: int = 2000, users: int = 200) -> None:
    with FakeBotAPI(TOKEN, long_poll_cap=1.0) as fake, Bot(fake) as bot:
        qs = questions(bot.app)
        fake.exchange(qs[0], user=1)  # warm up
        start = time.perf_counter()
        for i in range(n):
            fake.send(qs[i % len(qs)], user=10_000 + i % users)
        fake.wait("sendMessage", n + 1, timeout=600)
        elapsed = time.perf_counter() - start
        calls = len([c for c in fake.calls if c.method != "getUpdates"])
    print(f"throughput: {n} messages in {elapsed:.1f} s = {n / elapsed:.1f} messages/s "
          f"({calls} API calls, {calls / (n + 1):.2f} per answer)")


def memory(users: int = 3000) -> None:
    with FakeBotAPI(TOKEN, long_poll_cap=1.0) as fake, Bot(fake) as bot:
        qs = questions(bot.app)
        fake.exchange(qs[0], user=1)
        before = rss_mb()
        for i in range(users):
            fake.send(qs[i % len(qs)], user=20_000 + i)
        fake.wait("sendMessage", users + 1, timeout=900)
        after = rss_mb()
    print(f"memory: {users} users, RSS {before:.0f} MB -> {after:.0f} MB (+{after - before:.0f} MB, bot and fake server)")


def flood(group_messages: int = 150, asks: int = 3) -> None:
    group = -100_123
    with FakeBotAPI(TOKEN, long_poll_cap=1.0) as fake, Bot(fake) as bot:
        qs = questions(bot.app)
        fake.exchange(qs[0], user=1)
        for i in range(group_messages):
            fake.send(f"/ask {qs[i % len(qs)]}", user=30_000 + i, chat=group, chat_type="group")
        waits = []
        for i in range(asks):
            start = time.perf_counter()
            try:
                fake.exchange(qs[(i + 1) % len(qs)], user=4242, timeout=WAIT_CAP)
                waits.append(time.perf_counter() - start)
            except AssertionError:
                waits.append(float("inf"))
                break
        group_answers = len(fake.sent(group))
    worst = max(waits)
    shown = f"> {WAIT_CAP:.0f} s (gave up)" if worst == float("inf") else f"{worst:.2f} s"
    print(f"flood: {group_messages} /ask in one group; innocent private user's worst wait {shown} "
          f"over {len(waits)} question(s); group answers sent meanwhile: {group_answers}")


def kill(n: int = 1000, grace: float = 10.0) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "XINZHI_"))}
    with FakeBotAPI(TOKEN, long_poll_cap=1.0) as fake:
        env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=fake.base_url, XINZHI_KB=str(KB), XINZHI_LOG="off",
                   XINZHI_HASH_SECRET="bench-secret", PYTHONUNBUFFERED="1")
        proc = subprocess.Popen([sys.executable, "-m", "bot", "telegram"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            fake.wait("getUpdates", timeout=60)
            qs = [e["question"] for e in _kb_questions()]
            ids = [fake.send(qs[i % len(qs)], user=40_000 + i)["chat"]["id"] for i in range(n)]
            fake.wait("sendMessage", 1, timeout=60)  # answering has started, as in `docker stop` under load
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(grace)
                how = f"exited by itself within {grace:.0f} s"
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                how = f"SIGKILL after {grace:.0f} s"
        finally:
            if proc.poll() is None:
                proc.kill()
        answered = {c.params.get("chat_id") for c in fake.find("sendMessage", status=200)}
        confirmed = fake.confirmed  # every update_id below this was confirmed to Telegram
        lost = sum(1 for update_id, chat in enumerate(ids, start=1) if update_id < confirmed and chat not in answered)
        waiting = sum(1 for update_id in range(1, n + 1) if update_id >= confirmed)
    print(f"kill: {n} messages, SIGTERM then {how}: answered {len(answered)}, "
          f"still at Telegram (redelivered on restart) {waiting}, lost {lost} of {n}")


def _kb_questions() -> list[dict]:
    import yaml

    found: list[dict] = []
    for path in sorted(KB.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        found += [e for e in data.get("entries", []) if isinstance(e, dict) and "question" in e]
    return found[:40]


def main() -> None:
    import logging

    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", default=["throughput", "memory", "flood", "kill"])
    parser.add_argument("--grace", type=float, default=10.0, help="stop grace period before SIGKILL (seconds)")
    args = parser.parse_args()
    for name in args.scenarios:
        if name == "kill":
            kill(grace=args.grace)
        else:
            {"throughput": throughput, "memory": memory, "flood": flood}[name]()


if __name__ == "__main__":
    main()
