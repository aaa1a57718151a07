// A Copy button for text shown on the page (an invite link): the clipboard where the
// browser allows it, else the text is selected for the member to copy themselves.
// Without JavaScript the button stays hidden and the text is selectable as it is.
(function () {
  "use strict";

  function select(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function say(button, text) {
    var status = document.getElementById(button.dataset.copyStatus);
    if (status) status.textContent = text;
  }

  htmx.onLoad(function (root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.dataset.copy);
      if (!source) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = source.textContent.trim();
        var fallback = function () {
          select(source);
          say(button, "Selected: copy it with your device's Copy.");
        };
        if (!navigator.clipboard || !window.isSecureContext) {
          fallback();
          return;
        }
        navigator.clipboard.writeText(text).then(function () {
          say(button, "Copied.");
        }, fallback);
      });
    });
  });
})();
