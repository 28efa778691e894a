// The import progress page: polls GET /api/v1/jobs/<id> and moves the bar; reloads when the job
// ends so the page shows the final counts. Without JS the page refreshes itself (meta refresh).
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("import-bar");
  function set(name, value) {
    var el = box.querySelector('[data-field="' + name + '"]');
    if (el && value !== null && value !== undefined) el.textContent = String(value);
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { setTimeout(poll, 3000); return; }
        bar.value = job.percent;
        bar.textContent = job.percent + "%";
        set("done", job.done); set("total", job.total === null ? "?" : job.total);
        set("percent", job.percent); set("error_count", job.error_count);
        if (job.status === "done" || job.status === "failed") { window.location.reload(); return; }
        setTimeout(poll, 700);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 300);
}());
