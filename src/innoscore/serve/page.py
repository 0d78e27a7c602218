"""The data port's web page for bank staff: one HTML page, Chinese by default (``/?lang=en``: English).

It signs in with the bank's API key (kept in the browser tab's session storage only), lists the months,
shows the bank's shortlists (sort by a column, filter by product, city, park and grade, download the
csv / xlsx), an enterprise's page (points breakdown as bars, reasons, certification checks) and an
outcome upload form that shows the validation report.  No script or style is fetched from elsewhere.
"""

from __future__ import annotations

import json

__all__ = ["page_html", "TEXTS"]

TEXTS = {
    "zh": {"title": "科技企业数据端口", "key": "API 密钥", "signin": "登录", "signout": "退出", "months": "月份",
           "shortlist": "推荐名单", "product": "产品", "city": "地市", "park": "高新区", "grade": "信用等级",
           "all": "全部", "download": "下载", "rank": "排名", "enterprise_id": "统一社会信用代码", "name": "企业名称",
           "points": "创新积分", "pd": "违约概率", "score": "信用评分", "amount": "建议额度（元）",
           "enterprise": "企业详情", "breakdown": "积分构成", "reasons": "主要风险因素", "checks": "资质核验",
           "upload": "上报放贷结果", "upload_help": "上传 CSV 或 xlsx：loan_id, enterprise_id, decision（approved / "
           "declined / withdrawn）, product, amount, rate, signed_on, originated_on, maturity_on, collateral",
           "send": "上传", "stored": "已保存 {0} 条，已存在 {1} 条", "invalid": "文件有误，未保存任何记录：",
           "rows": "共 {0} 条", "back": "返回名单", "bad_key": "密钥无效", "lang": "English", "lang_href": "?lang=en",
           "first_loan": "首贷培育对象", "yes": "是", "no": "否", "total": "合计", "technology": "技术创新",
           "growth": "成长经营", "auxiliary": "辅助", "bonus": "加分", "penalty": "扣分", "result": "结果",
           "holds": "持有", "none": "无", "pass": "通过", "fail": "未通过", "insufficient_data": "数据不足"},
    "en": {"title": "Technology-enterprise data port", "key": "API key", "signin": "Sign in", "signout": "Sign out",
           "months": "Months", "shortlist": "Shortlist", "product": "Product", "city": "City", "park": "Park",
           "grade": "Grade", "all": "all", "download": "Download", "rank": "Rank", "enterprise_id": "Credit code",
           "name": "Name", "points": "Points", "pd": "PD", "score": "Score", "amount": "Suggested amount (yuan)",
           "enterprise": "Enterprise", "breakdown": "Points breakdown", "reasons": "Risk reasons",
           "checks": "Certification checks", "upload": "Report loan outcomes",
           "upload_help": "Upload a CSV or xlsx file: loan_id, enterprise_id, decision (approved / declined / "
           "withdrawn), product, amount, rate, signed_on, originated_on, maturity_on, collateral",
           "send": "Upload", "stored": "{0} stored, {1} already there", "invalid": "The file has errors; nothing "
           "was stored:", "rows": "{0} rows", "back": "Back to the shortlist", "bad_key": "The key is not valid",
           "lang": "中文", "lang_href": "?lang=zh", "first_loan": "First-loan candidate", "yes": "yes", "no": "no",
           "total": "Total", "technology": "Technology", "growth": "Growth", "auxiliary": "Auxiliary",
           "bonus": "Bonus", "penalty": "Penalty", "result": "Result", "holds": "Holds", "none": "none",
           "pass": "pass", "fail": "fail", "insufficient_data": "insufficient data"},
}

