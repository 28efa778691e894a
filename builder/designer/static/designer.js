// Designer pages: show only the options of the chosen field type, and refresh the form layout
// preview as the analyst edits (the server renders it with the runtime's form code).
(function () {
  "use strict";

  function typeOptions(form) {
    var type = form.querySelector("select[name=type]");
    if (!type) return;
    function apply() {
      form.querySelectorAll("[data-types]").forEach(function (el) {
        el.hidden = el.getAttribute("data-types").split(" ").indexOf(type.value) < 0;
      });
    }
    type.addEventListener("change", apply);
    apply();
  }

  function livePreview(form) {
    var url = form.getAttribute("data-preview-url");
    var target = document.getElementById("layout-preview");
    if (!url || !target) return;
    var timer = null, seq = 0;
    function refresh() {
      var mine = ++seq;
      var body = new FormData(form);
      body.delete("action");
      fetch(url, {method: "POST", body: body, credentials: "same-origin",
                  headers: {"X-CSRFToken": body.get("csrf_token") || ""}})
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          if (mine !== seq) return;
          target.innerHTML = html;
          target.setAttribute("data-fresh", String(mine));
        })
        .catch(function () { /* keep the last preview; the Preview button still works */ });
    }
    function later() { clearTimeout(timer); timer = setTimeout(refresh, 250); }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    if (document.querySelector("[data-testid=typing-restored]")) refresh();
  }

  // What the analyst typed but has not sent yet is kept in this tab's sessionStorage, so a reload
  // (or a crash of the page) loses nothing; it comes back only onto the same draft revision.
  function keepTyping(form) {
    var revision = form.querySelector("input[name=revision]");
    if (!revision) return;
    var key = "designer-typing:" + location.pathname + ":" + (form.getAttribute("action") || "");
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    if (saved && saved.revision === revision.value && saved.pairs) {
      var byName = {};
      saved.pairs.forEach(function (p) { (byName[p[0]] = byName[p[0]] || []).push(p[1]); });
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name === "csrf_token" || el.name === "revision" || el.type === "submit") return;
        var values = byName[el.name] || [];
        if (el.type === "checkbox" || el.type === "radio") el.checked = values.indexOf(el.value) >= 0;
        else if (values.length && el.type !== "hidden" && el.type !== "file") el.value = values[0];
      });
      var note = document.createElement("p");
      note.className = "flash";
      note.setAttribute("role", "status");
      note.setAttribute("data-testid", "typing-restored");
      note.textContent = (document.querySelector("[data-msg-restored]") || form).getAttribute("data-msg-restored") || "";
      form.insertBefore(note, form.firstChild);
    }
    var timer = null;
    function store() {
      var pairs = [];
      new FormData(form).forEach(function (value, name) {
        if (name !== "csrf_token" && typeof value === "string") pairs.push([name, value]);
      });
      try { sessionStorage.setItem(key, JSON.stringify({revision: revision.value, pairs: pairs})); } catch (e) { /* full */ }
    }
    function later() { clearTimeout(timer); timer = setTimeout(store, 200); }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", function () { clearTimeout(timer); sessionStorage.removeItem(key); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-keep-typing]").forEach(keepTyping);
    document.querySelectorAll("form.field-form").forEach(typeOptions);
    document.querySelectorAll("form[data-preview-url]").forEach(livePreview);
  });
})();
