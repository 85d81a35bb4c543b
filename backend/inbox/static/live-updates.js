// Keeps an inbox page current without a reload. The server-sent events of /api/caseworker/events
// carry counts only ("application", "message", "live"); on each one the page fetches itself again and
// swaps in the new <main>, but only when its content really changed and the caseworker is not using
// it: while a field in <main> has a value or the focus, or the pointer is pressed, the page only says
// that something is new. The check runs again when the fetched page arrives, so a fetch started
// before the caseworker began typing never replaces what they are writing.
(function () {
  "use strict";
  var status = document.getElementById("live-status");
  if (!window.EventSource || !status) return;
  var words = {
    application: status.getAttribute("data-application") || "New application",
    message: status.getAttribute("data-message") || "New message from a citizen",
    live: status.getAttribute("data-live") || "Live conversations changed",
  };
  var reloadHint = status.getAttribute("data-reload") || "Reload the page to see it.";
  var busy = false;
  var pressed = false;
  document.addEventListener("pointerdown", function () { pressed = true; }, true);
  document.addEventListener("pointerup", function () { pressed = false; }, true);

  function inUse() {
    var main = document.querySelector("main");
    if (!main) return true;
    if (pressed) return true;
    var active = document.activeElement;
    if (active && active !== document.body && main.contains(active) && /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(active.tagName)) {
      return true;
    }
    var fields = main.querySelectorAll("textarea, input[type=text], input[type=search], input[type=date], input:not([type])");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value) return true;
    }
    return false;
  }

  function say(kind, when, hint) {
    status.textContent = words[kind] + " (" + when + ")" + (hint ? ". " + reloadHint : "");
  }

  function refresh(kind) {
    // The clock time in Greenland, in the page's language (the caseworker's).
    var when = new Date().toLocaleTimeString(document.documentElement.lang || undefined, {
      timeZone: "America/Nuuk",
      hour: "2-digit",
      minute: "2-digit",
    });
    if (inUse()) {
      say(kind, when, true);
      return;
    }
    if (busy) return;
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (text) {
        if (!text) return;
        var next = new DOMParser().parseFromString(text, "text/html").querySelector("main");
        var main = document.querySelector("main");
        if (!next || !main) return;
        if (next.innerHTML === main.innerHTML) {
          say(kind, when, false);
          return;
        }
        if (inUse()) {
          say(kind, when, true);
          return;
        }
        main.innerHTML = next.innerHTML;
        say(kind, when, false);
      })
      .finally(function () {
        busy = false;
      });
  }

  var source = new EventSource("/api/caseworker/events");
  Object.keys(words).forEach(function (kind) {
    source.addEventListener(kind, function () {
      refresh(kind);
    });
  });
})();
