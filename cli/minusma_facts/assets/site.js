"use strict";
// The coding audit page. All offsets are Unicode code points (as in the CSVs), never UTF-16 units.
(function () {
  const DATA = JSON.parse(document.getElementById("data").textContent);
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const child of children) node.append(child);
    return node;
  };

  const tables = DATA.tables;
  const byName = Object.fromEntries(tables.map((t) => [t.name, t]));
  const sourceIds = Object.keys(DATA.sources);
  let current = { table: tables.find((t) => t.spanFields.length) || tables[0], row: null };
  let currentSource = sourceIds[0];

  // -- spans of every row ---------------------------------------------------------------------------------
  const spans = [];
  for (const t of tables) {
    const pos = Object.fromEntries(t.fields.map((f, i) => [f.name, i]));
    t.pos = pos;
    t.rows.forEach((row, idx) => {
      for (const sf of t.spanFields) {
        const text = row[pos[sf.text]], a = row[pos[sf.start]], b = row[pos[sf.end]];
        if (text && a !== "" && b !== "" && a !== undefined && b !== undefined) {
          spans.push({ table: t.name, idx, id: rowId(t, row), field: sf.text, source: row[pos.source_id] || "",
                       start: Number(a), end: Number(b) });
        }
      }
    });
  }
  function rowId(t, row) { return t.key.map((k) => row[t.pos[k]]).join("/"); }
  function rowSpans(t, idx) { return spans.filter((s) => s.table === t.name && s.idx === idx); }

  // -- header ---------------------------------------------------------------------------------------------
  const counts = tables.map((t) => `${t.name} ${t.rows.length}`).join(", ");
  const shares = sourceIds.filter((s) => DATA.sources[s].coveredShare != null)
    .map((s) => `${(100 * DATA.sources[s].coveredShare).toFixed(1)}% of ${s} cited`).join("; ");
  $("summary").textContent = `version ${DATA.version} — ${counts}` + (shares ? ` — ${shares}` : "");

  // -- tables ---------------------------------------------------------------------------------------------
  function renderTabs() {
    const nav = $("tabs");
    nav.replaceChildren(...tables.map((t) => el("button", {
      role: "tab", "data-table": t.name, "aria-selected": String(t === current.table), title: t.title,
      onclick: () => { current = { table: t, row: null }; renderTabs(); renderRows(); renderDetails(); },
    }, `${t.name} (${t.rows.length})`)));
  }

  function renderRows() {
    const t = current.table;
    const thead = $("rows").tHead, tbody = $("rows").tBodies[0];
    thead.replaceChildren(el("tr", {}, ...t.fields.map((f) => el("th", { title: `${f.title}: ${f.description}` }, f.name))));
    const needle = $("filter").value.trim().toLowerCase();
    let shown = 0;
    const trs = [];
    t.rows.forEach((row, idx) => {
      if (needle && !row.some((cell) => cell.toLowerCase().includes(needle))) return;
      shown++;
      const tr = el("tr", { "data-table": t.name, "data-index": String(idx), "data-id": rowId(t, row),
                            onclick: () => selectRow(t, idx) },
        ...row.map((cell, i) => el("td", { class: t.fields[i].name === "evidence" ? "evidence" : "", title: cell }, cell)));
      if (current.row === idx) tr.classList.add("selected");
      trs.push(tr);
    });
    tbody.replaceChildren(...trs);
    $("row-count").textContent = `${shown} of ${t.rows.length} rows`;
  }
  $("filter").addEventListener("input", renderRows);

  function selectRow(t, idx) {
    current = { table: t, row: idx };
    renderTabs(); renderRows(); renderDetails();
    const ev = rowSpans(t, idx).find((s) => s.field === "evidence") || rowSpans(t, idx)[0];
    if (ev && ev.source && DATA.sources[ev.source]) currentSource = ev.source;
    renderText();
    const mark = $("highlight");
    if (mark) mark.scrollIntoView({ block: "center" });
  }

  // rows this row points to and rows pointing to it, through fields named like another table's key
  function renderDetails() {
    const box = $("details");
    const t = current.table;
    if (current.row === null) { box.replaceChildren(); return; }
    const row = t.rows[current.row];
    const items = [];
    t.fields.forEach((f, i) => {
      const value = row[i];
      const dd = el("dd", {}, value);
      if (value) {
        const target = tables.find((o) => o !== t && o.key.length === 1 && o.rows.some((r) => r[o.pos[o.key[0]]] === value) &&
                                        (f.name === o.key[0] || f.name.endsWith("_" + o.key[0])));
        if (target) {
          const idx = target.rows.findIndex((r) => r[target.pos[target.key[0]]] === value);
          dd.replaceChildren(el("a", { onclick: () => selectRow(target, idx) }, value));
        }
      }
      items.push(el("dt", {}, f.name), dd);
    });
    box.replaceChildren(el("dl", {}, ...items));
  }

  // -- the text -------------------------------------------------------------------------------------------
  function renderSourceBar() {
    const bar = $("source-bar");
    if (sourceIds.length < 2) { bar.textContent = sourceIds.length ? `Source: ${sourceIds[0]}` : "No sources"; return; }
    const select = el("select", { onchange: (e) => { currentSource = e.target.value; renderText(); } },
      ...sourceIds.map((s) => el("option", { value: s }, s)));
    bar.replaceChildren("Source: ", select);
  }

  function selected() {
    if (current.row === null) return null;
    const own = rowSpans(current.table, current.row).filter((s) => s.source === currentSource);
    return { evidence: own.find((s) => s.field === "evidence") || own[0], others: own.filter((s) => s.field !== "evidence") };
  }

  function renderText() {
    const source = DATA.sources[currentSource];
    const article = $("article");
    const notice = $("text-notice");
    const sel = selected();
    if (!source) { article.replaceChildren(); return; }
    if (!source.textPresent) {
      notice.hidden = false;
      notice.textContent = "The full text is not part of this build (the article is the publisher's copyrighted text, " +
        "kept only in the repository): only the evidence excerpts are shown.";
      const ol = el("ol", { class: "excerpts" }, ...source.excerpts.map(([a, b, text]) => {
        const isHl = sel && sel.evidence && sel.evidence.start === a && sel.evidence.end === b;
        const body = isHl ? el("mark", { id: "highlight", "data-start": String(a), "data-end": String(b) }, text) : text;
        return el("li", { "data-start": String(a), "data-end": String(b), onclick: () => listCites(a, b) }, `[${a}:${b}] `, body);
      }));
      article.replaceChildren(ol);
      return;
    }
    notice.hidden = true;
    const chars = Array.from(source.text);
    const own = spans.filter((s) => s.source === currentSource);
    const cuts = new Set([0, chars.length]);
    for (const s of own) { cuts.add(s.start); cuts.add(s.end); }
    const hl = sel && sel.evidence;
    if (hl) { cuts.add(hl.start); cuts.add(hl.end); }
    const others = sel ? sel.others : [];
    for (const s of others) { cuts.add(s.start); cuts.add(s.end); }
    const points = [...cuts].filter((p) => p >= 0 && p <= chars.length).sort((x, y) => x - y);
    const nodes = [];
    let mark = null;
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i], b = points[i + 1];
      if (a === b) continue;
      const cited = own.some((s) => s.start < b && s.end > a);
      const seg = el("span", { class: "seg " + (cited ? "cited" : "uncited"), "data-start": String(a), "data-end": String(b) },
        chars.slice(a, b).join(""));
      if (others.some((s) => s.start <= a && s.end >= b)) seg.classList.add("subspan");
      if (hl && a >= hl.start && b <= hl.end) {
        if (!mark) {
          mark = el("mark", { id: "highlight", "data-start": String(hl.start), "data-end": String(hl.end),
                              "data-table": hl.table, "data-id": hl.id });
          nodes.push(mark);
        }
        mark.append(seg);
      } else nodes.push(seg);
    }
    article.replaceChildren(...nodes);
  }

  // code-point offset of a DOM position inside the article
  function offsetOf(node, offset) {
    const host = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    const seg = host && host.closest ? host.closest(".seg") : null;
    if (!seg) {
      if (node.nodeType === Node.ELEMENT_NODE && node.childNodes[offset]) return offsetOf(node.childNodes[offset], 0);
      return null;
    }
    const base = Number(seg.dataset.start);
    return node.nodeType === Node.TEXT_NODE ? base + Array.from(node.textContent.slice(0, offset)).length : base;
  }

  function listCites(a, b) {
    const hits = spans.filter((s) => s.source === currentSource && s.start < b && s.end > a);
    const seen = new Set();
    const items = [];
    for (const s of hits) {
      const key = s.table + "\u0000" + s.idx;
      if (seen.has(key)) continue;
      seen.add(key);
      const fields = hits.filter((h) => h.table === s.table && h.idx === s.idx).map((h) => `${h.field} [${h.start}:${h.end}]`);
      items.push(el("li", { "data-table": s.table, "data-id": s.id,
                            onclick: () => selectRow(byName[s.table], s.idx) }, `${s.table} ${s.id} — ${fields.join(", ")}`));
    }
    $("cites").replaceChildren(...(items.length ? items : [el("li", { class: "none" }, `No row cites [${a}:${b}].`)]));
    $("cites").dataset.start = String(a);
    $("cites").dataset.end = String(b);
  }

  $("article").addEventListener("mouseup", () => {
    const selection = window.getSelection();
    if (!selection || !selection.rangeCount) return;
    const range = selection.getRangeAt(0);
    let a = offsetOf(range.startContainer, range.startOffset);
    let b = offsetOf(range.endContainer, range.endOffset);
    if (a === null || b === null) return;
    if (a > b) [a, b] = [b, a];
    if (a === b) b = a + 1; // a click: the character under it
    listCites(a, b);
  });

  renderTabs();
  renderRows();
  renderSourceBar();
  renderText();
})();
