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
    focusGoal(event);
  }

  // After a move or a save, keep the keyboard where the user was: on that goal.
  function focusGoal(event) {
    var goal = document.getElementById("goal-" + event.detail.id);
    if (goal) {
      goal.focus();
      goal.scrollIntoView({ block: "nearest" });
    }
    if (event.detail.message) window.goalmap.announce(event.detail.message);
  }
  // A goal's story comes into the dialog: open it (Escape and its Close button shut it).
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var dialog = document.getElementById("story");
    if (dialog && event.detail.target.id === "story-body" && !dialog.open) dialog.showModal();
  });

  document.body.addEventListener("goal-moved", placeGoal);
  document.body.addEventListener("goal-saved", focusGoal);
})();
