"""The page's CustomJS callbacks (Bokeh runs them in the browser): unpack the texts once,
recompute what is shown and highlighted when a control changes, fill the reader on a click.
The search normalisation mirrors ``common.textnorm.normalize_for_analysis`` (applied to the
query, and to each document's title and text on the first search); its set of dropped
characters is handed over from Python (``DROP``), so the two stay one."""

from conflict_narratives.common.textnorm import _DROP

DROP = _DROP.pattern

# args: z (the packed texts: gzip'd JSON columns, base64), src, update, search. Run once the
# map is drawn: the counts at once, then the browser inflates the texts natively and the search
# text is folded a slice at a time (UPDATE with prepare), so the page stays responsive
UNPACK = """
const unpack = () => {
  const bytes = Uint8Array.fromBase64?.(z) ?? Uint8Array.from(atob(z), (c) => c.charCodeAt(0))
  const gz = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))
  return new Response(gz).text()
}
const fold = () => update.execute(search, {prepare: true}).then((more) => more && setTimeout(fold))
const drawn = () => new Promise((done) => requestAnimationFrame(() => {
  performance.mark("explore-drawn")  // the map and the counts on screen
  setTimeout(done)
}))
update.execute(search).then(drawn).then(unpack).then((json) => {  // (the counts need no texts)
  const names = ["title", "text", "outlet", "lang", "label"]
  JSON.parse(json).forEach((col, j) => { src.data[names[j]] = col })  // not drawn: no redraw
  return update.execute(search)
}).then(() => {
  performance.mark("explore-ready")  // hover, reader and search ready
  setTimeout(fold, 50)
})
"""

