/* search.js: queries the static index under /search/ (see generator/search).
   Analysis matches the build's: Unicode words, possessive "'s" removed,
   lower case, English stop words, Snowball English (Porter2) stems. */
(function () {
  "use strict";
  var STOP = new Set("i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself it its itself they them their theirs themselves what which who whom this that these those am is are was were be been being have has had having do does did doing would should could ought i'm you're he's she's it's we're they're i've you've we've they've i'd you'd he'd she'd we'd they'd i'll you'll he'll she'll we'll they'll isn't aren't wasn't weren't hasn't haven't hadn't doesn't don't didn't won't wouldn't shan't shouldn't can't cannot couldn't mustn't let's that's who's what's here's there's when's where's why's how's a an the and but if or because as until while of at by for with about against between into through during before after above below to from up down in out on off over under again further then once here there when where why how all any both each few more most other some such no nor not only own same so than too very".split(" "));
  var EXC = Object.assign(Object.create(null), {skis: "ski", skies: "sky", dying: "die", lying: "lie", tying: "tie", idly: "idl", gently: "gentl", ugly: "ugli", early: "earli", only: "onli", singly: "singl", sky: "sky", news: "news", howe: "howe", atlas: "atlas", cosmos: "cosmos", bias: "bias", andes: "andes"});
  var EXC2 = /^(inning|outing|canning|herring|earring|proceed|exceed|succeed)$/;
  var STEP2 = [["ization", "ize"], ["ational", "ate"], ["fulness", "ful"], ["ousness", "ous"], ["iveness", "ive"], ["tional", "tion"], ["biliti", "ble"], ["lessli", "less"], ["entli", "ent"], ["ation", "ate"], ["alism", "al"], ["aliti", "al"], ["ousli", "ous"], ["iviti", "ive"], ["fulli", "ful"], ["enci", "ence"], ["anci", "ance"], ["abli", "able"], ["izer", "ize"], ["ator", "ate"], ["alli", "al"], ["bli", "ble"], ["ogi", "og"], ["li", ""]];
  var STEP3 = [["ational", "ate"], ["tional", "tion"], ["alize", "al"], ["icate", "ic"], ["iciti", "ic"], ["ative", ""], ["ical", "ic"], ["ness", ""], ["ful", ""]];
  var STEP4 = "ement ance ence able ible ment ant ent ism ate iti ous ive ize ion al er ic".split(" ");

  function isV(c) { return c !== undefined && "aeiouy".indexOf(c) >= 0; }
  function ends(w, s) { return w.length >= s.length && w.slice(w.length - s.length) === s; }
  // shortv: the letters before i end in a short syllable.
  function shortv(w, i) {
    return i >= 2 && !isV(w[i - 1]) && isV(w[i - 2]) &&
      (i === 2 || (!isV(w[i - 3]) && "wxY".indexOf(w[i - 1]) < 0));
  }
  function region(w, i) {
    while (i < w.length && !isV(w[i])) i++;
    while (++i < w.length && isV(w[i]));
    return Math.min(i + 1, w.length);
  }
  function stem(w) {
    if (EXC[w]) return EXC[w];
    if (w.length < 3) return w;
    if (w[0] === "'") w = w.slice(1);
    if (w[0] === "y") w = "Y" + w.slice(1);
    for (var i = 1; i < w.length; i++) if (w[i] === "y" && isV(w[i - 1])) w = w.slice(0, i) + "Y" + w.slice(i + 1);
    var m = /^(gener|commun|arsen)/.exec(w);
    var p1 = m ? m[0].length : region(w, 0), p2 = region(w, p1);
    // Step 1a
    if (ends(w, "'s'")) w = w.slice(0, -3);
    else if (ends(w, "'s")) w = w.slice(0, -2);
    else if (ends(w, "'")) w = w.slice(0, -1);
    if (ends(w, "sses")) w = w.slice(0, -2);
    else if (ends(w, "ied") || ends(w, "ies")) w = w.slice(0, w.length > 4 ? -2 : -1);
    else if (ends(w, "us") || ends(w, "ss")) { /* unchanged */ }
    else if (ends(w, "s") && /[aeiouy]/.test(w.slice(0, -2))) w = w.slice(0, -1);
    if (!EXC2.test(w)) {
      // Step 1b
      m = /(eedly|ingly|edly|eed|ing|ed)$/.exec(w);
      if (m) {
        var s = m.index;
        if (m[1] === "eed" || m[1] === "eedly") {
          if (s >= p1) w = w.slice(0, s) + "ee";
        } else if (/[aeiouy]/.test(w.slice(0, s))) {
          w = w.slice(0, s);
          if (/(at|bl|iz)$/.test(w)) w += "e";
          else if (/(bb|dd|ff|gg|mm|nn|pp|rr|tt)$/.test(w)) w = w.slice(0, -1);
          else if (w.length === p1 && shortv(w, w.length)) w += "e";
        }
      }
      // Step 1c
      if (w.length > 2 && /[yY]$/.test(w) && !isV(w[w.length - 2])) w = w.slice(0, -1) + "i";
      w = suffix(w, STEP2, function (w, s, r) {
        if (s < p1) return w;
        if (r === "og" && w[s - 1] !== "l") return w;
        if (r === "" && "cdeghkmnrt".indexOf(w[s - 1]) < 0) return w;
        return w.slice(0, s) + r;
      });
      w = suffix(w, STEP3, function (w, s, r, f) {
        return s < p1 || (f === "ative" && s < p2) ? w : w.slice(0, s) + r;
      });
      w = suffix(w, STEP4.map(function (f) { return [f, ""]; }), function (w, s, r, f) {
        return s < p2 || (f === "ion" && "st".indexOf(w[s - 1] || "-") < 0) ? w : w.slice(0, s);
      });
      // Step 5
      var e = w.length - 1;
      if (w[e] === "e" && (e >= p2 || (e >= p1 && !shortv(w, e)))) w = w.slice(0, e);
      else if (w[e] === "l" && e >= p2 && w[e - 1] === "l") w = w.slice(0, e);
    }
    return w.replace(/Y/g, "y");
  }
  // suffix applies fn to the longest of the list's suffixes w ends with.
  function suffix(w, list, fn) {
    var best = null;
    list.forEach(function (p) { if (ends(w, p[0]) && (!best || p[0].length > best[0].length)) best = p; });
    return best ? fn(w, w.length - best[0].length, best[1], best[0]) : w;
  }

  var seg = window.Intl && Intl.Segmenter ? new Intl.Segmenter("en", {granularity: "word"}) : null;
  // words splits text into [word, start] pairs.
  function words(text) {
    var out = [];
    if (seg) {
      // ICU splits "e.g" where Unicode's rules (and the build) join letters
      // across "." ":" "'" and digits across "," ";" "." "'": join them back.
      var all = Array.from(seg.segment(text));
      for (var i = 0; i < all.length; i++) {
        var s = all[i];
        if (!s.isWordLike) continue;
        var w = s.segment;
        while (i + 2 < all.length && all[i + 2].isWordLike && all[i + 2].index === s.index + w.length + all[i + 1].segment.length) {
          var mid = all[i + 1].segment, a = w.slice(-1), b = all[i + 2].segment[0];
          var letters = /^[:.'’]$/.test(mid) && /\p{L}/u.test(a) && /\p{L}/u.test(b);
          var digits = /^[,;.'’]$/.test(mid) && /\p{Nd}/u.test(a) && /\p{Nd}/u.test(b);
          if (!letters && !digits) break;
          w += mid + all[i + 2].segment;
          i += 2;
        }
        out.push([w, s.index]);
      }
    } else {
      var re = /[\p{L}\p{N}_]+(?:['’＇.][\p{L}\p{N}_]+)*/gu, m;
      while ((m = re.exec(text))) out.push([m[0], m.index]);
    }
    return out;
  }
  var english = true;
  // term is a word's index term, or "" for a stop word.
  function term(w) {
    if (/[sS]$/.test(w) && /['’＇]/.test(w[w.length - 2])) w = w.slice(0, -2);
    w = w.toLowerCase();
    if (!english) return w;
    return STOP.has(w) ? "" : stem(w);
  }
  function parse(text) {
    text = text.slice(0, 1000);
    var ws = words(text), q = {terms: [], prefix: "", prefixTerm: ""}, last = ws[ws.length - 1];
    if (last && last[1] + last[0].length === text.length && Array.from(last[0]).length >= 3) {
      ws.pop();
      q.prefix = last[0].toLowerCase();
      q.prefixTerm = term(last[0]);
    }
    ws.forEach(function (w) {
      var t = term(w[0]);
      if (t && q.terms.indexOf(t) < 0 && q.terms.length < 16) q.terms.push(t);
    });
    return q;
  }

  function fnv(s) {
    var h = 2166136261, b = new TextEncoder().encode(s);
    for (var i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 16777619) >>> 0;
    return h;
  }
  var DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
  function nums(s) {
    var out = [], v = 0, sh = 1;
    for (var i = 0; i < s.length; i++) {
      var d = DIGITS.indexOf(s[i]);
      if (d >= 32) { v += (d - 32) * sh; sh *= 32; } else { out.push(v + d * sh); v = 0; sh = 1; }
    }
    return out;
  }
  // postings decodes a term's postings: Map id → [tf, dl].
  function postings(s, filter) {
    var n = nums(s), m = new Map(), id = 0, step = filter ? 1 : 3;
    for (var i = 0; i < n.length; i += step) {
      id += n[i];
      m.set(id, filter ? null : [n[i + 1], Math.pow(2, n[i + 2] / 2) - 1]);
    }
    return m;
  }

  var cache = new Map(), meta;
  function get(url) {
    if (!cache.has(url)) cache.set(url, fetch(url).then(function (r) {
      if (!r.ok) throw new Error(url + ": " + r.status);
      return r.json();
    }));
    return cache.get(url);
  }
  function shardOf(t) {
    var n = meta.t.length / 5, i = fnv(Array.from(t).slice(0, 3).join("")) % n;
    return get("/search/t/" + i.toString(16) + "." + meta.t.substr(i * 5, 5) + ".json");
  }
  function docShard(id) {
    var n = meta.d.length / 5, i = id % n;
    return get("/search/d/" + i.toString(16) + "." + meta.d.substr(i * 5, 5) + ".json");
  }

  // val is o's own property k: a term such as "constructor" is no key
  // of a shard just because objects have such a property.
  function val(o, k) { return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined; }

  // run answers a query: {hits: [[id, score]], words: [terms], prefix}.
  function run(q, tag, type) {
    var lookups = q.terms.slice(), filters = [];
    if (q.prefix) lookups.push(q.prefix);
    if (q.prefixTerm) lookups.push(q.prefixTerm);
    if (tag) filters.push("#" + tag.trim().toLowerCase());
    if (type) filters.push("!" + type.toLowerCase());
    return Promise.all(lookups.concat(filters).map(function (t) { return shardOf(t).then(function (s) { return [t, s]; }); })).then(function (got) {
      var sh = new Map(got), groups = q.terms.map(function (t) { return [t]; });
      if (q.prefix) {
        var own = q.prefixTerm && val(sh.get(q.prefixTerm), q.prefixTerm) !== undefined;
        if (own) groups.push([q.prefixTerm]);
        else {
          var s = sh.get(q.prefix), cands = Object.keys(s).filter(function (t) {
            return t.lastIndexOf(q.prefix, 0) === 0;
          }).map(function (t) { return [t, postings(s[t]).size]; });
          cands.sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0); });
          groups.push(cands.slice(0, 3).map(function (c) { return c[0]; }));
        }
      }
      var N = meta.n, avg = meta.avgdl || 1, scores = null, used = [];
      for (var g of groups) {
        var gs = new Map();
        for (var t of g) {
          var raw = val(sh.get(shardKey(t, sh)), t);
          if (raw === undefined) continue;
          used.push(t);
          var p = postings(raw), df = p.size, idf = Math.log(1 + (N - df + 0.5) / (df + 0.5));
          p.forEach(function (v, id) {
            var tf = v[0], sc = idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * v[1] / avg));
            gs.set(id, (gs.get(id) || 0) + sc);
          });
        }
        if (scores) { var next = new Map(); gs.forEach(function (v, id) { if (scores.has(id)) next.set(id, scores.get(id) + v); }); scores = next; }
        else scores = gs;
      }
      for (var f of filters) {
        var ids = postings(val(sh.get(f), f) || "", true);
        if (scores) { var kept = new Map(); scores.forEach(function (v, id) { if (ids.has(id)) kept.set(id, v); }); scores = kept; }
        else { scores = new Map(); ids.forEach(function (_, id) { scores.set(id, 0); }); }
      }
      var hits = scores ? Array.from(scores) : [];
      hits.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
      return {hits: hits, words: used, prefix: q.prefix};
    });
    function shardKey(t, sh) { return sh.has(t) ? t : q.prefix; }
  }

  // mark appends text to el, with the words the query matched in <mark>.
  function mark(el, text, res) {
    var at = 0, ws = words(text);
    ws.forEach(function (w) {
      var t = term(w[0]), lw = w[0].toLowerCase();
      if ((t && res.words.indexOf(t) >= 0) || (res.prefix && res.words.length && lw.lastIndexOf(res.prefix, 0) === 0)) {
        el.append(text.slice(at, w[1]));
        var m = document.createElement("mark");
        m.textContent = w[0];
        el.append(m);
        at = w[1] + w[0].length;
      }
    });
    el.append(text.slice(at));
  }

  var form = document.querySelector("form[data-search]");
  if (!form) return;
  var input = form.elements.q, tagSel = form.elements.tag, typeSel = form.elements.type;
  var list = document.getElementById("search-results"), status = document.getElementById("search-status");
  var more = document.getElementById("search-more");
  var PAGE = 10, current = null, shown = 0, seq = 0;
  form.hidden = false;
  document.documentElement.classList.add("has-search");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function render(res, docs) {
    docs.forEach(function (d) {
      // d: [id, url, title, label, date, type, summary, tags]
      var li = el("li", "search-hit"), a = el("a");
      a.href = d[1];
      mark(a, d[2] || d[3] || d[6] || d[1], res);
      var h = el("h2");
      h.append(a);
      li.append(h);
      var info = el("p", "search-meta", d[5] + (d[4] ? " · " + d[4] : "") + (d[7].length ? " · #" + d[7].join(" #") : ""));
      li.append(info);
      if (d[6]) { var p = el("p", "search-snippet"); mark(p, d[6], res); li.append(p); }
      list.append(li);
    });
  }
  function showPage(res, my) {
    var ids = res.hits.slice(shown, shown + PAGE).map(function (h) { return h[0]; });
    return Promise.all(ids.map(docShard)).then(function (shards) {
      if (my !== seq) return;
      var docs = ids.map(function (id, i) { return shards[i].find(function (d) { return d[0] === id; }); }).filter(Boolean);
      render(res, docs);
      shown += ids.length;
      more.hidden = shown >= res.hits.length;
      list.dataset.state = "done";
    });
  }
  function update(push) {
    var my = ++seq, text = input.value, tag = tagSel.value, type = typeSel.value;
    var params = new URLSearchParams();
    if (text) params.set("q", text);
    if (tag) params.set("tag", tag);
    if (type) params.set("type", type);
    var url = location.pathname + (params.toString() ? "?" + params : "");
    history[push ? "pushState" : "replaceState"](null, "", url);
    var q = parse(text);
    list.dataset.state = "busy";
    if (!q.terms.length && !q.prefix && !tag && !type) {
      list.textContent = ""; more.hidden = true; status.textContent = text.trim() ? "No words to search for." : "";
      list.dataset.state = "done";
      return Promise.resolve();
    }
    return load().then(function () { return run(q, tag, type); }).then(function (res) {
      if (my !== seq) return;
      current = res; shown = 0; list.textContent = "";
      var n = res.hits.length;
      status.textContent = n ? n + (n === 1 ? " result" : " results") : "No results.";
      return showPage(res, my);
    }).catch(function (e) {
      if (my === seq) { status.textContent = "Search failed: " + e.message; list.dataset.state = "done"; }
    });
  }
  function load() {
    if (meta) return Promise.resolve(meta);
    return get("/search/meta.json").then(function (m) {
      meta = m; english = m.mode === "en";
      m.types.forEach(function (t) { var o = el("option", "", t); o.value = t; typeSel.append(o); });
      pick(typeSel, new URLSearchParams(location.search).get("type"));
      return m;
    });
  }
  // pick selects the option whose value is v, ignoring case.
  function pick(sel, v) {
    v = (v || "").toLowerCase();
    for (var o of sel.options) if (o.value.toLowerCase() === v) { sel.value = o.value; return; }
  }
  // The page may list the tags already; else they load on first use.
  var tagsLoaded = tagSel.options.length > 1;
  function loadTags() {
    if (tagsLoaded) return Promise.resolve();
    tagsLoaded = true;
    return load().then(function () { return get(meta.tags); }).then(function (tags) {
      var want = new URLSearchParams(location.search).get("tag") || tagSel.value;
      tags.forEach(function (t) { var o = el("option", "", t[1]); o.value = t[0]; tagSel.append(o); });
      pick(tagSel, want);
    });
  }
  var timer;
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 120); });
  tagSel.addEventListener("focus", loadTags);
  tagSel.addEventListener("pointerdown", loadTags);
  tagSel.addEventListener("change", function () { update(); });
  typeSel.addEventListener("change", function () { update(); });
  form.addEventListener("submit", function (e) { e.preventDefault(); clearTimeout(timer); update(true); });
  more.addEventListener("click", function () { if (current) showPage(current, seq); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" && list.querySelector("a")) { e.preventDefault(); list.querySelector("a").focus(); }
  });
  list.addEventListener("keydown", function (e) {
    var links = Array.from(list.querySelectorAll("a")), i = links.indexOf(document.activeElement);
    if (i < 0) return;
    if (e.key === "ArrowDown" && i < links.length - 1) { e.preventDefault(); links[i + 1].focus(); }
    if (e.key === "ArrowUp") { e.preventDefault(); (i ? links[i - 1] : input).focus(); }
  });
  var start = new URLSearchParams(location.search);
  input.value = start.get("q") || "";
  pick(tagSel, start.get("tag"));
  var pending = start.get("tag") ? loadTags() : Promise.resolve();
  if (input.value || start.get("tag") || start.get("type")) pending.then(function () { return load(); }).then(function () { update(); });
  window.inkstoneSearch = {parse: parse, term: term, stem: stem, terms: function (text) {
    return words(text).map(function (w) { return term(w[0]); }).filter(Boolean);
  }, run: function (text, tag, type) {
    return load().then(function () { return run(parse(text), tag, type); });
  }};
})();
