/* careerblog serve: reload the page after a good rebuild; show a failed rebuild's errors over the page,
   and a good rebuild's warnings in a small panel in the bottom right corner.
   Injected by the preview server only, never part of a built site. */
(function () {
  "use strict";
  var script = document.currentScript;
  var pageGeneration = script ? script.getAttribute("data-generation") : null;
  var eventsUrl = (script && script.getAttribute("data-events")) || "/__careerblog__/events";
  var OVERLAY_ID = "careerblog-error-overlay";
  var WARNINGS_ID = "careerblog-warnings";
  var warningsShown = "";  // the warnings in the panel now, "" when there is no panel
  var warningsDismissed = "";  // the warnings the author dismissed on this page

  function remove(id) {
    var node = document.getElementById(id);
    if (node) {
      node.parentNode.removeChild(node);
    }
  }

  function hide() {
    remove(OVERLAY_ID);
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

  function showWarnings(warnings) {
    var text = warnings.join("\n\n");
    if (text === warningsShown) {
      return;  // the same warnings: the panel stays open or closed as the author left it
    }
    remove(WARNINGS_ID);
    warningsShown = "";
    if (!text || text === warningsDismissed) {
      return;
    }
    var panel = element("div", "", "position:fixed;right:1rem;bottom:1rem;z-index:2147483646;" +
      "box-sizing:border-box;max-width:min(40rem,calc(100vw - 2rem));max-height:50vh;overflow:auto;" +
      "padding:0.75rem 1rem;margin:0;background:rgba(24,24,28,0.95);color:#f4f4f5;border-left:4px solid #fbbf24;" +
      "border-radius:6px;box-shadow:0 4px 16px rgba(0,0,0,0.3);font:14px/1.5 system-ui,sans-serif;text-align:left;");
    panel.id = WARNINGS_ID;
    panel.setAttribute("role", "status");
    panel.setAttribute("aria-label", "careerblog warnings");
    var details = element("details", "", "margin:0;");
    details.open = true;
    details.appendChild(element("summary", warnings.length + (warnings.length === 1 ? " warning" : " warnings") +
      " in the last build", "cursor:pointer;font-weight:700;color:#fde68a;"));
    details.appendChild(element("pre", text, "margin:0.5rem 0 0;padding:0.5rem;white-space:pre-wrap;" +
      "overflow-wrap:anywhere;background:#000;color:#fde68a;border-radius:4px;" +
      "font:13px/1.5 ui-monospace,Menlo,Consolas,monospace;"));
    panel.appendChild(details);
    var dismiss = element("button", "Dismiss", "margin-top:0.5rem;padding:0.2rem 0.8rem;font:inherit;cursor:pointer;");
    dismiss.type = "button";
    dismiss.addEventListener("click", function () {
      warningsDismissed = text;
      warningsShown = "";
      remove(WARNINGS_ID);
    });
    panel.appendChild(dismiss);
    (document.body || document.documentElement).appendChild(panel);
    warningsShown = text;
  }

  function follow(state) {
    if (!state.ok) {
      showWarnings([]);  // the overlay wins
      show(state.errors);
    } else if (state.generation !== pageGeneration) {
      window.location.reload();
    } else {
      hide();
      showWarnings(state.warnings || []);
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
