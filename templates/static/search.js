/* Yigai Watch static search: loads search-index.json once and does a substring match (works for Chinese,
   which has no spaces between words). Every value is inserted with textContent, never as HTML. */
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var results = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  if (!form || !input || !results || !status) { return; }
  var root = form.getAttribute("data-root") || "";
  var index = null;
  var MAX_RESULTS = 100;

  function load() {
    if (index) { return Promise.resolve(index); }
    return fetch(form.getAttribute("data-index"))
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) { index = data; return data; });
  }

  function normalise(text) {
    return String(text || "").toLowerCase().replace(/\s+/g, "");
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function item(entry) {
    var li = document.createElement("li");
    li.className = "story";
    var a = document.createElement("a");
    a.className = "story-title";
    a.href = root + entry.url;
    a.textContent = entry.title;
    var meta = document.createElement("p");
    meta.className = "story-meta";
    meta.textContent = entry.date + (entry.place ? " · " + entry.place : "");
    var summary = document.createElement("p");
    summary.className = "story-summary";
    summary.textContent = entry.text;
    li.appendChild(a);
    li.appendChild(meta);
    li.appendChild(summary);
    return li;
  }

  function search(query) {
    var terms = query.split(/\s+/).map(normalise).filter(Boolean);
    clear(results);
    if (!terms.length) { status.textContent = ""; return; }
    status.textContent = "正在搜索…";
    load().then(function (entries) {
      var hits = entries.filter(function (entry) {
        var hay = normalise(entry.title + " " + entry.place + " " + entry.text);
        return terms.every(function (term) { return hay.indexOf(term) !== -1; });
      });
      hits.slice(0, MAX_RESULTS).forEach(function (entry) { results.appendChild(item(entry)); });
      status.textContent = hits.length
        ? "找到 " + hits.length + " 篇" + (hits.length > MAX_RESULTS ? "，显示前 " + MAX_RESULTS + " 篇" : "")
        : "没有找到相关报道。";
    }).catch(function () {
      status.textContent = "搜索索引加载失败。";
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = input.value.trim();
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", "?q=" + encodeURIComponent(query));
    }
    search(query);
  });

  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; search(initial); }
})();
