// The board: drag and drop with SortableJS, and focus that follows a moved or saved goal.
// A drop sends one request whose target is the dropped goal's list item: the server
// answers with that item, and the goal counts of the lanes it touched out of band. A
// refused drop fetches the board again (snap back), since the server's board is the truth.
(function () {
  "use strict";

  function board() {
    return document.getElementById("board");
  }

  function reloadBoard() {
    var current = board();
    if (current) htmx.ajax("GET", current.dataset.url, { target: "#board", swap: "outerHTML" });
  }

  // Where the dropped goal now sits among the cell's goals (private placeholders count too).
  function positionIn(list, item) {
    var goals = Array.prototype.filter.call(list.children, function (el) {
      return el.tagName === "LI" && !el.classList.contains("sortable-fallback");
    });
    return goals.indexOf(item);
  }

  function setUpLists(root) {
    root.querySelectorAll(".goals[data-sortable]").forEach(function (list) {
      if (list.dataset.sortableReady) return;
      list.dataset.sortableReady = "true";
      Sortable.create(list, {
        group: "goals",
        draggable: "li[data-move-url]",
        handle: ".drag-handle",
        forceFallback: true, // one code path for mouse and touch
        fallbackTolerance: 4,
        animation: 120,
        ghostClass: "goal-ghost",
        chosenClass: "goal-chosen",
        onEnd: function (event) {
          if (event.from === event.to && event.oldIndex === event.newIndex) return;
          var cell = event.to.closest(".cell");
          htmx.ajax("POST", event.item.dataset.moveUrl, {
            source: event.item,
            target: event.item,
            swap: "outerHTML",
            values: {
              lane_id: cell.dataset.lane,
              stage_id: cell.dataset.stage,
              position: positionIn(event.to, event.item),
            },
          });
        },
      });
    });
  }

  htmx.onLoad(setUpLists);

  document.body.addEventListener("htmx:responseError", function (event) {
    if (event.detail.elt && event.detail.elt.matches("li[data-move-url]")) reloadBoard();
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    if (event.detail.elt && event.detail.elt.matches("li[data-move-url]")) reloadBoard();
  });

  // After a drag the goal stands where it was dropped; after the keyboard Move form it is
  // still in its old cell: put it at the place the server gave it.
  function placeGoal(event) {
    var detail = event.detail;
    var item = document.getElementById("goal-" + detail.id + "-item");
    var list = document.querySelector("#cell-" + detail.lane + "-" + detail.stage + " ol.goals");
    if (item && list) {
      var others = Array.prototype.filter.call(list.children, function (el) {
        return el !== item && el.tagName === "LI";
      });
      var before = others[detail.position] || null;
      if (item.parentNode !== list || item.nextElementSibling !== before) list.insertBefore(item, before);
    }
    if (board()) countStages(board());
    focusGoal(event);
  }

  // After a move or a save, keep the keyboard where the user was: on that goal.
  // A goal that went to a column a phone does not show (one tap on Done) leaves the
  // keyboard on its message's Undo.
  function focusGoal(event) {
    var goal = document.getElementById("goal-" + event.detail.id);
    if (goal && goal.offsetParent !== null) {
      goal.focus();
      goal.scrollIntoView({ block: "nearest" });
    } else {
      var undo = document.querySelector("#flashes .flash form button");
      if (undo) undo.focus();
    }
    if (event.detail.message) window.goalmap.announce(event.detail.message);
  }
  // The board's one dialog (#story; a bottom sheet on a phone) holds a goal's story and
  // the forms to add, edit and move a goal. What comes into it opens it, named by its
  // heading (Escape, a Close or Cancel button shut it); an answer that lands outside it,
  // on the board (a save, a move, a new goal), closes it.
  // Whether an answer lands outside the dialog is known before the swap: an outerHTML
  // swap leaves the old target detached.
  var landsOutside = new WeakSet();
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var dialog = document.getElementById("story");
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (dialog && dialog.open && elt && dialog.contains(elt) && !dialog.contains(event.detail.target)) {
      landsOutside.add(event.detail.xhr);
    }
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    var dialog = document.getElementById("story");
    if (!dialog) return;
    var target = event.detail.target;
    if (target.id === "story-body") {
      // Closing a story asks for the board again (its cheers and comments count on the
      // card, static/js/live.js); a form's answer has put the board right already.
      if (target.querySelector(".story")) dialog.setAttribute("data-live-after-close", "board");
      else dialog.removeAttribute("data-live-after-close");
      var heading = target.querySelector("h1, h2");
      if (heading && heading.id) {
        dialog.removeAttribute("aria-label");
        dialog.setAttribute("aria-labelledby", heading.id);
      }
      if (!dialog.open) dialog.showModal();
    } else if (dialog.open && landsOutside.has(event.detail.xhr)) {
      dialog.close();
    }
  });

  document.body.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-dialog-close]");
    var dialog = button && button.closest("dialog");
    if (dialog) dialog.close();
  });

  // On a phone the board shows one column at a time across every lane. Its switcher's
  // buttons (and a sideways swipe) change the column in place, and the address keeps it
  // (?stage=, what the buttons ask for without JavaScript). A board drawn again (a new
  // goal, a partner's change) keeps the column the member chose.
  var shownStage = null;

  function stageButtons(root) {
    return Array.prototype.slice.call(root.querySelectorAll(".stage-switcher .stage-choice"));
  }

  function showStage(id, remember) {
    var current = board();
    if (!current) return;
    var choices = stageButtons(current);
    var index = choices.findIndex(function (button) { return button.value === String(id); });
    if (index < 0) return;
    choices.forEach(function (button, i) { button.setAttribute("aria-pressed", i === index ? "true" : "false"); });
    current.querySelectorAll(".cell").forEach(function (cell) {
      cell.classList.toggle("is-current", cell.dataset.stage === String(id));
    });
    current.querySelectorAll(".stage-switcher .stage-step").forEach(function (step) {
      var next = choices[index + Number(step.dataset.stageStep)];
      step.disabled = !next;
      step.value = next ? next.value : "";
    });
    if (!remember) return;
    shownStage = String(id);
    var url = new URL(window.location.href);
    url.searchParams.set("stage", shownStage);
    window.history.replaceState(window.history.state, "", url);
  }

  function stepStage(offset) {
    var current = board();
    var step = current && current.querySelector('.stage-switcher [data-stage-step="' + offset + '"]');
    if (step && !step.disabled) showStage(step.value, true);
  }

  document.body.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".stage-switcher button");
    if (!button || !button.value) return;
    event.preventDefault();
    showStage(button.value, true);
  });

  function switcherShown() {
    var switcher = document.getElementById("stage-switcher");
    return switcher && switcher.offsetParent !== null;
  }

  // A swipe: mostly sideways and long enough; never from a drag handle or a form field.
  var touchStart = null;
  document.addEventListener("touchstart", function (event) {
    var start = event.target.closest && !event.target.closest(".drag-handle, input, select, textarea, dialog");
    touchStart = start && event.touches.length === 1 && event.target.closest("#board .lane") && switcherShown()
      ? { x: event.touches[0].clientX, y: event.touches[0].clientY } : null;
  }, { passive: true });
  document.addEventListener("touchend", function (event) {
    if (!touchStart || document.querySelector(".goal-chosen")) return;
    var touch = event.changedTouches[0];
    var dx = touch.clientX - touchStart.x, dy = touch.clientY - touchStart.y;
    touchStart = null;
    if (Math.abs(dx) > 60 && Math.abs(dx) > 2 * Math.abs(dy)) stepStage(dx < 0 ? 1 : -1);
  }, { passive: true });

  // Each column's count on the switcher follows the goals on the page.
  function countStages(current) {
    stageButtons(current).forEach(function (button) {
      var count = current.querySelectorAll('.cell[data-stage="' + button.value + '"] ol.goals > li').length;
      var shown = button.querySelector(".stage-count");
      if (!shown) return;
      shown.firstChild.nodeValue = String(count);
      shown.lastChild.textContent = count === 1 ? " goal" : " goals";
    });
  }

  htmx.onLoad(function (root) {
    var current = board();
    if (!current || !(root === current || root.contains(current))) return;
    if (shownStage) showStage(shownStage, false);
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    var current = board();
    if (current) countStages(current);
  });

  document.body.addEventListener("goal-moved", placeGoal);
  document.body.addEventListener("goal-saved", focusGoal);
})();
