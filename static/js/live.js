// Live updates. The page's stream (htmx's SSE extension, on <body sse-connect>) says only
// that something changed; each [data-live] part of the page asks its own URL again and
// is swapped for the part with the same id. A part holding a form being used is never
// replaced under the cursor: it says so, and catches up once the form is done with.
(function () {
  "use strict";

  var page = document.body.getAttribute("data-live-page");
  var waiting = new Map(); // a part's id -> its debounce timer

  // The server skips telling this page about changes its own requests made.
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (page) event.detail.headers["X-Live-Page"] = page;
  });

  // A form the member has typed into is theirs until they save or leave it.
  document.body.addEventListener("input", function (event) {
    var form = event.target.form;
    if (form) form.setAttribute("data-live-dirty", "");
  });

  function holds(part) {
    if (part.querySelector("[data-live-hold], form[data-live-dirty]")) return true;
    var active = document.activeElement;
    return !!(active && part.contains(active) && active.matches("input, textarea, select"));
  }

  // A click already on its way, or a goal being dragged: the part is asked for again a
  // moment later, so the refresh never swallows what the member just did.
  function busy(part) {
    return !!part.querySelector(".htmx-request, .goal-chosen, .sortable-fallback");
  }

  // A line just above the part, said once: what happened to it.
  function say(part, className, text) {
    var id = part.id + "-changed";
    if (document.getElementById(id)) return null;
    var note = document.createElement("p");
    note.id = id;
    note.className = className;
    note.setAttribute("role", "status");
    note.textContent = text;
    part.parentNode.insertBefore(note, part);
    return note;
  }

  function notice(part) {
    var note = say(part, "live-notice", "This changed while you were editing. ");
    if (!note) return;
    var show = document.createElement("button");
    show.type = "button";
    show.textContent = "Show the changes";
    show.addEventListener("click", function () {
      note.remove();
      fetchPart(part, false);
    });
    note.appendChild(show);
  }

  var asked = new Set(); // ids of parts asked for by a change, not by the member

  function gone(part) {
    say(part, "live-notice live-gone",
        "This is no longer here: it was deleted, or is no longer shared with you.");
  }

  function fetchPart(part, byChange) {
    if (byChange) asked.add(part.id); else asked.delete(part.id);
    // A part kept across its page's swaps (data-hx-preserve) takes new children instead.
    var inner = part.hasAttribute("data-hx-preserve");
    htmx.ajax("GET", part.getAttribute("data-live"), {
      source: part, target: part, swap: inner ? "innerHTML" : "outerHTML",
      select: "#" + part.id + (inner ? " > *" : ""),
    });
  }

  // Parts the member asked for again themselves (by closing a dialog): if they are busy
  // with a form by then, the part waits quietly for that form, with no notice.
  var own = new Set();

  function held(part) {
    if (!own.delete(part.id)) notice(part);
  }

  function refresh(part) {
    if (busy(part)) { soon(part); return; }
    if (holds(part)) { held(part); return; }
    fetchPart(part, true);
  }

  // The member may have started typing while the part was on its way: keep their words.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var part = event.detail.target;
    if (!part || !asked.has(part.id)) return;
    asked.delete(part.id);
    var status = event.detail.xhr.status;
    if (status === 403 || status === 404 || status === 410) {
      // Gone, or no longer shared with this member: say so where it stood, not as an
      // error of something the member did.
      event.detail.shouldSwap = false;
      event.detail.isError = false;
      gone(part);
    } else if (status >= 400) {
      // A server restarting, say: not the member's doing; the next change asks again.
      event.detail.shouldSwap = false;
      event.detail.isError = false;
    } else if (busy(part)) {
      event.detail.shouldSwap = false;
      soon(part);
    } else if (holds(part)) {
      event.detail.shouldSwap = false;
      held(part);
    }
    if (!waiting.has(part.id)) own.delete(part.id); // unless it is asked for again soon
  });

  // A part's own answer removes what was said about it; a refresh that never got an
  // answer (the network) is forgotten, so the member's next request is theirs.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var part = event.detail.target;
    if (!part || !part.id) return;
    asked.delete(part.id);
    var note = document.getElementById(part.id + "-changed");
    if (note && event.detail.successful && document.getElementById(part.id) !== part) {
      note.remove();
    }
  });

  // A burst of changes asks once (the server gathers them for 100 ms too).
  function soon(part) {
    clearTimeout(waiting.get(part.id));
    waiting.set(part.id, setTimeout(function () {
      waiting.delete(part.id);
      var current = document.getElementById(part.id);
      if (current) refresh(current);
    }, 150));
  }

  // Whether the stream is open now (the extension reconnects by itself, with backoff).
  document.body.addEventListener("htmx:sseOpen", function () {
    document.body.setAttribute("data-live-open", "");
  });
  document.body.addEventListener("htmx:sseError", function () {
    document.body.removeAttribute("data-live-open");
  });

  document.body.addEventListener("htmx:sseMessage", function (event) {
    var kind = event.detail && event.detail.type;
    document.querySelectorAll("[data-live][id]").forEach(function (part) {
      var dialog = part.closest("dialog");
      if (dialog && !dialog.open) return; // a story closed a while ago: nobody reads it
      var on = (part.getAttribute("data-live-on") || "changed").split(" ");
      if (on.indexOf(kind) >= 0) soon(part);
    });
  });

  // A dialog whose actions change what is behind it (a goal's story: its cheers and
  // comments) asks for that part again when it closes, the same careful way as a change.
  document.addEventListener("close", function (event) {
    var dialog = event.target;
    var part = dialog.getAttribute && document.getElementById(
      dialog.getAttribute("data-live-after-close") || "");
    if (!part) return;
    own.add(part.id);
    refresh(part);
  }, true); // "close" does not bubble

  // Presence is renewed by the streams; a page that was left open asks again now and
  // then, so a partner whose stream ended without a word does not stay "here".
  setInterval(function () {
    document.querySelectorAll("[data-live-on~=presence][id]").forEach(soon);
  }, 60000);

  // A held part catches up when its form is gone (saved or cancelled).
  document.body.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll(".live-notice:not(.live-gone)").forEach(function (note) {
      var part = document.getElementById(note.id.replace(/-changed$/, ""));
      if (!part) { note.remove(); return; }
      if (!holds(part)) { note.remove(); fetchPart(part, true); }
    });
  });
})();
