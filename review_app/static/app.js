// Keyboard shortcuts, row selection and the help panel. No crawled content is
// ever read or written by this script: it moves a highlight, ticks boxes,
// focuses fields and clicks the pages' own buttons. (The CSP forbids inline
// scripts; this file is the only script the app serves.)
(function () {
  "use strict";

  function typing(event) {
    var t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT");
  }
  function click(root, selector) {
    var el = root && root.querySelector(selector);
    if (el) { el.click(); }
    return Boolean(el);
  }

  // -- help panel ------------------------------------------------------------
  var help = document.getElementById("help");
  function toggleHelp() { if (help) { help.hidden = !help.hidden; } }
  Array.prototype.forEach.call(document.querySelectorAll("[data-help]"), function (button) {
    button.addEventListener("click", toggleHelp);
  });

  // -- queue: current row and selection ---------------------------------------
  var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tr.row"));
  var current = rows.length ? 0 : -1;
  var countEl = document.getElementById("selected-count");
  var selectAll = document.getElementById("select-all");

  function mark() {
    rows.forEach(function (row, i) { row.classList.toggle("current", i === current); });
    if (current >= 0) { rows[current].scrollIntoView({ block: "nearest" }); }
  }
  function updateCount() {
    var picked = rows.filter(function (row) { return row.querySelector("input.pick").checked; });
    rows.forEach(function (row) {
      row.classList.toggle("picked", row.querySelector("input.pick").checked);
    });
    if (countEl) { countEl.textContent = String(picked.length); }
  }
  rows.forEach(function (row, i) {
    row.addEventListener("click", function (event) {
      var tag = event.target.tagName;
      if (tag !== "A" && tag !== "BUTTON" && tag !== "INPUT") { current = i; mark(); }
    });
    row.querySelector("input.pick").addEventListener("change", updateCount);
  });
  if (selectAll) {
    selectAll.addEventListener("change", function () {
      rows.forEach(function (row) { row.querySelector("input.pick").checked = selectAll.checked; });
      updateCount();
    });
  }
  mark();
  updateCount();

  function queueKey(key) {
    var row = rows[current];
    if (key === "j") { current = Math.min(current + 1, rows.length - 1); mark(); }
    else if (key === "k") { current = Math.max(current - 1, 0); mark(); }
    else if (key === "o" || key === "Enter") { window.location.href = row.getAttribute("data-href"); }
    else if (key === "n") { window.location.href = row.getAttribute("data-href") + "#note"; }
    else if (key === "c") { click(row, "button.confirm"); }
    else if (key === "d") { click(row, "button.dismiss"); }
    else if (key === "e") { click(row, "button.escalate"); }
    else if (key === "a") { click(row, "button.claim"); }
    else if (key === "x") {
      var box = row.querySelector("input.pick");
      box.checked = !box.checked;
      updateCount();
    } else { return false; }
    return true;
  }

  // -- post page ---------------------------------------------------------------
  var noteText = document.getElementById("note-text");
  if (noteText && window.location.hash === "#note") { noteText.focus(); }

  function postKey(key) {
    if (key === "c") { return click(document, "#btn-confirm"); }
    if (key === "d") { return click(document, "#btn-dismiss"); }
    if (key === "e") { return click(document, "#btn-escalate"); }
    if (key === "a") { return click(document, "#btn-claim"); }
    if (key === "n" && noteText) { noteText.focus(); return true; }
    if (key === "u" && document.getElementById("back-to-queue")) {
      window.location.href = "/";
      return true;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event)) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    var key = event.key;
    var handled = false;
    if (key === "?") { toggleHelp(); handled = true; }
    else if (key === "Escape" && help && !help.hidden) { toggleHelp(); handled = true; }
    else if (key === "/" && document.getElementById("search")) {
      document.getElementById("search").focus();
      handled = true;
    }
    else if (rows.length) { handled = queueKey(key); }
    else { handled = postKey(key); }
    if (handled) { event.preventDefault(); }
  });
})();
