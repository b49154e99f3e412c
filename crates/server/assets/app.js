// unspin's page. Article text is untrusted: it only ever reaches the DOM through
// textContent and attribute values, never through innerHTML.
"use strict";

const $ = (id) => document.getElementById(id);
let techniques = [];

function el(tag, props = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "text") e.textContent = v;
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function techIndex(name) {
  const i = techniques.findIndex((t) => t.name === name);
  return i < 0 ? 13 : i;
}

function techLabel(name) {
  const t = techniques.find((t) => t.name === name);
  return t ? t.label : name;
}

async function loadTechniques() {
  try {
    const r = await fetch("/api/v1/techniques");
    techniques = await r.json();
  } catch (_) {
    techniques = [];
  }
}

async function analyse(body, type) {
  $("status").textContent = "Analysing…";
  $("go").disabled = true;
  try {
    const r = await fetch("/api/v1/analyze", {
      method: "POST",
      headers: { "Content-Type": type },
      body,
    });
    const data = await r.json();
    if (!r.ok) {
      $("status").textContent = "Error: " + (data.error || r.statusText);
      return;
    }
    render(data);
    $("status").textContent = "";
  } catch (e) {
    $("status").textContent = "Error: " + e;
  } finally {
    $("go").disabled = false;
  }
}

// Offsets count Unicode code points; Array.from splits a string the same way.
function render(report) {
  const chars = Array.from(report.text);
  const n = chars.length;
  const spans = report.techniques;
  const cuts = new Set([0, n]);
  for (const s of spans) { cuts.add(s.start); cuts.add(s.end); }
  for (const c of report.claims) cuts.add(c.start);
  for (const q of report.quotes) cuts.add(q.start);
  for (const c of report.checks) cuts.add(c.start);
  const points = [...cuts].filter((x) => x >= 0 && x <= n).sort((a, b) => a - b);
  const article = $("article");
  article.replaceChildren();
  for (let k = 0; k + 1 < points.length; k++) {
    const a = points[k], b = points[k + 1];
    const piece = chars.slice(a, b).join("");
    const covering = spans.filter((s) => s.start <= a && s.end >= b);
    let node;
    if (covering.length === 0) {
      node = el("span", { text: piece });
    } else {
      const top = covering[covering.length - 1];
      const tip = covering
        .map((s) => `${techLabel(s.technique)} · confidence ${s.confidence.toFixed(2)}\n${s.explanation}`)
        .join("\n\n");
      node = el("mark", {
        text: piece,
        class: "t" + techIndex(top.technique) + (covering.length > 1 ? " multi" : ""),
        tabindex: "0",
        "data-tip": tip,
        "aria-label": piece + ": " + covering.map((s) => techLabel(s.technique)).join(", "),
      });
    }
    node.dataset.start = String(a);
    article.append(node);
  }
  renderLegend(spans);
  renderSummary(report, chars);
  renderClaims(report.claims);
  renderQuotes(report.quotes);
  renderChecks(report.checks);
  $("result").hidden = false;
  $("panels").hidden = false;
}

function renderLegend(spans) {
  const counts = new Map();
  for (const s of spans) counts.set(s.technique, (counts.get(s.technique) || 0) + 1);
  const legend = $("legend");
  legend.replaceChildren();
  if (counts.size === 0) legend.append(el("span", { class: "muted", text: "No technique spans found." }));
  for (const [name, c] of [...counts].sort((a, b) => b[1] - a[1])) {
    legend.append(el("span", { class: "t" + techIndex(name), text: `${techLabel(name)} (${c})` }));
  }
}

function sentenceBounds(chars) {
  // Sentence ends: . ! ? or a line break, then space; good enough for a share.
  const out = [];
  let start = 0;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === "\n" || ((c === "." || c === "!" || c === "?") && (i + 1 === chars.length || /\s/.test(chars[i + 1])))) {
      if (chars.slice(start, i + 1).join("").trim()) out.push([start, i + 1]);
      start = i + 1;
    }
  }
  if (chars.slice(start).join("").trim()) out.push([start, chars.length]);
  return out;
}

