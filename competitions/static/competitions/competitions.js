// Competitions page: show a refused submission (400/403/409/413/429) next to the form. htmx 2 does not
// swap error responses by default; the server renders a small explanation for exactly this slot.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    // The element that sent the request (detail.elt is the swap target here).
    var form = (event.detail.requestConfig && event.detail.requestConfig.elt) || event.detail.elt;
    if (!form || !form.closest || !form.closest("#submit-card")) { return; }
    var slot = document.getElementById("submit-error");
    var status = event.detail.xhr.status;
    if (status >= 400 && status < 500 && slot) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      event.detail.target = slot;
    } else if (status < 300 && slot) {
      slot.innerHTML = "";
      if (form.reset) { form.reset(); }
    }
  });
})();

// Synchronised start: count down from the seconds the server computed when it rendered the page
// (its clock is the authority; the browser's own clock is never read), then reload at zero so the
// submit form appears or disappears as the server decides.
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function start(el) {
    var total = parseInt(el.getAttribute("data-countdown"), 10);
    if (isNaN(total)) { return; }
    var clock = el.querySelector(".cmp-countdown-clock");
    var t0 = performance.now();
    function tick() {
      var left = Math.max(0, Math.ceil(total - (performance.now() - t0) / 1000));
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600);
      var m = Math.floor(left % 3600 / 60), s = left % 60;
      if (clock) { clock.textContent = (d ? d + "d " : "") + pad(h) + ":" + pad(m) + ":" + pad(s); }
      el.setAttribute("data-left", String(left));
      if (left <= 0) { window.setTimeout(function () { window.location.reload(); }, 1000); return; }
      window.setTimeout(tick, 250);
    }
    tick();
  }
  function init() { document.querySelectorAll("[data-countdown]").forEach(start); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
