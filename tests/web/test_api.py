"""The web API over real HTTP on 127.0.0.1: every endpoint, limits, tokens, headers and privacy."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.core import texts
from bot.web.tokens import ContextSigner
from tests.web.conftest import SECRET, Server, make_server
from tests.dbrows import sqlite_rows

ANSWERED = "上门催收合法吗"
UNANSWERED = "我家猫咪不吃饭怎么办 电话13812345678"


def test_ask_answers_with_entry_html_related_and_a_signed_context(server: Server) -> None:
    with server.client() as c:
        r = c.post("/api/v1/ask", json={"text": ANSWERED, "context": None})
    assert r.status_code == 200
    body = r.json()
    assert body["kind"] == "answer"
    assert body["entry"]["id"] == "collection-home-visit-legality"
    assert body["entry"]["summary"] and body["entry"]["sources"]
    assert "<ol><li>第一步,保留证据。</li>" in body["entry"]["answer_html"]
    assert "<strong>怎么做</strong>" in body["entry"]["answer_html"]
    assert [x["id"] for x in body["related"]] == ["collection-contacts-third-party"]
    assert body["disclaimer"].startswith("以上为一般性信息")
    carried = ContextSigner(SECRET).loads(body["context"])
    assert carried["entry"] == body["entry"]["id"] and carried["choices"]  # the conversation travels in the token
    assert len(body["context"]) < 300


def test_context_round_trips_and_a_forged_token_is_refused(server: Server) -> None:
    with server.client() as c:
        first = c.post("/api/v1/ask", json={"text": ANSWERED}).json()
        again = c.post("/api/v1/ask", json={"text": ANSWERED, "context": first["context"]})
        assert again.status_code == 200
        forged_by_other = ContextSigner("another-secret-0123456789").dumps({"last": "x"})
        tampered = first["context"][:-2] + ("AA" if not first["context"].endswith("AA") else "BB")
        for bad in (forged_by_other, tampered, "garbage", 12, {"last": "x"}):
            r = c.post("/api/v1/ask", json={"text": ANSWERED, "context": bad})
            assert r.status_code == 400, bad
            assert r.json()["error"] == "bad_context"


def test_fallback_suggest_and_crisis_kinds(server: Server) -> None:
    with server.client() as c:
        fallback = c.post("/api/v1/ask", json={"text": "我家猫咪不吃饭怎么办"}).json()
        crisis = c.post("/api/v1/ask", json={"text": "欠钱太多不想活了"}).json()
        empty = c.post("/api/v1/ask", json={"text": "   "}).json()
    assert fallback["kind"] == "fallback" and fallback["entry"] is None and "12348" in fallback["message"]
    assert fallback["channel"] == "" and fallback["message"] == texts.FALLBACK
    assert crisis["crisis"] is True and crisis["entry"]["id"] == "support-mental-health"
    assert empty["kind"] == "empty"


def test_a_tax_question_is_declined_with_the_tax_line(server: Server) -> None:
    with server.client() as c:
        tax = c.post("/api/v1/ask", json={"text": "个税怎么退"}).json()
    assert tax["kind"] == "fallback" and tax["channel"].startswith("12366")
    assert tax["message"] == texts.fallback(tax["channel"]) and "12366" in tax["message"] and "12348" in tax["message"]


def test_opening_a_suggestion_records_a_pick_and_unknown_ids_are_404(server: Server) -> None:
    with server.client() as c:
        r = c.post("/api/v1/ask", json={"entry": "credit-report-query", "picked": True})
        assert r.status_code == 200 and r.json()["entry"]["id"] == "credit-report-query"
        assert c.post("/api/v1/ask", json={"entry": "no-such-entry"}).status_code == 404
    assert sqlite_rows(server.db, "SELECT entry_id, channel FROM picks") == [("credit-report-query", "web")]


def test_feedback_is_recorded_and_validated(server: Server) -> None:
    with server.client() as c:
        ok = c.post("/api/v1/feedback", json={"entry": "credit-report-query", "helpful": False})
        assert ok.status_code == 200 and ok.json()["ok"] is True
        assert c.post("/api/v1/feedback", json={"entry": "nope", "helpful": True}).status_code == 404
        assert c.post("/api/v1/feedback", json={"entry": "credit-report-query", "helpful": "yes"}).status_code == 422
    assert sqlite_rows(server.db, "SELECT entry_id, positive, channel FROM feedback") == [("credit-report-query", 0, "web")]


def test_topics_entries_healthz_and_openapi(server: Server) -> None:
    with server.client() as c:
        topics = c.get("/api/v1/topics").json()
        entry = c.get("/api/v1/entries/credit-report-query")
        missing = c.get("/api/v1/entries/nope")
        health = c.get("/healthz").json()
        spec = c.get("/openapi.json").json()
    names = [cat["name"] for cat in topics["categories"]]
    assert "征信" in names and sum(len(cat["entries"]) for cat in topics["categories"]) == 6
    assert entry.status_code == 200 and entry.json()["related"][0]["id"] == "credit-report-retention"
    assert missing.status_code == 404
    assert health == {"ok": True, "entries": 6}
    assert spec["openapi"].startswith("3.") and "/api/v1/ask" in spec["paths"] and "/api/v1/topics" in spec["paths"]


def test_bad_json_wrong_types_and_long_text_are_refused(server: Server) -> None:
    with server.client() as c:
        assert c.post("/api/v1/ask", content=b"{not json", headers={"content-type": "application/json"}).status_code == 400
        assert c.post("/api/v1/ask", content=b"\xff\xfe", headers={"content-type": "application/json"}).status_code == 400
        assert c.post("/api/v1/ask", json=["a list"]).status_code == 400
        assert c.post("/api/v1/ask", json={"text": 5}).status_code == 422
        r = c.post("/api/v1/ask", json={"text": "征" * 501})
        assert r.status_code == 422 and r.json()["error"] == "text_too_long"
        assert c.get("/api/v1/ask").status_code == 405


def test_oversized_bodies_are_refused_with_and_without_content_length(server: Server) -> None:
    big = json.dumps({"text": "a", "pad": "x" * 20_000}).encode()

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(big), 1000):
            yield big[i:i + 1000]

    with server.client() as c:
        r = c.post("/api/v1/ask", content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413
        chunked = c.post("/api/v1/ask", content=chunks(), headers={"content-type": "application/json"})
        assert chunked.status_code == 413
        assert c.get("/healthz").status_code == 200  # still serving


def test_security_headers_on_page_api_and_errors(server: Server) -> None:
    with server.client() as c:
        for r in (c.get("/"), c.get("/api/v1/topics"), c.get("/api/v1/entries/nope"), c.get("/static/app.js")):
            csp = r.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["referrer-policy"] == "no-referrer"
        page = c.get("/")
    assert "12348" in page.text and "以上为一般性信息" in page.text
    assert "<script>" not in page.text and "http" not in page.text.replace("http-equiv", "")  # no inline JS, no CDN


def test_cors_is_off_by_default(server: Server) -> None:
    with server.client() as c:
        r = c.get("/api/v1/topics", headers={"Origin": "https://evil.example"})
        pre = c.options("/api/v1/ask", headers={"Origin": "https://evil.example",
                                                "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers
    assert "access-control-allow-origin" not in pre.headers


def test_cors_allows_only_configured_origins(tmp_path: Path) -> None:
    for srv in make_server(tmp_path, cors_origins=("https://aid.example.org",)):
        with srv.client() as c:
            ok = c.get("/api/v1/topics", headers={"Origin": "https://aid.example.org"})
            other = c.get("/api/v1/topics", headers={"Origin": "https://evil.example"})
        assert ok.headers["access-control-allow-origin"] == "https://aid.example.org"
        assert "access-control-allow-origin" not in other.headers


def test_bearer_token_is_required_when_configured(tmp_path: Path) -> None:
    for srv in make_server(tmp_path, api_token="org-token-123"):
        with srv.client() as c:
            assert c.get("/api/v1/topics").status_code == 401
            assert c.get("/api/v1/topics", headers={"Authorization": "Bearer wrong"}).status_code == 401
            assert c.get("/api/v1/topics", headers={"Authorization": "Bearer org-token-123"}).status_code == 200
            assert c.get("/healthz").status_code == 200  # the page and health stay open
            assert c.get("/").status_code == 200


def test_rate_limit_answers_a_polite_429(tmp_path: Path) -> None:
    for srv in make_server(tmp_path, rate_limit_per_minute=3):
        with srv.client() as c:
            codes = [c.post("/api/v1/ask", json={"text": ANSWERED}).status_code for _ in range(5)]
            limited = c.post("/api/v1/ask", json={"text": ANSWERED})
        assert codes == [200, 200, 200, 429, 429]
        assert limited.json()["message"].startswith("你发得有点快")
        assert int(limited.headers["retry-after"]) >= 1


def test_no_question_text_or_client_address_reaches_logs_or_db(server: Server, web_logs: pytest.LogCaptureFixture) -> None:
    with server.client() as c:
        assert c.post("/api/v1/ask", json={"text": ANSWERED}).json()["kind"] == "answer"
        assert c.post("/api/v1/ask", json={"text": UNANSWERED}).json()["kind"] == "fallback"
        c.get("/%E5%82%AC%E6%94%B6%E4%B8%8A%E9%97%A8?q=" + ANSWERED)
    # the server's records only (httpx/httpcore are this test's own client, which does know the URL)
    logged = "\n".join(r.getMessage() for r in web_logs.records if not r.name.startswith(("httpx", "httpcore")))
    assert "POST /api/v1/ask 200" in logged  # the access log works ...
    assert ANSWERED not in logged and "猫咪" not in logged and "催收上门" not in logged  # ... without text
    assert "127.0.0.1" not in logged
    dump = "\n".join(str(r) for t in ("unanswered", "picks", "feedback") for r in sqlite_rows(server.db, f"SELECT * FROM {t}"))
    assert ANSWERED not in dump and "13812345678" not in dump and "127.0.0.1" not in dump
    assert sqlite_rows(server.db, "SELECT channel FROM unanswered") == [("web",)]
    assert "猫咪" in dump  # the unanswered question is kept, redacted, for editors


def test_serve_command_is_wired(tmp_path: Path) -> None:
    from bot.cli import build_parser

    args = build_parser().parse_args(["serve", "--port", "9999"])
    assert args.host == "127.0.0.1" and args.port == 9999


def test_page_escapes_kb_text(tmp_path: Path) -> None:
    from tests.kbfactory import entry, write_kb
    from bot.app import XinZhi
    from bot.config import Settings
    from bot.web.render import answer_html, entry_json

    kb = write_kb(tmp_path / "kb", {"x.yaml": ("测试", [
        entry("xss-entry", "<script>alert(1)</script>问题?", ["脚本注入测试一", "脚本注入测试二", "脚本注入三", "脚本注入四"],
              answer="第一句 <img src=x onerror=alert(1)> **粗体<b>**\n\n1. 步骤 & \"引号\"")])})
    xz = XinZhi(Settings(kb_path=kb, log_enabled=False))
    e = xz.kb.get("xss-entry")
    assert e is not None
    html = answer_html(e)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<strong>粗体&lt;b&gt;</strong>" in html and "&amp; &quot;引号&quot;" in html
    assert entry_json(e)["question"].startswith("<script>")  # plain text in JSON; the page uses textContent


def test_web_settings_are_read_from_the_environment_and_checked() -> None:
    from bot.config import ConfigError, load_settings

    s = load_settings({"XINZHI_WEB_SECRET": "x" * 32, "XINZHI_API_TOKEN": " tok ", "XINZHI_WEB_RATE_LIMIT": "7",
                       "XINZHI_CORS_ORIGINS": "https://a.example, https://b.example:8443"})
    assert (s.web.secret, s.web.api_token, s.web.rate_limit_per_minute) == ("x" * 32, "tok", 7)
    assert s.web.cors_origins == ("https://a.example", "https://b.example:8443")
    assert load_settings({}).web.cors_origins == ()  # CORS off by default
    for env, name in (({"XINZHI_WEB_SECRET": "short"}, "XINZHI_WEB_SECRET"),
                      ({"XINZHI_CORS_ORIGINS": "a.example/path"}, "XINZHI_CORS_ORIGINS"),
                      ({"XINZHI_WEB_RATE_LIMIT": "0"}, "XINZHI_WEB_RATE_LIMIT")):
        with pytest.raises(ConfigError, match=name):
            load_settings(env)
