import json
import os
import subprocess
import sys

from bot.cli import build_parser, main


def test_ask_json(tiny_kb, capsys):
    assert main(["ask", "上门催收合法吗", "--json", "--kb", str(tiny_kb)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["decision"] == "answer"
    assert data["top"][0]["id"] == "collection-home-visit-legality"
    assert data["answer"].startswith("这是一个用于测试的回答")
    assert data["tokens"] == ["上门催收", "合法"]


def test_ask_text_has_sources_and_disclaimer(tiny_kb, capsys):
    assert main(["ask", "上门催收合法吗", "--kb", str(tiny_kb)]) == 0
    out = capsys.readouterr().out
    assert "依据：《中华人民共和国民法典》" in out and "不构成法律意见" in out
    assert "1. 第一步" in out and "**" not in out


def test_ask_explain_and_fallback(tiny_kb, capsys):
    assert main(["ask", "红烧肉怎么做", "--explain", "--kb", str(tiny_kb)]) == 0
    out = capsys.readouterr().out
    assert "暂时没有这个问题的答案" in out and "tokens:" in out and "decision: fallback" in out


def test_kb_env_variable_and_flag(tiny_kb, capsys, tmp_path):
    code = main(["ask", "你好", "--kb", str(tmp_path / "missing")])
    assert code == 1
    assert "knowledge base folder not found" in capsys.readouterr().err


def test_kb_validate_exit_codes(tiny_kb, capsys):
    assert main(["kb", "validate", "--kb", str(tiny_kb)]) == 0
    assert capsys.readouterr().out.startswith("OK: 6 entries")
    (tiny_kb / "broken.yaml").write_text("category: x\nentries: [\n", encoding="utf-8")
    assert main(["kb", "validate", "--kb", str(tiny_kb)]) == 1
    assert f"{tiny_kb / 'broken.yaml'}:" in capsys.readouterr().out


def _all_parsers(parser, path=()):
    for action in parser._actions:
        if hasattr(action, "choices") and isinstance(action.choices, dict):
            for name, sub in action.choices.items():
                yield path + (name,), sub
                yield from _all_parsers(sub, path + (name,))


def test_every_command_is_documented_with_an_example():
    parser = build_parser()
    found = list(_all_parsers(parser))
    names = {" ".join(p) for p, _ in found}
    assert {"ask", "eval", "chat", "telegram", "kb", "kb validate", "kb lint", "kb stats", "kb show", "kb gaps"} <= names
    for path, sub in found:
        assert sub.description, path
        assert sub.epilog and "Example:" in sub.epilog and "xinzhi" in sub.epilog, path


def test_python_dash_m_bot_runs_like_xinzhi(tiny_kb):
    env = dict(os.environ, XINZHI_KB=str(tiny_kb), XINZHI_LOG="off")
    res = subprocess.run([sys.executable, "-m", "bot", "ask", "徵信報告怎麼查", "--json"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["top"][0]["id"] == "credit-report-query"


def test_bad_threshold_environment_fails_fast(tiny_kb, capsys, monkeypatch):
    monkeypatch.setenv("XINZHI_MIN_ANSWER_SCORE", "high")
    assert main(["ask", "你好", "--kb", str(tiny_kb)]) == 2
    assert "XINZHI_MIN_ANSWER_SCORE" in capsys.readouterr().err


def test_a_start_that_trains_says_so_once_on_stderr(tiny_kb, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("XINZHI_CACHE_DIR", str(tmp_path / "empty-cache"))
    assert main(["ask", "上门催收合法吗", "--json", "--kb", str(tiny_kb)]) == 0
    first = capsys.readouterr()
    assert "正在从" in first.err and "训练匹配模型" in first.err and "以后启动只需约一秒" in first.err
    assert json.loads(first.out)["decision"] == "answer"  # stdout stays clean JSON
    assert main(["ask", "上门催收合法吗", "--json", "--kb", str(tiny_kb)]) == 0
    assert "训练匹配模型" not in capsys.readouterr().err  # the second start reads the cached model
    with open(tiny_kb / "collection.yaml", "a", encoding="utf-8") as f:
        f.write("\n")  # a whitespace edit: the training data are unchanged, so the model is reused
    assert main(["ask", "上门催收合法吗", "--kb", str(tiny_kb)]) == 0
    assert "训练匹配模型" not in capsys.readouterr().err


def test_the_training_notice_does_not_promise_a_cache_that_is_off(tiny_kb, capsys, monkeypatch):
    monkeypatch.setenv("XINZHI_CACHE_DIR", "off")
    assert main(["kb", "lint", "--kb", str(tiny_kb)]) in (0, 1)
    err = capsys.readouterr().err
    assert "训练匹配模型" in err and "XINZHI_CACHE_DIR=off" in err and "以后启动" not in err


def test_piped_chat_on_an_empty_cache_announces_training_on_stderr_only(tiny_kb, tmp_path):
    env = {**os.environ, "XINZHI_CACHE_DIR": str(tmp_path / "empty-cache"), "XINZHI_DB": str(tmp_path / "log.db"),
           "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run([sys.executable, "-m", "bot", "chat", "--json", "--kb", str(tiny_kb)],
                          input="上门催收合法吗\n".encode("utf-8"), capture_output=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    assert "训练匹配模型" in proc.stderr.decode("utf-8")
    rows = [json.loads(r) for r in proc.stdout.decode("utf-8").splitlines()]
    assert [r["entry"] for r in rows] == ["collection-home-visit-legality"]
