/* Picking a known customer from the suggestions on an intake form (new work order, new complaint):
   with the mouse or the keyboard (↓ ↑ move, Enter takes, Esc closes) while the focus stays in the
   field being typed in. The picked customer fills the form's fields and loads their products and
   history. Set up by the form's data attributes:
     data-customer-pick        the form takes part
     data-pick-fields          the fields a suggestion fills ("caller_name building unit room address")
     data-pick-focus           the field that gets the focus after a pick
     data-products-url, data-history-url   where the products and the history come from
   The Content Security Policy allows no inline script: pages load this file. */
(function () {
  "use strict";

  function setUp(form) {
    const fields = (form.dataset.pickFields || "").split(" ").filter(Boolean);
    const matches = document.getElementById("customer-matches");
    const picked = document.getElementById("customer-picked");
    const history = document.getElementById("customer-history");
    const inputs = [form.elements.caller_phone, document.getElementById("id_lookup")].filter(Boolean);
    let active = -1;

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
      for (const name of fields) { form.elements[name].value = button.dataset[name] || ""; }
      // The digits typed so far are part of the customer's number: the whole number replaces them
      // (the server does the same, also for roles that see numbers masked and get no number here).
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
      const next = form.elements[form.dataset.pickFocus || ""];
      if (next) { next.focus(); }
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
          event.preventDefault();  // take the customer, do not send the form
          pick(all[active]);
        } else if (event.key === "Escape") {
          event.preventDefault();
          close();
        }
      });
    }

    // New suggestions arrived: nothing is chosen yet.
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
    document.querySelectorAll("form[data-customer-pick]").forEach(setUp);
  });
})();
