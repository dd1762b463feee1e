// Campaign page (#campaign-job: the admin sidebar already uses #conversion-campaign): while a
// step runs in the background, poll the JSON status view, move the progress bar, and reload
// the page when the step has finished (counts, review queue, buttons).
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("campaign-job");
    if (!box || !box.dataset.running) { return; }
    var bar = document.getElementById("conversion-progress");
    var text = document.getElementById("conversion-progress-text");
    var state = document.getElementById("conversion-task-state");
    function poll() {
      fetch(box.dataset.statusUrl, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (bar) { bar.value = s.percent; }
          if (text) { text.textContent = s.done + "/" + s.total + " (" + s.percent + " %)"; }
          if (state) { state.textContent = s.task_state_display; }
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
