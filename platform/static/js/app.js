// Liangzhi Lab: the only page script besides vendored libraries. No inline scripts anywhere,
// so the Content-Security-Policy can forbid them.
(function () {
  "use strict";

  // htmx sends the CSRF token from the page's meta tag.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
  });

  function renderMath(root) {
    if (!window.renderMathInElement) { return; }
    root.querySelectorAll(".arithmatex, .math-content, .jp-RenderedMarkdown, .jp-RenderedHTMLCommon").forEach(function (el) {
      if (el.dataset.mathDone) { return; }
      el.dataset.mathDone = "1";
      window.renderMathInElement(el, {
        delimiters: [
          { left: "$$", right: "$$", display: true },
          { left: "\\[", right: "\\]", display: true },
          { left: "\\(", right: "\\)", display: false },
          { left: "$", right: "$", display: false }
        ],
        throwOnError: false
      });
    });
  }

  function renderCharts(root) {
    if (!window.Plotly) { return; }
    root.querySelectorAll("[data-plotly]").forEach(function (el) {
      if (el.dataset.plotDone) { return; }
      var source = document.getElementById(el.dataset.plotly);
      if (!source) { return; }
      var fig = JSON.parse(source.textContent);
      el.dataset.plotDone = "1";
      window.Plotly.newPlot(el, fig.data, fig.layout || {}, { responsive: true, displaylogo: false });
    });
  }

  // Forms marked data-confirm ask before a destructive action; forms marked data-busy show
  // a progress bar while the server works (a course import takes a few seconds) and cannot be
  // submitted twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (form.dataset && form.dataset.busy !== undefined) {
      if (form.dataset.busyActive) { event.preventDefault(); return; }
      form.dataset.busyActive = "1";
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      var bar = document.createElement("div");
      bar.className = "busy";
      bar.setAttribute("role", "progressbar");
      bar.setAttribute("aria-busy", "true");
      bar.innerHTML = '<div class="progress indeterminate"><span></span></div><p class="small muted"></p>';
      bar.querySelector("p").textContent = form.dataset.busy;
      form.appendChild(bar);
    }
  });

  // A select that submits its form on change (language, role).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.dataset && el.dataset.autosubmit !== undefined && el.form) { el.form.requestSubmit(); }
  });

  // A button that prints the page (login slips).
  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("[data-print]");
    if (el) { window.print(); }
  });

  function init(root) { renderMath(root); renderCharts(root); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (event) { init(event.target); });
  window.Liangzhi = { init: init };
})();
