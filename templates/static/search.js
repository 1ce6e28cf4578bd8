/* Yigai Watch search: the site's own index under search/ (site_builder/search_index.py describes the files,
   search_postings.py the posting lists, search_tokens.py the tokens, tests/support/search_reader.py the same
   search in Python: formTokens, formsOf, queryWords, bucketOf, decode and the scoring here must stay the
   same functions as there). A word that is a synonym group's term looks up the group's key (s:<term>).
   A query fetches search/index.json, then per token (and per region or topic filter) one bucket file of each
   tier (two tiers: the base and the newest pages), and a posting list of its own for a common token; then the
   page-list chunks of the results shown. "更多结果" shows the next ones.
   Page text is inserted with textContent. Every link is relative to the site root. */
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var results = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var more = document.getElementById("search-more");
  var province = document.getElementById("search-province");
  var region = document.getElementById("search-region");
  var topic = document.getElementById("search-topic");
  var dateFrom = document.getElementById("search-from");
  var dateTo = document.getElementById("search-to");
  var sort = document.getElementById("search-sort");
  if (!form || !input || !results || !status) { return; }
  var root = form.getAttribute("data-root") || "";
  var PAGE = 10;  // results shown at once (a phone's screenful; "更多结果" shows the next)
  var pending = 0;

  function absolute(url, base) {
    return new URL(url, base || document.baseURI).href;
  }
  var indexUrl = absolute(form.getAttribute("data-index"));

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  var fetched = {};  // URL -> promise of its JSON or bytes

  function get(url, binary) {
    if (!fetched[url]) {
      fetched[url] = fetch(url).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return binary ? response.arrayBuffer().then(function (b) { return new Uint8Array(b); }) : response.json();
      });
      fetched[url].catch(function () { delete fetched[url]; });  // a failed file may be fetched again
    }
    return fetched[url];
  }

  /* --- tokens and query words (search_tokens.py) ---------------------------------------------------- */
  var TOKEN_RUN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z]+/g;
  var HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;

  function normalise(text) {
    return text.normalize("NFKC").toLowerCase();
  }

  function formTokens(text) {
    var found = [];
    (normalise(text).match(TOKEN_RUN) || []).forEach(function (run) {
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

  var simplified = null;  // Traditional character -> Simplified one (scripts/build_t2s.py), once fetched
  var synonyms = [];  // groups of normalised terms (synonyms.json), once fetched

  function loadTables(query) {
    var loads = [];
    if (!simplified && HAN.test(normalise(query))) {
      loads.push(get(absolute(form.getAttribute("data-t2s"))).then(function (table) {
        var pairs = String(table.pairs || "");
        var map = new Map();
        for (var i = 0; i + 1 < pairs.length; i += 2) { map.set(pairs.charAt(i), pairs.charAt(i + 1)); }
        simplified = map;
      }).catch(function () {}));  // without the table, Traditional queries simply find less
    }
    if (!synonyms.length && query.trim()) {
      loads.push(get(absolute(form.getAttribute("data-synonyms"))).then(function (table) {
        synonyms = (table.groups || []).map(function (group) {
          var terms = [];
          group.forEach(function (term) { term = normalise(term); if (terms.indexOf(term) === -1) { terms.push(term); } });
          return terms;
        });
      }).catch(function () {}));
    }
    return Promise.all(loads);
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

  function unique(list) {
    return list.filter(function (item, i) { return list.indexOf(item) === i; });
  }

  // search_reader._forms_of: a word's forms, as text (tokenised later) or as keys (arrays).
  function formsOf(word) {
    var best = null;
    var bestTerm = "";
    synonyms.forEach(function (group) {
      group.forEach(function (term) {
        if (term.length > bestTerm.length && word.indexOf(term) !== -1) { best = group; bestTerm = term; }
      });
    });
    if (!best) { return [word]; }
    if (bestTerm === word) { return [["s:" + best[0]]]; }
    var at = word.indexOf(bestTerm);
    var keys = formTokens(word.slice(0, at)).concat(formTokens(word.slice(at + bestTerm.length)));
    return [word, keys.concat(["s:" + best[0]])];
  }

  // search_reader.query_words: per word, the key lists of its forms.
  function queryWords(query) {
    var words = [];
    normalise(query).split(/\s+/).filter(Boolean).forEach(function (word) {
      var simple = toSimplified(word);
      var variants = formsOf(word).concat(simple !== word ? formsOf(simple) : []);
      var forms = [];
      variants.forEach(function (variant) {
        var keys = Array.isArray(variant) ? variant : formTokens(variant);
        var id = keys.join("\u0000");
        if (keys.length && !forms.some(function (f) { return f.join("\u0000") === id; })) { forms.push(keys); }
      });
      if (forms.length) { words.push(forms); }
    });
    return words;
  }

  /* --- the index files -------------------------------------------------------------------------------- */
  function bucketOf(key, buckets) {
    var h = 0x811c9dc5;
    for (var i = 0; i < key.length; i++) { h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0; }
    return h & (buckets - 1);
  }

  function ownFile(key) {
    var hex = "";
    for (var i = 0; i < key.length; i++) { hex += ("0000" + key.charCodeAt(i).toString(16)).slice(-4); }
    return "p/" + hex + ".bin";
  }

  function fromBase64(text) {
    var raw = atob(text);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  // search_reader.decode: [pages, weights or null].
  function decode(data, size) {
    var at = 1;
    function varint() {
      var value = 0;
      var scale = 1;
      for (;;) {
        var byte = data[at++];
        value += (byte & 0x7f) * scale;
        if (byte < 0x80) { return value; }
        scale *= 128;
      }
    }
    var kind = data[0];
    var count = varint();
    var pages = new Array(count);
    var n = 0;
    if (kind & 1) {
      var end = at + Math.ceil(size / 8);
      for (var j = at; j < end; j++) {
        var byte = data[j];
        for (var bit = 0; byte; bit++, byte >>= 1) {
          if (byte & 1) { pages[n++] = (j - at) * 8 + bit; }
        }
      }
      at = end;
    } else {
      var page = -1;
      for (; n < count; n++) { page += varint() + 1; pages[n] = page; }
    }
    if (n !== count) { throw new Error("damaged posting list"); }
    if (kind & 4) { return [pages, new Uint8Array(count).fill(data[at])]; }  // one weight for every page
    if (!(kind & 2)) { return [pages, null]; }
    var weights = new Uint8Array(count);
    for (var w = 0; w < count; w++) {
      var packed = data[at + (w >> 1)];
      weights[w] = w & 1 ? packed >> 4 : packed & 0x0f;
    }
    return [pages, weights];
  }

  // Global page number -> weight (0 for a filter key) of every page holding the key.
  var lists = {};
  function postings(index, key) {
    if (lists[key]) { return lists[key]; }
    lists[key] = Promise.all(index.tiers.map(function (tier) {
      var base = absolute(tier.name + "/", indexUrl);
      return get(base + "b" + bucketOf(key, tier.buckets) + ".json").then(function (bucket) {
        if (!Object.prototype.hasOwnProperty.call(bucket, key)) { return null; }
        var value = bucket[key];
        return (value === 0 ? get(base + ownFile(key), true) : Promise.resolve(fromBase64(value))).then(function (data) {
          return { tier: tier, list: decode(data, tier.pages) };
        });
      });
    })).then(function (parts) {
      var found = new Map();
      parts.forEach(function (part) {
        if (!part) { return; }
        var pages = part.list[0];
        var weights = part.list[1];
        for (var i = 0; i < pages.length; i++) { found.set(part.tier.start + pages[i], weights ? weights[i] : 0); }
      });
      return found;
    });
    lists[key].catch(function () { delete lists[key]; });
    return lists[key];
  }

  var EPOCH_DAY = 86400000;
  function dayNumber(text) {
    return Math.floor(Date.parse(text + "T00:00:00Z") / EPOCH_DAY);
  }

  // search_reader.SiteIndex.page_range: [first, end) of the pages dated in the range.
  function pageRange(index, from, to) {
    var low = from ? dayNumber(from) : -1e9;
    var high = to ? dayNumber(to) : 1e9;
    var first = null;
    var end = 0;
    var day = 0;
    var page = 0;
    index.days.forEach(function (entry) {
      day += entry[0];
      if (low <= day && day <= high) {
        if (first === null) { first = page; }
        end = page + entry[1];
      }
      page += entry[1];
    });
    return first === null ? [0, 0] : [first, end];
  }

  function docOf(index, number) {
    var tier = index.tiers.filter(function (t) { return t.start <= number && number < t.start + t.pages; })[0];
    var local = number - tier.start;
    var chunk = absolute(tier.name + "/d" + Math.floor(local / index.chunk) + ".json", indexUrl);
    return get(chunk).then(function (docs) { return docs[local % index.chunk]; });
  }

  // search_reader.search_index: [[page, score], …] in order.
  function run(index, query, filters) {
    var words = queryWords(query);
    var hasFilter = Boolean(filters.region || filters.topic || filters.from || filters.to);
    var total = index.pages;
    if (!total || !(words.length || hasFilter)) { return Promise.resolve([]); }
    var keys = [];
    words.forEach(function (forms) { forms.forEach(function (tokens) { keys = keys.concat(tokens); }); });
    var filterKeys = [];
    if (filters.region) { filterKeys.push("r:" + filters.region); }
    if (filters.topic) { filterKeys.push("t:" + filters.topic); }
    keys = unique(keys.concat(filterKeys));
    return Promise.all(keys.map(function (key) { return postings(index, key); })).then(function (found) {
      var byKey = new Map();
      keys.forEach(function (key, i) { byKey.set(key, found[i]); });
      var scores = null;
      words.forEach(function (forms) {
        // The word's idf (pages matching any form) times the best form's mean weight (search_reader).
        var means = new Map();
        forms.forEach(function (tokens) {
          var sums = null;
          tokens.forEach(function (token) {
            var list = byKey.get(token);
            if (sums === null) {
              sums = new Map(list);
            } else {
              var next = new Map();
              sums.forEach(function (sum, page) { if (list.has(page)) { next.set(page, sum + list.get(page)); } });
              sums = next;
            }
          });
          sums.forEach(function (sum, page) {
            var mean = sum / tokens.length;
            if (!means.has(page) || means.get(page) < mean) { means.set(page, mean); }
          });
        });
        var idf = Math.log(1 + (total - means.size + 0.5) / (means.size + 0.5));
        if (scores === null) {
          scores = new Map();
          means.forEach(function (mean, page) { scores.set(page, idf * mean); });
        } else {
          var next = new Map();
          scores.forEach(function (score, page) {
            if (means.has(page)) { next.set(page, score + idf * means.get(page)); }
          });
          scores = next;
        }
      });
      var allowed = null;
      filterKeys.forEach(function (key) {
        var list = byKey.get(key);
        if (allowed === null) {
          allowed = new Set(list.keys());
        } else {
          allowed = new Set(Array.from(allowed).filter(function (page) { return list.has(page); }));
        }
      });
      var range = pageRange(index, filters.from, filters.to);
      if (scores === null) {
        scores = new Map();
        if (allowed !== null) {
          allowed.forEach(function (page) { scores.set(page, 0); });
        } else {
          for (var p = range[0]; p < range[1]; p++) { scores.set(p, 0); }
        }
      }
      var kept = [];
      scores.forEach(function (score, page) {
        if (range[0] <= page && page < range[1] && (allowed === null || allowed.has(page))) {
          kept.push([page, Math.round(score * 1e9) / 1e9]);
        }
      });
      if (filters.sort === "date") {
        kept.sort(function (a, b) { return b[0] - a[0]; });
      } else {
        kept.sort(function (a, b) { return b[1] - a[1] || b[0] - a[0]; });
      }
      return kept;
    });
  }

  /* --- the page ---------------------------------------------------------------------------------------- */
  function marked(node, text, words) {
    // The title with the query's words marked (longest first); as text nodes, never HTML.
    var lower = normalise(text);
    var plain = "";
    var i = 0;
    if (lower.length !== text.length) { node.textContent = text; return; }
    while (i < text.length) {
      var word = null;
      for (var w = 0; w < words.length; w++) {
        if (words[w] && lower.startsWith(words[w], i)) { word = words[w]; break; }
      }
      if (word) {
        if (plain) { node.appendChild(document.createTextNode(plain)); plain = ""; }
        var mark = document.createElement("mark");
        mark.textContent = text.slice(i, i + word.length);
        node.appendChild(mark);
        i += word.length;
      } else {
        plain += text.charAt(i);
        i += 1;
      }
    }
    if (plain) { node.appendChild(document.createTextNode(plain)); }
  }

  function item(doc, words) {
    var li = document.createElement("li");
    li.className = "story";
    var a = document.createElement("a");
    a.className = "story-title";
    a.href = root + doc[0];
    marked(a, doc[1], words);
    var meta = document.createElement("p");
    meta.className = "story-meta";
    meta.textContent = (doc[2] || "") + (doc[3] ? " · " + doc[3] : "");
    var summary = document.createElement("p");
    summary.className = "story-summary";
    marked(summary, doc[4] || "", words);
    li.appendChild(a);
    li.appendChild(meta);
    li.appendChild(summary);
    return li;
  }

  function markWords(query) {
    // What the titles are marked with: every word as typed and Simplified and, for a synonym group's term,
    // every term of its group; longest first.
    var found = [];
    function add(text) {
      (text.match(TOKEN_RUN) || []).forEach(function (run) { if (found.indexOf(run) === -1) { found.push(run); } });
    }
    normalise(query).split(/\s+/).filter(Boolean).forEach(function (word) {
      [word, toSimplified(word)].forEach(function (variant) {
        add(variant);
        synonyms.forEach(function (group) {
          if (group.some(function (term) { return variant.indexOf(term) !== -1; })) { group.forEach(add); }
        });
      });
    });
    return found.sort(function (a, b) { return b.length - a.length; });
  }

  var state = null;  // the current search: {index, ranked, shown, words, ticket}

  function showMore() {
    if (!state) { return Promise.resolve(); }
    var current = state;
    var next = current.ranked.slice(current.shown, current.shown + PAGE);
    current.shown += next.length;
    return Promise.all(next.map(function (hit) { return docOf(current.index, hit[0]); })).then(function (docs) {
      if (current.ticket !== pending) { return; }
      docs.forEach(function (doc) { results.appendChild(item(doc, current.words)); });
      var total = current.ranked.length;
      status.textContent = total
        ? "找到 " + total + " 篇" + (total > current.shown ? "，显示前 " + current.shown + " 篇" : "")
        : "没有找到相关报道。";
      if (more) { more.hidden = current.shown >= total; }
    });
  }

  function validDate(input) {
    // "2025-03-01", a real day; anything else is no limit (the field shows the reader what was typed).
    var value = input ? input.value.trim() : "";
    return /^\d{4}-\d{2}-\d{2}$/.test(value) && !isNaN(Date.parse(value + "T00:00:00Z")) ? value : "";
  }

  function filters() {
    return {
      region: (region && region.value) || (province && province.value) || "",
      topic: (topic && topic.value) || "",
      from: validDate(dateFrom),
      to: validDate(dateTo),
      sort: (sort && sort.value) || "relevance"
    };
  }

  function search(query) {
    var ticket = ++pending;
    var chosen = filters();
    clear(results);
    state = null;
    if (more) { more.hidden = true; }
    form.removeAttribute("data-done");
    if (!query && !(chosen.region || chosen.topic || chosen.from || chosen.to)) { status.textContent = ""; return; }
    if (window.location.protocol === "file:") {
      status.textContent = "从本地文件打开时浏览器不允许加载搜索索引；请用网页服务器打开本站（例如在站点目录运行 python3 -m http.server）。";
      return;
    }
    status.textContent = "正在搜索…";
    var index = null;
    Promise.all([get(indexUrl), loadTables(query)]).then(function (loaded) {
      index = loaded[0];
      return run(index, query, chosen);
    }).then(function (ranked) {
      if (ticket !== pending) { return; }
      state = { index: index, ranked: ranked, shown: 0, words: markWords(query), ticket: ticket };
      return showMore().then(function () {
        if (ticket === pending) { form.setAttribute("data-done", "true"); }
      });
    }).catch(function () {
      if (ticket !== pending) { return; }
      status.textContent = "搜索索引加载失败。";
      form.setAttribute("data-done", "error");
    });
  }

  /* --- filters ----------------------------------------------------------------------------------------- */
  function option(select, value, label) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    select.appendChild(o);
  }

  function fillRegions(code, chosen) {
    // The cities and counties of a province (regions/<code>.json), counties indented under their city.
    while (region.options.length > 1) { region.remove(1); }
    region.disabled = true;
    if (!code) { return Promise.resolve(); }
    return get(absolute("regions/" + code + ".json", indexUrl)).then(function (rows) {
      rows.forEach(function (row) { option(region, row[0], (row[2] !== code ? "\u3000" : "") + row[1]); });
      region.disabled = false;
      region.value = chosen || "";
    }).catch(function () {});  // a province without cities (全国) has no file
  }

  function loadFacets(params) {
    if (!province || !topic) { return Promise.resolve(); }
    return get(absolute("facets.json", indexUrl)).then(function (facets) {
      facets.regions.forEach(function (row) { option(province, row[0], row[1]); });
      facets.topics.forEach(function (row) { option(topic, row[0], row[1]); });
      province.value = params.get("province") || "";
      topic.value = params.get("topic") || "";
      return fillRegions(province.value, params.get("region"));
    }).catch(function () {});
  }

  if (province && region) {
    province.addEventListener("change", function () { fillRegions(province.value, ""); });
  }

  function go() {
    var query = input.value.trim();
    var chosen = filters();
    var params = new URLSearchParams();
    if (query) { params.set("q", query); }
    if (province && province.value) { params.set("province", province.value); }
    if (region && region.value) { params.set("region", region.value); }
    if (chosen.topic) { params.set("topic", chosen.topic); }
    if (chosen.from) { params.set("from", chosen.from); }
    if (chosen.to) { params.set("to", chosen.to); }
    if (chosen.sort !== "relevance") { params.set("sort", chosen.sort); }
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", "?" + params.toString());
    }
    search(query);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    go();
  });
  if (sort) { sort.addEventListener("change", function () { if (state || input.value.trim()) { go(); } }); }
  if (more) { more.addEventListener("click", function () { showMore(); }); }

  var params = new URLSearchParams(window.location.search);
  if (dateFrom) { dateFrom.value = params.get("from") || ""; }
  if (dateTo) { dateTo.value = params.get("to") || ""; }
  if (sort) { sort.value = params.get("sort") === "date" ? "date" : "relevance"; }
  var options = document.getElementById("search-options");
  if (options && ["province", "region", "topic", "from", "to", "sort"].some(function (k) { return params.get(k); })) {
    options.open = true;  // the address chose filters: show them
  }
  var initial = params.get("q") || "";
  input.value = initial;
  var facetsLoaded = loadFacets(params);
  if (initial || params.get("province") || params.get("region") || params.get("topic") || params.get("from") || params.get("to")) {
    facetsLoaded.then(function () { search(initial.trim()); });
  }
})();