# args: src, filt, search, outlets, langs, topics, topic_table, events, hist, box, status,
# drop, total, has_hits, base (point size); cb_data.prepare: only fold the next slice of texts
# for search (returns whether more remain)
UPDATE = """
const d = src.data, n = d.x.length, ready = d.title !== undefined  // the texts unpacked
const DROP = new RegExp(drop, "g")
const norm = (s) => s.normalize("NFKC").replace(DROP, "").replace(/[أإآٱ]/g, "ا")
  .replace(/ى/g, "ي").replace(/ة/g, "ه")
  .replace(/[\\u0660-\\u0669\\u06f0-\\u06f9]/g, (c) => String(c.charCodeAt(0) & 15))
  .toLowerCase().split(/\\s+/).filter((w) => w).join(" ")
const fold = (upto) => {  // the search text of the documents before upto
  const f = (d.norm ??= [])
  for (let i = f.length; i < Math.min(upto, n); i++) f.push(norm(d.title[i] + " " + d.text[i]))
  return f.length < n
}
if (cb_data?.prepare) return fold((d.norm?.length ?? 0) + 1500)
const ts = topics.selected, es = events.selected
if (cb_obj === ts && ts.indices.length && es.indices.length) { es.indices = []; return }
if (cb_obj === es && es.indices.length) {
  const e = es.indices[0]
  box.left = events.data.start[e]; box.right = events.data.end[e]; box.visible = true
  if (ts.indices.length) { ts.indices = []; return }
}
if (cb_obj === hist.selected) {
  const b = hist.selected.indices
  box.visible = b.length > 0
  if (b.length) {
    box.left = Math.min(...b.map((i) => hist.data.left[i]))
    box.right = Math.max(...b.map((i) => hist.data.right[i]))
  }
}
const q = search.value_input || search.value || ""
const terms = (q.match(/"[^"]*"|\\S+/g) || []).map((t) => norm(t.replace(/"/g, "")))
  .filter((t) => t)
const oset = new Set(outlets.value), lset = new Set(langs.value)
if (!ready && (terms.length || oset.size || lset.size)) return  // UNPACK calls again
if (terms.length) fold(n)
const tset = new Set(ts.indices.map((i) => topics.data.topic[i]))
const eset = es.indices.length ? new Set(events.data.members[es.indices[0]]) : null
const semantic = has_hits && !terms.length
const active = terms.length > 0 || tset.size > 0 || eset !== null || semantic
const shown = new Array(n), alpha = new Float32Array(n)
const size = new Float32Array(n), nb = hist.data.left.length
const hn = new Array(nb).fill(0), hh = new Array(nb).fill(0), tn = {}, th = {}
let nshown = 0, nhl = 0
for (let i = 0; i < n; i++) {
  const ok = (!oset.size || oset.has(d.outlet[i])) && (!lset.size || lset.has(d.lang[i]))
    && (!box.visible || (d.date[i] >= box.left && d.date[i] < box.right))
  const hl = ok && active && terms.every((t) => d.norm[i].includes(t))
    && (!tset.size || tset.has(d.topic[i])) && (!eset || eset.has(i))
    && (!semantic || d.hit[i] > 0)
  shown[i] = ok
  alpha[i] = hl ? 0.95 : active ? 0.06 : 0.6
  size[i] = hl ? base * 1.8 : base
  const t = d.topic[i], b = d.bin[i]
  if (ok) { nshown++; tn[t] = (tn[t] || 0) + 1; if (b >= 0) hn[b]++ }
  if (hl) { nhl++; th[t] = (th[t] || 0) + 1; if (b >= 0) hh[b]++ }
}
// redraw the map only for a change (each redraw re-indexes every point)
const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i])
if (!same(shown, filt.booleans)) filt.booleans = shown
if (!same(alpha, d.alpha) || !same(size, d.size)) {
  d.alpha = alpha
  d.size = size
  src.change.emit()
}
hist.data.n = hn
hist.data.hl = hh
hist.change.emit()
topics.data.shown = Array.from(topics.data.topic, (t) => tn[t] || 0)
topics.data.hits = Array.from(topics.data.topic, (t) => th[t] || 0)
topics.change.emit()
topic_table.view.change.emit()  // the table redraws its rows on its view's change
const fmt = (v) => new Date(v).toISOString().slice(0, 10)
const what = [terms.length ? "search «" + q.trim() + "»" : semantic ? "semantic hits" : "",
  tset.size ? tset.size + " topic(s)" : "", eset ? "an event" : ""].filter((w) => w)
status.text = `<b><span id="n-shown">${nshown.toLocaleString("en")}</span></b> of `
  + `${total.toLocaleString("en")} documents shown`
  + (box.visible ? ` (${fmt(box.left)} – ${fmt(box.right - 1)})` : "")
  + (active ? ` · <b><span id="n-hl">${nhl.toLocaleString("en")}</span></b> highlighted `
    + `(${what.join(", ")})` : "")
  + (ready ? "" : ` · <span id="unpacking">unpacking the texts…</span>`)
"""

# args: src, reader, rtl (right-to-left language codes)
READ = """
const i = src.selected.indices[0], d = src.data
if (i === undefined || d.title === undefined) return
const esc = (s) => String(s ?? "").replace(/[&<>"]/g,
  (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})[c])
const dir = rtl.includes(d.lang[i]) ? "rtl" : d.lang[i] ? "ltr" : "auto"
const date = isNaN(d.date[i]) ? "undated" : new Date(d.date[i]).toISOString().slice(0, 10)
reader.text = `<h3 id="reader-title" dir="auto">${esc(d.title[i] || "(no headline)")}</h3>`
  + `<p dir="auto" style="color:#555">${esc(d.outlet[i])} · ${date} · ${esc(d.label[i])}`
  + ` · ${esc(d.lang[i])}</p><div id="reader-text" dir="${dir}" style="white-space:pre-wrap">`
  + `${esc(d.text[i])}</div>`
"""

# args: search, outlets, langs, topics, events, hist, src, box, update
RESET = """
search.value = ""; search.value_input = ""; outlets.value = []; langs.value = []
topics.selected.indices = []; events.selected.indices = []; src.selected.indices = []
box.visible = false
hist.selected.indices = []
update.execute(search)
"""
