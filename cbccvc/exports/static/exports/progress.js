// The download centre's progress bars: polls the state of the exports still running
// (a small JSON view) and reloads the list when one of them is finished. Static file only:
// the site's Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var RUNNING = { pending: true, running: true };
  var INTERVAL = 1500;

  function running() {
    var nodes = document.querySelectorAll(".export-status[data-export]");
    var ids = [];
    for (var i = 0; i < nodes.length; i++) {
      if (RUNNING[nodes[i].getAttribute("data-status")]) {
        ids.push(nodes[i].getAttribute("data-export"));
      }
    }
    return ids;
  }

  function update(item) {
    var node = document.querySelector('.export-status[data-export="' + item.id + '"]');
    if (!node) return false;
    var bar = node.querySelector("progress");
    if (bar) bar.value = item.percent;
    var label = node.querySelector(".export-status-label");
    if (label) label.textContent = item.status_label;
    var pct = node.querySelector(".export-percent");
    if (pct) pct.textContent = item.percent + "%";
    var was = node.getAttribute("data-status");
    node.setAttribute("data-status", item.status);
    return RUNNING[was] && !RUNNING[item.status];
  }

  function poll() {
    var ids = running();
    if (!ids.length) return;
    var query = ids.map(function (id) { return "id=" + encodeURIComponent(id); }).join("&");
    var url = new URL("trang-thai/?" + query, window.location.href.split("?")[0]);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { exports: [] }; })
      .then(function (data) {
        var finished = false;
        (data.exports || []).forEach(function (item) { finished = update(item) || finished; });
        if (finished) {
          window.location.reload(); // the size and the download link come with the page
        } else {
          window.setTimeout(poll, INTERVAL);
        }
      })
      .catch(function () { window.setTimeout(poll, INTERVAL * 4); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (running().length) window.setTimeout(poll, INTERVAL);
  });
})();
