// A win's celebration: a short burst of confetti where a [data-celebrate] message
// appears, once; when the user prefers reduced motion, nothing moves and the message
// stands alone.
(function () {
  "use strict";

  var still = window.matchMedia("(prefers-reduced-motion: reduce)");
  var fire = null;

  function play(message) {
    if (message.hasAttribute("data-celebrated")) return;
    var calm = still.matches || !window.confetti;
    message.setAttribute("data-celebrated", calm ? "calm" : "confetti");
    if (calm) return;
    // Its own canvas, drawn on the page (the library's worker would need a blob: URL).
    fire = fire || window.confetti.create(null, { resize: true, useWorker: false });
    fire({ particleCount: 90, spread: 75, startVelocity: 35, ticks: 180, origin: { y: 0.2 },
           disableForReducedMotion: true });
  }

  htmx.onLoad(function (root) {
    if (root.matches && root.matches("[data-celebrate]")) play(root);
    if (root.querySelectorAll) root.querySelectorAll("[data-celebrate]").forEach(play);
  });
})();
