// procurehub dashboard: live updates. The server sends "change" events
// (kind "orders" or "alerts") when what this user sees changed; the page
// re-reads itself and swaps in the parts marked data-live with that kind.
(function () {
  "use strict";
  var url = document.body.getAttribute("data-live-events");
  if (!url || !window.EventSource) { return; }
  var live = document.getElementById("live");
  var pending = {};
  var timer = null;

  function refresh() {
    timer = null;
    var kinds = pending;
    pending = {};
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (res) {
        if (res.redirected && res.url.indexOf("/ui/login") >= 0) { window.location.assign(res.url); return null; }
        return res.ok ? res.text() : null;
      })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (el) {
          var wanted = el.getAttribute("data-live").split(/\s+/).some(function (k) { return kinds[k]; });
          if (!wanted || !el.id) { return; }
          // Never wipe what the user is typing: a part with a filled-in
          // field waits for the next change.
          var typing = Array.from(el.querySelectorAll("textarea, input:not([type=hidden])")).some(function (f) { return f.value !== ""; });
          if (typing) { return; }
          var fresh = doc.getElementById(el.id);
          if (fresh) { el.replaceWith(document.importNode(fresh, true)); }
        });
        document.dispatchEvent(new CustomEvent("procurehub:refreshed", { detail: Object.keys(kinds) }));
      })
      .catch(function () { /* the next event tries again */ });
  }

  var source = new EventSource(url);
  source.addEventListener("open", function () { if (live) { live.hidden = false; } });
  source.addEventListener("error", function () { if (live) { live.hidden = true; } });
  source.addEventListener("logout", function () { source.close(); window.location.assign("/ui/login"); });
  source.addEventListener("change", function (ev) {
    var kind = "orders";
    try { kind = JSON.parse(ev.data).kind || kind; } catch (e) { /* keep orders */ }
    pending[kind] = true;
    if (!timer) { timer = setTimeout(refresh, 300); }
  });
})();
