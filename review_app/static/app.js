// Keyboard shortcuts for the queue and the post page. No crawled content is
// ever passed to this script: it only moves a highlight and clicks buttons.
(function () {
  "use strict";
  function typing(event) {
    var t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT");
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tr.row"));
  var current = rows.length ? 0 : -1;
  function mark() {
    rows.forEach(function (row, i) { row.classList.toggle("current", i === current); });
    if (current >= 0) { rows[current].scrollIntoView({ block: "nearest" }); }
  }
  mark();
  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var key = event.key;
    if (rows.length) {
      if (key === "j") { current = Math.min(current + 1, rows.length - 1); mark(); }
      else if (key === "k") { current = Math.max(current - 1, 0); mark(); }
      else if (key === "o" || key === "Enter") { window.location.href = rows[current].getAttribute("data-href"); }
      else if (key === "c") { rows[current].querySelector("button.confirm").click(); }
      else if (key === "d") { rows[current].querySelector("button.dismiss").click(); }
      return;
    }
    var confirmButton = document.getElementById("btn-confirm");
    var dismissButton = document.getElementById("btn-dismiss");
    if (key === "c" && confirmButton) { confirmButton.click(); }
    else if (key === "d" && dismissButton) { dismissButton.click(); }
    else if (key === "u") { window.location.href = "/"; }
  });
})();
