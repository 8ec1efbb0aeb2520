/* The planners' map page: wires the selects to OasisMap. */
(function () {
  "use strict";
  const root = document.getElementById("carte");
  const legends = JSON.parse(root.dataset.indicatorLegends || "{}");
  const indicator = document.getElementById("indicateur");
  const territory = document.getElementById("territoire");
  function render() {
    const legend = legends[indicator.value] || {};
    const map = new window.OasisMap(root, {
      ariaLabel: indicator.options[indicator.selectedIndex].text,
      breaks: legend.breaks, colors: legend.colors, classNames: legend.names,
    });
    const dep = territory.value ? `?dep=${encodeURIComponent(territory.value)}` : "";
    map.load(`/api/v1/carte/communes.geojson${dep}`,
      `/api/v1/carte/indicateurs/${encodeURIComponent(indicator.value)}`)
      .catch(() => { root.querySelector(".map-info").textContent = "Impossible de charger la carte."; });
  }
  indicator.addEventListener("change", render);
  territory.addEventListener("change", render);
  render();
})();
