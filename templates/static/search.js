/* Yigai Watch search.
   data-engine="pagefind": the Pagefind index built with the site, queried through its JS API. The index is
   one or more bundles listed, newest first, in pagefind/shards.json (data-shards; the directories are relative
   to that file): the first is imported, the others are merged into it (Pagefind's mergeIndex), so a query
   searches them all (see pagefindSearch for the one way in which that differs from a single index).
   data-engine="json": the fallback when the build had no Pagefind binary — search-index.json and a substring
   match (works for Chinese, which has no spaces between words).
   Page text is inserted with textContent; Pagefind's excerpts (HTML with <mark>) are parsed into an inert
   document and only their text and <mark> elements are copied. Every link is relative to the site root. */
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var results = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  if (!form || !input || !results || !status) { return; }
  var root = form.getAttribute("data-root") || "";
  var engine = form.getAttribute("data-engine") || "json";
  var MAX_RESULTS = 50;
  var pending = 0;

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function safeExcerpt(node, html) {
    var doc = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html");
    doc.body.childNodes.forEach(function copy(child) {
      if (child.nodeType === 3) {
        node.appendChild(document.createTextNode(child.textContent));
      } else if (child.nodeType === 1) {
        if (child.nodeName === "MARK") {
          var mark = document.createElement("mark");
          mark.textContent = child.textContent;
          node.appendChild(mark);
        } else {
          child.childNodes.forEach(copy);
        }
      }
    });
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
    meta.textContent = (entry.date || "") + (entry.place ? " · " + entry.place : "");
    var summary = document.createElement("p");
    summary.className = "story-summary";
    if (entry.excerpt) { safeExcerpt(summary, entry.excerpt); } else { summary.textContent = entry.text || ""; }
    li.appendChild(a);
    li.appendChild(meta);
    li.appendChild(summary);
    return li;
  }

  /* --- Pagefind ----------------------------------------------------------------------------------- */
  var pagefind = null;
  // Every bundle reports its results with the URL it was given at indexing, "/article/<id>.html" (baseUrl "/"
  // turns off Pagefind's guess of a site prefix from the bundle's location); the links are made relative below.
  var PAGEFIND_OPTIONS = { excerptLength: 40, baseUrl: "/" };

  function absolute(url, base) {
    // import() resolves a relative URL against this script's URL, not the page's: always pass absolute ones.
    return new URL(url, base || document.baseURI).href;
  }

  function bundleList() {
    var list = absolute(form.getAttribute("data-shards"));
    return fetch(list).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (dirs) {
      if (!Array.isArray(dirs) || !dirs.length) { throw new Error("empty search index list"); }
      return dirs.map(function (dir) { return absolute(String(dir), list); });
    });
  }

  function loadPagefind() {
    if (pagefind) { return pagefind; }
    pagefind = bundleList().then(function (bundles) {
      return import(bundles[0] + "pagefind.js").then(function (module) {
        return module.options(PAGEFIND_OPTIONS).then(function () {
          return Promise.all(bundles.slice(1).map(function (bundle) {
            return module.mergeIndex(bundle, PAGEFIND_OPTIONS);
          }));
        }).then(function () { return module; });
      });
    });
    return pagefind;
  }

  // The words Pagefind looks up for a query: it segments Chinese with Intl.Segmenter as well.
  function words(query) {
    if (/^\s*".+"\s*$/.test(query) || typeof Intl === "undefined" || !Intl.Segmenter) { return []; }
    var segmenter = new Intl.Segmenter(document.documentElement.lang || "zh", { granularity: "word" });
    var found = [];
    Array.from(segmenter.segment(query)).forEach(function (s) {
      if (s.isWordLike && found.indexOf(s.segment) === -1) { found.push(s.segment); }
    });
    return found;
  }

  function pagefindSearch(query) {
    var parts = words(query);
    return loadPagefind().then(function (module) {
      var searches = [module.search(query)];
      if (parts.length > 1) {
        parts.forEach(function (word) { searches.push(module.search(word)); });
      }
      return Promise.all(searches);
    }).then(function (all) {
      // Pagefind ignores a word its index does not hold at all, so a shard without one of the words would
      // answer with every page that has the others. Keep the pages found by each word the site holds: what one
      // index over all the pages would answer. (A shard that holds no word *starting* with a query word
      // matches a shorter indexed word that the query word starts with instead; those pages stay.)
      var hits = all[0].results;
      all.slice(1).forEach(function (single) {
        if (!single.results.length) { return; }  // nowhere on the site: ignored, as by one index
        var ids = new Set(single.results.map(function (r) { return r.id; }));
        hits = hits.filter(function (r) { return ids.has(r.id); });
      });
      var shown = hits.slice(0, MAX_RESULTS);
      return Promise.all(shown.map(function (r) { return r.data(); })).then(function (data) {
        return {
          total: hits.length,
          entries: data.map(function (d) {
            return {
              // "/article/x.html" (see PAGEFIND_OPTIONS): made relative to the site root, which keeps the
              // links working wherever the site is served from.
              url: String(d.url || "").replace(/^\/+/, ""),
              title: (d.meta && d.meta.title) || "",
              date: (d.meta && d.meta.date) || "",
              place: (d.meta && d.meta.place) || "",
              excerpt: d.excerpt || ""
            };
          })
        };
      });
    });
  }

  /* --- JSON fallback ------------------------------------------------------------------------------ */
  var index = null;

  function normalise(text) {
    return String(text || "").toLowerCase().replace(/\s+/g, "");
  }

  function jsonSearch(query) {
    if (!index) {
      index = fetch(form.getAttribute("data-index")).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
    }
    var terms = query.split(/\s+/).map(normalise).filter(Boolean);
    return index.then(function (entries) {
      var hits = entries.filter(function (entry) {
        var hay = normalise(entry.title + " " + entry.place + " " + entry.text);
        return terms.every(function (term) { return hay.indexOf(term) !== -1; });
      });
      return { total: hits.length, entries: hits.slice(0, MAX_RESULTS) };
    });
  }

  function search(query) {
    var ticket = ++pending;
    clear(results);
    form.removeAttribute("data-done");
    if (!query) { status.textContent = ""; return; }
    if (window.location.protocol === "file:") {
      status.textContent = "从本地文件打开时浏览器不允许加载搜索索引；请用网页服务器打开本站（例如在站点目录运行 python3 -m http.server）。";
      return;
    }
    status.textContent = "正在搜索…";
    (engine === "pagefind" ? pagefindSearch(query) : jsonSearch(query)).then(function (found) {
      if (ticket !== pending) { return; }  // a newer query has started
      found.entries.forEach(function (entry) { results.appendChild(item(entry)); });
      status.textContent = found.total
        ? "找到 " + found.total + " 篇" + (found.total > MAX_RESULTS ? "，显示前 " + MAX_RESULTS + " 篇" : "")
        : "没有找到相关报道。";
      form.setAttribute("data-done", "true");
    }).catch(function () {
      if (ticket !== pending) { return; }
      status.textContent = "搜索索引加载失败。";
      form.setAttribute("data-done", "error");
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
  if (initial) { input.value = initial; search(initial.trim()); }
})();
