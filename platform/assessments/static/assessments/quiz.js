// Quiz page: autosave every answer on change, never lose one.
// Each change gets a sequence number that only grows (time-based, so it keeps growing across
// reloads); the server keeps the newest per part, so a late-arriving old save cannot overwrite a
// newer one. Unsent answers live in localStorage until the server confirms them, are put back
// into the page on reload, and are resent when the connection returns. The countdown only
// displays: the server decides when time is up and answers 409 after that. Every save answers
// with the seconds left by the server's rule, so an extension granted mid-exam moves the countdown.
(function () {
  "use strict";
  var root = document.getElementById("quiz");
  if (!root || root.dataset.open !== "1") { return; }
  var storageKey = root.dataset.storageKey;
  var statusEl = root.querySelector("[data-testid=save-status]");
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var pending = load();
  var lastSeq = 0;
  var closed = false;
  var inflight = {};
  var end = null;  // when the countdown reaches 0 (this device's clock), null without a timer

  function load() { try { return JSON.parse(localStorage.getItem(storageKey) || "{}"); } catch (e) { return {}; } }
  function store() { try { localStorage.setItem(storageKey, JSON.stringify(pending)); } catch (e) { /* full: the server copy still counts */ } }
  function status(text) { if (statusEl) { statusEl.textContent = text; } }
  function nextSeq() { lastSeq = Math.max(Date.now(), lastSeq + 1); return lastSeq; }

  function valueOf(part) {
    var type = part.dataset.type;
    if (type === "choice") {
      var boxes = part.querySelectorAll("input");
      var picked = [];
      boxes.forEach(function (b) { if (b.checked) { picked.push(parseInt(b.value, 10)); } });
      if (boxes.length && boxes[0].type === "radio") { return picked.length ? picked[0] : null; }
      return picked;
    }
    if (type === "circuit") { var c = part.querySelector("lz-circuit"); return c ? c.value : null; }
    var input = part.querySelector(".quiz-input");
    return input ? input.value : null;
  }

  function setValue(part, value) {
    var type = part.dataset.type;
    if (type === "choice") {
      var list = Array.isArray(value) ? value : [value];
      part.querySelectorAll("input").forEach(function (b) { b.checked = list.indexOf(parseInt(b.value, 10)) >= 0; });
    } else if (type === "circuit") {
      var c = part.querySelector("lz-circuit");
      if (c && c.setValue) { c.setValue(value); }
    } else {
      var input = part.querySelector(".quiz-input");
      if (input) { input.value = value == null ? "" : value; }
    }
  }

  function disableAll() {
    root.querySelectorAll("input, textarea, button").forEach(function (n) { n.disabled = true; });
    root.querySelectorAll("lz-circuit").forEach(function (c) { c.readonly = true; });
  }

  function send(key) {
    var item = pending[key];
    if (!item || closed || inflight[key] === item.seq) { return; }
    inflight[key] = item.seq;
    status(root.dataset.msgSaving);
    fetch(root.dataset.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ key: key, value: item.value, seq: item.seq })
    }).then(function (r) {
      if (r.status === 409) {
        closed = true;
        status(root.dataset.msgClosed);
        root.dataset.closed = "1";
        disableAll();
        return null;
      }
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    }).then(function (data) {
      delete inflight[key];
      if (!data) { return; }
      if (end !== null && typeof data.remaining === "number") { end = Date.now() + data.remaining * 1000; }
      if (pending[key] && data.seq >= pending[key].seq) { delete pending[key]; store(); }
      if (Object.keys(pending).length === 0) { status(root.dataset.msgSaved); root.dataset.unsent = "0"; }
      else { flush(); }
    }).catch(function () {
      delete inflight[key];
      status(root.dataset.msgOffline);
      root.dataset.unsent = String(Object.keys(pending).length);
    });
  }

  function flush() { Object.keys(pending).forEach(send); }

  function changed(part) {
    if (closed) { return; }
    pending[part.dataset.key] = { value: valueOf(part), seq: nextSeq() };
    store();
    root.dataset.unsent = String(Object.keys(pending).length);
    send(part.dataset.key);
  }

  var timers = {};
  root.querySelectorAll(".quiz-part").forEach(function (part) {
    var key = part.dataset.key;
    var serverSeq = parseInt(part.dataset.seq || "0", 10);
    lastSeq = Math.max(lastSeq, serverSeq);
    if (pending[key]) {
      if (pending[key].seq > serverSeq) { setValue(part, pending[key].value); lastSeq = Math.max(lastSeq, pending[key].seq); }
      else { delete pending[key]; }
    }
    part.addEventListener("change", function () { changed(part); });
    part.addEventListener("input", function (e) {
      if (e.target.classList && e.target.classList.contains("quiz-input")) {
        clearTimeout(timers[key]);
        timers[key] = setTimeout(function () { changed(part); }, 400);
      }
    });
  });
  // the math keys insert their text at the cursor of the part's field (phones have no ^ or π key)
  root.querySelectorAll(".quiz-mathkeys button").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = button.closest(".quiz-part").querySelector(".quiz-input");
      var start = input.selectionStart == null ? input.value.length : input.selectionStart;
      var end = input.selectionEnd == null ? start : input.selectionEnd;
      input.value = input.value.slice(0, start) + button.dataset.insert + input.value.slice(end);
      input.focus();
      input.setSelectionRange(start + button.dataset.insert.length, start + button.dataset.insert.length);
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
  store();
  flush();
  window.addEventListener("online", flush);
  setInterval(function () { if (Object.keys(pending).length) { flush(); } }, 3000);

  var timer = document.querySelector("[data-testid=timer]");
  if (timer) {
    end = Date.now() + parseInt(timer.dataset.remaining, 10) * 1000;
    var out = timer.querySelector("[data-countdown]");
    var tick = function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      out.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      if (left === 0) { flush(); setTimeout(function () { window.location.reload(); }, 1500); return; }
      setTimeout(tick, 1000);
    };
    tick();
  }
})();
