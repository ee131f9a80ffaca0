import json
from io import StringIO

import pytest
import yaml

from bot.cli import main
from bot.core.engine import build_engine
from bot.editor.evaluate import EvalFileError, evaluate, load_eval_file


@pytest.fixture
def eval_file(tmp_path):
    items = [
        {"q": "上门催收合法吗", "expect": "collection-home-visit-legality"},          # answered right
        {"q": "征信怎么查", "expect": ["credit-report-query", "credit-report-retention"]},  # right (list)
        {"q": "催收打电话给我家人", "expect": "credit-report-query"},                   # answered wrong
        {"q": "红烧肉怎么做", "expect": None},                                          # rejected
        {"q": "你好", "expect": None, "note": "extra keys are ignored"},              # out of scope but answered
    ]
    path = tmp_path / "eval.yaml"
    path.write_text(yaml.safe_dump(items, allow_unicode=True), encoding="utf-8")
    return path


def test_metrics_on_tiny_kb(tiny_kb, eval_file):
    report = evaluate(build_engine(tiny_kb), load_eval_file(eval_file))
    m = report.metrics
    assert m["questions"] == 5 and m["in_scope"] == 3 and m["out_of_scope"] == 2
    assert m["answer_accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert m["wrong_answer_rate"] == pytest.approx(2 / 5, abs=1e-3)
    assert m["out_of_scope_rejection"] == pytest.approx(1 / 2, abs=1e-3)
    assert m["helpful_rate"] == pytest.approx(2 / 3, abs=1e-3)
    assert len(report.failures) == 2


def test_eval_cli_json_shape_and_order(tiny_kb, eval_file):
    out = StringIO()
    from bot.cli import _run_eval, build_parser, _settings_for

    args = build_parser().parse_args(["eval", str(eval_file), "--json", "--kb", str(tiny_kb)])
    assert _run_eval(args, _settings_for(args), out) == 0
    data = json.loads(out.getvalue())
    assert set(data) >= {"metrics", "latency_ms", "results"}
    assert set(data["latency_ms"]) == {"p50", "p95", "p99"}
    assert [r["q"] for r in data["results"]] == ["上门催收合法吗", "征信怎么查", "催收打电话给我家人", "红烧肉怎么做", "你好"]
    first = data["results"][0]
    assert first["expect"] == "collection-home-visit-legality" and first["decision"] == "answer"
    assert first["top"][0]["id"] == "collection-home-visit-legality"
    assert data["results"][3]["expect"] is None


def test_eval_text_report_lists_failures(tiny_kb, eval_file, capsys):
    assert main(["eval", str(eval_file), "--kb", str(tiny_kb)]) == 0
    text = capsys.readouterr().out
    assert "answer accuracy:" in text and "out-of-scope rejection:" in text and "p95" in text
    assert "催收打电话给我家人" in text


def test_bad_eval_file_is_a_clear_error(tmp_path, tiny_kb, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("q: not a list\n", encoding="utf-8")
    with pytest.raises(EvalFileError):
        load_eval_file(bad)
    assert main(["eval", str(bad), "--kb", str(tiny_kb)]) == 2
    assert "expected a YAML list" in capsys.readouterr().err
