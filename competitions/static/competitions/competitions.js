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
