// <lz-circuit>: a small circuit composer (qubit wires × time steps, SVG), written for the quiz page.
// Drag a gate from the palette onto a cell, or tap a gate and then a cell (phones), or use the
// keyboard: arrow keys move the cursor, H X Y Z S T place that gate, R a rotation (angle from the
// angle box), C a CNOT (control at the cursor, target on the next wire; C again moves the target
// to the following wire, as does dropping or tapping CNOT on its control again), Shift+Z a CZ, M a
// measurement, Delete/Backspace removes. The value is {"qubits": n, "ops": [{gate, targets,
// controls?, angle?, step}]}, read from .value and announced with a bubbling "change" event.
// No inline script, no eval: the page's CSP forbids both.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var ALL = ["h", "x", "y", "z", "s", "t", "rx", "ry", "rz", "cx", "cz", "measure"];
  var KEYS = { h: "h", x: "x", y: "y", z: "z", s: "s", t: "t", r: "ry", c: "cx", m: "measure" };
  var CELL = 44, LEFT = 40, TOP = 14;

  function parseAngle(text) {
    // "pi/2", "-pi/4", "3*pi/4", "0.5", "2pi/3": enough for angles, no eval
    var s = String(text || "").replace(/\s+/g, "").replace(/π/g, "pi").toLowerCase();
    var m = /^(-?)(\d*\.?\d*)\*?(pi)?(?:\/(\d+\.?\d*))?$/.exec(s);
    if (!m || (!m[2] && !m[3])) { return null; }
    var v = (m[2] ? parseFloat(m[2]) : 1) * (m[3] ? Math.PI : 1) / (m[4] ? parseFloat(m[4]) : 1);
    if (!isFinite(v)) { return null; }
    return m[1] ? -v : v;
  }

  function el(name, attrs, ns) {
    var node = ns ? document.createElementNS(SVG, name) : document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  class LzCircuit extends HTMLElement {
    connectedCallback() {
      if (this._ready) { return; }
      this._ready = true;
      this.qubits = Math.max(1, Math.min(6, parseInt(this.dataset.qubits || "2", 10)));
      this.steps = 8;
      this.cursor = { q: 0, step: 0 };
      this.selected = null;
      this.readonly = this.dataset.readonly === "1";
      var allowed = (this.dataset.gates || "").split(",").filter(Boolean);
      this.palette = allowed.length ? ALL.filter(function (g) { return allowed.indexOf(g) >= 0; }) : ALL;
      this.ops = [];
      var initial = document.getElementById(this.dataset.name || "");
      if (initial) {
        try { var v = JSON.parse(initial.textContent); if (v && Array.isArray(v.ops)) { this.ops = v.ops; } } catch (e) { /* empty */ }
      }
      this.ops.forEach(function (op) { this.steps = Math.max(this.steps, (op.step || 0) + 2); }, this);
      this._build();
      this._draw();
    }

    get value() { return { qubits: this.qubits, ops: this.ops.slice() }; }

    setValue(v) {
      if (v && Array.isArray(v.ops)) { this.ops = v.ops.slice(); this._draw(); }
    }

    _build() {
      var self = this;
      this.classList.add("lz-circuit");
      var bar = el("div", { class: "lz-palette", role: "toolbar", "aria-label": this.dataset.label || "Gates" });
      this.palette.forEach(function (g) {
        var b = el("button", { type: "button", class: "lz-gate", draggable: "true", "data-gate": g, "aria-pressed": "false" });
        b.textContent = g === "measure" ? "M" : g.toUpperCase();
        b.title = g;
        if (self.readonly) { b.disabled = true; }
        b.addEventListener("dragstart", function (e) { e.dataTransfer.setData("text/plain", g); e.dataTransfer.effectAllowed = "copy"; });
        b.addEventListener("click", function () { self._select(self.selected === g ? null : g); });
        bar.appendChild(b);
      });
      if (this.palette.some(function (g) { return g[0] === "r"; })) {
        var lab = el("label", { class: "lz-angle" });
        lab.textContent = "θ ";
        this.angleInput = el("input", { value: "pi/2", size: "6", "aria-label": "angle", "data-testid": "angle" });
        lab.appendChild(this.angleInput);
        bar.appendChild(lab);
      }
      var clear = el("button", { type: "button", class: "lz-clear" });
      clear.textContent = "⌫";
      clear.title = "clear";
      clear.addEventListener("click", function () { if (!self.readonly) { self.ops = []; self._changed(); } });
      if (!this.readonly) { bar.appendChild(clear); }
      this.appendChild(bar);
      this.svg = el("svg", { class: "lz-grid", tabindex: this.readonly ? "-1" : "0", role: "application", "aria-label": (this.dataset.label || "circuit") + ". " + (this.dataset.help || "") }, true);
      this.svg.addEventListener("keydown", function (e) { self._key(e); });
      this.svg.addEventListener("dragover", function (e) { e.preventDefault(); });
      this.svg.addEventListener("drop", function (e) {
        e.preventDefault();
        var cell = self._cellAt(e.clientX, e.clientY);
        var g = e.dataTransfer.getData("text/plain");
        if (cell && ALL.indexOf(g) >= 0) { self.cursor = cell; self._place(g); }
      });
      this.svg.addEventListener("click", function (e) {
        var cell = self._cellAt(e.clientX, e.clientY);
        if (!cell) { return; }
        self.cursor = cell;
        if (self.selected) { self._place(self.selected); } else { self._draw(); }
        self.svg.focus();
      });
      this.appendChild(this.svg);
      this.live = el("p", { class: "sr-only", "aria-live": "polite" });
      this.appendChild(this.live);
    }

    _select(g) {
      this.selected = g;
      this.querySelectorAll(".lz-gate").forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.gate === g)); });
    }

    _cellAt(x, y) {
      var r = this.svg.getBoundingClientRect();
      var step = Math.floor((x - r.left - LEFT) / CELL), q = Math.floor((y - r.top - TOP) / CELL);
      if (step < 0 || q < 0 || q >= this.qubits || step >= this.steps) { return null; }
      return { q: q, step: step };
    }

    _occupied(step, q) {
      return this.ops.findIndex(function (op) {
        return (op.step || 0) === step && (op.targets || []).concat(op.controls || []).indexOf(q) >= 0;
      });
    }

    _place(g) {
      if (this.readonly) { return; }
      var q = this.cursor.q, step = this.cursor.step, op;
      if (g === "cx" || g === "cz") {
        if (this.qubits < 2) { return; }
        var t = q + 1 < this.qubits ? q + 1 : q - 1;
        var here = this.ops[this._occupied(step, q)];
        if (here && here.gate === g && here.controls && here.controls[0] === q) {
          // the same two-qubit gate placed again on its control: move its target to the next wire
          t = (here.targets[0] + 1) % this.qubits;
          if (t === q) { t = (t + 1) % this.qubits; }
        }
        this._remove(step, q); this._remove(step, t);
        op = { gate: g, controls: [q], targets: [t], step: step };
      } else {
        this._remove(step, q);
        op = { gate: g, targets: [q], step: step };
        if (g[0] === "r") {
          var a = parseAngle(this.angleInput ? this.angleInput.value : "pi/2");
          op.angle = a === null ? Math.PI / 2 : a;
        }
      }
      this.ops.push(op);
      if (step + 2 > this.steps) { this.steps = step + 2; }
      this.live.textContent = g.toUpperCase() + " → q" + q + ", " + (step + 1);
      this._changed();
    }

    _remove(step, q) {
      var i = this._occupied(step, q);
      if (i >= 0) { this.ops.splice(i, 1); return true; }
      return false;
    }

    _key(e) {
      if (this.readonly) { return; }
      var k = e.key, c = this.cursor;
      if (k === "ArrowRight") { c.step = Math.min(this.steps - 1, c.step + 1); }
      else if (k === "ArrowLeft") { c.step = Math.max(0, c.step - 1); }
      else if (k === "ArrowDown") { c.q = Math.min(this.qubits - 1, c.q + 1); }
      else if (k === "ArrowUp") { c.q = Math.max(0, c.q - 1); }
      else if (k === "Delete" || k === "Backspace") { if (this._remove(c.step, c.q)) { this._changed(); } }
      else if (k === "Z" && e.shiftKey) { this._place("cz"); }
      else if (KEYS[k.toLowerCase()] && this.palette.indexOf(KEYS[k.toLowerCase()]) >= 0) { this._place(KEYS[k.toLowerCase()]); }
      else { return; }
      e.preventDefault();
      this._draw();
    }

    _changed() {
      this._draw();
      this.dispatchEvent(new Event("change", { bubbles: true }));
    }

    _draw() {
      var svg = this.svg, self = this;
      while (svg.firstChild) { svg.removeChild(svg.firstChild); }
      var w = LEFT + this.steps * CELL + 10, h = TOP + this.qubits * CELL;
      svg.setAttribute("viewBox", "0 0 " + w + " " + h);
      svg.setAttribute("width", w);
      svg.setAttribute("height", h);
      for (var q = 0; q < this.qubits; q++) {
        var y = TOP + q * CELL + CELL / 2;
        var label = el("text", { x: 4, y: y + 4, class: "lz-label" }, true);
        label.textContent = "q" + q;
        svg.appendChild(label);
        svg.appendChild(el("line", { x1: LEFT, x2: w - 4, y1: y, y2: y, class: "lz-wire" }, true));
      }
      var cur = el("rect", { x: LEFT + this.cursor.step * CELL + 2, y: TOP + this.cursor.q * CELL + 2, width: CELL - 4, height: CELL - 4, class: "lz-cursor" }, true);
      svg.appendChild(cur);
      this.ops.forEach(function (op) {
        var x = LEFT + (op.step || 0) * CELL + CELL / 2;
        var ty = TOP + op.targets[0] * CELL + CELL / 2;
        var g = el("g", { class: "lz-op", "data-gate": op.gate, "data-step": op.step || 0, "data-target": op.targets[0] }, true);
        if (op.controls && op.controls.length) {
          var cy = TOP + op.controls[0] * CELL + CELL / 2;
          g.appendChild(el("line", { x1: x, x2: x, y1: cy, y2: ty, class: "lz-link" }, true));
          g.appendChild(el("circle", { cx: x, cy: cy, r: 5, class: "lz-dot" }, true));
          if (op.gate === "cx") {
            g.appendChild(el("circle", { cx: x, cy: ty, r: 11, class: "lz-plus" }, true));
            g.appendChild(el("line", { x1: x - 11, x2: x + 11, y1: ty, y2: ty, class: "lz-link" }, true));
            g.appendChild(el("line", { x1: x, x2: x, y1: ty - 11, y2: ty + 11, class: "lz-link" }, true));
          } else {
            g.appendChild(el("circle", { cx: x, cy: ty, r: 5, class: "lz-dot" }, true));
          }
        } else {
          g.appendChild(el("rect", { x: x - 15, y: ty - 15, width: 30, height: 30, rx: 4, class: "lz-box" }, true));
          var t = el("text", { x: x, y: ty + 5, "text-anchor": "middle", class: "lz-text" }, true);
          t.textContent = op.gate === "measure" ? "M" : op.gate.toUpperCase();
          g.appendChild(t);
        }
        svg.appendChild(g);
      });
      self.dataset.ops = String(this.ops.length);
    }
  }

  if (!customElements.get("lz-circuit")) { customElements.define("lz-circuit", LzCircuit); }
})();
