/* Complaint intake: the "received at" field is shown only for the channels registered later than
   they arrived (letter, fax, e-mail, suggestion box). Picking a known customer is the shared
   fuwu/customer-pick.js. Loaded by complaints/intake.html only: the Content Security Policy allows
   no inline script. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.getElementById("complaint-intake-form");
    if (!form) { return; }
    const receivedAt = document.getElementById("received-at-field");
    const later = (form.dataset.registeredLater || "").split(" ");

    function showReceivedAt() {
      const registeredLater = later.indexOf(form.elements.channel.value) !== -1;
      receivedAt.classList.toggle("d-none", !registeredLater);
      if (!registeredLater) { form.elements.received_at.value = ""; }
    }
    form.elements.channel.addEventListener("change", showReceivedAt);
  });
})();
