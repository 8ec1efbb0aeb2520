// Patient pages: commune suggestions while typing (progressive enhancement; the forms
// work without it).  Fills the <datalist> of any input marked data-commune-suggest with
// « Nevers (58194) » labels from /api/v1/places, which the server resolves exactly.
(function () {
  "use strict";
  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var timer = null, last = "";
    input.addEventListener("input", function () {
      var q = input.value.trim();
      if (q.length < 2 || q === last || /\(\w{5}\)$/.test(q)) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        last = q;
        fetch("/api/v1/places?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            list.textContent = "";
            items.forEach(function (c) {
              var opt = document.createElement("option");
              opt.value = c.label;
              opt.textContent = c.name + " (" + c.dep + ") " + c.postal_codes.join(" ");
              list.appendChild(opt);
            });
          })
          .catch(function () { /* suggestions are optional */ });
      }, 200);
    });
  }
  document.querySelectorAll("[data-commune-suggest]").forEach(attach);
})();
