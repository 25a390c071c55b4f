// The lab's start-up page: follow the hub's progress (relayed by the site as server-sent
// events), then place the notebooks and go into JupyterLab. No inline scripts (CSP).
(function () {
  "use strict";
  function start() {
    var box = document.querySelector("[data-lab-progress]");
    if (!box) { return; }
    var bar = box.querySelector("[data-lab-bar]");
    var meter = box.querySelector("[role=progressbar]");
    var message = box.querySelector("[data-lab-message]");
    var errorBox = box.querySelector("[data-lab-error]");
    var done = false;

    var shown = 0;
    function set(progress, text) {
      // never backwards (a re-read stream starts again at 0)
      var p = shown = Math.max(shown, Math.min(100, progress || 0));
      bar.style.width = p + "%";
      meter.setAttribute("aria-valuenow", String(p));
      if (text) { message.textContent = text; }
    }
    function fail(text) {
      done = true;
      errorBox.textContent = text || box.dataset.unavailable;
      errorBox.hidden = false;
      box.dataset.state = "failed";
    }
    function enter() {
      set(100, message.textContent);
      box.dataset.state = "entering";
      var csrf = document.querySelector('meta[name="csrf-token"]');
      var body = new URLSearchParams();
      if (box.dataset.reset === "1") { body.set("reset", "1"); }
      fetch(box.dataset.enterUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf ? csrf.content : "", "Accept": "application/json" },
        body: body
      }).then(function (r) { return r.json(); }).then(function (data) {
        if (data.url) { box.dataset.state = "ready"; window.location.assign(data.url); }
        else { fail(data.error); }
      }).catch(function () { fail(); });
    }

    var source = new EventSource(box.dataset.progressUrl);
    source.onmessage = function (e) {
      var ev = JSON.parse(e.data);
      set(ev.progress, ev.message);
      if (ev.failed) { source.close(); fail(ev.message); }
      else if (ev.ready) { done = true; source.close(); enter(); }
    };
    source.onerror = function () { source.close(); if (!done) { fail(); } };
  }
  document.addEventListener("DOMContentLoaded", start);
})();
