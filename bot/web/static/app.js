// XinZhi chat page: no build step, no dependencies. Every piece of text goes in with textContent;
// only answer_html (escaped by the server from the curated KB) is inserted as HTML.
"use strict";
(function () {
  const log = document.getElementById("log");
  const form = document.getElementById("ask");
  const input = document.getElementById("text");
  const topicsBox = document.getElementById("topics");
  let context = null;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function scrollDown() { window.scrollTo(0, document.body.scrollHeight); }

  async function call(method, url, body) {
    const init = { method: method, headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try { response = await fetch(url, init); }
    catch (e) { return { error: "network", message: "网络连接失败,请稍后再试。" }; }
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    if (!response.ok) {
      if (data.error === "bad_context") context = null;
      return { error: data.error || "http", message: data.message || "出了点问题,请稍后再试。" };
    }
    return data;
  }

  function choiceButtons(box, items) {
    items.forEach(function (item) {
      const b = el("button", "choice", item.question);
      b.type = "button";
      b.dataset.entry = item.id;
      b.addEventListener("click", function () { openEntry(item, true); });
      box.appendChild(b);
    });
  }

  function feedbackRow(box, entryId) {
    const row = el("div", "fbrow");
    [[true, "👍 有帮助"], [false, "👎 没帮助"]].forEach(function (pair) {
      const b = el("button", "fb", pair[1]);
      b.type = "button";
      b.dataset.helpful = String(pair[0]);
      b.addEventListener("click", async function () {
        const res = await call("POST", "/api/v1/feedback", { entry: entryId, helpful: pair[0] });
        row.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
        b.classList.add("done");
        row.after(el("p", "note feedback-note", res.error ? res.message : res.message || "谢谢你的反馈!"));
      });
      row.appendChild(b);
    });
    box.appendChild(row);
  }

  function showReply(data) {
    const box = el("div", "msg bot");
    if (data.error) {
      box.appendChild(el("p", "note", data.message));
      log.appendChild(box); scrollDown(); return;
    }
    if (data.crisis) {
      box.classList.add("crisis");
      const call12356 = el("a", "hotline", "📞 心理援助热线 12356");
      call12356.href = "tel:12356";
      const call110 = el("a", "hotline", "🚨 有危险请拨 110");
      call110.href = "tel:110";
      box.appendChild(call12356); box.appendChild(call110);
    }
    if (data.notice) box.appendChild(el("p", "note", data.notice));
    if (data.entry) {
      const entry = data.entry;
      box.appendChild(el("h2", "question", entry.question));
      box.appendChild(el("p", "summary", entry.summary || ""));
      const full = el("div", "full");
      full.hidden = true;
      const body = el("div", "answer");
      body.innerHTML = entry.answer_html;  // escaped server-side from the curated KB
      full.appendChild(body);
      if (entry.sources && entry.sources.length) full.appendChild(el("p", "sources", "依据:" + entry.sources.join(";")));
      full.appendChild(el("p", "disc", data.disclaimer));
      const toggle = el("button", "toggle", "展开完整回答和依据 ▾");
      toggle.type = "button";
      toggle.setAttribute("aria-expanded", "false");
      toggle.addEventListener("click", function () {
        full.hidden = !full.hidden;
        toggle.setAttribute("aria-expanded", String(!full.hidden));
        toggle.textContent = full.hidden ? "展开完整回答和依据 ▾" : "收起 ▴";
      });
      box.appendChild(toggle);
      box.appendChild(full);
      if (data.related && data.related.length) {
        box.appendChild(el("p", "note", "相关问题:"));
        choiceButtons(box, data.related);
      }
      feedbackRow(box, entry.id);
    } else {
      String(data.message || "").split("\n").forEach(function (line) {
        if (line.trim()) box.appendChild(el("p", "", line));
      });
      choiceButtons(box, data.suggestions || []);
      if (data.kind === "fallback") {
        const b = el("button", "choice", "📚 按分类浏览");
        b.type = "button";
        b.addEventListener("click", showTopics);
        box.appendChild(b);
      }
    }
    log.appendChild(box);
    scrollDown();
  }

  async function ask(text) {
    log.appendChild(el("div", "msg user", text));
    const data = await call("POST", "/api/v1/ask", { text: text, context: context });
    if (data.context) context = data.context;
    showReply(data);
  }

  async function openEntry(item, picked) {
    log.appendChild(el("div", "msg user", item.question));
    topicsBox.hidden = true;
    const data = await call("POST", "/api/v1/ask", { entry: item.id, picked: picked, context: context });
    if (data.context) context = data.context;
    showReply(data);
  }

  async function showTopics() {
    if (!topicsBox.hidden) { topicsBox.hidden = true; return; }
    const data = await call("GET", "/api/v1/topics");
    topicsBox.replaceChildren();
    if (data.error) { topicsBox.appendChild(el("p", "note", data.message)); }
    (data.categories || []).forEach(function (cat) {
      const head = el("button", "cat", cat.name + "(" + cat.entries.length + ")");
      head.type = "button";
      const list = el("div", "");
      list.hidden = true;
      cat.entries.forEach(function (item) {
        const b = el("button", "choice", item.question);
        b.type = "button";
        b.addEventListener("click", function () { openEntry(item, false); });
        list.appendChild(b);
      });
      head.addEventListener("click", function () { list.hidden = !list.hidden; });
      topicsBox.appendChild(head);
      topicsBox.appendChild(list);
    });
    topicsBox.hidden = false;
    topicsBox.scrollIntoView();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    ask(text);
  });
  document.getElementById("topics-btn").addEventListener("click", showTopics);
})();
