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
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.field-form").forEach(typeOptions);
    document.querySelectorAll("form[data-preview-url]").forEach(livePreview);
  });
})();
