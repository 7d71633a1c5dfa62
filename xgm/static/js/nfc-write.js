/* 写入NFC标签: Web NFC (Chrome on Android) writes the gate's URL (?via=nfc) to a tag, then the
   page registers the tag with the server so the poster shows the NFC mark. */
(function () {
  "use strict";
  var button = document.getElementById("nfc-write");
  if (!button) { return; }
  var state = document.getElementById("nfc-state");
  var error = document.getElementById("nfc-error");
  var labels = {};
  var items = document.querySelectorAll("#nfc-labels li");
  for (var i = 0; i < items.length; i++) { labels[items[i].getAttribute("data-key")] = items[i].textContent; }
  function fail(text) { error.textContent = text; error.hidden = false; button.disabled = false; }

  button.addEventListener("click", function () {
    error.hidden = true;
    if (!("NDEFReader" in window)) { fail(labels.unsupported); return; }
    button.disabled = true;
    state.textContent = labels.waiting;
    var writer = new window.NDEFReader();
    writer.write({ records: [{ recordType: "url", data: button.getAttribute("data-url") }] })
      .then(function () {
        return fetch(button.getAttribute("data-done-url"), {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "X-CSRFToken": button.getAttribute("data-csrf"),
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded"
          },
          body: ""
        });
      })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        state.textContent = labels.done;
        button.disabled = false;
      })
      .catch(function (e) { fail(labels.failed + (e && e.message ? e.message : "")); });
  });
})();
