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

  // -- spans of every row (rebuilt whenever the workbench changes rows) -----------------------------------------
  const spans = [];
  for (const t of tables) t.pos = Object.fromEntries(t.fields.map((f, i) => [f.name, i]));
  function indexSpans() {
    spans.length = 0;
    for (const t of tables) {
      const pos = t.pos;
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
  }
  indexSpans();
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
    nav.replaceChildren(...tables.map((t) => {
      const pending = pendingOf(t).total;
      return el("button", {
        role: "tab", "data-table": t.name, "aria-selected": String(t === current.table), title: t.title,
        onclick: () => { current = { table: t, row: null }; renderTabs(); renderRows(); renderDetails(); },
      }, `${t.name} (${t.rows.length}${pending ? `, ${pending} pending` : ""})`);
    }));
  }

  // rows the coding workbench changed and no patch has applied yet (none without the workbench)
  function pendingOf(t) {
    const added = t.rows.filter((r) => r.pending === "added").length;
    const edited = t.rows.filter((r) => r.pending === "edited").length;
    const deleted = t.deleted || 0;
    return { added, edited, deleted, total: added + edited + deleted };
  }
  const PENDING = { added: "added in this page, not yet applied", edited: "edited in this page, not yet applied" };

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
      const tr = el("tr", { "data-table": t.name, "data-index": String(idx), "data-id": rowId(t, row), tabindex: "0",
                            onclick: () => selectRow(t, idx),
                            onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); selectRow(t, idx, true); } } },
        ...row.map((cell, i) => el("td", { class: t.fields[i].name === "evidence" ? "evidence" : "", title: cell }, cell)));
      if (current.row === idx) tr.classList.add("selected");
      if (row.pending) {
        tr.classList.add("pending");
        tr.dataset.pending = row.pending;
        tr.title = `Pending: ${PENDING[row.pending]}`;
      }
      trs.push(tr);
    });
    tbody.replaceChildren(...trs);
    const p = pendingOf(t);
    const parts = [["added", p.added], ["edited", p.edited], ["deleted", p.deleted]].filter(([, n]) => n).map(([w, n]) => `${n} ${w}`);
    $("row-count").textContent = `${shown} of ${t.rows.length} rows` + (parts.length ? `; pending, not yet applied: ${parts.join(", ")}` : "");
  }
  $("filter").addEventListener("input", renderRows);

  function selectRow(t, idx, keepFocus) {
    current = { table: t, row: idx };
    renderTabs(); renderRows(); renderDetails();
    const tr = document.querySelector(`#rows tr[data-index="${idx}"]`);
    if (keepFocus && tr) tr.focus();
    const ev = rowSpans(t, idx).find((s) => s.field === "evidence") || rowSpans(t, idx)[0];
    if (ev && ev.source && DATA.sources[ev.source]) currentSource = ev.source;
    renderText();
    const mark = $("highlight");
    if (mark) mark.scrollIntoView({ block: "center" });
  }

  // the row panel: its fields (a foreign key links to the row it points at) and the rows that point at it
  function keyOf(t, row, fields) { return fields.map((f) => row[t.pos[f]]).join("\u0000"); }
  function pointedAt(fk, row, from) {
    const target = byName[fk.table];
    if (!target || fk.fields.some((f) => !row[from.pos[f]])) return -1;
    const wanted = keyOf(from, row, fk.fields);
    return target.rows.findIndex((r) => keyOf(target, r, fk.refFields) === wanted);
  }
  function linkedFrom(t, idx) {
    const row = t.rows[idx], found = [];
    for (const other of tables) {
      for (const fk of other.foreignKeys || []) {
        if (fk.table !== t.name) continue;
        const wanted = keyOf(t, row, fk.refFields);
        other.rows.forEach((r, i) => {
          if ((other !== t || i !== idx) && fk.fields.every((f) => r[other.pos[f]]) && keyOf(other, r, fk.fields) === wanted) {
            found.push({ table: other, idx: i, field: fk.fields.join("/") });
          }
        });
      }
    }
    return found;
  }
  function rowLabel(t, row) {
    const named = t.fields.find((f) => f.name.endsWith("_name") && row[t.pos[f.name]]);
    const text = named ? row[t.pos[named.name]] : (row[t.pos.evidence] || "");
    return text.length <= 80 ? text : text.slice(0, 77) + "...";
  }
  const detailHooks = [];
  function renderDetails() {
    const box = $("details");
    const t = current.table;
    if (current.row === null || !t.rows[current.row]) { box.replaceChildren(); return; }
    const row = t.rows[current.row];
    const items = [];
    t.fields.forEach((f, i) => {
      const value = row[i];
      const dd = el("dd", {}, value);
      const fk = (t.foreignKeys || []).find((k) => k.fields.length === 1 && k.fields[0] === f.name);
      const idx = value && fk ? pointedAt(fk, row, t) : -1;
      if (idx >= 0) dd.replaceChildren(el("a", { href: "#", onclick: (e) => { e.preventDefault(); selectRow(byName[fk.table], idx); } }, value));
      items.push(el("dt", {}, f.name), dd);
    });
    const from = linkedFrom(t, current.row);
    const list = el("ul", { id: "linked-from" }, ...from.map((l) => el("li", { "data-table": l.table.name, "data-id": rowId(l.table, l.table.rows[l.idx]) },
      el("a", { href: "#", onclick: (e) => { e.preventDefault(); selectRow(l.table, l.idx); } }, `${l.table.name} ${rowId(l.table, l.table.rows[l.idx])}`),
      ` (${l.field}): ${rowLabel(l.table, l.table.rows[l.idx])}`)));
    box.replaceChildren(...detailHooks.map((hook) => hook(t, current.row)).flat(), el("dl", {}, ...items),
      el("h3", {}, from.length ? `Rows that point at it (${from.length})` : "No row points at it"), list);
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
    const pick = picked && picked.source === currentSource ? picked : null;
    if (pick) { cuts.add(pick.start); cuts.add(pick.end); }
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
      if (pick && a >= pick.start && b <= pick.end) seg.classList.add("picked");
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
    for (const hook of selectionHooks) hook(currentSource, a, b);
  });
  const selectionHooks = [];
  let picked = null; // the words the workbench holds as its selection, marked in the text

  renderTabs();
  renderRows();
  renderSourceBar();
  renderText();

  // what the coding workbench (workbench.js, in the same script) builds on
  window.minusmaSite = {
    DATA, tables, byName, el, rowId, rowLabel, linkedFrom, selectRow, listCites,
    currentSource: () => currentSource,
    current: () => current,
    onSelection: (hook) => selectionHooks.push(hook),
    setPicked(source, start, end) {
      picked = source === null ? null : { source, start, end };
      renderText();
      const first = document.querySelector("#article .seg.picked");
      if (first) first.scrollIntoView({ block: "nearest" });
    },
    onDetails: (hook) => detailHooks.push(hook),
    refresh() {
      indexSpans();
      if (current.row !== null && !current.table.rows[current.row]) current.row = null;
      renderTabs(); renderRows(); renderDetails(); renderText();
    },
  };
})();
