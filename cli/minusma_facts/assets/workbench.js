"use strict";
// The coding workbench: new rows from words selected in a source text, edits and deletes of existing rows, each
// checked in the page against its table's Table Schema and the keys before it is accepted, and exported as one
// patch for `minusma-facts apply`. The forms are built from the schemas in DATA: no table or field is named here.
// Offsets are Unicode code points (as in the CSVs), never JavaScript's UTF-16 units.
(function () {
  const site = window.minusmaSite;
  const { DATA, tables, byName, el } = site;
  const $ = (id) => document.getElementById(id);
  const base = Object.fromEntries(tables.map((t) => [t.name, t.rows.map((r) => r.slice())]));
  const changes = [];
  const textCache = {};
  let selection = null; // {source, start, end, words}
  let form = null; // {table, op, idx, values, source}

  const chars = (source) => {
    const s = DATA.sources[source];
    if (!s || !s.textPresent) return null;
    if (!textCache[source]) textCache[source] = Array.from(s.text);
    return textCache[source];
  };
  const asObject = (t, row) => Object.fromEntries(t.fields.map((f, i) => [f.name, row[i]]));
  const keyObject = (t, row) => Object.fromEntries(t.key.map((k) => [k, row[t.pos[k]]]));
  const keyText = (t, values) => t.key.map((k) => values[k]).join("/");
  const clip = (text, n = 60) => (text.length <= n ? text : text.slice(0, n - 3) + "...");
  const short = (values, limit = 8) => values.slice(0, limit).map(String).join(", ") + (values.length > limit ? `, ... (${values.length} in all)` : "");
  const spanOf = (t, name) => t.spanFields.find((s) => s.text === name || s.start === name || s.end === name);
  const missing = (t, value) => value === "" || (t.missingValues || [""]).includes(value);

  // -- checks, in validate's words --------------------------------------------------------------------------------
  const typeRegex = {};
  for (const [type, pattern] of Object.entries(DATA.typePatterns || {})) {
    try {
      typeRegex[type] = pattern.includes("(?i:") ? new RegExp(pattern.replaceAll("(?i:", "(?:"), "i") : new RegExp(pattern);
    } catch (e) { /* validate still checks it */ }
  }
  function typeOk(f, value) {
    const type = f.type || "string";
    if (type === "boolean") return [...(f.trueValues || ["true", "True", "TRUE", "1"]), ...(f.falseValues || ["false", "False", "FALSE", "0"])].includes(value);
    if (type === "year") return /^[0-9]{4}$/.test(value);
    if (!typeRegex[type]) return true;
    if (!typeRegex[type].test(value)) return false;
    if (type === "date") {
      const [y, m, d] = value.split("-").map(Number);
      const day = new Date(Date.UTC(y, m - 1, d));
      return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
    }
    return true;
  }
  function bound(f, value) {
    return (f.type === "date") ? value : Number(value);
  }
  function patternRegex(pattern) {
    try { return new RegExp(`^(?:${pattern})$`, "u"); } catch (e) { return null; }
  }

  // problems with one cell: [message] (empty when it is fine)
  function checkCell(t, f, value, idx) {
    const c = f.constraints || {};
    if (missing(t, value)) return c.required ? ["a value is required and the cell is empty"] : [];
    const type = f.type || "string";
    if (!typeOk(f, value)) return [`"${value}" is not of type ${type}`];
    const out = [];
    if (Array.isArray(c.enum) && !c.enum.map(String).includes(value)) out.push(`"${value}" is not one of the allowed values (${short(c.enum)})`);
    const re = type === "string" && c.pattern ? patternRegex(c.pattern) : null;
    if (re && !re.test(value)) out.push(`"${value}" does not match the pattern ${c.pattern}`);
    if (["integer", "number", "date"].includes(type)) {
      if (c.minimum !== undefined && bound(f, value) < bound(f, String(c.minimum))) out.push(`${value} is below the minimum ${c.minimum}`);
      if (c.maximum !== undefined && bound(f, value) > bound(f, String(c.maximum))) out.push(`${value} is above the maximum ${c.maximum}`);
    }
    const length = Array.from(value).length;
    if (type === "string" && c.minLength !== undefined && length < c.minLength) out.push(`"${value}" is shorter than ${c.minLength} characters`);
    if (type === "string" && c.maxLength !== undefined && length > c.maxLength) out.push(`"${value}" is longer than ${c.maxLength} characters`);
    if (c.unique) {
      const at = t.rows.findIndex((r, i) => i !== idx && r[t.pos[f.name]] === value);
      if (at >= 0) out.push(`"${value}" repeats row ${at + 2}; the field is unique`);
    }
    return out;
  }

  // problems with the whole row: {field: [message]} (keys, foreign keys, spans)
  function checkRow(t, values, idx) {
    const out = {};
    const add = (field, message) => (out[field] = out[field] || []).push(message);
    for (const f of t.fields) for (const m of checkCell(t, f, values[f.name], idx)) add(f.name, m);
    if (t.key.length && t.key.every((k) => !missing(t, values[k]))) {
      const at = t.rows.findIndex((r, i) => i !== idx && t.key.every((k) => r[t.pos[k]] === values[k]));
      if (at >= 0) add(t.key[0], `the primary key (${t.key.join(", ")}) = (${t.key.map((k) => values[k]).join(", ")}) repeats row ${at + 2}`);
    }
    for (const fk of t.foreignKeys || []) {
      if (fk.fields.some((f) => missing(t, values[f]))) continue;
      const target = byName[fk.table];
      const wanted = fk.fields.map((f) => values[f]);
      const self = fk.table === t.name ? [values] : [];
      const rows = target ? target.rows.map((r) => fk.refFields.map((f) => r[target.pos[f]])) : [];
      const found = rows.some((r) => r.every((v, i) => v === wanted[i])) || self.some((v) => fk.refFields.every((f, i) => v[f] === wanted[i]));
      if (!found) add(fk.fields[0], `"${wanted.join(", ")}" is not a ${fk.table}.${fk.refFields.join(", ")} (no such row in ${fk.table})`);
    }
    for (const sf of t.spanFields) {
      const have = [sf.text, sf.start, sf.end].map((n) => !missing(t, values[n]));
      if (have.some(Boolean) && !have.every(Boolean)) {
        const shown = [sf.text, sf.start, sf.end].map((n) => `${n}=${missing(t, values[n]) ? "empty" : values[n]}`).join(", ");
        add(sf.text, `a span needs all of ${sf.text}, ${sf.start}, ${sf.end} or none; have ${shown}`);
        continue;
      }
      if (!have[0] || out[sf.start] || out[sf.end]) continue;
      const source = values.source_id, text = chars(source);
      if (!text) continue; // the text is not in this build: validate checks it
      const a = Number(values[sf.start]), b = Number(values[sf.end]);
      if (!(0 <= a && a < b && b <= text.length)) add(sf.text, `[${a}:${b}] is not a span inside the text of ${source} (${text.length} characters)`);
      else if (text.slice(a, b).join("") !== values[sf.text]) {
        const whole = DATA.sources[source].text, found = whole.indexOf(values[sf.text]);
        const at = found < 0 ? -1 : Array.from(whole.slice(0, found)).length;
        const hint = at < 0 ? "; the value does not occur in the text at all"
          : `; the value occurs at [${at}:${at + Array.from(values[sf.text]).length}]`;
        add(sf.text, `text[${a}:${b}] of ${source} is '${clip(text.slice(a, b).join(""))}', not '${clip(values[sf.text])}'${hint}`);
      }
    }
    for (const name of t.looseTexts || []) {
      if (!missing(t, values[name]) && !missing(t, values.evidence || "") && !values.evidence.includes(values[name])) {
        add(name, `${name} '${clip(values[name])}' does not occur in the row's evidence`);
      }
    }
    return out;
  }

  // -- the page's rows: the package's, with the changes replayed on them ------------------------------------------
  function findRow(t, key) {
    return t.rows.findIndex((r) => t.key.every((k) => r[t.pos[k]] === key[k]));
  }
  // a row a change added or edited carries `pending` ("added" or "edited") until the patch is applied; each table
  // counts the rows its changes deleted (site.js marks them in the tables)
  function replay(list) {
    for (const t of tables) {
      t.rows = base[t.name].map((r) => r.slice());
      t.deleted = 0;
    }
    for (let i = 0; i < list.length; i++) {
      const c = list[i], t = byName[c.table], idx = findRow(t, c.key);
      if (c.op === "insert") {
        if (idx >= 0) return i;
        const row = t.fields.map((f) => c.row[f.name] ?? c.key[f.name] ?? "");
        row.pending = "added";
        t.rows.push(row);
      } else if (idx < 0) {
        return i;
      } else if (c.op === "update") {
        const row = t.fields.map((f, j) => (f.name in c.row ? c.row[f.name] : t.rows[idx][j]));
        row.pending = t.rows[idx].pending === "added" ? "added" : "edited";
        t.rows[idx] = row;
      } else {
        if (t.rows[idx].pending !== "added") t.deleted++;
        t.rows.splice(idx, 1);
      }
    }
    return -1;
  }
  function commit(change) {
    changes.push(change);
    replay(changes);
    site.refresh();
    renderChanges();
  }
  function undo(i) {
    const rest = changes.filter((_, j) => j !== i);
    const broken = replay(rest);
    if (broken >= 0) {
      replay(changes);
      $("changes-status").textContent = `Change ${i + 1} cannot be undone before change ${broken + (broken >= i ? 2 : 1)}, which builds on it: undo that first.`;
      return;
    }
    changes.splice(i, 1);
    site.refresh();
    renderChanges();
    $("changes-status").textContent = `Change ${i + 1} undone.`;
  }

  // -- the selection --------------------------------------------------------------------------------------------
  function setSelection(source, start, end) {
    const text = chars(source);
    if (!text) { selection = null; renderBar(); return; }
    selection = { source, start, end, words: text.slice(start, end).join("") };
    site.setPicked(source, start, end);
    renderBar();
  }
  site.onSelection((source, a, b) => setSelection(source, a, b));

  function renderBar() {
    const shown = $("selection");
    shown.replaceChildren(selection
      ? el("span", { "data-start": String(selection.start), "data-end": String(selection.end), "data-source": selection.source },
          `[${selection.start}:${selection.end}] “${clip(selection.words, 80)}”`)
      : "No words selected: select words in the text, or find them.");
    $("new-row").disabled = !selection && !$("new-table").value;
    for (const button of document.querySelectorAll("#form-fields button.use-selection")) button.disabled = !selection;
  }

  // find words with the keyboard: each Enter selects the next place they occur (in code points)
  $("find-words").addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    const words = e.target.value;
    const source = site.currentSource(), s = DATA.sources[source];
    if (!words || !s || !s.textPresent) return;
    const places = [];
    for (let at = s.text.indexOf(words); at >= 0; at = s.text.indexOf(words, at + 1)) places.push(Array.from(s.text.slice(0, at)).length);
    if (!places.length) { $("find-status").textContent = "not in the text (straight quotes for curly ones?)"; return; }
    const after = selection && selection.source === source ? places.find((p) => p > selection.start) : undefined;
    const start = after === undefined ? places[0] : after;
    const end = start + Array.from(words).length;
    $("find-status").textContent = `${places.indexOf(start) + 1} of ${places.length}`;
    setSelection(source, start, end);
    site.listCites(start, end);
  });

  // -- the form -------------------------------------------------------------------------------------------------
  const tableSelect = $("new-table");
  // a computed table (minusma_facts.reconcile) is derived from the others: it is never typed
  tableSelect.replaceChildren(...tables.filter((t) => !t.computed).map((t) => el("option", { value: t.name }, `${t.name}: ${t.title}`)));
  const evidenceTable = tables.find((t) => t.name !== "sources" && t.spanFields.length);
  if (evidenceTable) tableSelect.value = evidenceTable.name;
  $("new-row").addEventListener("click", () => openForm(byName[tableSelect.value], "insert", -1));

  function openForm(t, op, idx) {
    const values = Object.fromEntries(t.fields.map((f) => [f.name, ""]));
    if (op === "update") Object.assign(values, asObject(t, t.rows[idx]));
    form = { table: t, op, idx, values, original: op === "update" ? asObject(t, t.rows[idx]) : null };
    if (op === "insert" && selection && t.spanFields.length) {
      if ("source_id" in values) values.source_id = selection.source;
      const ev = t.spanFields.find((s) => s.text === "evidence") || t.spanFields[0];
      fillSpan(ev, false);
    }
    renderForm();
    $("tables-pane").classList.add("editing");
    const first = $("form-fields").querySelector("input:not([readonly]), select, textarea:not([readonly])");
    if (first) first.focus();
  }
  function closeForm() {
    form = null;
    $("tables-pane").classList.remove("editing");
    $("form-fields").replaceChildren();
  }
  $("form-cancel").addEventListener("click", () => { closeForm(); $("new-row").focus(); });

  function fillSpan(sf, rerender = true) {
    if (!selection) return;
    const v = form.values;
    if (form.table.pos.source_id !== undefined && v.source_id && v.source_id !== selection.source) {
      showErrors({ [sf.text]: [`the selection is in ${selection.source}, the row's source is ${v.source_id}`] });
      return;
    }
    if (form.table.pos.source_id !== undefined) v.source_id = selection.source;
    v[sf.text] = selection.words;
    v[sf.start] = String(selection.start);
    v[sf.end] = String(selection.end);
    if (rerender) { renderForm(); checkShown(); }
  }

  function help(f) {
    return el("small", { class: "help", id: `h-${f.name}` }, f.description || "");
  }
  function label(f, forId) {
    const required = (f.constraints || {}).required;
    return el("label", { for: forId }, f.title || f.name, required ? el("span", { class: "req", title: "required" }, " *") : "", " ",
      el("code", {}, f.name));
  }
  function errorBox(name) {
    return el("span", { class: "error", id: `e-${name}`, role: "alert" });
  }
  function control(t, f) {
    const c = f.constraints || {};
    const id = `f-${f.name}`;
    const common = { id, name: f.name, "aria-describedby": `h-${f.name} e-${f.name}`, "data-field": f.name };
    if (c.required) common["aria-required"] = "true";
    const value = form.values[f.name];
    let node;
    if (Array.isArray(c.enum) || (f.type === "boolean")) {
      const choices = Array.isArray(c.enum) ? c.enum.map(String) : ["true", "false"];
      node = el("select", common, el("option", { value: "" }, c.required ? "(choose)" : "(empty)"),
        ...choices.map((v) => el("option", { value: v }, v)));
      node.value = choices.includes(value) ? value : "";
      if (value && !choices.includes(value)) { node.append(el("option", { value }, value)); node.value = value; }
    } else {
      const fk = (t.foreignKeys || []).find((k) => k.fields.length === 1 && k.fields[0] === f.name && byName[k.table]);
      const attrs = { ...common, type: "text", value, autocomplete: "off", placeholder: f.example !== undefined ? `e.g. ${f.example}` : "" };
      if (["integer", "number"].includes(f.type)) attrs.inputmode = "decimal";
      if (f.type === "date") attrs.placeholder = "YYYY-MM-DD";
      node = el("input", attrs);
      if (fk) {
        const target = byName[fk.table], listId = `dl-${f.name}`;
        node.setAttribute("list", listId);
        node.setAttribute("role", "combobox");
        const options = target.rows.map((r) => el("option", { value: r[target.pos[fk.refFields[0]]] },
          `${r[target.pos[fk.refFields[0]]]} — ${site.rowLabel(target, r)}`));
        return [node, el("datalist", { id: listId }, ...options)];
      }
    }
    return [node];
  }
  function spanGroup(t, sf) {
    const f = t.fields[t.pos[sf.text]];
    const required = [sf.text, sf.start, sf.end].some((n) => (t.fields[t.pos[n]].constraints || {}).required);
    const v = form.values;
    const use = el("button", { type: "button", class: "use-selection", id: `use-${sf.text}`, "data-span": sf.text,
      onclick: () => fillSpan(sf) }, "Use selection");
    use.disabled = !selection;
    const clear = el("button", { type: "button", id: `clear-${sf.text}`, onclick: () => {
      v[sf.text] = ""; v[sf.start] = ""; v[sf.end] = ""; renderForm(); checkShown(); } }, "Clear");
    return el("fieldset", { class: "span", "data-span": sf.text },
      el("legend", {}, f.title || f.name, required ? el("span", { class: "req", title: "required" }, " *") : "", " ",
        el("code", {}, `${sf.text} [${sf.start}:${sf.end}]`)),
      el("div", { class: "span-words" },
        el("output", { id: `f-${sf.text}`, "data-field": sf.text, "aria-describedby": `h-${f.name} e-${sf.text}` }, v[sf.text] || "(no words: select them in the text, then Use selection)")),
      el("div", { class: "span-offsets" }, "[",
        el("output", { id: `f-${sf.start}`, "data-field": sf.start }, v[sf.start]), ":",
        el("output", { id: `f-${sf.end}`, "data-field": sf.end }, v[sf.end]), "] ", use, " ", clear),
      help(f), errorBox(sf.text), errorBox(sf.start), errorBox(sf.end));
  }

  function renderForm() {
    const t = form.table;
    $("form-title").textContent = form.op === "insert" ? `New row in ${t.name}` : `Edit ${t.name} ${keyText(t, form.original)}`;
    $("form-save").textContent = form.op === "insert" ? "Add to changes" : "Save change";
    const nodes = [];
    for (const f of t.fields) {
      const sf = spanOf(t, f.name);
      if (sf) { if (sf.text === f.name) nodes.push(spanGroup(t, sf)); continue; }
      nodes.push(el("div", { class: "field" }, label(f, `f-${f.name}`), ...control(t, f), help(f), errorBox(f.name)));
    }
    $("form-fields").replaceChildren(...nodes);
    for (const node of $("form-fields").querySelectorAll("input, select")) {
      node.addEventListener("input", (e) => { form.values[e.target.dataset.field] = e.target.value; checkShown(e.target.dataset.field); });
      node.addEventListener("change", (e) => { form.values[e.target.dataset.field] = e.target.value; checkShown(e.target.dataset.field); });
    }
  }

  function showErrors(problems, only) {
    for (const box of document.querySelectorAll("#form-fields .error")) {
      const name = box.id.slice(2);
      if (only && name !== only) continue;
      box.textContent = (problems[name] || []).join("; ");
      const input = $(`f-${name}`);
      if (input) input.setAttribute("aria-invalid", problems[name] ? "true" : "false");
    }
  }
  // as the coder types: the field's own checks, and the row's key and foreign key checks on it
  function checkShown(only) {
    if (!form) return {};
    const problems = checkRow(form.table, form.values, form.op === "update" ? form.idx : -1);
    showErrors(problems, only);
    return problems;
  }

  $("row-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const t = form.table;
    const problems = checkShown();
    const count = Object.values(problems).reduce((n, list) => n + list.length, 0);
    if (count) {
      $("form-status").textContent = `${count} problem${count === 1 ? "" : "s"}: the row was not added to the changes.`;
      const first = Object.keys(problems)[0];
      const target = $(`f-${first}`) || $(`use-${first}`) || $(`use-${(spanOf(t, first) || {}).text}`);
      if (target && target.focus) target.focus();
      return;
    }
    let change;
    if (form.op === "insert") {
      const row = {};
      for (const f of t.fields) if (form.values[f.name] !== "") row[f.name] = form.values[f.name];
      const key = Object.fromEntries(t.key.map((k) => [k, form.values[k]]));
      for (const k of t.key) delete row[k];
      change = { table: t.name, op: "insert", key, row };
    } else {
      const row = {};
      for (const f of t.fields) if (form.values[f.name] !== form.original[f.name]) row[f.name] = form.values[f.name];
      if (!Object.keys(row).length) { $("form-status").textContent = "Nothing was changed."; return; }
      change = { table: t.name, op: "update", key: keyObject(t, t.rows[form.idx]), row, original: form.original };
    }
    const newKey = Object.fromEntries(t.key.map((k) => [k, form.values[k]]));
    closeForm();
    commit(change);
    const idx = findRow(t, newKey);
    if (idx >= 0) site.selectRow(t, idx, true);
    $("changes-status").textContent = `Change ${changes.length} added: ${describe(change)}.`;
  });

  // -- edit and delete from the row panel -------------------------------------------------------------------------
  site.onDetails((t, idx) => {
    const row = t.rows[idx];
    if (!row || !t.key.length || t.computed) return [];  // computed rows are derived, never edited
    const bar = el("div", { class: "row-actions" },
      el("button", { type: "button", id: "edit-row", onclick: () => openForm(t, "update", idx) }, "Edit row"), " ",
      el("button", { type: "button", id: "delete-row", onclick: () => confirmDelete(t, idx) }, "Delete row"),
      el("div", { id: "delete-confirm", hidden: "" }));
    return [bar];
  });
  function confirmDelete(t, idx) {
    const box = $("delete-confirm");
    const from = site.linkedFrom(t, idx);
    const id = site.rowId(t, t.rows[idx]);
    const keep = el("button", { type: "button", id: "delete-cancel", onclick: () => { box.hidden = true; $("delete-row").focus(); } }, "Keep it");
    const yes = el("button", { type: "button", id: "delete-yes", onclick: () => {
      commit({ table: t.name, op: "delete", key: keyObject(t, t.rows[idx]), original: asObject(t, t.rows[idx]) });
      $("changes-status").textContent = `Change ${changes.length} added: delete ${t.name} ${id}.`;
      $("new-row").focus();
    } }, from.length ? "Delete it anyway" : "Delete it");
    box.replaceChildren(
      el("p", {}, from.length
        ? `${from.length} row${from.length === 1 ? " points" : "s point"} at ${t.name} ${id}. Deleting it leaves ${from.length === 1 ? "that row" : "them"} pointing at nothing, and apply refuses the patch until ${from.length === 1 ? "it is" : "they are"} changed or deleted too:`
        : `No row points at ${t.name} ${id}.`),
      el("ul", { id: "delete-dependents" }, ...from.map((l) => el("li", { "data-table": l.table.name, "data-id": site.rowId(l.table, l.table.rows[l.idx]) },
        `${l.table.name} ${site.rowId(l.table, l.table.rows[l.idx])} (${l.field})`))),
      yes, " ", keep);
    box.hidden = false;
    yes.focus();
  }

  // -- the changes and the patch ----------------------------------------------------------------------------------
  function describe(c) {
    const fields = c.op === "update" ? `: ${Object.keys(c.row).join(", ")}` : "";
    return `${c.op} ${c.table} ${keyText(byName[c.table], c.key)}${fields}`;
  }
  function patch() {
    return {
      format: DATA.patch.format, version: DATA.patch.version,
      generator: "minusma-facts audit page", created: new Date().toISOString(),
      package: { name: DATA.name || "", version: DATA.version || "" },
      changes: changes.map((c) => ({ ...c })),
    };
  }
  function renderChanges() {
    $("changes-count").textContent = String(changes.length);
    $("changes").replaceChildren(...changes.map((c, i) => el("li", { "data-op": c.op, "data-table": c.table },
      describe(c), " ", el("button", { type: "button", class: "undo", "aria-label": `Undo change ${i + 1}: ${describe(c)}`, onclick: () => undo(i) }, "Undo"))));
    const text = JSON.stringify(patch(), null, 2);
    $("patch-text").value = changes.length ? text : "";
    $("export-patch").disabled = !changes.length;
    $("copy-patch").disabled = !changes.length;
  }
  $("export-patch").addEventListener("click", () => {
    const blob = new Blob([JSON.stringify(patch(), null, 2) + "\n"], { type: "application/json" });
    const link = el("a", { href: URL.createObjectURL(blob), download: `${DATA.name || "package"}-patch.json` });
    document.body.append(link);
    link.click();
    link.remove();
    $("changes-status").textContent = `Patch of ${changes.length} change${changes.length === 1 ? "" : "s"} downloaded; run: minusma-facts apply ${DATA.name || "package"}-patch.json`;
  });
  $("copy-patch").addEventListener("click", async () => {
    const area = $("patch-text");
    $("patch-details").open = true;
    try {
      await navigator.clipboard.writeText(area.value);
      $("changes-status").textContent = "Patch copied.";
    } catch (e) {
      area.focus();
      area.select();
      $("changes-status").textContent = "The browser does not allow copying here: the patch is selected, press Ctrl+C.";
    }
  });

  renderBar();
  renderChanges();
  // the page's checks of a row ({field: value}), as the form runs them: for tests and the browser's console
  window.minusmaWorkbench = { check: (table, values, idx = -1) => checkRow(byName[table], values, idx), patch };
})();
