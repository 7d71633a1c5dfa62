/* Guard console: arrival cards kept live by Server-Sent Events, with a polling fallback. */
(function () {
  "use strict";
  var feed = document.getElementById("feed");
  if (!feed) { return; }
  var cardsBox = document.getElementById("cards");
  var empty = document.getElementById("feed-empty");
  var cityBanner = document.getElementById("city-down");
  var pollBanner = document.getElementById("feed-status");
  var template = document.getElementById("card-template");
  var csrf = feed.getAttribute("data-csrf");
  var urls = {
    list: feed.getAttribute("data-list-url"),
    stream: feed.getAttribute("data-stream-url"),
    admit: feed.getAttribute("data-admit-url"),
    deny: feed.getAttribute("data-deny-url"),
    complain: feed.getAttribute("data-complain-url"),
    phone: feed.getAttribute("data-phone-url")
  };
  // The waiting alarm (compound settings, seconds): urgent after the first, every phone after
  // the second (the server marks the arrival unattended; reloading the list asks it to).
  var ALARM_MS = 1000 * Number(feed.getAttribute("data-alarm-after") || 30);
  var ESCALATE_MS = 1000 * Number(feed.getAttribute("data-escalate-after") || 90);
  var REPEAT_MS = 10 * 1000;
  var terminal = window.xgmTerminal || { alert: function () {}, connection: function () {}, updated: function () {} };
  var clockOffset = 0;  // server time minus this phone's time, from the list's "now"
  function serverNow() { return Date.now() + clockOffset; }
  var labels = {};
  var items = document.querySelectorAll("#console-labels li");
  for (var i = 0; i < items.length; i++) { labels[items[i].getAttribute("data-key")] = items[i].textContent; }
  function label(key, fallback) { return labels.hasOwnProperty(key) ? labels[key] : (fallback || ""); }
  // Punctuation differs by language (full-width in Chinese): joined by the page's own patterns.
  function fmt(key, fallback, values) {
    return label(key, fallback).replace(/\{(\w+)\}/g, function (m, name) {
      return values.hasOwnProperty(name) ? values[name] : m;
    });
  }

  var cards = {};   // arrival id -> {data, el}
  var PENDING_MS = 10 * 60 * 1000;
  var timeFormat = new Intl.DateTimeFormat("zh-CN", {
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: "Asia/Shanghai"
  });

  function part(el, name) { return el.querySelector('[data-f="' + name + '"]'); }
  function show(node, visible) { if (node) { node.hidden = !visible; } }
  function url(pattern, id) { return pattern.replace("{id}", String(id)); }

  function fill(el, a) {
    var r = a.rider || {};
    el.setAttribute("data-outcome", a.outcome);
    el.setAttribute("data-id", String(a.id));
    el.classList.toggle("is-manual", !!a.manual);
    el.classList.toggle("is-unattended", !!a.unattended && a.outcome === "pending");
    part(el, "outcome").textContent = label("outcome." + a.outcome, a.outcome);
    part(el, "gate").textContent = a.gate ? a.gate.name : "";
    var created = new Date(a.created_at);
    var time = part(el, "time");
    time.textContent = timeFormat.format(created);
    time.setAttribute("datetime", a.created_at);
    var photo = part(el, "photo");
    var initial = part(el, "initial");
    if (r.photo_url) {
      if (photo.getAttribute("src") !== r.photo_url) { photo.setAttribute("src", r.photo_url); }
      photo.setAttribute("alt", r.name || "");
      show(photo, true); show(initial, false);
    } else {
      show(photo, false); show(initial, true);
      initial.textContent = (r.name || "?").slice(0, 1);
    }
    part(el, "name").textContent = r.name || r.rider_code || "";
    part(el, "platform").textContent = r.platform || "";
    part(el, "station").textContent = [r.station, r.team].filter(Boolean).join(" · ");
    var status = part(el, "status");
    status.textContent = label("status." + (a.manual ? "" : r.status), r.status);
    status.className = "tag acard-status " + (r.status === "active" ? "ok" : "bad");
    show(part(el, "offline"), !!a.offline);
    show(part(el, "manual"), !!a.manual);
    var flags = a.flags || [];
    show(part(el, "unattended"), !!a.unattended);
    show(part(el, "complained"), flags.indexOf("complained") >= 0);
    show(part(el, "blocked"), flags.indexOf("blocked") >= 0 || a.refusal === "blocked");
    var reason = "";
    if (a.outcome === "refused") {
      reason = label("refusal." + a.refusal, a.refusal);
      if (a.reason) { reason = fmt("fmt.detail", "{text}：{detail}", { text: reason, detail: a.reason }); }
    } else if (a.outcome === "denied" && a.reason) {
      reason = label("denied.by") + a.reason;
      if (a.decided_by) { reason = fmt("fmt.who", "{text}（{who}）", { text: reason, who: a.decided_by }); }
    } else if (a.outcome === "admitted" && a.decided_at) {
      reason = (a.decided_by ? a.decided_by + " " : "") + label("admitted.at") + " " +
        timeFormat.format(new Date(a.decided_at));
    }
    var reasonEl = part(el, "reason");
    reasonEl.textContent = reason;
    show(reasonEl, !!reason);
    var riderPhone = part(el, "phone");
    riderPhone.querySelector("strong").textContent = r.phone || "";
    show(riderPhone, !!r.phone);
    phoneLink(part(el, "supervision"), r.supervision_phone);
    var pending = a.outcome === "pending";
    show(el.querySelector(".act-admit"), pending);
    show(el.querySelector(".act-deny"), pending);
    if (!pending) { show(el.querySelector(".deny-panel"), false); }
    waiting(el, a);
    var complain = el.querySelector(".act-complain");
    if (urls.complain && r.rider_code && flags.indexOf("complained") < 0) {
      complain.setAttribute("href", url(urls.complain, a.id));
      show(complain, true);
    } else {
      show(complain, false);
    }
    // Other scripts add their part of a card (the barrier, the stay: console-gate.js).
    for (var h = 0; h < cardHooks.length; h++) { cardHooks[h](el, a); }
  }
  var cardHooks = [];
  window.xgmConsole = {
    onCard: function (hook) { cardHooks.push(hook); },
    upsert: function (a) { upsert(a); },
    post: function (target, body) { return post(target, body); },
    label: label,
    cards: function () { return cards; }
  };

  function phoneLink(link, number) {
    if (number) {
      link.setAttribute("href", "tel:" + number);
      link.querySelector("strong").textContent = number;
      show(link, true);
    } else {
      show(link, false);
    }
  }

  var RANK = { pending: 0, admitted: 1, denied: 1, refused: 1, expired: 1 };

  function upsert(a, fresh) {
    if (!a || typeof a.id !== "number") { return; }
    var known = cards[a.id];
    if (known) {
      // A list fetched before a decision must not turn a decided card back to pending.
      if (RANK[known.data.outcome] > RANK[a.outcome]) { return; }
      a.flags = mergeFlags(known.data.flags, a.flags);  // the stream's cards carry none
      a.unattended = a.unattended || known.data.unattended;
      var escalated = a.unattended && !known.data.unattended && a.outcome === "pending";
      known.data = a;
      fill(known.el, a);
      if (escalated) { ring(known, "urgent"); }
      return;
    }
    var el = template.content.firstElementChild.cloneNode(true);
    wire(el);
    fill(el, a);
    var entry = cards[a.id] = { data: a, el: el, rung: 0, asked: false };
    var after = null;
    var children = cardsBox.children;
    for (var k = 0; k < children.length; k++) {
      if (Number(children[k].getAttribute("data-id")) < a.id) { after = children[k]; break; }
    }
    cardsBox.insertBefore(el, after);
    show(empty, false);
    if (fresh && a.outcome === "pending") {
      el.classList.add("is-new");
      setTimeout(function () { el.classList.remove("is-new"); }, 2500);
      ring(entry, a.unattended ? "urgent" : "new");
    }
  }

  function mergeFlags(old, fresh) {
    var out = (fresh || []).slice();
    (old || []).forEach(function (f) { if (out.indexOf(f) < 0) { out.push(f); } });
    return out;
  }

  function ring(entry, kind) {
    entry.rung = Date.now();
    terminal.alert(kind);
  }

  function ageMs(a) { return serverNow() - new Date(a.created_at).getTime(); }

  function waitText(ms) {
    var secs = Math.max(0, Math.floor(ms / 1000));
    if (secs < 60) { return fmt("wait.seconds", "{n}", { n: String(secs) }); }
    var rest = secs % 60;
    return fmt("wait.minutes", "{m}:{s}", { m: String(Math.floor(secs / 60)), s: (rest < 10 ? "0" : "") + rest });
  }

  // A verified rider's pending card: its waiting time, urgent past ALARM_MS (or once unattended).
  function waiting(el, a) {
    var pending = a.outcome === "pending" && !a.manual;
    var age = pending ? ageMs(a) : 0;
    var urgent = pending && (age >= ALARM_MS || !!a.unattended);
    el.classList.toggle("is-urgent", urgent);
    el.classList.toggle("is-unattended", pending && !!a.unattended);
    var wait = part(el, "wait");
    wait.textContent = pending ? waitText(age) : "";
    show(wait, pending && age >= 5000);
    return urgent;
  }

  // Once a second: waiting times, urgent cards alert every REPEAT_MS, escalation asked for.
  setInterval(function () {
    for (var id in cards) {
      if (!cards.hasOwnProperty(id)) { continue; }
      var entry = cards[id];
      var a = entry.data;
      if (!waiting(entry.el, a)) { continue; }
      if (Date.now() - entry.rung >= REPEAT_MS) { ring(entry, "urgent"); }
      if (!a.unattended && !entry.asked && ageMs(a) >= ESCALATE_MS + 1000) {
        entry.asked = true;  // the list marks it unattended on the server and every phone hears
        load();
      }
    }
  }, 1000);

  function post(target, body) {
    return fetch(target, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": csrf,
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded"
      },
      body: body
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
    });
  }

  function wire(el) {
    var panel = el.querySelector(".deny-panel");
    var text = panel.querySelector(".deny-text");
    var error = panel.querySelector(".deny-error");
    el.querySelector(".act-admit").addEventListener("click", function (ev) {
      var button = ev.currentTarget;
      button.disabled = true;
      post(url(urls.admit, el.getAttribute("data-id")), "").then(function (res) {
        button.disabled = false;
        if (res.data && res.data.arrival) { upsert(res.data.arrival); }
      }).catch(function () { button.disabled = false; alert(label("error.failed")); });
    });
    el.querySelector(".act-deny").addEventListener("click", function () {
      show(panel, !panel.hidden ? false : true);
      // The reason chips come first: no focus on the text field, so the keyboard stays down.
      if (!panel.hidden && panel.scrollIntoView) { panel.scrollIntoView({ block: "nearest" }); }
    });
    el.querySelector(".act-cancel").addEventListener("click", function () { show(panel, false); });
    el.querySelector(".call-rider").addEventListener("click", function () { revealPhone(el); });
    var chips = panel.querySelectorAll(".chip");
    for (var c = 0; c < chips.length; c++) {
      chips[c].addEventListener("click", function (ev) {
        text.value = ev.currentTarget.getAttribute("data-reason");
        for (var j = 0; j < chips.length; j++) { chips[j].classList.toggle("on", chips[j] === ev.currentTarget); }
      });
    }
    panel.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!text.value.trim()) { error.textContent = label("error.reason"); show(error, true); return; }
      show(error, false);
      var params = new URLSearchParams();
      params.set("reason", text.value.trim());
      if (panel.querySelector("[name=block]").checked) {
        params.set("block", "1");
        params.set("block_days", panel.querySelector("[name=block_days]").value);
      }
      post(url(urls.deny, el.getAttribute("data-id")), params.toString()).then(function (res) {
        if (res.data && res.data.arrival) { upsert(res.data.arrival); }
        else { error.textContent = (res.data && res.data.error) || label("error.failed"); show(error, true); }
      }).catch(function () { error.textContent = label("error.failed"); show(error, true); });
    });
  }

  // The rider's full number is fetched (and logged) when the guard taps the masked one.
  var dialog = document.getElementById("phone-dialog");
  var dialogCall = document.getElementById("phone-dialog-call");
  var dialogId = null;
  function revealPhone(el) {
    var id = el.getAttribute("data-id");
    post(url(urls.phone, id), "kind=reveal").then(function (res) {
      if (!res.ok || !res.data.phone) { alert((res.data && res.data.error) || label("error.phone")); return; }
      var a = cards[id].data;
      dialogId = id;
      document.getElementById("phone-dialog-name").textContent = (a.rider && a.rider.name) || "";
      document.getElementById("phone-dialog-number").textContent = res.data.phone;
      dialogCall.setAttribute("href", "tel:" + res.data.phone);
      if (dialog.showModal) { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    }).catch(function () { alert(label("error.phone")); });
  }
  function closeDialog() {
    if (dialog.close) { dialog.close(); } else { dialog.removeAttribute("open"); }
  }
  if (dialog) {
    dialogCall.addEventListener("click", function () {
      // The dialer opens by the link itself; the call is logged on the way (keepalive).
      fetch(url(urls.phone, dialogId), {
        method: "POST", credentials: "same-origin", keepalive: true,
        headers: { "X-CSRFToken": csrf, "Accept": "application/json",
          "Content-Type": "application/x-www-form-urlencoded" },
        body: "kind=call"
      }).catch(function () { /* the log write is retried by nobody: the reveal was logged */ });
      setTimeout(closeDialog, 300);
    });
    document.getElementById("phone-dialog-close").addEventListener("click", closeDialog);
  }

  function setCity(down) { show(cityBanner, !!down); }

  function load() {
    return fetch(urls.list, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (r) {
        if (r.redirected || !r.ok) { if (r.status === 403 || r.redirected) { location.reload(); } return null; }
        return r.json();
      })
      .then(function (data) {
        if (!data) { return; }
        if (data.now) { clockOffset = new Date(data.now).getTime() - Date.now(); }
        terminal.updated();
        if (!source || source.readyState !== 1) { terminal.connection(pollTimer ? "polling" : "connecting"); }
        setCity(data.city && data.city.down);
        var list = data.arrivals || [];
        for (var n = list.length - 1; n >= 0; n--) { upsert(list[n], false); }
      }, function () { terminal.connection("offline"); });
  }

  // Live updates: SSE first; after repeated failures, poll every 3 s and try SSE again later.
  var source = null;
  var failures = 0;
  var pollTimer = null;

  function startPolling() {
    if (pollTimer) { return; }
    show(pollBanner, true);
    terminal.connection("polling");
    pollTimer = setInterval(load, 3000);
    setTimeout(function () { stopPolling(); connect(); }, 60000);
  }

  function stopPolling() {
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    show(pollBanner, false);
  }

  function connect() {
    if (!window.EventSource) { startPolling(); return; }
    source = new EventSource(urls.stream);
    source.onopen = function () {
      if (pollTimer || failures) { load(); }  // catch up on what happened while it was down
      failures = 0;
      stopPolling();
      terminal.connection("live");
      terminal.updated();
    };
    source.onmessage = function (ev) {
      failures = 0;
      terminal.updated();
      try { upsert(JSON.parse(ev.data), true); } catch (e) { /* a malformed event is skipped */ }
    };
    source.addEventListener("city", function (ev) {
      terminal.updated();
      try { setCity(JSON.parse(ev.data).down); } catch (e) { /* ignore */ }
    });
    source.addEventListener("reset", function () { load(); });
    source.addEventListener("signed-out", function () { source.close(); location.reload(); });
    source.onerror = function () {
      failures += 1;
      terminal.connection(navigator.onLine === false ? "offline" : "connecting");
      if (source.readyState === EventSource.CLOSED || failures >= 3) {
        source.close();
        startPolling();
      }
    };
  }

  // Pending cards older than 10 minutes expire: reload the list, the server marks them.
  setInterval(function () {
    var now = Date.now();
    for (var id in cards) {
      if (cards.hasOwnProperty(id)) {
        var a = cards[id].data;
        if (a.outcome === "pending" && now - new Date(a.created_at).getTime() > PENDING_MS) { load(); return; }
      }
    }
  }, 15000);

  connect();
  load();
})();
