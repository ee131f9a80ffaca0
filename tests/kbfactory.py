"""Write small knowledge bases into a folder so tests never depend on the evolving real KB."""
from __future__ import annotations

from pathlib import Path

import yaml

ANSWER = (
    "这是一个用于测试的回答,第一句直接回答问题。\n\n**怎么做**\n1. 第一步,保留证据。\n2. 第二步,向机构投诉。\n\n"
    "**去哪里求助**\n- 拨打 12348 咨询法律援助。\n"
)


def entry(id: str, question: str, alternates: list[str], related: list[str] | None = None, **extra) -> dict:
    data = {
        "id": id,
        "question": question,
        "summary": extra.pop("summary", "先保留证据,再向机构投诉。"),
        "alternates": alternates,
        "answer": extra.pop("answer", ANSWER),
        "sources": extra.pop("sources", ["《中华人民共和国民法典》第一千零三十三条(全国人民代表大会,2020年)"]),
        "related": related or [],
        "tags": extra.pop("tags", ["测试"]),
        "updated": extra.pop("updated", "2026-11-28"),
    }
    data.update(extra)
    return data


TINY_ENTRIES = {
    "collection.yaml": ("催收与权利", [
        entry("collection-home-visit-legality", "上门催收合法吗?",
              ["催收上门违法吗", "催收到家里来合法吗", "催收去单位找我合法吗", "外访催收是否违法"],
              ["collection-contacts-third-party"]),
        entry("collection-contacts-third-party", "催收爆通讯录、联系我的家人朋友同事怎么办?",
              ["催收打电话给我家人", "爆通讯录怎么办", "催收联系我同事朋友", "通讯录被爆了"],
              ["collection-home-visit-legality"]),
    ]),
    "credit.yaml": ("征信", [
        entry("credit-report-query", "怎么查自己的征信报告?",
              ["征信怎么查", "在哪里查个人信用报告", "查征信去哪", "征信报告在哪打印"],
              ["credit-report-retention"]),
        entry("credit-report-retention", "不良记录会在征信上保存多久?",
              ["逾期记录保留几年", "征信不良多久消除", "不良记录几年后删除", "征信污点多久能消"],
              ["credit-report-query"]),
    ]),
    "support.yaml": ("求助与支持", [
        entry("support-mental-health", "债务压力太大,觉得活不下去了怎么办?",
              ["压力大到想死", "欠钱太多不想活了", "还不起钱想自杀", "活不下去了"],
              ["credit-report-query"]),
    ]),
    "meta.yaml": ("关于信知", [
        entry("meta-greeting", "你好", ["您好", "在吗", "嗨", "哈喽"], ["collection-home-visit-legality"]),
    ]),
}


NO_LEXICON: dict[str, str | None] = {"dictionary.txt": None, "synonyms.yaml": None, "stopwords.txt": None}


def write_kb(root: Path, files: dict | None = None, extra_files: dict[str, str | None] | None = None) -> Path:
    """Write category files (name -> (category, entries), or name -> raw YAML text) plus lexicon files.

    The one KB builder of the suite: tests/console and tests/tg only hold the data they pass in.
    """
    root.mkdir(parents=True, exist_ok=True)
    for name, spec in (TINY_ENTRIES if files is None else files).items():
        if isinstance(spec, str):
            text = spec
        else:
            category, entries = spec
            text = yaml.safe_dump({"category": category, "entries": entries}, allow_unicode=True, sort_keys=False)
        (root / name).write_text(text, encoding="utf-8")
    defaults: dict[str, str | None] = {
        "dictionary.txt": "征信 2000 n\n爆通讯录 3000 v\n上门催收 2000 v\n",
        "synonyms.yaml": "征信: [正信, 徵信]\n催收: [要债, 摧收]\n",
        "stopwords.txt": "然后\n",
    }
    defaults.update(extra_files or {})
    for name, text in defaults.items():
        if text is not None:
            (root / name).write_text(text, encoding="utf-8")
    return root
