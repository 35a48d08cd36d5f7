(function () {
  "use strict";
  var me = document.currentScript;
  var build = me ? me.getAttribute("data-casebook-build") : null;
  var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/__casebook/ws";
  var seen = false;
  var delay = 250;
  function hide() {
    var o = document.getElementById("__casebook_overlay");
    if (o) o.parentNode.removeChild(o);
  }
  // The same overlay as the server puts in a page that is served while the build is broken.
  function show(diagnostics, heading) {
    hide();
    var o = document.createElement("div");
    o.id = "__casebook_overlay";
    o.setAttribute("style", "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:#180404;color:#fde8e8;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:24px;text-align:left");
    var h = document.createElement("div");
    h.setAttribute("style", "font-weight:bold;font-size:16px;margin-bottom:12px;color:#ff8a8a");
    h.textContent = heading || "casebook: " + diagnostics.length + " error(s) (click to hide)";
    o.appendChild(h);
    for (var i = 0; i < diagnostics.length; i++) {
      var d = diagnostics[i];
      var pre = document.createElement("pre");
      pre.setAttribute("style", "white-space:pre-wrap;margin:0 0 12px;padding:12px;background:rgba(255,255,255,.06);border-left:3px solid #ff5c5c");
      pre.appendChild(document.createTextNode(d.text_before_caret));
      // The caret follows an invisible copy of what it points past, so that it lands under the
      // right character whatever the width of the font's kanji.
      if (typeof d.caret_prefix === "string") {
        var pad = document.createElement("span");
        pad.style.visibility = "hidden";
        pad.textContent = d.caret_prefix;
        pre.appendChild(pad);
        pre.appendChild(document.createTextNode("^"));
      }
      o.appendChild(pre);
    }
    o.addEventListener("click", hide);
    (document.body || document.documentElement).appendChild(o);
  }
  function connect() {
    var ws;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      setTimeout(connect, delay);
      return;
    }
    ws.onmessage = function (ev) {
      var m;
      try {
        m = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      if (m.type === "hello") {
        delay = 250;
        // A newer build than this page, or a server that came back: load the page again.
        if (seen || (build !== null && String(m.build) !== build)) {
          location.reload();
          return;
        }
        seen = true;
        if (m.errors) show(m.errors, m.heading);
      } else if (m.type === "reload") {
        // A reload for some pages only (the search index after an edit): others stay as they are.
        if (m.paths && m.paths.indexOf(location.pathname) < 0) return;
        location.reload();
      } else if (m.type === "error") {
        show(m.diagnostics, m.heading);
      }
    };
    ws.onclose = function () {
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 4000);
    };
  }
  connect();
})();