_PAGE = """<!DOCTYPE html>
<html lang="__HTMLLANG__"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>__TITLE__</title>
<style>
body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:1.5em;color:#222}
header{display:flex;gap:1em;align-items:center}h1{font-size:1.4em;margin:0 auto 0 0}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:2px 8px}th{background:#f3f3f3;cursor:pointer}
.bar{background:#3b7dd8;height:12px;display:inline-block}.err{color:#b00020;white-space:pre-wrap}.ok{color:#0a7a2f}
.hidden{display:none}nav button{margin-right:.4em}
</style></head><body>
<header><h1>__TITLE__</h1><a id="lang" href="">lang</a><button id="signout" class="hidden"></button></header>
<section id="signin"><label id="key-label" for="key"></label> <input id="key" type="password" size="60">
<button id="signin-button"></button> <span id="signin-error" class="err"></span></section>
<section id="main" class="hidden">
 <nav id="months"></nav>
 <section id="list"><h2 id="list-title"></h2>
  <label id="f-product-l"></label> <select id="f-product"></select>
  <label id="f-city-l"></label> <select id="f-city"></select>
  <label id="f-park-l"></label> <select id="f-park"></select>
  <label id="f-grade-l"></label> <select id="f-grade"></select>
  <button id="dl-csv">csv</button> <button id="dl-xlsx">xlsx</button> <span id="count"></span>
  <table id="table"><thead></thead><tbody></tbody></table></section>
 <section id="detail" class="hidden"><button id="back"></button><div id="detail-body"></div></section>
 <section id="upload"><h2 id="upload-title"></h2><p id="upload-help"></p>
  <input id="file" type="file" accept=".csv,.xlsx"> <button id="send"></button><div id="upload-result"></div></section>
</section>
<script>
const T = __TEXTS__, LANG = "__LANG__";
const $ = id => document.getElementById(id);
let key = sessionStorage.getItem("innoscore-key"), month = null, rows = [], sortBy = "rank", asc = true;
const esc = s => String(s ?? "").replace(/[&<>"']/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c]));
async function api(path, opts = {}) {
  opts.headers = Object.assign({"Authorization": "Bearer " + key}, opts.headers || {});
  const r = await fetch(path, opts);
  return {status: r.status, r};
}
function label() {
  document.title = T.title; $("lang").textContent = T.lang; $("lang").href = T.lang_href;
  $("key-label").textContent = T.key; $("signin-button").textContent = T.signin; $("signout").textContent = T.signout;
  for (const f of ["product", "city", "park", "grade"]) $("f-" + f + "-l").textContent = T[f];
  $("upload-title").textContent = T.upload; $("upload-help").textContent = T.upload_help;
  $("send").textContent = T.send; $("back").textContent = T.back;
  $("dl-csv").textContent = T.download + " csv"; $("dl-xlsx").textContent = T.download + " xlsx";
}
async function signIn() {
  const {status, r} = await api("/v1/months");
  if (status !== 200) { $("signin-error").textContent = T.bad_key; sessionStorage.removeItem("innoscore-key"); return; }
  const data = await r.json();
  $("signin").classList.add("hidden"); $("main").classList.remove("hidden"); $("signout").classList.remove("hidden");
  $("months").innerHTML = "<b>" + esc(T.months) + ":</b> " + data.months.map(m =>
    `<button data-month="${esc(m.month)}">${esc(m.month)} (${m.rows})</button>`).join("");
  document.querySelectorAll("#months button").forEach(b => b.onclick = () => openMonth(b.dataset.month));
  if (data.months.length) openMonth(data.months[data.months.length - 1].month);
}
async function openMonth(m) {
  month = m; rows = [];
  for (let page = 1; ; page++) {
    const {status, r} = await api(`/v1/months/${encodeURIComponent(m)}/shortlists?page=${page}&size=5000`);
    if (status !== 200) break;
    const d = await r.json(); rows = rows.concat(d.rows);
    if (rows.length >= d.total || !d.rows.length) break;
  }
  $("list-title").textContent = `${T.shortlist} ${m}`;
  for (const x of rows) x.product_name = LANG === "zh" ? x.product_zh : x.product_en;
  for (const f of ["product", "city", "park", "grade"]) {
    const field = f === "product" ? "product_name" : f;
    const values = [...new Set(rows.map(x => x[field]).filter(v => v != null))].sort();
    $("f-" + f).innerHTML = `<option value="">${esc(T.all)}</option>` + values.map(v => `<option>${esc(v)}</option>`).join("");
    $("f-" + f).onchange = draw;
  }
  $("detail").classList.add("hidden"); $("list").classList.remove("hidden"); draw();
}
const COLS = ["product_name", "rank", "enterprise_id", "name", "city", "park", "points", "pd", "score", "grade", "suggested_amount"];
function draw() {
  const f = {}; for (const k of ["product", "city", "park", "grade"]) f[k === "product" ? "product_name" : k] = $("f-" + k).value;
  let shown = rows.filter(x => Object.entries(f).every(([k, v]) => !v || x[k] === v));
  shown.sort((a, b) => { const x = a[sortBy], y = b[sortBy]; const c = x == null ? 1 : y == null ? -1 : x < y ? -1 : x > y ? 1 : 0; return asc ? c : -c; });
  $("count").textContent = T.rows.replace("{0}", shown.length);
  $("table").tHead.innerHTML = "<tr>" + COLS.map(c => `<th data-col="${c}">${esc(T[c === "suggested_amount" ? "amount" : c === "product_name" ? "product" : c] || c)}</th>`).join("") + "</tr>";
  document.querySelectorAll("#table th").forEach(th => th.onclick = () => { asc = sortBy === th.dataset.col ? !asc : true; sortBy = th.dataset.col; draw(); });
  $("table").tBodies[0].innerHTML = shown.slice(0, 2000).map(x => "<tr>" + COLS.map(c => {
    let v = x[c]; if (c === "pd" && v != null) v = (100 * v).toFixed(2) + "%"; else if (typeof v === "number") v = c === "rank" ? v : v.toLocaleString(undefined, {maximumFractionDigits: 1});
    return c === "enterprise_id" ? `<td><a href="#" data-id="${esc(v)}">${esc(v)}</a></td>` : `<td>${esc(v)}</td>`;
  }).join("") + "</tr>").join("");
  document.querySelectorAll("#table a[data-id]").forEach(a => a.onclick = e => { e.preventDefault(); openEnterprise(a.dataset.id); });
}
async function download(fmt) {
  const {status, r} = await api(`/v1/months/${encodeURIComponent(month)}/shortlists?format=${fmt}`);
  if (status !== 200) return;
  const url = URL.createObjectURL(await r.blob()); const a = document.createElement("a");
  a.href = url; a.download = `shortlist_${month}.${fmt}`; a.click(); URL.revokeObjectURL(url);
}
async function openEnterprise(id) {
  const {status, r} = await api(`/v1/months/${encodeURIComponent(month)}/enterprises/${encodeURIComponent(id)}`);
  const d = await r.json();
  if (status !== 200) { $("detail-body").innerHTML = `<p class="err">${esc(d.error)}</p>`; }
  else {
    const p = d.points, groups = ["technology", "growth", "auxiliary", "bonus", "penalty"];
    const bars = groups.map(g => `<tr><td>${esc(T[g])}</td><td>${(p[g] ?? 0).toFixed(1)}</td><td><span class="bar" style="width:${Math.max(0, 4 * (p[g] ?? 0))}px"></span></td></tr>`).join("")
      + Object.entries(p.indicators).filter(([k, v]) => v > 0).sort((a, b) => b[1] - a[1]).map(([k, v]) =>
        `<tr><td>&nbsp;&nbsp;${esc((d.labels[LANG] || {})[k] || k)}</td><td>${v.toFixed(1)}</td><td><span class="bar" style="width:${8 * v}px;background:#8fb3ea"></span></td></tr>`).join("");
    const checks = d.checks.map(c => `<tr><td>${esc((d.labels[LANG] || {})[c.check] || c.check)}</td><td>${esc(T[c.result] || c.result)}</td><td>${c.holds ? T.yes : T.no}</td><td>${esc(c.reasons)}</td></tr>`).join("");
    $("detail-body").innerHTML = `<h2 id="enterprise-name">${esc(d.name)} ${esc(d.enterprise_id)}</h2>
      <p>${esc(d.city)} ${esc(d.county)} ${esc(d.park)} · ${esc(T.points)} ${p.total.toFixed(1)} · ${esc(T.pd)} ${d.pd == null ? "-" : (100 * d.pd).toFixed(2) + "%"} · ${esc(T.grade)} ${esc(d.grade)} · ${esc(T.first_loan)}: ${d.first_loan_candidate ? T.yes : T.no}</p>
      <h3>${esc(T.breakdown)}</h3><table id="breakdown"><tr><td>${esc(T.total)}</td><td>${p.total.toFixed(1)}</td><td></td></tr>${bars}</table>
      <h3>${esc(T.reasons)}</h3><p id="reasons">${esc(LANG === "zh" ? d.reasons_zh : d.reasons_en) || esc(T.none)}</p>
      <h3>${esc(T.checks)}</h3><table id="checks"><tr><th></th><th>${esc(T.result)}</th><th>${esc(T.holds)}</th><th></th></tr>${checks}</table>`;
  }
  $("list").classList.add("hidden"); $("detail").classList.remove("hidden");
}
async function send() {
  const file = $("file").files[0]; if (!file) return;
  const form = new FormData(); form.append("file", file);
  const {status, r} = await api("/v1/outcomes", {method: "POST", body: form});
  const d = await r.json();
  $("upload-result").innerHTML = status === 200 ? `<p class="ok" id="upload-ok">${esc(T.stored.replace("{0}", d.stored).replace("{1}", d.already))}</p>`
    : `<p class="err" id="upload-error">${esc(T.invalid)}\\n${esc(d.text || d.error)}</p>`;
}
label();
$("signin-button").onclick = () => { key = $("key").value.trim(); sessionStorage.setItem("innoscore-key", key); $("signin-error").textContent = ""; signIn(); };
$("signout").onclick = () => { sessionStorage.removeItem("innoscore-key"); location.reload(); };
$("back").onclick = () => { $("detail").classList.add("hidden"); $("list").classList.remove("hidden"); };
$("dl-csv").onclick = () => download("csv"); $("dl-xlsx").onclick = () => download("xlsx");
$("send").onclick = send;
if (key) signIn();
</script></body></html>
"""


def page_html(lang: str = "zh") -> str:
    t = TEXTS[lang]
    return (_PAGE.replace("__TEXTS__", json.dumps(t, ensure_ascii=False)).replace("__LANG__", lang)
            .replace("__HTMLLANG__", "zh-CN" if lang == "zh" else "en").replace("__TITLE__", t["title"]))
