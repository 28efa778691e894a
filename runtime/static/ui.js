/* Hand-written behaviour for the generated pages: filter builder, live expression check, live
   form state (visible / required / read-only from the server), lookups with search, file uploads,
   kanban drag-and-drop (and its keyboard alternative), select-all. No libraries. */
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var lang = document.documentElement.lang || "en";

  function postJSON(url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify(body)}).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) { return {status: r.status, data: data}; });
      });
  }
  function debounce(fn, ms) {
    var t; return function () { var a = arguments, self = this; clearTimeout(t); t = setTimeout(function () { fn.apply(self, a); }, ms); };
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = text;
    return e;
  }

  /* ---- filter builder ---------------------------------------------------------------------- */
  var filterForm = document.getElementById("filter-form");
  if (filterForm) {
    var rows = filterForm.querySelector(".filter-rows");
    var template = document.getElementById("filter-row-template");
    var counter = 100;
    function wireRow(row) {
      var field = row.querySelector("[data-filter-field]"), op = row.querySelector("[data-filter-op]");
      var value = row.querySelector("[data-filter-value]");
      function sync() {
        var opt = field.selectedOptions[0];
        var kind = opt ? opt.dataset.kind : "text";
        value.type = kind === "date" || kind === "datetime" ? "date" : (kind === "number" || kind === "currency") ? "number" : "text";
        var options = opt && opt.dataset.options ? JSON.parse(opt.dataset.options) : [];
        var listId = value.id + "-options";
        var list = document.getElementById(listId);
        if (list) list.remove();
        if (options.length) {
          list = el("datalist", {id: listId});
          options.forEach(function (o) { var x = el("option", {value: o[0]}, o[1]); list.appendChild(x); });
          row.appendChild(list); value.setAttribute("list", listId);
        } else { value.removeAttribute("list"); }
        value.hidden = op.value === "blank" || op.value === "not_blank";
      }
      field.addEventListener("change", sync); op.addEventListener("change", sync); sync();
      row.querySelector("[data-remove-filter]").addEventListener("click", function () { row.remove(); });
    }
    rows.querySelectorAll(".filter-row").forEach(wireRow);
    filterForm.querySelector("[data-add-filter]").addEventListener("click", function () {
      var frag = template.content.cloneNode(true);
      var row = frag.querySelector(".filter-row");
      counter += 1;
      row.querySelectorAll("[id]").forEach(function (x) {
        var old = x.id, fresh = old.replace(/-0$/, "-" + counter);
        x.id = fresh;
        var lab = row.querySelector('label[for="' + old + '"]'); if (lab) lab.setAttribute("for", fresh);
      });
      rows.appendChild(row); wireRow(row); row.querySelector("select").focus();
    });
  }

  /* ---- advanced expression box: checked live by POST /api/v1/expressions/check ------------- */
  document.querySelectorAll("[data-expression-check]").forEach(function (input) {
    var status = document.getElementById(input.getAttribute("aria-describedby"));
    var check = debounce(function () {
      if (!input.value.trim()) { status.textContent = ""; input.removeAttribute("aria-invalid"); return; }
      postJSON("/api/v1/expressions/check", {expr: input.value, object: input.dataset.expressionCheck, expect: "boolean"})
        .then(function (res) {
          var d = res.data || {};
          var errors = d.errors || [];
          if (res.status === 200 && d.ok !== false && !errors.length) {
            status.textContent = lang === "en" ? "✓ Valid expression" : "✓ 表达式有效";
            status.className = "expr-status ok"; input.removeAttribute("aria-invalid");
          } else {
            var e = errors[0] || {};
            var where = e.column ? (lang === "en" ? " (column " + e.column + ")" : "（第 " + e.column + " 列）") : "";
            if (e.hint) where += (lang === "en" ? " — " : "：") + e.hint;
            status.textContent = (e.message || (d.error && d.error.message) || "?") + where;
            status.className = "expr-status bad"; input.setAttribute("aria-invalid", "true");
          }
        });
    }, 300);
    input.addEventListener("input", check);
    if (input.value) check();
  });

  /* ---- select all ------------------------------------------------------------------------ */
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      box.closest("form").querySelectorAll('input[name="ids"]').forEach(function (c) { c.checked = box.checked; });
    });
  });

  /* ---- record form: live state, lookups, files, focus on the first error ------------------- */
  var form = document.querySelector("form[data-form-state]");
  if (form) {
    var first = form.dataset.focusError;
    if (first && document.getElementById(first)) document.getElementById(first).focus();
    else if (form.querySelector("[data-testid=form-errors]")) form.querySelector("[data-testid=form-errors]").focus();

    var values = function () {
      var out = {};
      form.querySelectorAll("[data-field]").forEach(function (box) {
        var name = box.dataset.field;
        var multi = box.querySelectorAll('input[type=checkbox][name="' + name + '"], input[type=hidden][name="' + name + '"]');
        if (box.querySelector('input[name="' + name + '__present"]')) {
          var list = []; multi.forEach(function (c) { if (c.type === "hidden" || c.checked) list.push(c.value); });
          out[name] = list.length ? list : null; return;
        }
        var input = box.querySelector('[name="' + name + '"]');
        if (input) out[name] = input.value;
      });
      return out;
    };
    var refresh = debounce(function () {
      var body = {values: values()};
      if (form.dataset.recordId) body.id = parseInt(form.dataset.recordId, 10);
      postJSON(form.dataset.formState, body).then(function (res) {
        if (res.status !== 200) return;
        var fields = res.data.fields || {};
        Object.keys(fields).forEach(function (name) {
          var box = form.querySelector('[data-field="' + name + '"]');
          if (!box) return;
          var s = fields[name];
          box.hidden = !s.visible;
          box.classList.toggle("is-required", !!s.required);
          box.querySelectorAll("input, select, textarea").forEach(function (i) {
            if (i.type === "hidden") return;
            if (s.required) i.setAttribute("aria-required", "true"); else i.removeAttribute("aria-required");
            if (i.tagName === "SELECT" || i.type === "checkbox" || i.type === "file") i.disabled = !!s.readonly;
            else i.readOnly = !!s.readonly;
          });
        });
        var sections = res.data.sections || {};
        Object.keys(sections).forEach(function (i) {
          var fs = form.querySelector('[data-section="' + i + '"]'); if (fs) fs.hidden = !sections[i];
        });
      });
    }, 200);
    form.addEventListener("input", refresh);
    form.addEventListener("change", refresh);
    form.addEventListener("submit", function () {
      form.querySelectorAll("select[disabled]").forEach(function (s) { s.disabled = false; });
    });

    form.querySelectorAll(".lookup").forEach(function (box) {
      var input = box.querySelector("[data-lookup-input]"), hidden = box.querySelector("[data-lookup-value]");
      var list = box.querySelector(".lookup-results"), active = -1;
      function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
      function choose(li) {
        hidden.value = li.dataset.id; input.value = li.textContent; close();
        hidden.dispatchEvent(new Event("change", {bubbles: true}));
      }
      var search = debounce(function () {
        fetch(box.dataset.lookupUrl + "?q=" + encodeURIComponent(input.value), {credentials: "same-origin"})
          .then(function (r) { return r.json(); }).then(function (d) {
            list.innerHTML = "";
            (d.results || []).forEach(function (r, i) {
              var li = el("li", {role: "option", id: input.id + "-opt-" + i, "data-id": r.id}, r.title);
              li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(li); });
              list.appendChild(li);
            });
            list.hidden = !list.children.length; input.setAttribute("aria-expanded", String(!list.hidden));
          });
      }, 200);
      input.addEventListener("input", function () { if (!input.value) hidden.value = ""; search(); });
      input.addEventListener("focus", search);
      input.addEventListener("blur", function () { setTimeout(close, 150); });
      input.addEventListener("keydown", function (e) {
        var items = list.querySelectorAll("li");
        if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          e.preventDefault(); if (!items.length) return;
          active = (active + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
          items.forEach(function (x, i) { x.setAttribute("aria-selected", String(i === active)); });
          input.setAttribute("aria-activedescendant", items[active].id);
        } else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(items[active]); }
        else if (e.key === "Escape") { close(); }
      });
    });

    form.querySelectorAll(".file-widget").forEach(function (box) {
      var input = box.querySelector("[data-file-input]"), list = box.querySelector(".file-list");
      var status = box.querySelector(".upload-status");
      function wireRemove(li) { var b = li.querySelector("[data-remove-file]"); if (b) b.addEventListener("click", function () { li.remove(); refresh(); }); }
      list.querySelectorAll("li").forEach(wireRemove);
      input.addEventListener("change", function () {
        if (!input.files.length) return;
        var data = new FormData();
        data.append("file", input.files[0]); data.append("object", box.dataset.object); data.append("field", box.dataset.field);
        status.textContent = lang === "en" ? "Uploading…" : "正在上传…";
        fetch("/api/v1/files", {method: "POST", body: data, credentials: "same-origin", headers: {"X-CSRFToken": csrf, "Accept": "application/json"}})
          .then(function (r) { return r.json().then(function (d) { return {status: r.status, data: d}; }); })
          .then(function (res) {
            if (res.status !== 201) {
              var errs = res.data.errors || {};
              status.textContent = (Object.keys(errs).map(function (k) { return errs[k].join(" "); }).join(" ")) || (res.data.error && res.data.error.message) || "";
              status.className = "upload-status error-text"; return;
            }
            if (box.dataset.multiple !== "1") list.innerHTML = "";
            var li = el("li");
            li.appendChild(el("input", {type: "hidden", name: box.dataset.field, value: res.data.id}));
            li.appendChild(el("a", {href: res.data.url}, res.data.name));
            li.appendChild(document.createTextNode(" "));
            li.appendChild(el("button", {type: "button", class: "link", "data-remove-file": ""}, lang === "en" ? "Remove" : "移除"));
            list.appendChild(li); wireRemove(li); input.value = "";
            status.textContent = lang === "en" ? "Uploaded." : "已上传。"; status.className = "upload-status muted";
            refresh();
          });
      });
    });
  }

  /* ---- kanban ------------------------------------------------------------------------------ */
  var board = document.querySelector(".kanban[data-move-url]");
  if (board) {
    var dialog = document.getElementById("move-refused"), live = document.getElementById("kanban-status");
    dialog.querySelector(".dialog-close").addEventListener("click", function () { dialog.close(); });
    function moveUrl(id) { return board.dataset.moveUrl.replace(/\/0\/stage$/, "/" + id + "/stage"); }
    function move(card, to) {
      var from = card.parentElement, next = card.nextSibling;
      var target = board.querySelector('.kcol[data-stage="' + to + '"] .kcards');
      if (!target || card.dataset.stage === to) return;
      target.prepend(card);                      // optimistic; returned on refusal
      card.classList.add("moving");
      postJSON(moveUrl(card.dataset.id), {to: to}).then(function (res) {
        card.classList.remove("moving");
        if (res.status === 200) {
          card.dataset.stage = to;
          card.classList.remove("sla-blue", "sla-yellow", "sla-red");
          var badge = card.querySelector(".sla-badge"); if (badge) badge.remove();
          card.removeAttribute("data-sla");
          var sel = card.querySelector("[data-move-select]"); if (sel) sel.value = "";
          live.textContent = lang === "en" ? "Moved." : "已移动。";
          if (res.data && res.data.stage && res.data.stage !== to) { window.location.reload(); }
          counts();
          return;
        }
        from.insertBefore(card, next);           // the card returns where it was
        var sel2 = card.querySelector("[data-move-select]"); if (sel2) sel2.value = "";
        var d = res.data || {};
        dialog.querySelector(".dialog-message").textContent = (d.error && d.error.message) || d.message || "";
        var ul = dialog.querySelector(".dialog-missing"); ul.innerHTML = "";
        (d.missing || []).forEach(function (m) { ul.appendChild(el("li", {"data-testid": "missing-field"}, m.label || m.field)); });
        if (!(d.missing || []).length) {
          Object.keys(d.errors || {}).forEach(function (k) { (d.errors[k] || []).forEach(function (m) { ul.appendChild(el("li", {}, m)); }); });
          (d.rules || []).forEach(function (r) { ul.appendChild(el("li", {}, r.message || "")); });
        }
        dialog.querySelector(".dialog-edit").href = card.querySelector(".ktitle").href.replace(/\/?$/, "/edit");
        dialog.showModal();
        counts();
      });
    }
    function counts() {
      board.querySelectorAll(".kcol").forEach(function (c) { c.querySelector(".count").textContent = c.querySelectorAll(".kcard").length; });
    }
    board.addEventListener("dragstart", function (e) {
      var card = e.target.closest(".kcard"); if (!card) return;
      e.dataTransfer.setData("text/plain", card.dataset.id); e.dataTransfer.effectAllowed = "move";
      card.classList.add("dragging");
    });
    board.addEventListener("dragend", function (e) { var c = e.target.closest(".kcard"); if (c) c.classList.remove("dragging"); });
    board.querySelectorAll(".kcol").forEach(function (col) {
      col.addEventListener("dragover", function (e) { e.preventDefault(); col.classList.add("over"); });
      col.addEventListener("dragleave", function () { col.classList.remove("over"); });
      col.addEventListener("drop", function (e) {
        e.preventDefault(); col.classList.remove("over");
        var card = board.querySelector('.kcard[data-id="' + e.dataTransfer.getData("text/plain") + '"]');
        if (card) move(card, col.dataset.stage);
      });
    });
    board.querySelectorAll("[data-move-select]").forEach(function (sel) {
      sel.addEventListener("change", function () { if (sel.value) move(sel.closest(".kcard"), sel.value); });
    });
  }
})();
