// Recording a life event, one step at a time: each fieldset of the form is a step of
// the conversation, with Back and Next between them. Without JavaScript the whole
// form shows at once and works the same. A step with an error opens first.
(function () {
  "use strict";

  function stepper(form) {
    var steps = Array.prototype.slice.call(form.querySelectorAll(":scope > fieldset"));
    var submit = form.querySelector(":scope > button[type=submit]");
    if (steps.length < 2 || !submit) return;
    var status = document.createElement("p");
    status.className = "step-status";
    status.setAttribute("aria-live", "polite");
    form.insertBefore(status, steps[0]);
    var nav = document.createElement("div");
    nav.className = "step-nav";
    var back = button("Back");
    var next = button("Next");
    nav.appendChild(back);
    nav.appendChild(next);
    form.insertBefore(nav, submit);
    var withError = steps.findIndex(function (step) { return step.querySelector(".error, [aria-invalid=true]"); });
    var current = withError >= 0 ? withError : 0;

    function show(index) {
      current = index;
      steps.forEach(function (step, i) { step.hidden = i !== index; });
      back.hidden = index === 0;
      next.hidden = index === steps.length - 1;
      submit.hidden = index !== steps.length - 1;
      status.textContent = "Step " + (index + 1) + " of " + steps.length + ": " +
        steps[index].querySelector("legend").textContent;
    }

    back.addEventListener("click", function () { show(current - 1); focusStep(); });
    next.addEventListener("click", function () { show(current + 1); focusStep(); });
    function focusStep() {
      var field = steps[current].querySelector("input:not([type=hidden]), select, textarea");
      if (field) field.focus();
    }
    show(current);
  }

  function button(label) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    return b;
  }

  document.querySelectorAll("form[data-steps]").forEach(stepper);
})();
