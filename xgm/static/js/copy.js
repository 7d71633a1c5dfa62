// Buttons with data-copy="<element id>" copy that element's text to the clipboard.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  button.addEventListener("click", function () {
    var text = document.getElementById(button.dataset.copy).textContent.trim();
    var done = function () { button.dataset.label = button.dataset.label || button.textContent; button.textContent = "✓"; };
    if (navigator.clipboard) { navigator.clipboard.writeText(text).then(done); } else {
      var range = document.createRange(); range.selectNodeContents(document.getElementById(button.dataset.copy));
      var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range); document.execCommand("copy"); done();
    }
  });
});
