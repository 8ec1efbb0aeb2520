/* « Trouver un soin »: the results on the app's own map (OasisMap, the /carte drawing):
   the department's communes as a plain background, the searched commune in red and the
   result sites numbered like the list. Without script the list alone says it all. */
(function () {
  "use strict";
  const root = document.getElementById("carte-resultats");
  if (!root || !window.OasisMap) return;
  const d = root.dataset;
  const home = { n: "", lat: Number(d.lat), lon: Number(d.lon), kind: "home",
    label: `${d.name} : votre commune` };
  const markers = JSON.parse(d.markers || "[]");
  const map = new window.OasisMap(root, {
    ariaLabel: `Carte des résultats autour de ${d.name} : ${markers.length} lieu(x), ` +
      "numérotés comme la liste",
    unitLabel: "communes",
  });
  const dep = encodeURIComponent(d.dep || "");
  map.info.textContent = "Chargement de la carte…";
  fetch(`/api/v1/carte/chemins/commune.json?dep=${dep}`)
    .then((r) => (r.ok ? r.json() : Promise.reject(r)))
    .then((layer) => {
      map.drawPaths(layer, {}); // no indicator: a plain background of communes
      map.highlight(d.code);
      map.drawMarkers([home, ...markers]);
      map.fitPoints([home, ...markers], map.full[2] / 8);
      map.info.textContent = `${d.name} et ${markers.length} lieu(x) de soins. ` +
        "Touchez un numéro pour son nom ; la liste donne le détail.";
      root.dataset.markers_drawn = String(markers.length + 1);
    })
    .catch(() => { map.info.textContent = "Carte indisponible : les résultats sont listés."; });
  // a tap on a marker names it (titles are not shown on touch screens)
  map.svg.addEventListener("click", (e) => {
    const g = e.target.closest && e.target.closest(".map-marker");
    if (g) map.info.textContent = g.querySelector("title").textContent;
  });
})();
