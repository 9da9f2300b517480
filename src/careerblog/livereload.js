/* careerblog serve: reload the page after a good rebuild; show a failed rebuild's errors over the page.
   Injected by the preview server only, never part of a built site. */
(function () {
  "use strict";
  var script = document.currentScript;
  var pageGeneration = script ? script.getAttribute("data-generation") : null;
  var eventsUrl = (script && script.getAttribute("data-events")) || "/__careerblog__/events";
  var OVERLAY_ID = "careerblog-error-overlay";

  function hide() {
    var overlay = document.getElementById(OVERLAY_ID);
    if (overlay) {
      overlay.parentNode.removeChild(overlay);
    }
  }

  function element(tag, text, css) {
    var node = document.createElement(tag);
    node.textContent = text;
    node.style.cssText = css;
    return node;
  }

  function show(errors) {
    hide();
    var overlay = element("div", "", "position:fixed;top:0;right:0;bottom:0;left:0;z-index:2147483647;" +
      "overflow:auto;box-sizing:border-box;padding:2rem;margin:0;background:rgba(24,24,28,0.95);color:#f4f4f5;" +
      "font:15px/1.5 system-ui,sans-serif;text-align:left;");
    overlay.id = OVERLAY_ID;
    overlay.setAttribute("role", "alert");
    overlay.appendChild(element("h2", "careerblog: the last rebuild failed", "margin:0 0 0.5rem;" +
      "font:700 1.25rem/1.3 system-ui,sans-serif;color:#fca5a5;"));
    overlay.appendChild(element("p", "The page underneath is the last good build. Fix the problem and save: " +
      "this message goes away by itself.", "margin:0 0 1rem;color:#d4d4d8;"));
    overlay.appendChild(element("pre", errors.join("\n\n"), "margin:0;padding:1rem;white-space:pre-wrap;" +
      "background:#000;color:#fde68a;border-radius:6px;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;"));
    var dismiss = element("button", "Dismiss", "margin-top:1rem;padding:0.4rem 1rem;font:inherit;cursor:pointer;");
    dismiss.type = "button";
    dismiss.addEventListener("click", hide);
    overlay.appendChild(dismiss);
    (document.body || document.documentElement).appendChild(overlay);
  }

  function follow(state) {
    if (!state.ok) {
      show(state.errors);
    } else if (state.generation !== pageGeneration) {
      window.location.reload();
    } else {
      hide();
    }
  }

  if (!window.EventSource) {
    return;
  }
  var source = new EventSource(eventsUrl);
  ["state", "reload", "build-error", "clear"].forEach(function (name) {
    source.addEventListener(name, function (event) {
      follow(JSON.parse(event.data));
    });
  });
  window.addEventListener("pagehide", function () {
    source.close();
  });
})();
