/* fuwu — the pages' small behaviours, in one static file: the Content Security Policy allows no
   inline script and no inline event handler (onclick=…). Each behaviour is bound through data-
   attributes when the page loads and again to content htmx swaps in. */
(function () {
  "use strict";

  const behaviours = [];

  function behaviour(selector, setUp) {
    behaviours.push({ selector: selector, setUp: setUp, done: new WeakSet() });
  }

  function bind(root) {
    for (const item of behaviours) {
      const found = Array.from(root.querySelectorAll(item.selector));
      if (root.matches && root.matches(item.selector)) { found.unshift(root); }
      for (const element of found) {
        if (item.done.has(element)) { continue; }
        item.done.add(element);
        item.setUp(element);
      }
    }
  }

  // A select that submits its form when changed (the language switch).
  behaviour("select[data-auto-submit]", function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // A button that prints the page (the service voucher).
  behaviour("[data-print]", function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // Dispatch: the notice of the chosen technician (absent, handed to B, …) under the list.
  behaviour("select[data-dispatch-technician]", function (select) {
    const notice = select.closest("form").querySelector("[data-dispatch-notice]");
    function show() {
      const text = select.selectedOptions.length ? select.selectedOptions[0].dataset.notice : "";
      notice.textContent = text || "";
      notice.classList.toggle("d-none", !text);
    }
    select.addEventListener("change", show);
    show();
  });

  // Confirmation: only the section of the chosen method (signature, SMS code, paper voucher) shows.
  behaviour("[data-confirm-method]", function (radio) {
    const form = radio.closest("form");
    function showMethod() {
      const checked = form.querySelector("[data-confirm-method]:checked");
      const method = checked ? checked.value : "signature";
      form.querySelectorAll("[data-method-section]").forEach(function (section) {
        section.classList.toggle("d-none", section.dataset.methodSection !== method);
      });
    }
    radio.addEventListener("change", showMethod);
    showMethod();
  });

  // Confirmation: the customer signs on a canvas; the picture goes in a hidden field as a data URL.
  behaviour("canvas[data-signature-pad]", function (canvas) {
    const form = canvas.closest("form");
    const value = form.querySelector("[data-signature-value]");
    let drawing = false;
    let drawn = false;
    let context = null;
    function setUp() {
      const ratio = window.devicePixelRatio || 1;
      const width = canvas.clientWidth || 300;
      canvas.width = width * ratio;
      canvas.height = 160 * ratio;
      context = canvas.getContext("2d");
      context.scale(ratio, ratio);
      context.lineWidth = 2.2;
      context.lineCap = "round";
      context.strokeStyle = "#111";
      drawn = false;
      value.value = "";
    }
    function point(event) {
      const box = canvas.getBoundingClientRect();
      return [event.clientX - box.left, event.clientY - box.top];
    }
    canvas.addEventListener("pointerdown", function (event) {
      if (!context) { setUp(); }
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      const [x, y] = point(event);
      context.beginPath();
      context.moveTo(x, y);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      const [x, y] = point(event);
      context.lineTo(x, y);
      context.stroke();
      drawn = true;
    });
    function end() {
      if (!drawing) { return; }
      drawing = false;
      if (drawn) { value.value = canvas.toDataURL("image/png"); }
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    const clear = form.querySelector("[data-signature-clear]");
    if (clear) { clear.addEventListener("click", setUp); }
  });

  // Intake (picking a known customer, by mouse or keyboard): fuwu/customer-pick.js.

  // A link to #action-<name> (from the technician view, or a notification asking for an approval)
  // opens that action's form; a form sent back with errors (details[data-bound]) is brought into view.
  function openLinkedAction() {
    if (/^#action-[\w-]+$/.test(window.location.hash)) {
      const target = document.querySelector(window.location.hash);
      if (target && target.tagName === "DETAILS") { target.open = true; target.scrollIntoView(); return; }
    }
    const bound = document.querySelector("details[data-bound]");
    if (bound) { bound.scrollIntoView(); }
  }

  if (window.htmx) {
    window.htmx.onLoad(bind);  // the page itself, then every swapped-in fragment
  } else {
    document.addEventListener("DOMContentLoaded", function () { bind(document.body); });
  }
  document.addEventListener("DOMContentLoaded", openLinkedAction);
})();
