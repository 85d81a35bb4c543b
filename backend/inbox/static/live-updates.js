// Keeps an inbox page current without a reload. The server-sent events of /api/caseworker/events
// carry counts only ("application", "message", "live"); on each one the page fetches itself again and
// swaps in the new <main>. It never replaces the page while the caseworker is typing in a form: then
// it only says that something is new.
(function () {
  "use strict";
  var status = document.getElementById("live-status");
  if (!window.EventSource || !status) return;
  var words = {
    application: "New application",
    message: "New message from a citizen",
    live: "Live conversations changed",
  };
  var busy = false;

  function typing() {
    var fields = document.querySelectorAll("main textarea, main input[type=text], main input:not([type])");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value) return true;
    }
    return false;
  }

  function refresh(kind) {
    var when = new Date().toLocaleTimeString();
    if (typing()) {
      status.textContent = words[kind] + " (" + when + "). Reload the page to see it.";
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
        if (next && main) main.innerHTML = next.innerHTML;
        status.textContent = words[kind] + " (" + when + ")";
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
