/* A coordinator's plan on the app's map: the page puts the layer's URL, the plan's own
   categorical values and its markers in data attributes (no inline script: CSP). */
(function () {
  "use strict";
  for (const root of document.querySelectorAll(".plan-map[data-plan]")) {
    const plan = JSON.parse(root.dataset.plan);
    const map = new window.OasisMap(root, { ariaLabel: root.dataset.label || "Carte du plan",
      unitLabel: plan.unit_label });
    fetch(plan.paths)
      .then((r) => (r.ok ? r.json() : Promise.reject(r)))
      .then((layer) => {
        map.drawPaths(layer, plan.indicator);
        map.drawPoints(plan.points);
        map.legendPoints(plan.points_legend, plan.points.length);
        map.fitTo(Object.keys(plan.indicator.values), plan.points);
        root.dataset.points = String(plan.points.length);
      })
      .catch(() => { map.info.textContent = "Impossible de charger la carte du plan."; });
  }
})();
