// The policy register's first page: load the whole register (documents.json) in place of the server-rendered
// page, sort by any column (click its heading) and filter by keyword, 文种 and 发文机关. Without JavaScript the
// page is the register's newest documents, with pages for the rest.
(function () {
  "use strict";
  const form = document.querySelector(".register-filter");
  const table = document.querySelector("table.register");
  if (!form || !table || !window.fetch) return;
  const root = form.dataset.root;
  const heads = Array.from(table.tHead.rows[0].cells);
  let docs = [];
  let sortKey = "day";
  let ascending = false;

  const text = (doc, key) =>
    key === "bodies" ? doc.issuing_bodies.join("、") :
    key === "attachments" ? String(doc.attachments.length).padStart(4, "0") : (doc[key] || "");

  function cell(row, content) {
    const td = row.insertCell();
    if (content instanceof Node) td.append(content); else td.textContent = content;
    return td;
  }

  function link(href, label) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = label;
    return a;
  }

  function render() {
    const q = form.q.value.trim().toLowerCase();
    const shown = docs.filter((d) =>
      (!form.type.value || d.doc_type === form.type.value) &&
      (!form.body.value || d.issuing_bodies.includes(form.body.value)) &&
      (!q || [d.doc_number, d.title, ...d.issuing_bodies].some((v) => (v || "").toLowerCase().includes(q))));
    shown.sort((a, b) => {
      const x = text(a, sortKey), y = text(b, sortKey);
      // Empty cells last whichever the direction; ties keep the register's order (newest first).
      if (!x !== !y) return x ? -1 : 1;
      return (ascending ? 1 : -1) * x.localeCompare(y, "zh-CN") || docs.indexOf(a) - docs.indexOf(b);
    });
    const body = document.createElement("tbody");
    for (const d of shown) {
      const row = body.insertRow();
      cell(row, d.day);
      cell(row, d.doc_number || "");
      cell(row, link(root + d.path, d.title));
      cell(row, d.issuing_bodies.join("、"));
      cell(row, d.doc_type || "");
      cell(row, d.written_date || "");
      const files = cell(row, "");
      d.attachments.forEach((f, i) => {
        if (i) files.append("、");
        files.append(f.url ? link(f.url, f.title) : f.title);
      });
    }
    table.tBodies[0].replaceWith(body);
    heads.forEach((th) => th.dataset.key === sortKey
      ? th.setAttribute("aria-sort", ascending ? "ascending" : "descending") : th.removeAttribute("aria-sort"));
    form.shown.value = `显示 ${shown.length} / ${docs.length} 件`;
  }

  function options(select, values) {
    for (const v of Array.from(new Set(values)).sort((a, b) => a.localeCompare(b, "zh-CN"))) {
      select.add(new Option(v, v));
    }
  }

  fetch(form.dataset.json).then((r) => r.json()).then((data) => {
    docs = data.documents;
    options(form.type, docs.map((d) => d.doc_type).filter(Boolean));
    options(form.body, docs.flatMap((d) => d.issuing_bodies));
    for (const th of heads) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      button.addEventListener("click", () => {
        ascending = sortKey === th.dataset.key ? !ascending : th.dataset.key !== "day";
        sortKey = th.dataset.key;
        render();
      });
      th.replaceChildren(button);
    }
    form.hidden = false;
    form.addEventListener("input", render);
    form.addEventListener("submit", (e) => e.preventDefault());
    const pager = document.querySelector(".pagination");
    if (pager) pager.hidden = true;
    render();
  }).catch(() => {});  // opened from disk (no fetch of file: URLs): the page stays as the server made it
})();
