/* The rider's live pass: a running clock, and the outcome polled until the guard decides. */
(function () {
  "use strict";
  var root = document.getElementById("pass");
  if (!root) { return; }
  var clock = document.getElementById("clock");
  var TERMINAL = { admitted: 1, denied: 1, expired: 1, refused: 1 };
  var timeFormat = new Intl.DateTimeFormat("zh-CN", {
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: "Asia/Shanghai"
  });

  var dateEl = document.getElementById("clock-date");
  var dateFormat = new Intl.DateTimeFormat(document.documentElement.lang || "zh-CN", {
    dateStyle: "full", timeZone: "Asia/Shanghai"
  });

  function tick() {
    var now = new Date();
    if (clock) { clock.textContent = timeFormat.format(now); }
    if (dateEl) { dateEl.textContent = dateFormat.format(now); }
  }
  tick();
  setInterval(tick, 1000);

  var url = root.getAttribute("data-status-url");
  if (!url) { return; }
  var delay = 1500;

  // Refused (a status webhook, a new block) or denied while waiting: the full red screen with
  // why and whom to call, exactly as a refusal at the scan shows it.
  var passUrl = root.getAttribute("data-pass-url");
  var RED = { refused: 1, denied: 1 };

  function apply(state) {
    if (RED[state.outcome] && passUrl) { location.replace(passUrl); return; }
    root.setAttribute("data-outcome", state.outcome);
    var fields = root.querySelectorAll("[data-field=reason]");
    for (var i = 0; i < fields.length; i++) { fields[i].textContent = state.reason || ""; }
    if (navigator.vibrate && state.outcome === "admitted") { navigator.vibrate(200); }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (state && state.outcome) {
          if (state.outcome !== root.getAttribute("data-outcome")) { apply(state); }
          if (TERMINAL[state.outcome]) { return; }
        }
        delay = 1500;
        setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 10000);
        setTimeout(poll, delay);
      });
  }
  if (!TERMINAL[root.getAttribute("data-outcome")]) { setTimeout(poll, delay); }
})();
