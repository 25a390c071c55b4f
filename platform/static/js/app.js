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

  // Every failed htmx request reaches the person: htmx drops error answers (and network
  // failures) silently, so the old "Graded 8/10" stayed on screen after a 500 on submit.
  // The message says what happened and whether the work was kept; what the failed request
  // would have refreshed is marked as not current. Words come from #js-messages (base.html),
  // translated by Django.
  function jsMessage(key, status) {
    var box = document.getElementById("js-messages");
    var text = (box && box.dataset[key]) || key;
    return text.replace("{status}", String(status || ""));
  }
  function requestBox(elt) {
    if (!elt || !elt.closest) { return null; }
    return elt.closest("[data-request-status]") || elt.closest("[data-grading-panel]") ||
      elt.closest("#submit-card") || elt.closest(".card") || elt.parentElement;
  }
  function serverText(xhr) {
    // A refusal's own words: the body of a 4xx page (Django's 403/404 pages, a fragment).
    var type = (xhr.getResponseHeader && xhr.getResponseHeader("Content-Type")) || "";
    var body = xhr.responseText || "";
    if (!body || body.length > 200000) { return ""; }
    if (type.indexOf("json") !== -1) {
      try { var data = JSON.parse(body); return String(data.error || data.message || data.detail || ""); } catch (e) { return ""; }
    }
    if (type.indexOf("html") === -1) { return type.indexOf("text/") === 0 ? body.slice(0, 400) : ""; }
    var doc = new DOMParser().parseFromString(body, "text/html");
    var pick = doc.querySelector("[role=alert], .notice, .msg, main p, main h1, body p, h1");
    return pick ? pick.textContent.replace(/\s+/g, " ").trim().slice(0, 400) : "";
  }
  function markStale(target, box) {
    var stale = [];
    if (box) { box.querySelectorAll("[data-testid=receipt], [data-testid=my-submissions], [data-live-result]").forEach(function (el) { stale.push(el); }); }
    if (target && target !== box && stale.indexOf(target) === -1 && target.id !== "submit-error") { stale.push(target); }
    stale.forEach(function (el) {
      if (el.dataset.stale) { return; }
      el.dataset.stale = "1";
      el.classList.add("stale");
      var note = document.createElement("p");
      note.className = "stale-note small";
      note.dataset.staleNote = "1";
      note.textContent = jsMessage("staleText");
      el.insertBefore(note, el.firstChild);
    });
  }
  function clearRequestError(box) {
    if (!box) { return; }
    box.querySelectorAll("[data-request-error]").forEach(function (el) { el.remove(); });
    box.querySelectorAll("[data-stale-note]").forEach(function (el) { el.remove(); });
    box.querySelectorAll("[data-stale]").forEach(function (el) { delete el.dataset.stale; el.classList.remove("stale"); });
  }
  function showRequestError(detail, text) {
    var elt = (detail.requestConfig && detail.requestConfig.elt) || detail.elt;
    var box = requestBox(elt);
    if (!box) { return; }
    var slot = box.querySelector("[data-request-error]");
    if (!slot) {
      slot = document.createElement("p");
      slot.className = "notice notice-bad";
      slot.setAttribute("role", "alert");
      slot.setAttribute("data-request-error", "1");
      slot.setAttribute("data-testid", "request-error");
      var form = elt && elt.closest ? elt.closest("form") : null;
      if (form && box.contains(form)) { form.parentNode.insertBefore(slot, form); } else { box.insertBefore(slot, box.firstChild); }
    }
    slot.textContent = text;
    markStale(detail.target, box);
  }
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    var text;
    if (status >= 500) {
      text = jsMessage("serverError", status);
    } else {
      var said = xhr ? serverText(xhr) : "";
      text = said ? jsMessage("refusedWith", status) + " " + said : jsMessage("refused", status);
    }
    showRequestError(event.detail, text);
  });
  document.addEventListener("htmx:sendError", function (event) {
    showRequestError(event.detail, jsMessage("networkError"));
  });
  document.addEventListener("htmx:timeout", function (event) {
    showRequestError(event.detail, jsMessage("timeout"));
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) {
      var elt = (event.detail.requestConfig && event.detail.requestConfig.elt) || event.detail.elt;
      clearRequestError(requestBox(elt));
    }
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
