"""bot/watch.py: a changed KB is reloaded; a broken edit keeps the old KB serving and reports file:line."""
from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

from tests.console.consolekb import COLLECTION, line_of

from bot.app import ReloadResult, XinZhi
from bot.watch import KBWatcher, snapshot, watch_app

NEW_ENTRY = """
  - id: collection-complaint
    question: 去哪里投诉违规催收?
    alternates: [违规催收去哪投诉, 投诉催收打什么电话, 催收投诉渠道, 怎么举报暴力催收, 催收太过分了去哪里告,
                 12378能投诉催收吗, 向监管投诉催收, 投诉网贷催收]
    answer: |
      可以先向贷款机构的官方客服投诉,要求停止违规催收并给出处理结果;没有解决的,再拨打12378向金融监管部门投诉。
      遇到威胁、恐吓等可能违法的行为,直接拨打110报警。
      投诉时附上录音、截图和通话记录,写清时间、号码和对方说了什么,效果会更好。
    sources: ["《征信业管理条例》第十六条(国务院,2013年)"]
    related: []
    tags: [催收, 投诉]
    updated: 2026-11-28
"""


def edit(path: Path, text: str, tick: list[int]) -> None:
    """Write a file and give it a fresh mtime, so the change is visible however coarse the clock is."""
    path.write_text(text, encoding="utf-8")
    tick[0] += 1
    stamp = 1_900_000_000_000_000_000 + tick[0] * 1_000_000_000
    os.utime(path, ns=(stamp, stamp))


def test_snapshot_ignores_hidden_files_and_editor_backups(kb_path: Path) -> None:
    before = snapshot(kb_path)
    for name in (".collection.yaml.swp", "collection.yaml~", "#collection.yaml#", "x.tmp"):
        (kb_path / name).write_text("junk", encoding="utf-8")
    assert snapshot(kb_path) == before
    (kb_path / "stopwords.txt").write_text("啊\n", encoding="utf-8")
    assert snapshot(kb_path) != before


def test_change_is_reported_once_the_files_hold_still(kb_path: Path) -> None:
    calls: list[int] = []
    watcher = KBWatcher(kb_path, lambda: calls.append(1), interval=60)
    tick = [0]
    assert watcher.check() is False
    edit(kb_path / "collection.yaml", COLLECTION + "\n", tick)
    assert watcher.check() is False  # first sight of a change: maybe the editor is still writing
    assert watcher.check() is True and calls == [1]
    assert watcher.check() is False and calls == [1]  # nothing new


def test_good_edit_then_broken_edit_then_fix(app: XinZhi, kb_path: Path) -> None:
    reports: list[ReloadResult] = []
    watcher = watch_app(app, reports.append, interval=60)
    watcher.settle = False  # one poll per change keeps this test short; settling is tested above
    tick = [0]
    path = kb_path / "collection.yaml"
    assert "collection-complaint" not in app.kb

    edit(path, COLLECTION + NEW_ENTRY, tick)
    assert watcher.check()
    assert reports[-1].ok and reports[-1].entries == 7
    assert "知识库已重新加载:7 条。" == reports[-1].summary()
    assert app.respond("违规催收去哪投诉").entry.id == "collection-complaint"

    broken = COLLECTION.replace("    question: 上门催收合法吗?", "    question: 上门催收: 合法吗?") + NEW_ENTRY
    edit(path, broken, tick)
    assert watcher.check()
    result = reports[-1]
    assert not result.ok and result.entries == 7
    assert f"{path}:{line_of(broken, '上门催收: 合法吗')}: YAML syntax error" in result.summary()
    assert "继续使用原来的版本(7 条)" in result.summary()
    assert app.respond("违规催收去哪投诉").entry.id == "collection-complaint"  # the old KB still serves
    assert app.respond("上门催收合法吗").entry.id == "collection-home-visit-legality"

    edit(path, COLLECTION, tick)
    assert watcher.check() and reports[-1].ok and reports[-1].entries == 6
    assert app.kb.get("collection-complaint") is None


def test_daemon_thread_reloads_the_app(app: XinZhi, kb_path: Path) -> None:
    done = threading.Event()
    results: list[ReloadResult] = []

    def report(result: ReloadResult) -> None:
        results.append(result)
        done.set()

    watcher = watch_app(app, report, interval=0.02).start()
    try:
        edit(kb_path / "collection.yaml", COLLECTION + NEW_ENTRY, [0])
        assert done.wait(timeout=30), "the watcher thread never reloaded"
    finally:
        watcher.stop()
    assert results[0].ok and "collection-complaint" in app.kb


def test_asyncio_helper_reloads_the_app(app: XinZhi, kb_path: Path) -> None:
    async def scenario() -> ReloadResult:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[ReloadResult] = loop.create_future()
        watcher = watch_app(app, lambda r: loop.call_soon_threadsafe(done.set_result, r), interval=0.02)
        task = asyncio.create_task(watcher.run_async())
        edit(kb_path / "collection.yaml", COLLECTION.replace("上门催收合法吗?", "上门催收违法吗?", 1), [0])
        try:
            return await asyncio.wait_for(done, timeout=30)
        finally:
            task.cancel()

    result = asyncio.run(scenario())
    assert result.ok
    assert app.kb.get("collection-home-visit-legality").question == "上门催收违法吗?"


def test_watcher_survives_a_failing_callback(kb_path: Path) -> None:
    def boom() -> None:
        raise RuntimeError("reload exploded")

    watcher = KBWatcher(kb_path, boom, interval=60, settle=False)
    edit(kb_path / "collection.yaml", COLLECTION + "\n", [0])
    watcher._poll_safely()  # logged, not raised: the bot keeps running
    assert watcher.check() is False  # and the change counts as handled
