// The grading panel shows the server's 400 answer (the reason a submission was refused)
// instead of htmx's default of ignoring error responses.
(function () {
  "use strict";
  if (window.liangzhiGradingInit) { return; }
  window.liangzhiGradingInit = true;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (event.detail.xhr.status === 400 && target && target.closest && target.closest("[data-grading-panel]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
