// The session's Resources step: one form holds every row (posted at once without
// JavaScript); with htmx each row's Save posts that row alone and gets it back.
(function () {
  "use strict";

  var ROW = ".note-row, #availability-row";

  function saveButton(row) {
    return row.querySelector("button[data-hx-post]");
  }

  // Enter in a row saves that row, not every row (the form's first button).
  document.body.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing) return;
    var input = event.target;
    if (!input.matches || !input.matches("input")) return;
    var row = input.closest(ROW);
    var button = row && saveButton(row);
    if (!button) return;
    event.preventDefault();
    button.click();
  });

  // A row typed into is marked, so the page's live refresh waits for it (static/js/live.js
  // holds a part while a form in it is being used) ...
  document.body.addEventListener("input", function (event) {
    var row = event.target.closest && event.target.closest(ROW);
    if (row) row.setAttribute("data-row-dirty", "");
  });

  // ... and an open row too, so a change of the partner's never closes it under a finger.
  document.addEventListener("toggle", function (event) {
    var row = event.target;
    if (row.matches && row.matches(".note-row")) row.toggleAttribute("data-live-hold", row.open);
  }, true); // "toggle" does not bubble

  // A row that came back from its save: the form is the member's again once no row
  // holds unsaved words; the keyboard goes on from the row, or to what needs fixing.
  htmx.onLoad(function (root) {
    if (!root.matches || !root.matches(ROW)) return;
    var form = root.closest("form");
    if (form && !form.querySelector("[data-row-dirty]")) form.removeAttribute("data-live-dirty");
    var wrong = root.querySelector("[aria-invalid=true]") || root.querySelector(".error");
    var target = wrong || root.querySelector("summary") || saveButton(root);
    if (wrong && !wrong.matches("input, select")) wrong.setAttribute("tabindex", "-1");
    if (target) target.focus();
    var said = root.querySelector(".tag-saved");
    if (said && window.goalmap) {
      var title = root.querySelector(".note-row-title");
      window.goalmap.announce(said.textContent + (title ? ": " + title.textContent : ""));
    }
  });
})();
