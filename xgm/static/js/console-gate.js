/* The physical gate on the guard console's cards: the barrier (已开闸, or the failure with
   再次开闸), 自动放行 (with 拉黑), 在院内 with the time inside and 已离开, and a banner for an
   offline gate agent. Hooks into console.js through window.xgmConsole. */
(function () {
  "use strict";
  var root = document.getElementById("gate-console");
  var api = window.xgmConsole;
  if (!root || !api) { return; }
  var urls = {
    open: root.getAttribute("data-open-url"),
    barrier: root.getAttribute("data-barrier-url"),
    block: root.getAttribute("data-block-url"),
    left: root.getAttribute("data-left-url"),
    barriers: root.getAttribute("data-barriers-url")
  };
  var labels = {};
  var items = document.querySelectorAll("#gate-console-labels li");
  for (var i = 0; i < items.length; i++) { labels[items[i].getAttribute("data-key")] = items[i].textContent; }
  function label(key, values) {
    var text = labels[key] || "";
    return text.replace(/\{(\w+)\}/g, function (m, name) { return values && values.hasOwnProperty(name) ? values[name] : m; });
  }
  function url(pattern, id) { return pattern.replace("{id}", String(id)); }
  var timeFormat = new Intl.DateTimeFormat("zh-CN", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Shanghai" });
  var FAILED = { failed: 1, timeout: 1, expired: 1, unconfirmed: 1 };
  var WAITING = { pending: 1, claimed: 1 };
  var watching = {};   // arrival id -> polls left while its barrier is pending

  function part(box, cls, tag) {
    var node = box.querySelector("." + cls);
    if (!node) { node = document.createElement(tag || "p"); node.className = cls; box.appendChild(node); }
    return node;
  }

  function button(box, cls, text, onClick) {
    var node = box.querySelector("." + cls);
    if (!node) {
      node = document.createElement("button");
      node.type = "button";
      node.className = "act " + cls;
      node.addEventListener("click", onClick);
      box.appendChild(node);
    }
    node.textContent = text;
    return node;
  }

  function send(target, body, node) {
    if (node) { node.disabled = true; }
    return api.post(target, body || "").then(function (res) {
      if (node) { node.disabled = false; }
      if (res.data && res.data.arrival) { api.upsert(res.data.arrival); }
      return res;
    }).catch(function () { if (node) { node.disabled = false; } });
  }

  function minutes(a) {
    var since = new Date(a.decided_at || a.created_at).getTime();
    return Math.max(0, Math.floor((Date.now() - since) / 60000));
  }

  function render(el, a) {
    var box = el.querySelector(".acard-physical");
    if (!box) {
      box = document.createElement("div");
      box.className = "acard-physical";
      el.insertBefore(box, el.querySelector(".acard-actions"));
    }
    var admitted = a.outcome === "admitted";
    el.classList.toggle("is-auto", !!a.auto);
    el.classList.toggle("is-overstay", !!a.overstay);
    if (a.auto && admitted) { el.querySelector('[data-f="outcome"]').textContent = label("outcome.auto"); }
    // The barrier.
    var b = (a.barrier && a.barrier.status) || "";
    var state = part(box, "barrier-state");
    state.hidden = !b;
    state.setAttribute("data-barrier", b);
    state.textContent = b ? label("barrier." + b) + (FAILED[b] && a.barrier.answer ? "：" + a.barrier.answer : "") : "";
    var again = button(box, "act-open-again", label("barrier.again"), function () {
      send(url(urls.open, el.getAttribute("data-id")), "", again);
    });
    again.hidden = !(admitted && FAILED[b] && !a.left_at);
    if (WAITING[b] && !watching[a.id]) { watch(a.id); }
    // The stay.
    var stay = part(box, "stay-state");
    stay.hidden = !admitted;
    if (admitted) {
      stay.textContent = a.left_at ? label("stay.left_at", { t: timeFormat.format(new Date(a.left_at)) })
        : label("stay.inside", { m: minutes(a) }) + (a.overstay ? " · " + label("stay.overstay") : "");
    }
    var left = button(box, "act-left", label("stay.left"), function () {
      send(url(urls.left, el.getAttribute("data-id")), "", left);
    });
    left.hidden = !(admitted && !a.left_at);
    // 拉黑 after 自动放行 (a guard's own 放行 came after looking; 拒绝 blocks pending riders).
    var block = button(box, "act-block", label("block.button"), function () {
      var panel = box.querySelector(".block-panel");
      panel.hidden = !panel.hidden;
    });
    block.hidden = !(a.auto && admitted && a.rider && a.rider.rider_code);
    if (!box.querySelector(".block-panel")) {
      var panel = document.createElement("form");
      panel.className = "block-panel";
      panel.hidden = true;
      var input = document.createElement("input");
      input.className = "input block-reason";
      input.maxLength = 200;
      input.setAttribute("aria-label", label("block.reason"));
      input.placeholder = label("block.reason");
      var confirm = document.createElement("button");
      confirm.type = "submit";
      confirm.className = "act act-block-confirm";
      confirm.textContent = label("block.confirm");
      panel.appendChild(input);
      panel.appendChild(confirm);
      panel.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var params = new URLSearchParams();
        params.set("reason", input.value.trim());
        params.set("block_days", "30");
        send(url(urls.block, el.getAttribute("data-id")), params.toString(), confirm).then(function (res) {
          if (res && res.ok) { panel.hidden = true; block.hidden = true; part(box, "block-state").textContent = label("block.done"); }
        });
      });
      box.appendChild(panel);
    }
  }

  // A pending barrier is settled by the agent's report (pushed by the stream) or, when no
  // agent takes it within 10 s, on the server's next look: ask for it a few times.
  function watch(id) {
    watching[id] = 10;
    var timer = setInterval(function () {
      watching[id] -= 1;
      fetch(url(urls.barrier, id), { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          var a = data && data.arrival;
          if (a) { api.upsert(a); }
          if (!a || !WAITING[(a.barrier && a.barrier.status) || ""] || watching[id] <= 0) {
            clearInterval(timer);
            delete watching[id];
          }
        });
    }, 4000);
  }

  var banner = document.getElementById("barrier-offline");
  function barriers() {
    fetch(urls.barriers, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var offline = (data.gates || []).filter(function (g) { return g.state === "offline"; })
          .map(function (g) { return g.name; });
        banner.textContent = offline.length ? label("offline", { gates: offline.join("、") }) : "";
        banner.hidden = !offline.length;
      });
  }

  api.onCard(render);
  var known = api.cards();
  for (var id in known) { if (known.hasOwnProperty(id)) { render(known[id].el, known[id].data); } }
  // The time inside keeps counting.
  setInterval(function () {
    var all = api.cards();
    for (var k in all) { if (all.hasOwnProperty(k) && all[k].data.outcome === "admitted") { render(all[k].el, all[k].data); } }
  }, 30000);
  barriers();
  setInterval(barriers, 30000);
})();
