// The chat widget. Plain JavaScript, no build step. Every text is inserted with textContent, never
// parsed as markup: what the assistant, a caseworker or the citizen wrote is only ever shown as text.
(function () {
  "use strict";

  var WORKING_AFTER_MS = 2000;
  var RESEND_AFTER_MS = 1500;  // a message whose answer did not arrive is sent once more after this
  var POLL_MS = 8000;
  var LINK = /^(https?:\/\/|\/auth\/)/;

  var el = {};
  var texts = {};
  var lastId = 0;
  var busy = false;
  var submitWaiting = false;  // the citizen pressed send while busy: send once the work ends
  var lastButtons = {};
  var pollTimer = null;

  function $(id) { return document.getElementById(id); }

  function readTexts() {
    var data = $("ui-texts").dataset;
    texts = {
      working: data.working,
      sender_citizen: data.senderCitizen,
      sender_bot: data.senderBot,
      sender_caseworker: data.senderCaseworker,
      network_error: data.networkError,
      typing: data.typing,
      logged_out: data.loggedOut,
      upload_sending: data.uploadSending,
      upload_failed: data.uploadFailed
    };
  }

  function applyTexts(language, fresh) {
    Object.keys(fresh).forEach(function (key) { texts[key] = fresh[key]; });
    document.documentElement.lang = language;
    document.querySelectorAll("[data-text]").forEach(function (node) {
      var value = fresh[node.dataset.text];
      if (value) { node.textContent = value; }
    });
    document.querySelectorAll("[data-text-aria-label]").forEach(function (node) {
      var value = fresh[node.dataset.textAriaLabel];
      if (value) { node.setAttribute("aria-label", value); }
    });
    if (fresh.page_title) { document.title = fresh.page_title; }
  }

  function switchLanguage(language) {
    if (!language || language === document.documentElement.lang) { return; }
    fetch("/ui-texts?language=" + encodeURIComponent(language), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body) { applyTexts(body.language, body.texts); } })
      .catch(function () { /* the labels stay as they were */ });
  }

  function senderLabel(sender) {
    if (sender === "citizen") { return texts.sender_citizen; }
    if (sender === "caseworker") { return texts.sender_caseworker; }
    return texts.sender_bot;
  }

  function openLink(payload) {
    var url = new URL(payload, window.location.href);
    if (url.origin === window.location.origin) {
      window.location.assign(url.href);
    } else {
      window.open(url.href, "_blank", "noopener");
    }
  }

  function addMessage(sender, text, buttons) {
    var item = document.createElement("div");
    item.className = "message " + sender;
    var label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = senderLabel(sender) + ": ";
    item.appendChild(label);
    var body = document.createElement("p");
    body.className = "text";
    body.textContent = text;
    item.appendChild(body);
    if (buttons && buttons.length) {
      var group = document.createElement("div");
      group.className = "buttons";
      lastButtons = {};
      buttons.forEach(function (button) {
        lastButtons[button.payload] = button.title;
        var node = document.createElement("button");
        node.type = "button";
        node.className = "button button-secondary";
        node.textContent = button.title;
        if (LINK.test(button.payload)) {
          node.className += " link";
          node.addEventListener("click", function () { openLink(button.payload); });
        } else {
          node.addEventListener("click", function () { send(button.payload, button.title); });
        }
        group.appendChild(node);
      });
      item.appendChild(group);
    }
    el.log.appendChild(item);
    el.log.scrollTop = el.log.scrollHeight;
  }

  // The "Log out" control is shown only while the backend says this browser is logged in.
  function setAuthenticated(body) {
    if (body && typeof body.authenticated === "boolean") {
      el.logout.hidden = !body.authenticated;
      el.attach.hidden = !body.authenticated;  // documents are sent by a logged-in citizen only
    }
  }

  // Documents: every chosen file is listed at once with a progress bar named by the file's name; the
  // files are then sent one after the other (POST /api/chat/attachments, multipart, one file each).
  // A bar is full when its file has been sent; the backend's answer (a confirmation, or why the file
  // was not accepted, in the conversation's language) then replaces it in the conversation.
  var uploadCount = 0;

  function uploadItem(file) {
    uploadCount += 1;
    var item = document.createElement("li");
    var label = document.createElement("span");
    label.id = "chat-upload-" + uploadCount;
    label.textContent = texts.upload_sending + " " + file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-labelledby", label.id);
    item.appendChild(label);
    item.appendChild(bar);
    el.uploads.appendChild(item);
    return { file: file, item: item, bar: bar };
  }

  function uploadOne(upload) {
    return new Promise(function (resolve) {
      var item = upload.item;
      var bar = upload.bar;
      var form = new FormData();
      form.append("file", upload.file, upload.file.name);
      var request = new XMLHttpRequest();
      request.open("POST", "/api/chat/attachments");
      request.withCredentials = true;
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) { bar.value = Math.round((event.loaded / event.total) * bar.max); }
      });
      request.upload.addEventListener("load", function () { bar.value = bar.max; });
      request.addEventListener("load", function () {
        var body = {};
        try { body = JSON.parse(request.responseText || "{}"); } catch (ignored) { body = {}; }
        el.uploads.removeChild(item);
        if (request.status === 201 && body.message) {
          addMessage("bot", body.message.text, body.message.buttons);
        } else {
          addMessage("bot", body.message || texts.upload_failed);
        }
        syncLastId().then(resolve, resolve);
      });
      request.addEventListener("error", function () {
        el.uploads.removeChild(item);
        el.status.textContent = texts.upload_failed;
        resolve();
      });
      request.send(form);
    });
  }

  function uploadChosen() {
    var uploads = Array.prototype.map.call(el.file.files || [], uploadItem);
    el.file.value = "";
    uploads.reduce(function (previous, upload) {
      return previous.then(function () { return uploadOne(upload); });
    }, Promise.resolve()).then(function () { el.file.focus(); });
  }

  // Nothing of a conversation stays on the screen once its session has ended (a shared computer).
  function clearLog() {
    el.log.textContent = "";
    lastId = 0;
    lastButtons = {};
  }

  function sessionEnded(body) {
    if (!body || !body.session_ended) { return false; }
    clearLog();
    el.logout.hidden = true;
    if (body.notice) { addMessage("bot", body.notice.text, body.notice.buttons); }
    endProviderSession(body);
    return true;
  }

  // After an eID login the provider's own session ends too (its page comes back to ours).
  function endProviderSession(answer) {
    if (answer && answer.end_session_url) { window.location.assign(answer.end_session_url); }
  }

  function logOut() {
    post("/auth/logout", {})
      .then(function (answer) {
        clearLog();
        el.logout.hidden = true;
        addMessage("bot", texts.logged_out);
        el.input.focus();
        endProviderSession(answer);
      })
      .catch(function () { el.status.textContent = texts.network_error; });
  }

  function showMessages(messages) {
    (messages || []).forEach(function (message) {
      addMessage("bot", message.text, message.buttons);
    });
  }

  function choosePayload(language) { return '/choose_language{"language":"' + language + '"}'; }

  function languageTitle(payload) {
    var title = null;
    document.querySelectorAll("button.language").forEach(function (button) {
      if (choosePayload(button.dataset.language) === payload) { title = button.textContent; }
    });
    return title;
  }

  function showHistory(messages) {
    (messages || []).forEach(function (message) {
      var text = message.text;
      if (message.sender === "citizen" && text.charAt(0) === "/") {
        text = lastButtons[text] || languageTitle(text) || text;
      }
      addMessage(message.sender, text, message.buttons);
      lastId = Math.max(lastId, message.id || 0);
    });
  }

  function setWorking(on) {
    busy = on;
    el.typing.hidden = !on;
    el.send.setAttribute("aria-disabled", on ? "true" : "false");
    el.status.textContent = "";
    clearTimeout(setWorking.timer);
    if (on) {
      setWorking.timer = setTimeout(function () { el.status.textContent = texts.working; }, WORKING_AFTER_MS);
    } else if (submitWaiting) {
      submitWaiting = false;
      setTimeout(submitInput, 0);  // after the answer that ended the work is shown
    }
  }

  // A message the citizen sends while the assistant is still working (on an answer, or on what the
  // page asked for when it loaded) is sent as soon as the work ends, never dropped.
  function submitInput() {
    var text = el.input.value;
    if (!text.trim()) { return; }
    if (busy) { submitWaiting = true; return; }
    el.input.value = "";
    send(text);
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 429) {
        // Too many messages: the answer carries a short notice in the citizen's language.
        return response.json().catch(function () { return {}; }).then(function (body) {
          var error = new Error("HTTP 429");
          error.notice = body.message;
          throw error;
        });
      }
      if (!response.ok) {
        var failed = new Error("HTTP " + response.status);
        failed.status = response.status;
        throw failed;
      }
      return response.json();
    });
  }

  // Each message carries an id of its own. When its answer does not arrive (the network failed, or
  // the server instance stopped), the same message is sent once more with the same id: the server
  // answers it once and never takes it as two messages.
  function newMessageId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function postTurn(body, retried) {
    return post("/api/chat/messages", body).catch(function (error) {
      var transient = !error.status || [502, 503, 504].indexOf(error.status) >= 0;
      if (retried || error.notice || !transient) { throw error; }
      return new Promise(function (resolve) { setTimeout(resolve, RESEND_AFTER_MS); })
        .then(function () { return postTurn(body, true); });
    });
  }

  function pageLanguageHint() {
    var asked = new URLSearchParams(window.location.search).get("lang");
    return ["kl", "da", "sv"].indexOf(asked) >= 0 ? asked : null;
  }

  function send(text, shown) {
    if (busy || !text.trim()) { return; }
    addMessage("citizen", shown || text);
    setWorking(true);
    var body = { text: text, client_message_id: newMessageId() };
    var hint = pageLanguageHint();
    if (hint) { body.language = hint; }
    postTurn(body, false)
      .then(function (answer) {
        setWorking(false);
        sessionEnded(answer);
        setAuthenticated(answer);
        showMessages(answer.messages);
        switchLanguage(answer.language);
        syncLastId();
      })
      .catch(function (error) {
        setWorking(false);
        el.status.textContent = (error && error.notice) || texts.network_error;
      });
  }

  function syncLastId() {
    return fetch("/api/chat/history?after=" + lastId, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body) { return []; }
        if (sessionEnded(body)) { return []; }
        if (body.conversation_id === null && lastId > 0) { clearLog(); }
        setAuthenticated(body);
        body.messages.forEach(function (message) {
          if (message.sender === "caseworker") { addMessage("caseworker", message.text, message.buttons); }
          lastId = Math.max(lastId, message.id);
        });
        return body.messages;
      })
      .catch(function () { return []; });
  }

  function poll() {
    // Messages a caseworker writes while owning the conversation arrive without the citizen asking.
    if (busy || el.chat.hidden || document.hidden) { return; }
    syncLastId();
  }

  function openChat() {
    el.chat.hidden = false;
    el.open.setAttribute("aria-expanded", "true");
    sessionStorage.setItem("inissiaq-chat-open", "1");
    el.input.focus();
    if (!pollTimer) { pollTimer = setInterval(poll, POLL_MS); }
  }

  function closeChat() {
    el.chat.hidden = true;
    el.open.setAttribute("aria-expanded", "false");
    sessionStorage.removeItem("inissiaq-chat-open");
    el.open.focus();
  }

  function start() {
    el = {
      chat: $("chat"), open: $("chat-open"), close: $("chat-close"), log: $("chat-log"),
      typing: $("chat-typing"), status: $("chat-status"), form: $("chat-form"),
      input: $("chat-input"), send: $("chat-send"), logout: $("chat-logout"),
      attach: $("chat-attach"), file: $("chat-file"), uploads: $("chat-uploads")
    };
    readTexts();
    el.open.addEventListener("click", openChat);
    el.close.addEventListener("click", closeChat);
    el.logout.addEventListener("click", logOut);
    el.file.addEventListener("change", uploadChosen);
    el.chat.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { closeChat(); }
    });
    el.form.addEventListener("submit", function (event) {
      event.preventDefault();
      submitInput();
    });
    document.querySelectorAll("button.language").forEach(function (button) {
      button.addEventListener("click", function () {
        var language = button.dataset.language;
        send(choosePayload(language), button.textContent);
      });
    });

    var params = new URLSearchParams(window.location.search);
    var wantOpen = params.get("chat") === "open" || sessionStorage.getItem("inissiaq-chat-open") === "1";
    fetch("/api/chat/history", { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (sessionEnded(body)) {
          if (wantOpen) { openChat(); }
          return null;
        }
        setAuthenticated(body);
        if (body && body.messages.length) {
          showHistory(body.messages);
          if (wantOpen) { openChat(); }
          setWorking(true);
          return post("/api/chat/resume", {}).then(function (answer) {
            setWorking(false);
            if (!sessionEnded(answer)) { setAuthenticated(answer); }
            showMessages(answer.messages);
            return syncLastId();
          });
        }
        if (wantOpen) { openChat(); }
        return null;
      })
      .catch(function () { setWorking(false); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
