/* Embeds a CRM public form: <script src="…/f/KEY/embed.js" async></script> puts an iframe where the
   script tag stands, passes the page's utm_* parameters on, and follows the form's height. */
(function () {
  var script = document.currentScript;
  if (!script) { return; }
  var url = new URL({{ src|safe }});
  var here = new URLSearchParams(window.location.search);
  ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].forEach(function (name) {
    if (here.get(name)) { url.searchParams.set(name, here.get(name)); }
  });
  var lang = script.getAttribute("data-lang");
  if (lang) { url.searchParams.set("lang", lang); }
  url.searchParams.set("embed", "1");
  var frame = document.createElement("iframe");
  frame.src = url.toString();
  frame.title = {{ title|safe }};
  frame.setAttribute("data-crm-form", "1");
  frame.style.cssText = "width:100%;max-width:640px;border:0;height:600px;display:block";
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    if (event.source === frame.contentWindow && event.data && typeof event.data.crmFormHeight === "number") {
      frame.style.height = Math.min(Math.max(event.data.crmFormHeight, 200), 5000) + "px";
    }
  });
})();
