/* The designer's logic editors (templates/builder/logic/): small progressive enhancements.
   - Changing a "kind" select (an action's type, a trigger's type, the object...) says, beside it, that
     Save shows the fields of the new kind (the page never submits by itself: what the analyst does
     next is never raced by a reload).
   - Typing not yet saved is kept in this browser (localStorage, per page and draft revision) and
     restored after a reload; saving, or a newer draft revision, forgets it. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (f) {
    f.addEventListener("submit", function (event) { if (!window.confirm(f.dataset.confirm)) event.preventDefault(); });
  });
  var form = document.querySelector("form[data-recover-key]");
  if (!form) return;
  var key = "crm-designer:" + form.dataset.recoverKey;

  function fields() {
    var out = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.name === "_revision" || el.type === "submit" || el.type === "hidden") return;
      if (el.type === "checkbox" || el.type === "radio") out.push([el.name, el.value, el.checked]);
      else out.push([el.name, el.value, null]);
    });
    return out;
  }

  function snapshot() {
    try {
      localStorage.setItem(key, JSON.stringify({revision: form.dataset.revision, fields: fields()}));
    } catch (e) { /* storage full or disabled: nothing to keep */ }
  }

  function restore() {
    var saved;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    if (!saved || saved.revision !== form.dataset.revision) { localStorage.removeItem(key); return; }
    var now = fields(), changed = false;
    var byName = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name) return;
      (byName[el.name] = byName[el.name] || []).push(el);
    });
    saved.fields.forEach(function (f, i) {
      var here = now[i];
      if (!here || here[0] !== f[0]) return;           // the form's shape changed: only restore what lines up
      var el = (byName[f[0]] || []).filter(function (e) { return e.type !== "hidden" && e.type !== "submit"; })
        .filter(function (e) { return f[2] === null || e.value === f[1]; })[0];
      if (!el) return;
      if (f[2] !== null) { if (el.checked !== f[2]) { el.checked = f[2]; changed = true; } }
      else if (el.value !== f[1]) { el.value = f[1]; changed = true; }
    });
    if (!changed) return;
    var note = document.createElement("p");
    note.className = "restored";
    note.setAttribute("role", "status");
    note.setAttribute("data-testid", "restored");
    note.textContent = form.dataset.msgRestored + " ";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.textContent = form.dataset.msgDiscard;
    discard.addEventListener("click", function () { localStorage.removeItem(key); location.reload(); });
    note.appendChild(discard);
    form.parentNode.insertBefore(note, form);
    if (window.CrmExprCheck) window.CrmExprCheck.init(form);
    Array.prototype.forEach.call(form.querySelectorAll("[data-expr-box]"), function (box) {
      if (window.CrmExprCheck && box.querySelector("[data-expr]").value.trim()) window.CrmExprCheck.check(box);
    });
  }

  restore();
  form.addEventListener("input", snapshot);
  form.addEventListener("change", function (event) {
    snapshot();
    var select = event.target;
    if (select.matches("select[data-refresh]")) {
      var note = select.parentNode.querySelector('[data-refresh-note="' + select.id + '"]');
      if (!note) {
        note = document.createElement("p");
        note.className = "refresh-note";
        note.setAttribute("role", "status");
        note.setAttribute("data-refresh-note", select.id);
        note.setAttribute("data-testid", "refresh-note");
        note.textContent = form.dataset.msgRefresh;
        select.insertAdjacentElement("afterend", note);
      }
      note.hidden = select.value === select.dataset.initial;
    }
  });
  form.addEventListener("submit", function () { localStorage.removeItem(key); });
})();
