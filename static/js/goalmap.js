// Goalmap's small behaviours, set up on every piece of content htmx loads.
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region) return;
    region.textContent = "";
    // A fresh text node is read out even when the same words come twice.
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  // An error goes where the user looks: into the open dialog the request came from (the
  // page's messages are behind it), or else to the page's messages.
  function showError(text, source) {
    var dialog = source && source.closest && source.closest("dialog[open]");
    var place = dialog || document.getElementById("flashes");
    if (!place) return;
    if (!dialog) {
      var p = document.createElement("p");
      p.className = "flash flash-error";
      p.textContent = text;
      place.replaceChildren(p);
      announce(text);
      return;
    }
    // The page's announcer is behind the modal dialog too, where a screen reader does not
    // listen: the message is an alert of its own, new each time so it is read again.
    var old = dialog.querySelector(".dialog-error");
    if (old) old.remove();
    var alert = document.createElement("p");
    alert.className = "flash flash-error dialog-error";
    alert.setAttribute("role", "alert");
    alert.textContent = text;
    dialog.prepend(alert);
  }

  window.goalmap = { announce: announce };

  // The chosen day as Goalmap writes it (goalmap/filters.py, day_text: "8 Oct" within the
  // current year, "8 Oct 2027" otherwise), under the browser's own date input
  // (templates/_macros.html, day_field).
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function dayText(day) {
    var text = day.getUTCDate() + " " + MONTHS[day.getUTCMonth()];
    var year = day.getUTCFullYear();
    return year === new Date().getFullYear() ? text : text + " " + year;
  }
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-day-hint]")) return;
    var hint = document.getElementById(input.id + "-hint");
    var day = input.valueAsDate;
    if (hint) hint.textContent = input.dataset.dayHint + ": " + (day ? dayText(day) : "no date");
  });

  htmx.onLoad(function (root) {
    root.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  });

  // Refused or failed requests are not swapped in; say why where the user looks.
  document.body.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var message = doc.getElementById("error-message");
    showError(message ? message.textContent : "That did not work (error " + xhr.status + "). Please try again.", event.detail.elt);
  });

  // A dialog's error is gone once the dialog closes or its next request succeeds.
  document.addEventListener("close", function (event) {
    var error = event.target.querySelector && event.target.querySelector(".dialog-error");
    if (error) error.remove();
  }, true);
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var dialog = event.detail.successful && event.detail.elt.closest && event.detail.elt.closest("dialog");
    var error = dialog && dialog.querySelector(".dialog-error");
    if (error) error.remove();
  });

  document.body.addEventListener("htmx:sendError", function (event) {
    showError("Goalmap cannot be reached. Check your connection; nothing was saved.", event.detail.elt);
  });

  // The week of rituals on a phone shows one day at a time: open it on today.
  htmx.onLoad(function (root) {
    var today = root.querySelector && root.querySelector(".week .week-day.today");
    if (!today) return;
    var week = today.parentNode;
    if (week.scrollWidth > week.clientWidth) week.scrollLeft = today.offsetLeft - week.offsetLeft;
  });

  // Read out what changed, such as "Deleted …" with its undo, after each swap.
  document.body.addEventListener("htmx:afterSettle", function () {
    var flash = document.querySelector("#flashes .flash");
    if (flash) announce(flash.textContent.trim());
  });
})();
