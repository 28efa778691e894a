/* Live expression check for the designer (templates/builder/_expr.html).
   As the analyst types, each textarea[data-expr] is checked (debounced) against the draft's fields
   by POST /builder/expr/check: result type, SQL capability (and why not), the positioned error with
   a caret under the offending column and a hint, and "try it": the value for a chosen record. */
(function () {
  "use strict";
  var DELAY = 250;
  var STYLES = "/builder/static/logic_expr.css";
  if (!document.querySelector('link[href="' + STYLES + '"]')) {   // the widget's looks, on every designer page
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = STYLES;
    document.head.appendChild(link);
  }
  var timers = new WeakMap();
  var sequence = new WeakMap();

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function parts(box) {
    return {
      input: box.querySelector("[data-expr]"),
      status: box.querySelector("[data-expr-status]"),
      tryBox: box.querySelector("[data-expr-try]"),
      tryQ: box.querySelector("[data-expr-try-q]"),
      tryRecord: box.querySelector("[data-expr-try-record]"),
      tryValue: box.querySelector("[data-expr-try-value]")
    };
  }

  function caretText(source, err) {
    if (err.excerpt) return err.excerpt;
    if (!err.line || !err.column) return "";
    var line = source.split("\n")[err.line - 1] || "";
    var width = err.end_line === err.line && err.end_column > err.column ? err.end_column - err.column : 1;
    return line + "\n" + " ".repeat(err.column - 1) + "^".repeat(width);
  }

  function render(box, source, result) {
    var p = parts(box), d = box.dataset;
    p.status.textContent = "";
    p.status.dataset.state = result.ok ? "ok" : "error";
    p.input.setAttribute("aria-invalid", result.ok ? "false" : "true");
    if (result.ok) {
      var line = el("div", "expr-ok");
      line.appendChild(el("span", "expr-badge ok", d.msgOk));
      line.appendChild(el("span", "expr-type", d.msgType + ": "));
      var type = el("code", "expr-type-value", result.type);
      type.setAttribute("data-testid", "expr-type");
      line.appendChild(type);
      var sql = el("span", "expr-sql " + (result.sql ? "yes" : "no"),
                   result.sql ? d.msgSqlYes : d.msgSqlNo + (result.sql_reason ? ": " + result.sql_reason : ""));
      sql.setAttribute("data-testid", "expr-sql");
      sql.dataset.sql = result.sql ? "yes" : "no";
      line.appendChild(sql);
      p.status.appendChild(line);
    } else {
      (result.errors || []).forEach(function (err) {
        var item = el("div", "expr-error");
        item.setAttribute("data-testid", "expr-error");
        item.dataset.line = err.line || "";
        item.dataset.column = err.column || "";
        var head = el("div", "expr-error-message");
        head.appendChild(el("span", "expr-badge error", d.msgError));
        if (err.line) head.appendChild(el("span", "expr-where",
          d.msgLine.replace("{l}", err.line).replace("{c}", err.column) + ": "));
        var msg = el("span", "expr-message", err.message);
        msg.setAttribute("data-testid", "expr-message");
        head.appendChild(msg);
        item.appendChild(head);
        var caret = caretText(source, err);
        if (caret) {
          var pre = el("pre", "expr-caret", caret);
          pre.setAttribute("data-testid", "expr-caret");
          item.appendChild(pre);
        }
        if (err.hint && err.message.indexOf(err.hint) < 0) {
          var hint = el("div", "expr-hint", d.msgHint + ": " + err.hint);
          hint.setAttribute("data-testid", "expr-hint");
          item.appendChild(hint);
        }
        p.status.appendChild(item);
      });
    }
    if (result.fields_from === "live") p.status.appendChild(el("div", "expr-note", d.msgLive));
    if (p.tryValue) {
      var t = result["try"];
      p.tryValue.textContent = "";
      p.tryValue.dataset.state = t ? (t.ok ? "ok" : "error") : "";
      if (t) p.tryValue.textContent = t.ok ? d.msgValue + ": " + t.display : t.message;
    }
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json"},
      body: JSON.stringify(body)
    }).then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); });
  }

  function check(box) {
    var p = parts(box);
    var source = p.input.value;
    var n = (sequence.get(box) || 0) + 1;
    sequence.set(box, n);
    if (!source.trim()) {
      p.status.textContent = "";
      p.status.dataset.state = "";
      p.input.removeAttribute("aria-invalid");
      if (p.tryValue) p.tryValue.textContent = "";
      return;
    }
    p.status.dataset.state = "checking";
    var body = {expr: source, object: p.input.dataset.object || "", expect: p.input.dataset.expect || null};
    if (p.tryRecord && p.tryRecord.value) body.record_id = p.tryRecord.value;
    post(box.ownerDocument.location.origin + "/builder/expr/check", body).then(function (result) {
      if (sequence.get(box) === n) render(box, source, result);   // a later keystroke wins
    }).catch(function () {
      if (sequence.get(box) === n) {
        p.status.textContent = box.dataset.msgFailed;
        p.status.dataset.state = "failed";
      }
    });
  }

  function schedule(box) {
    clearTimeout(timers.get(box));
    timers.set(box, setTimeout(function () { check(box); }, DELAY));
  }

  function loadRecords(box) {
    var p = parts(box);
    var url = "/builder/expr/records?object=" + encodeURIComponent(p.input.dataset.object) +
              "&q=" + encodeURIComponent(p.tryQ ? p.tryQ.value : "");
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var keep = p.tryRecord.value;
        p.tryRecord.textContent = "";
        p.tryRecord.appendChild(new Option(box.dataset.msgChoose, ""));
        (data.results || []).forEach(function (rec) {
          p.tryRecord.appendChild(new Option(rec.title + " (#" + rec.id + ")", String(rec.id)));
        });
        if (!(data.results || []).length) {
          p.tryRecord.appendChild(new Option(data.message || box.dataset.msgNone, "", false, false));
          p.tryRecord.options[1].disabled = true;
        }
        if (keep && p.tryRecord.querySelector('option[value="' + keep + '"]')) p.tryRecord.value = keep;
        p.tryRecord.dataset.loaded = "1";
      }).catch(function () {});
  }

  function init(box) {
    if (box.dataset.exprReady) return;
    box.dataset.exprReady = "1";
    var p = parts(box);
    if (!p.input) return;
    if (p.tryBox) {
      p.tryBox.hidden = false;
      p.tryRecord.addEventListener("change", function () { check(box); });
      p.tryRecord.addEventListener("focus", function () { if (!p.tryRecord.dataset.loaded) loadRecords(box); });
      var qTimer = null;
      p.tryQ.addEventListener("input", function () {
        clearTimeout(qTimer);
        qTimer = setTimeout(function () { loadRecords(box); }, DELAY);
      });
    }
    if (p.input.value.trim()) check(box);
  }

  function initAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("[data-expr-box]"), init);
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("textarea[data-expr], input[data-expr]")) return;
    var box = input.closest("[data-expr-box]");
    if (!box) return;
    init(box);
    schedule(box);
  });

  window.CrmExprCheck = {init: initAll, check: check};
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { initAll(); });
  else initAll();
})();
