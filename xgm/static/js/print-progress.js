/* Print run progress: poll the JSON endpoint and update done / total until the run ends. */
(function () {
  "use strict";
  var root = document.getElementById("print-job");
  if (!root || root.getAttribute("data-finished") === "true") {
    return;
  }
  var url = root.getAttribute("data-status-url");
  var el = function (id) { return document.getElementById(id); };

  function show(state) {
    el("print-state").textContent = state.status_label;
    el("print-done").textContent = state.done;
    el("print-total").textContent = state.total;
    var bar = el("print-progress");
    bar.max = state.total || 1;
    bar.value = state.total ? state.done : 0;
    bar.textContent = state.percent + "%";
    var message = el("print-message");
    message.textContent = state.message || "";
    message.hidden = !state.message;
    el("print-download").hidden = !state.download_url;
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (!state.finished) { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  window.setTimeout(poll, 1000);
})();
