/* The planners' map page: wires the selects to OasisMap. */
(function () {
  "use strict";
  const root = document.getElementById("carte");
  const legends = JSON.parse(root.dataset.indicatorLegends || "{}");
  const units = JSON.parse(root.dataset.levelUnits || "{}");
  const indicator = document.getElementById("indicateur");
  const territory = document.getElementById("territoire");
  const level = document.getElementById("niveau");
  // The selects redraw the map; the form is never sent (no inline handler: CSP).
  document.getElementById("map-controls").addEventListener("submit", (e) => e.preventDefault());
  function render() {
    const legend = legends[indicator.value] || {};
    const map = new window.OasisMap(root, {
      ariaLabel: `${indicator.options[indicator.selectedIndex].text} — ` +
        level.options[level.selectedIndex].text,
      breaks: legend.breaks, colors: legend.colors,
      classNames: legend.categories ? null : legend.names,
      unitLabel: units[level.value],
    });
    const dep = territory.value ? `?dep=${encodeURIComponent(territory.value)}` : "";
    const layer = level.value === "commune" ? "/api/v1/carte/communes.geojson"
      : `/api/v1/carte/territoires/${encodeURIComponent(level.value)}.geojson`;
    const values = `/api/v1/carte/indicateurs/${encodeURIComponent(indicator.value)}` +
      `?niveau=${encodeURIComponent(level.value)}`;
    const state = new URLSearchParams({ indicateur: indicator.value, niveau: level.value });
    if (territory.value) state.set("territoire", territory.value);
    history.replaceState(null, "", `?${state}`);
    map.load(`${layer}${dep}`, values)
      .catch(() => { root.querySelector(".map-info").textContent = "Impossible de charger la carte."; });
  }
  indicator.addEventListener("change", render);
  territory.addEventListener("change", render);
  level.addEventListener("change", render);
  render();
})();
