/* The guard PIN pad: big keys fill the hidden PIN field; six digits submit the form. */
(function () {
  "use strict";
  var form = document.getElementById("pinpad-form");
  if (!form) { return; }
  var input = form.querySelector("#pin");
  var dots = form.querySelectorAll(".pin-dots .dot");
  var length = parseInt(input.getAttribute("maxlength"), 10) || 6;
  var sent = false;

  input.setAttribute("readonly", "readonly");  // no phone keyboard over the pad
  form.classList.add("pinpad-ready");

  function render() {
    for (var i = 0; i < dots.length; i++) {
      dots[i].classList.toggle("on", i < input.value.length);
    }
  }

  function press(key, action) {
    if (sent) { return; }
    if (action === "clear") {
      input.value = "";
    } else if (action === "back") {
      input.value = input.value.slice(0, -1);
    } else if (key && input.value.length < length) {
      input.value += key;
    }
    render();
    if (input.value.length === length) {
      sent = true;
      form.submit();
    }
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest(".key");
    if (!button) { return; }
    event.preventDefault();
    press(button.getAttribute("data-key"), button.getAttribute("data-action"));
  });

  document.addEventListener("keydown", function (event) {
    if (/^[0-9]$/.test(event.key)) { press(event.key, null); }
    else if (event.key === "Backspace") { press(null, "back"); }
  });

  render();
})();
