"""Build synthetic knowledge bases of realistic Chinese debt questions, for speed benchmarks only."""
from __future__ import annotations

import random
from pathlib import Path

import yaml

PLATFORMS = ["借呗", "花呗", "美团月付", "京东白条", "微粒贷", "网商贷", "分期乐", "安逸花", "招联", "捷信",
             "招商银行信用卡", "广发信用卡", "建设银行", "工商银行", "度小满", "360借条", "拍拍贷", "放心借"]
SUBJECTS = ["催收", "逾期", "征信", "罚息", "违约金", "协商还款", "个性化分期", "停息挂账", "起诉", "诉前调解",
            "冻结银行卡", "失信被执行人", "限高", "爆通讯录", "上门催收", "律师函", "担保人", "诉讼时效",
            "最低还款", "取现", "账单分期", "砍头息", "以贷养贷", "征信修复", "查询次数", "异议申诉"]
CONTEXTS = ["我在{p}借了{n}万", "{p}逾期{m}个月了", "欠{p}{n}万还不上", "{p}的催收天天打电话", "{p}说要起诉我",
            "刚换了工作收入变少", "家里人都知道了", "老婆不知道这件事", "", "", ""]
ENDINGS = ["怎么办", "合法吗", "会坐牢吗", "能协商吗", "有什么后果", "要多久", "去哪里投诉", "是真的吗", "怎么处理", "可以吗"]


def question(rng: random.Random) -> str:
    ctx = rng.choice(CONTEXTS).format(p=rng.choice(PLATFORMS), n=rng.randint(1, 30), m=rng.randint(1, 24))
    return f"{ctx}{rng.choice(SUBJECTS)}{rng.choice(SUBJECTS) if rng.random() < .3 else ''}{rng.choice(ENDINGS)}"


def topic_questions(rng: random.Random, n: int) -> list[str]:
    """Return `n` wordings of one random topic: platform, subjects and ending fixed; context and numbers vary."""
    p, a = rng.choice(PLATFORMS), rng.choice(SUBJECTS)
    b, end = (rng.choice(SUBJECTS) if rng.random() < .3 else ""), rng.choice(ENDINGS)
    out = []
    for _ in range(n):
        ctx = rng.choice(CONTEXTS).format(p=p, n=rng.randint(1, 30), m=rng.randint(1, 24))
        out.append(f"{ctx if p in ctx else p + ctx}{a}{b}{end}")
    return out


def write_synthetic_kb(root: Path, questions: int, per_entry: int = 10, seed: int = 7, coherent: bool = False) -> Path:
    """Write a KB with `questions` questions in total (question + alternates), split into 20 files.

    By default each entry's phrasings are unrelated random questions (word salad). With `coherent`, each entry is
    one topic worded `per_entry` ways (`topic_questions`), as the entries of a real, large KB are.
    """
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    entries = []
    for i in range(max(1, questions // per_entry)):
        texts = topic_questions(rng, per_entry) if coherent else [question(rng) for _ in range(per_entry)]
        entries.append({
            "id": f"synthetic-{i}", "question": texts[0], "alternates": texts[1:],
            "answer": "测试回答。\n\n1. 第一步。", "sources": ["《测试》(2026)"], "related": [], "tags": ["测试"],
            "updated": "2026-11-28",
        })
    entries.append({"id": "support-mental-health", "question": "压力太大不想活了", "alternates": [], "answer": "请求助。",
                    "sources": ["《测试》(2026)"], "related": [], "tags": [], "updated": "2026-11-28"})
    chunk = max(1, len(entries) // 20)
    for n, start in enumerate(range(0, len(entries), chunk)):
        data = {"category": f"类别{n}", "entries": entries[start:start + chunk]}
        (root / f"c{n:02d}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    src = Path(__file__).resolve().parent.parent / "knowledge"
    for name in ("dictionary.txt", "synonyms.yaml", "stopwords.txt"):
        (root / name).write_text((src / name).read_text(encoding="utf-8"), encoding="utf-8")
    return root


def queries(n: int, seed: int = 99) -> list[str]:
    rng = random.Random(seed)
    return [question(rng) for _ in range(n)]
