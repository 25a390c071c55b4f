// Grading one question across students, from the keyboard (vendored with the site: no inline
// script, the CSP forbids it). j / n: next answer; k / p: previous; digits 1-9 tick rubric item N
// (without a rubric they type the score); Enter saves (and moves to the next answer to grade).
// Keys typed into a text field stay there, except Enter in the score field, which saves.
(function () {
  "use strict";
  var form = document.getElementById("grade-form");
  if (!form) { return; }
  var score = document.getElementById("grade-score");
  var comment = document.getElementById("grade-comment");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=rubric]"));
  var max = parseFloat(form.getAttribute("data-max") || "NaN");

  function rubricTotal() {
    var sum = 0;
    boxes.forEach(function (b) { if (b.checked) { sum += parseFloat(b.getAttribute("data-points")) || 0; } });
    if (sum < 0) { sum = 0; }
    if (!isNaN(max) && sum > max) { sum = max; }
    return Math.round(sum * 100) / 100;
  }
  function syncScore() {
    if (boxes.some(function (b) { return b.checked; })) { score.value = String(rubricTotal()); }
  }
  boxes.forEach(function (b) { b.addEventListener("change", syncScore); });

  document.querySelectorAll("[data-insert-comment]").forEach(function (button) {
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-insert-comment");
      comment.value = comment.value ? comment.value.replace(/\s*$/, "") + "\n" + text : text;
      comment.focus();
    });
  });

  function go(which) {
    var link = document.querySelector("[data-nav=" + which + "]");
    if (link) { window.location.assign(link.href); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var typing = target && (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type !== "checkbox"));
    if (event.key === "Enter" && target === score) { event.preventDefault(); form.requestSubmit(); return; }
    if (typing) { return; }
    if (event.key === "j" || event.key === "n") { event.preventDefault(); go("next"); return; }
    if (event.key === "k" || event.key === "p") { event.preventDefault(); go("prev"); return; }
    if (event.key === "Enter") { event.preventDefault(); form.requestSubmit(); return; }
    if (/^[0-9]$/.test(event.key)) {
      event.preventDefault();
      if (boxes.length) {
        var box = form.querySelector("input[name=rubric][data-key='" + event.key + "']");
        if (box) { box.checked = !box.checked; syncScore(); }
      } else {
        score.value = event.key;
      }
    }
  });
})();
