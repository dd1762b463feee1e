// Held rows grid: the box in a table's header ticks or unticks every row of that table.
(function () {
  "use strict";
  function start() {
    document.querySelectorAll(".held-toggle").forEach(function (box) {
      box.addEventListener("change", function () {
        box.closest("table").querySelectorAll("input[name=chon]").forEach(function (c) {
          c.checked = box.checked;
        });
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
