/* Complaint intake: picking a known customer from the suggestions (mouse or keyboard: ↓ ↑ move,
   Enter takes, Esc closes) with their history of work orders and complaints, and the "received at"
   field shown only for the channels registered later than they arrived (letter, fax, e-mail,
   suggestion box). Loaded by complaints/intake.html only: the Content Security Policy allows no
   inline script. */
(function () {
  "use strict";

  const FIELDS = ["caller_name", "address"];

  function setUp(form) {
    const matches = document.getElementById("customer-matches");
    const picked = document.getElementById("customer-picked");
    const history = document.getElementById("customer-history");
    const receivedAt = document.getElementById("received-at-field");
    const later = (form.dataset.registeredLater || "").split(" ");
    const inputs = [form.elements.caller_phone, document.getElementById("id_lookup")].filter(Boolean);
    let active = -1;

    function showReceivedAt() {
      const registeredLater = later.indexOf(form.elements.channel.value) !== -1;
      receivedAt.classList.toggle("d-none", !registeredLater);
      if (!registeredLater) { form.elements.received_at.value = ""; }
    }
    form.elements.channel.addEventListener("change", showReceivedAt);

    function options() {
      return Array.from(matches.querySelectorAll("[data-pick-customer]"));
    }

    function show(index) {
      const all = options();
      active = all.length ? (index + all.length) % all.length : -1;
      all.forEach(function (option, i) {
        option.classList.toggle("active", i === active);
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      for (const input of inputs) {
        input.setAttribute("aria-expanded", all.length ? "true" : "false");
        if (active >= 0) { input.setAttribute("aria-activedescendant", all[active].id); }
        else { input.removeAttribute("aria-activedescendant"); }
      }
      if (active >= 0) { all[active].scrollIntoView({ block: "nearest" }); }
    }

    function close() {
      matches.innerHTML = "";
      show(-1);
    }

    function pick(button) {
      form.elements.customer.value = button.dataset.pickCustomer;
      for (const name of FIELDS) { form.elements[name].value = button.dataset[name] || ""; }
      const typed = form.elements.caller_phone.value.replace(/\D/g, "");
      const whole = button.dataset.phone || "";
      if (whole && (!typed || whole.replace(/\D/g, "").indexOf(typed) !== -1)) {
        form.elements.caller_phone.value = whole;
      }
      document.getElementById("picked-label").textContent = button.dataset.caller_name;
      picked.classList.remove("d-none");
      close();
      const customer = encodeURIComponent(button.dataset.pickCustomer);
      window.htmx.ajax("GET", form.dataset.productsUrl + "?customer=" + customer,
                       { target: "#product-field", swap: "innerHTML" });
      window.htmx.ajax("GET", form.dataset.historyUrl + "?customer=" + customer,
                       { target: "#customer-history", swap: "innerHTML" });
      form.elements.subject.focus();
    }

    form.addEventListener("click", function (event) {
      const button = event.target.closest("[data-pick-customer]");
      if (!button) { return; }
      event.preventDefault();
      pick(button);
    });

    for (const input of inputs) {
      input.addEventListener("keydown", function (event) {
        const all = options();
        if (!all.length) { return; }
        if (event.key === "ArrowDown") {
          event.preventDefault();
          show(active + 1);
        } else if (event.key === "ArrowUp") {
          event.preventDefault();
          show(active < 0 ? all.length - 1 : active - 1);
        } else if (event.key === "Enter" && active >= 0) {
          event.preventDefault();
          pick(all[active]);
        } else if (event.key === "Escape") {
          event.preventDefault();
          close();
        }
      });
    }

    matches.addEventListener("htmx:afterSwap", function () { show(-1); });

    document.getElementById("picked-clear").addEventListener("click", function () {
      form.elements.customer.value = "";
      picked.classList.add("d-none");
      document.getElementById("product-field").innerHTML = "";
      history.innerHTML = "";
      form.elements.caller_name.focus();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.getElementById("complaint-intake-form");
    if (form) { setUp(form); }
  });
})();
