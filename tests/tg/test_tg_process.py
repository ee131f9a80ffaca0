"""`python -m bot telegram` as a real process against the fake Bot API: polling, webhook, start-up errors, no token leaks."""
from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from bot.config import ConfigError, Settings
from bot.tg.run import SECRET_RE, bot_api_base_url, webhook_secret
from tests.tg.fakebotapi import FakeBotAPI
from tests.tg.tgkb import ADMIN, FALLBACK_Q, TOKEN, UPDATED

ROOT = Path(__file__).resolve().parents[2]
OTHER_TOKEN = "987654321:ZZother-Token_abcdefghijklmnopqrstuvwxyz987"


def bot_env(tmp_path: Path, kb_dir: Path, fake: FakeBotAPI | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "XINZHI_"))}
    env.update(XINZHI_KB=str(kb_dir), XINZHI_DB=str(tmp_path / "log.db"), XINZHI_LOG="on",
               XINZHI_ADMIN_IDS=str(ADMIN), XDG_DATA_HOME=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    if fake is not None:
        env["TELEGRAM_BASE_URL"] = fake.base_url
    env.update(extra)
    return env


def start(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", "-v", "telegram", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    return proc.returncode, out + err


def run_to_exit(env: dict[str, str], *args: str) -> tuple[int, str]:
    proc = subprocess.run([sys.executable, "-m", "bot", "-v", "telegram", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stderr + proc.stdout


def test_cli_bot_polls_answers_logs_gaps_hot_reloads_and_stops(tmp_path, kb_dir, fake):
    proc = start(bot_env(tmp_path, kb_dir, fake, TELEGRAM_BOT_TOKEN=TOKEN))
    try:
        fake.wait("getUpdates", timeout=30)
        assert {c["command"] for c in fake.commands} >= {"start", "topics", "help", "about", "privacy"}
        [answer] = fake.exchange("上门催收合法吗", user=7919283)
        assert answer["html"].startswith("<b>上门催收合法吗?</b>")
        [fallback] = fake.exchange(f"{FALLBACK_Q} 电话13812345678", user=7919283)
        assert "暂时没有这个问题的答案" in fallback["text"]
        # hot reload: an editor saves a new file; the watcher reloads it without a restart
        (kb_dir / "extra.yaml").write_text(yaml.safe_dump({"category": "新增", "entries": [{
            "id": "new-topic", "question": "网贷平台倒闭了还要还吗?", "answer": "一般仍需偿还。",
            "sources": ["《依据》(2020年)"], "updated": UPDATED}]}, allow_unicode=True), encoding="utf-8")
        deadline = time.monotonic() + 20
        while True:
            [reply] = fake.exchange("网贷平台倒闭了还要还吗", user=7919284)
            if reply["html"].startswith("<b>网贷平台倒闭了还要还吗?</b>") or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert reply["html"].startswith("<b>网贷平台倒闭了还要还吗?</b>")
    finally:
        code, output = stop(proc)
    assert code == 0, output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
    assert "上门催收" not in output and "7919283" not in output
    rows = sqlite3.connect(tmp_path / "log.db").execute("SELECT text, channel FROM unanswered").fetchall()
    assert [channel for _, channel in rows][:1] == ["telegram"]
    assert rows[0][0].startswith(FALLBACK_Q) and "13812345678" not in rows[0][0]  # redacted by the store


def test_webhook_mode_checks_the_secret_on_every_request(tmp_path, kb_dir, fake):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/hook"
    proc = start(bot_env(tmp_path, kb_dir, fake, TELEGRAM_BOT_TOKEN=TOKEN, XINZHI_WEBHOOK_SECRET="s3cret-Value_1"),
                 "--webhook-url", url, "--listen", "127.0.0.1", "--port", str(port))
    try:
        fake.wait("setWebhook", timeout=30)
        assert fake.webhook["url"] == url and fake.webhook["secret_token"] == "s3cret-Value_1"
        update = {"update_id": 1, "message": {"message_id": 5, "date": 0, "chat": {"id": 7100, "type": "private"},
                                              "from": fake.user(7100), "text": "上门催收合法吗"}}

        def post(secret: str | None) -> int:
            headers = {"Content-Type": "application/json"}
            if secret is not None:
                headers["X-Telegram-Bot-Api-Secret-Token"] = secret
            request = urllib.request.Request(url, json.dumps(update).encode(), headers)
            for _ in range(100):
                try:
                    with urllib.request.urlopen(request, timeout=5) as response:
                        return response.status
                except urllib.error.HTTPError as exc:
                    return exc.code
                except urllib.error.URLError:  # not listening yet
                    time.sleep(0.05)
            raise AssertionError("webhook server never answered")

        assert post(None) == 403 and post("wrong") == 403
        assert fake.find("sendMessage") == []
        assert post("s3cret-Value_1") == 200
        [answer] = fake.wait("sendMessage", chat_id=7100)
        assert answer.result["html"].startswith("<b>上门催收合法吗?</b>")
    finally:
        code, output = stop(proc)
    assert code == 0, output
    assert TOKEN not in output and "s3cret-Value_1" not in output


@pytest.mark.parametrize("token_env, args, message", [
    ({}, (), "TELEGRAM_BOT_TOKEN is not set"),
    ({"TELEGRAM_BOT_TOKEN": "not-a-token-abc"}, (), "TELEGRAM_BOT_TOKEN is malformed"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN}, ("--listen", "127.0.0.1"), "--listen and --port need --webhook-url"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "XINZHI_WEBHOOK_SECRET": "bad secret!"},
     ("--webhook-url", "https://bot.example.org/tg"), "XINZHI_WEBHOOK_SECRET may only use"),
])
def test_bad_configuration_is_one_line_and_exit_2(tmp_path, kb_dir, token_env, args, message):
    code, output = run_to_exit(bot_env(tmp_path, kb_dir, None, **token_env), *args)
    assert code == 2
    kb_line, problem = output.strip().splitlines()  # which KB it uses, then the one-line problem
    assert kb_line.startswith("xinzhi: knowledge base ") and problem.startswith("xinzhi: ") and message in problem
    assert "not-a-token-abc" not in output and TOKEN not in output


def test_token_file_is_used_and_a_rejected_token_is_exit_2(tmp_path, kb_dir, fake):
    token_file = tmp_path / "token"
    token_file.write_text(OTHER_TOKEN + "\n", encoding="utf-8")
    code, output = run_to_exit(bot_env(tmp_path, kb_dir, fake), "--token-file", str(token_file))
    assert code == 2 and "Telegram rejected TELEGRAM_BOT_TOKEN" in output
    assert [c.token for c in fake.find("getMe")] == [OTHER_TOKEN]  # the file's token was the one used
    assert OTHER_TOKEN not in output and OTHER_TOKEN.split(":")[1] not in output


def test_webhook_secret_is_random_when_unset_and_checked_when_set():
    first, second = webhook_secret(Settings()), webhook_secret(Settings())
    assert first != second and SECRET_RE.match(first) and len(first) >= 32
    assert webhook_secret(Settings(webhook_secret="abc_DEF-123")) == "abc_DEF-123"
    with pytest.raises(ConfigError):
        webhook_secret(Settings(webhook_secret="has space"))


def test_base_url_accepts_a_bare_server_address():
    assert bot_api_base_url("http://127.0.0.1:8081") == "http://127.0.0.1:8081/bot"
    assert bot_api_base_url("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/bot"
    assert bot_api_base_url("https://api.example.org/bot{token}/x") == "https://api.example.org/bot{token}/x"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens here once the socket is closed


@pytest.mark.parametrize("base_url, cause", [
    (f"http://127.0.0.1:{closed_port()}/bot", "connection refused"),
    ("http://xinzhi-no-such-host.invalid/bot", "DNS lookup of xinzhi-no-such-host.invalid failed"),
])
def test_unreachable_api_says_it_is_connecting_then_names_the_cause_exit_2(tmp_path, kb_dir, base_url, cause):
    env = bot_env(tmp_path, kb_dir, None, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=base_url)
    for proxy in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(proxy, None)
    proc = subprocess.run([sys.executable, "-m", "bot", "telegram"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    kb_line, *lines = proc.stderr.strip().splitlines()  # first: which KB it uses
    assert proc.returncode == 2, proc.stderr
    assert kb_line.startswith("xinzhi: knowledge base ")
    assert lines[0].startswith("xinzhi: connecting to the Telegram Bot API at ")
    assert len(lines) == 2 and lines[1].startswith("xinzhi: cannot reach the Telegram Bot API") and cause in lines[1]
    assert TOKEN not in proc.stderr + proc.stdout and TOKEN.split(":")[1] not in proc.stderr
