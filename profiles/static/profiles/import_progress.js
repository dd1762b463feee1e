// Import job page: poll the small JSON status view while the job runs, move the progress bar,
// and reload the page when the job has finished (the report is then on the page).
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("import-job");
    if (!box) { return; }
    var running = { pending: true, running: true };
    if (!running[box.dataset.status]) { return; }
    var bar = document.getElementById("import-progress");
    var text = document.getElementById("import-progress-text");
    var status = document.getElementById("import-status");
    function poll() {
      fetch(box.dataset.statusUrl, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          bar.value = s.percent;
          text.textContent = s.done + "/" + s.total + " (" + s.percent + " %)";
          status.textContent = s.status_display;
          if (s.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    poll();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
