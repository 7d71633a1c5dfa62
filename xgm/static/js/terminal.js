/* The gate phone as a gate terminal: the 开始值班 tap (unlocks sound and vibration), the alert
   sounds (Web Audio, no files), the screen wake lock, and the connection indicator.
   console.js calls window.xgmTerminal.alert("new" | "urgent") and .connection(state). */
(function () {
  "use strict";
  var labels = {};
  var items = document.querySelectorAll("#console-labels li");
  for (var i = 0; i < items.length; i++) { labels[items[i].getAttribute("data-key")] = items[i].textContent; }
  function label(key, values) {
    var text = labels.hasOwnProperty(key) ? labels[key] : "";
    return text.replace(/\{(\w+)\}/g, function (m, name) {
      return values && values.hasOwnProperty(name) ? values[name] : m;
    });
  }

  var startButton = document.getElementById("duty-start");
  var startBox = document.getElementById("duty-start-box");
  var onDuty = document.getElementById("duty-on");
  var wakeState = document.getElementById("wake-state");
  var conn = document.getElementById("conn");
  var connText = document.getElementById("conn-text");
  var connTime = document.getElementById("conn-time");
  var timeFormat = new Intl.DateTimeFormat("zh-CN", {
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: "Asia/Shanghai"
  });

  // --- Sound: short synthesized tones; the AudioContext is created by a tap (autoplay rules).
  var audio = null;
  function unlockAudio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return; }
    if (!audio) {
      try { audio = new Ctx(); } catch (e) { audio = null; return; }
    }
    if (audio.state === "suspended" && audio.resume) { audio.resume(); }
  }

  function tone(at, freq, length, type, volume) {
    var osc = audio.createOscillator();
    var gain = audio.createGain();
    osc.type = type;
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(volume, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
    osc.connect(gain);
    gain.connect(audio.destination);
    osc.start(at);
    osc.stop(at + length + 0.05);
  }

  // "new": a rising two-note chime. "urgent": three hard beeps (a rider has waited too long).
  var SOUNDS = {
    "new": [[0, 880, 0.18, "sine", 0.5], [0.2, 1320, 0.3, "sine", 0.5]],
    "urgent": [[0, 1000, 0.14, "square", 0.35], [0.22, 1000, 0.14, "square", 0.35],
      [0.44, 1000, 0.14, "square", 0.35]],
    "start": [[0, 660, 0.12, "sine", 0.3]]
  };
  var VIBRATIONS = { "new": [200, 100, 200], "urgent": [400, 150, 400, 150, 400], "start": [60] };

  function play(kind) {
    if (!audio) { return; }
    var now = audio.currentTime + 0.01;
    var notes = SOUNDS[kind] || SOUNDS["new"];
    for (var n = 0; n < notes.length; n++) {
      tone(now + notes[n][0], notes[n][1], notes[n][2], notes[n][3], notes[n][4]);
    }
  }

  function alert(kind) {
    try { play(kind); } catch (e) { /* no sound on this phone: the vibration and the card remain */ }
    if (navigator.vibrate) {
      try { navigator.vibrate(VIBRATIONS[kind] || VIBRATIONS["new"]); } catch (e) { /* ignore */ }
    }
  }

  // --- Screen wake lock: asked for at the tap, again whenever the page is visible again.
  var wakeLock = null;
  var started = false;
  function requestWakeLock() {
    if (!("wakeLock" in navigator) || !navigator.wakeLock.request) {
      if (wakeState) { wakeState.textContent = label("wake.off"); }
      return;
    }
    navigator.wakeLock.request("screen").then(function (lock) {
      wakeLock = lock;
      if (wakeState) { wakeState.textContent = label("wake.on"); }
      lock.addEventListener("release", function () { wakeLock = null; });
    }).catch(function () {
      if (wakeState) { wakeState.textContent = label("wake.off"); }
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (started && document.visibilityState === "visible" && !wakeLock) { requestWakeLock(); }
  });

  function startDuty() {
    unlockAudio();
    alert("start");
    requestWakeLock();
    started = true;
    if (startBox) { startBox.hidden = true; }
    if (onDuty) { onDuty.hidden = false; }
  }
  if (startButton) { startButton.addEventListener("click", startDuty); }
  // Any first tap on the page unlocks sound too (a guard who goes straight to a card).
  document.addEventListener("pointerdown", unlockAudio, { once: true, capture: true });

  // --- Connection indicator: live (SSE) / polling / offline, and when data last came.
  var state = "connecting";
  var lastUpdate = null;
  function render() {
    if (!conn) { return; }
    var shown = navigator.onLine === false ? "offline" : state;
    conn.setAttribute("data-state", shown);
    connText.textContent = label("conn." + shown);
    connTime.textContent = lastUpdate ? label("conn.updated", { time: timeFormat.format(lastUpdate) }) : "";
  }
  window.addEventListener("online", render);
  window.addEventListener("offline", render);

  window.xgmTerminal = {
    alert: alert,
    /** The feed's state: "live", "polling", "offline" or "connecting". */
    connection: function (next) { state = next; render(); },
    /** Data arrived (a list, an event): the indicator's time moves. */
    updated: function () { lastUpdate = new Date(); render(); },
    onDuty: function () { return started; }
  };
  render();
})();