function renderSummary(report, chars) {
  const sentences = sentenceBounds(chars);
  const withSpan = sentences.filter(([a, b]) => report.techniques.some((s) => s.start < b && s.end > a)).length;
  const share = sentences.length ? Math.round((100 * withSpan) / sentences.length) : 0;
  const counts = new Map();
  for (const s of report.techniques) counts.set(s.technique, (counts.get(s.technique) || 0) + 1);
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 5);
  const box = $("summary");
  box.replaceChildren(
    el("p", { text: `${share}% of sentences (${withSpan} of ${sentences.length}) contain a technique span.` }),
  );
  if (top.length === 0) return;
  const ns = "http://www.w3.org/2000/svg";
  const max = top[0][1];
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 260 ${top.length * 20 + 4}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Most used techniques");
  top.forEach(([name, c], i) => {
    const t = document.createElementNS(ns, "text");
    t.setAttribute("x", "0");
    t.setAttribute("y", String(i * 20 + 14));
    t.textContent = techLabel(name).slice(0, 22);
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("x", "140");
    r.setAttribute("y", String(i * 20 + 3));
    r.setAttribute("height", "14");
    r.setAttribute("width", String(Math.max(2, (100 * c) / max)));
    r.setAttribute("class", "t" + techIndex(name));
    const v = document.createElementNS(ns, "text");
    v.setAttribute("x", String(146 + (100 * c) / max));
    v.setAttribute("y", String(i * 20 + 14));
    v.textContent = String(c);
    svg.append(t, r, v);
  });
  box.append(svg);
  // SVG rects take the technique colour from a probe span's computed background.
  requestAnimationFrame(() => {
    svg.querySelectorAll("rect").forEach((r) => {
      const probe = el("span", { class: r.getAttribute("class") });
      document.body.append(probe);
      r.style.fill = getComputedStyle(probe).backgroundColor;
      probe.remove();
    });
  });
}

function scrollTo(start) {
  const node = $("article").querySelector(`[data-start="${start}"]`);
  if (!node) return;
  node.scrollIntoView({ behavior: "smooth", block: "center" });
  node.classList.remove("flash");
  void node.offsetWidth;
  node.classList.add("flash");
}

function clickable(li, start) {
  li.tabIndex = 0;
  li.addEventListener("click", () => scrollTo(start));
  li.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); scrollTo(start); } });
  return li;
}

function renderClaims(claims) {
  const ol = $("claims");
  ol.replaceChildren();
  if (claims.length === 0) ol.append(el("li", { class: "muted", text: "None above the threshold." }));
  for (const c of claims.slice(0, 10)) {
    ol.append(clickable(el("li", {}, [el("span", { class: "score", text: c.score.toFixed(2) }), c.text]), c.start));
  }
}

function renderQuotes(quotes) {
  const ul = $("quotes");
  ul.replaceChildren();
  if (quotes.length === 0) ul.append(el("li", { class: "muted", text: "None found." }));
  for (const q of quotes) {
    const who = q.speaker ? q.speaker : "unattributed";
    const cue = q.cue ? " (" + q.cue.text + ")" : "";
    ul.append(clickable(el("li", {}, [el("b", { text: who + cue + " → " }), "“" + q.text + "”"]), q.start));
  }
}

function renderChecks(checks) {
  const ul = $("checks");
  ul.replaceChildren();
  if (checks.length === 0) ul.append(el("li", { class: "muted", text: "None found." }));
  const order = { inconsistent: 0, unverifiable: 1, consistent: 2 };
  for (const c of [...checks].sort((a, b) => (order[a.verdict] ?? 3) - (order[b.verdict] ?? 3))) {
    ul.append(clickable(el("li", {}, [
      el("span", { class: c.verdict === "inconsistent" ? "bad" : "muted", text: c.verdict + ": " }),
      c.explanation,
    ]), c.start));
  }
}

function showTip(target) {
  const tip = $("tip");
  tip.textContent = target.getAttribute("data-tip");
  tip.hidden = false;
  const r = target.getBoundingClientRect();
  tip.style.left = `${window.scrollX + r.left}px`;
  tip.style.top = `${window.scrollY + r.bottom + 6}px`;
}

function hideTip() { $("tip").hidden = true; }

function readFile(file) {
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => {
    const isHtml = /\.html?$/i.test(file.name) || file.type === "text/html";
    if (isHtml) {
      analyse(reader.result, "text/html");
    } else {
      $("text").value = reader.result;
      analyse(JSON.stringify({ text: reader.result }), "application/json");
    }
  };
  reader.readAsText(file);
}

document.addEventListener("DOMContentLoaded", () => {
  loadTechniques();
  $("go").addEventListener("click", () => analyse(JSON.stringify({ text: $("text").value }), "application/json"));
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); readFile(e.dataTransfer.files[0]); });
  drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); $("file").click(); } });
  $("file").addEventListener("change", (e) => readFile(e.target.files[0]));
  const art = $("article");
  art.addEventListener("mouseover", (e) => { if (e.target.matches("mark")) showTip(e.target); });
  art.addEventListener("mouseout", (e) => { if (e.target.matches("mark")) hideTip(); });
  art.addEventListener("focusin", (e) => { if (e.target.matches("mark")) showTip(e.target); });
  art.addEventListener("focusout", hideTip);
});
