/* Yigai Watch search.
   data-engine="pagefind": the Pagefind index built with the site, queried through its JS API. The index is
   one or more bundles listed, newest first, in pagefind/shards.json (data-shards; the directories are relative
   to that file): the first is imported, the others are merged into it (Pagefind's mergeIndex), so a query
   searches them all (see pagefindSearch for the one way in which that differs from a single index).
   data-engine="ngram" (the default): the site's own index, search/index.json and its segments (written by
   site_builder/ngram_index.py, whose docstring describes the files; queryTokens and bucketOf here must
   stay the same functions as index_tokens/query_tokens and bucket_of there). A query fetches, per token, one
   bucket file of each segment; a page must hold every token; pages are ranked by BM25 over all segments.
   Excerpts come from the result's own article page, fetched when it is shown.
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
    if (entry.excerpt) { safeExcerpt(summary, entry.excerpt); }
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

  /* --- the site's n-gram index ------------------------------------------------------------------ */
  var TOKEN_RUN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z]+/g;
  var EXCERPT_BEFORE = 20;
  var EXCERPT_LENGTH = 80;
  var fetched = {};  // URL -> promise of its JSON

  function getJSON(url) {
    if (!fetched[url]) {
      fetched[url] = fetch(url).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
      fetched[url].catch(function () { delete fetched[url]; });  // a failed file may be fetched again
    }
    return fetched[url];
  }

  // t2s.py: Traditional characters are looked up as Simplified (the texts are). The table is fetched on the
  // first query with a Han character.
  var simplified = null;  // Traditional character -> Simplified one, once fetched

  function loadSimplified(query) {
    if (simplified || !/[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/.test(query.normalize("NFKC"))) {
      return Promise.resolve();
    }
    return getJSON(absolute(form.getAttribute("data-t2s"))).then(function (table) {
      var pairs = String(table.pairs || "");
      var map = new Map();
      for (var i = 0; i + 1 < pairs.length; i += 2) { map.set(pairs.charAt(i), pairs.charAt(i + 1)); }
      simplified = map;
    }).catch(function () {});  // without the table, Traditional queries simply find less
  }

  function toSimplified(text) {
    if (!simplified) { return text; }
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var c = text.charAt(i);
      out += simplified.has(c) ? simplified.get(c) : c;
    }
    return out;
  }

  function queryRuns(query, simplify) {
    var text = query.normalize("NFKC");
    return (simplify ? toSimplified(text) : text).toLowerCase().match(TOKEN_RUN) || [];
  }

  // ngram_index.query_tokens: bigrams of a Han run, a lone Han character, an ASCII run; distinct, in order.
  function queryTokens(query, simplify) {
    var found = [];
    queryRuns(query, simplify).forEach(function (run) {
      var parts = [];
      if (run.charCodeAt(0) < 0x3400 || run.length === 1) {
        parts.push(run);
      } else {
        for (var i = 0; i + 1 < run.length; i++) { parts.push(run.slice(i, i + 2)); }
      }
      parts.forEach(function (token) { if (found.indexOf(token) === -1) { found.push(token); } });
    });
    return found;
  }

  // ngram_index.bucket_of: FNV-1a (32 bit) over the UTF-16 code units, modulo a power of two.
  function bucketOf(token, buckets) {
    var h = 0x811c9dc5;
    for (var i = 0; i < token.length; i++) { h = Math.imul(h ^ token.charCodeAt(i), 0x01000193) >>> 0; }
    return h & (buckets - 1);
  }

  // ngram_index.query_forms: the query as typed and, when it has Traditional characters, its Simplified form
  // (a page matching either is found: 著 in 著名 is Simplified too, 醫 in 醫共體 is not).
  function queryForms(query) {
    var forms = [queryTokens(query, false)];
    var simple = queryTokens(query, true);
    if (simple.join("\u0000") !== forms[0].join("\u0000")) { forms.push(simple); }
    return forms.filter(function (tokens) { return tokens.length > 0; });
  }

  var SEGMENT = 1e8;  // a page's key: segment number * SEGMENT + its number in the segment

  function ngramSearch(query) {
    var forms = null;
    var tokens = [];
    var indexUrl = absolute(form.getAttribute("data-index"));
    return loadSimplified(query).then(function () {
      forms = queryForms(query);
      forms.forEach(function (formTokens) {
        formTokens.forEach(function (token) { if (tokens.indexOf(token) === -1) { tokens.push(token); } });
      });
      return getJSON(indexUrl);
    }).then(function (index) {
      var segments = index.segments || [];
      if (!tokens.length || !segments.length) { return { total: 0, entries: [] }; }
      var loads = [];
      segments.forEach(function (segment, s) {
        var base = absolute(segment.name + "/", indexUrl);
        tokens.forEach(function (token) {
          loads.push(getJSON(base + "b" + bucketOf(token, segment.buckets) + ".json").then(function (bucket) {
            return { s: s, token: token, list: Object.prototype.hasOwnProperty.call(bucket, token) ? bucket[token] : [] };
          }));
        });
      });
      return Promise.all(loads).then(function (lists) {
        var weights = {};
        tokens.forEach(function (token) { weights[token] = new Map(); });
        lists.forEach(function (item) {
          var found = weights[item.token];
          var doc = 0;
          for (var i = 0; i + 1 < item.list.length; i += 2) {
            doc += item.list[i];
            found.set(item.s * SEGMENT + doc, item.list[i + 1]);
          }
        });
        var pages = segments.reduce(function (n, segment) { return n + segment.docs; }, 0);
        // A form's pages hold every one of its tokens; a page found by both forms keeps its better score.
        var scores = new Map();
        forms.forEach(function (formTokens) {
          var formScores = null;
          formTokens.forEach(function (token) {
            var found = weights[token];
            var idf = Math.log(1 + (pages - found.size + 0.5) / (found.size + 0.5));
            if (formScores === null) {
              formScores = new Map();
              found.forEach(function (w, key) { formScores.set(key, idf * w); });
            } else {
              var next = new Map();
              formScores.forEach(function (score, key) {
                if (found.has(key)) { next.set(key, score + idf * found.get(key)); }
              });
              formScores = next;
            }
          });
          formScores.forEach(function (score, key) {
            if (!scores.has(key) || scores.get(key) < score) { scores.set(key, score); }
          });
        });
        // Highest score first; on ties the newer page (segments and their pages are oldest first).
        var ranked = Array.from(scores.entries()).map(function (kv) {
          return { key: kv[0], score: Math.round(kv[1] * 1e9) / 1e9 };
        }).sort(function (a, b) { return b.score - a.score || b.key - a.key; });
        var shown = ranked.slice(0, MAX_RESULTS);
        return Promise.all(shown.map(function (hit) {
          var s = Math.floor(hit.key / SEGMENT);
          var doc = hit.key - s * SEGMENT;
          var chunk = absolute(segments[s].name + "/d" + Math.floor(doc / index.chunk) + ".json", indexUrl);
          return getJSON(chunk).then(function (docs) {
            var d = docs[doc % index.chunk];
            return { url: d[0], title: d[1], date: d[2], place: d[3], words: queryRuns(query, false).concat(queryRuns(query, true)) };
          });
        })).then(function (entries) { return { total: ranked.length, entries: entries }; });
      });
    });
  }

  // The excerpt of an n-gram result: its article page's text around the first query word found there.
  // Paragraphs are joined as the site's summaries join them: no space between Chinese paragraphs.
  function pageText(url) {
    return fetch(url).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var paragraphs = doc.querySelectorAll(".article-body p");
      var joined = "";
      Array.prototype.forEach.call(paragraphs, function (p) {
        var line = p.textContent.replace(/\s+/g, " ").trim();
        if (!line) { return; }
        if (joined && /[A-Za-z0-9.,;:!?%)"']$/.test(joined) && /^[A-Za-z0-9("']/.test(line)) { joined += " "; }
        joined += line;
      });
      return joined;
    }).catch(function () { return ""; });
  }

  // The text as the index and the query see it (NFKC, lower case: ＤＲＧ in the text is found by "drg"),
  // with, for each of its characters, the offset of the character of the text it came from. The excerpt
  // shows the text itself: NFKC would turn Chinese punctuation （，：） into ASCII.
  function matchable(text) {
    var folded = "";
    var from = [];
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      var code = text.charCodeAt(i);
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) { ch += text.charAt(i + 1); }
      var f = ch.normalize("NFKC").toLowerCase();
      for (var k = 0; k < f.length; k++) { from.push(i); }
      folded += f;
      i += ch.length - 1;
    }
    from.push(text.length);
    return { folded: folded, from: from };
  }

  function fillExcerpt(node, text, words) {
    var m = matchable(text);
    var start = -1;
    words.forEach(function (word) {
      var at = word ? m.folded.indexOf(word) : -1;
      if (at !== -1 && (start === -1 || at < start)) { start = at; }
    });
    var from = Math.max(0, (start === -1 ? 0 : m.from[start]) - EXCERPT_BEFORE);
    var to = Math.min(text.length, from + EXCERPT_LENGTH);
    var longest = words.filter(Boolean).sort(function (a, b) { return b.length - a.length; });
    var plain = from > 0 ? "…" : "";
    clear(node);
    // Walk the folded text over the excerpt's span; a word found there is marked in the original text.
    var f = 0;
    while (f < m.folded.length && m.from[f] < from) { f += 1; }
    var i = from;
    while (i < to) {
      var word = null;
      if (m.from[f] === i) {
        for (var w = 0; w < longest.length; w++) {
          if (m.folded.startsWith(longest[w], f)) { word = longest[w]; break; }
        }
      }
      if (word) {
        var end = Math.min(to, m.from[f + word.length]);
        if (plain) { node.appendChild(document.createTextNode(plain)); plain = ""; }
        var mark = document.createElement("mark");
        mark.textContent = text.slice(i, end);
        node.appendChild(mark);
        f += word.length;
        i = end;
      } else {
        plain += text.charAt(i);
        i += 1;
        while (f < m.folded.length && m.from[f] < i) { f += 1; }
      }
    }
    if (to < text.length) { plain += "…"; }
    if (plain) { node.appendChild(document.createTextNode(plain)); }
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
    (engine === "pagefind" ? pagefindSearch(query) : ngramSearch(query)).then(function (found) {
      if (ticket !== pending) { return; }  // a newer query has started
      var excerpts = [];
      found.entries.forEach(function (entry) {
        var li = item(entry);
        results.appendChild(li);
        if (entry.words) {
          var summary = li.querySelector(".story-summary");
          excerpts.push(pageText(root + entry.url).then(function (text) {
            if (ticket === pending && text) { fillExcerpt(summary, text, entry.words); }
          }));
        }
      });
      status.textContent = found.total
        ? "找到 " + found.total + " 篇" + (found.total > MAX_RESULTS ? "，显示前 " + MAX_RESULTS + " 篇" : "")
        : "没有找到相关报道。";
      return Promise.all(excerpts).then(function () {
        if (ticket === pending) { form.setAttribute("data-done", "true"); }
      });
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
