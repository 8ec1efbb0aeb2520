// Booking confirmation, « Pour qui ? »: show the price, parcours and reimbursement of
// the person chosen (progressive enhancement: without it, each radio label gives that
// person's price and a link reloads the page with their detail).
(function () {
  "use strict";
  function show(id) {
    document.querySelectorAll("[data-person]").forEach(function (block) {
      block.hidden = block.getAttribute("data-person") !== id;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var radios = document.querySelectorAll("#pour-qui-choix input[name=pour]");
    if (!radios.length) { return; }
    document.querySelectorAll("[data-person-link]").forEach(function (p) { p.hidden = true; });
    radios.forEach(function (radio) {
      radio.addEventListener("change", function () {
        if (radio.checked) { show(radio.getAttribute("data-for")); }
      });
    });
  });
}());
