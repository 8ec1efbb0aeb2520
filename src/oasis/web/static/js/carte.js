/* The planners' map page: wires the selects, the place search, the territory sheet and
   the proposed-sites layer to OasisMap. */
(function () {
  "use strict";
  const root = document.getElementById("carte");
  const units = JSON.parse(root.dataset.levelUnits || "{}");
  const indicator = document.getElementById("indicateur");
  const territory = document.getElementById("territoire");
  const level = document.getElementById("niveau");
  const proposed = document.getElementById("sites-proposes");
  const searchForm = document.getElementById("recherche-lieu");
  const searchInput = document.getElementById("lieu");
  const results = document.getElementById("lieux");
  let map = null;
  let points = null;

  async function showPoints() {
    if (!map) return;
    if (!proposed || !proposed.checked) { map.drawPoints([]); return; }
    if (!points) points = await fetch("/api/v1/carte/sites-proposes").then((r) => r.json());
    map.drawPoints(points);
  }

  // The selects redraw the map; the form is never sent (no inline handler: CSP).
  document.getElementById("map-controls").addEventListener("submit", (e) => e.preventDefault());
  function render() {
    map = new window.OasisMap(root, {
      ariaLabel: `${indicator.options[indicator.selectedIndex].text} — ` +
        level.options[level.selectedIndex].text,
      unitLabel: units[level.value],
      onSelect: (code) => {
        fetch(`/api/v1/carte/fiche/${encodeURIComponent(level.value)}/` +
          encodeURIComponent(code))
          .then((r) => (r.ok ? r.json() : Promise.reject(r)))
          .then((sheet) => map.showSheet(sheet))
          .catch(() => { map.info.textContent = "Fiche indisponible pour ce territoire."; });
      },
    });
    const dep = territory.value ? `?dep=${encodeURIComponent(territory.value)}` : "";
    const layer = `/api/v1/carte/chemins/${encodeURIComponent(level.value)}.json`;
    const values = `/api/v1/carte/indicateurs/${encodeURIComponent(indicator.value)}` +
      `?niveau=${encodeURIComponent(level.value)}`;
    const state = new URLSearchParams({ indicateur: indicator.value, niveau: level.value });
    if (territory.value) state.set("territoire", territory.value);
    history.replaceState(null, "", `?${state}`);
    map.loadPaths(`${layer}${dep}`, values)
      .then(() => fetch(`/api/v1/carte/etiquettes${dep}`).then((r) => r.json()))
      .then((places) => { map.drawLabels(places); root.dataset.labels = String(places.length); })
      .then(showPoints)
      .catch(() => { root.querySelector(".map-info").textContent = "Impossible de charger la carte."; });
  }

  function go(place) {
    results.replaceChildren();
    if (level.value !== "commune") {
      level.value = "commune";
    }
    const sameArea = !territory.value ? place.zone === "metro" : territory.value === place.dep;
    if (!sameArea) {
      territory.value = place.zone === "metro" ? "" : place.dep;
    }
    const done = () => {
      const found = map.zoomTo(place.lon, place.lat, place.code);
      map.info.textContent = `${place.name} (${place.dep})` + (found ? "" :
        " : commune découpée en arrondissements ou hors de la carte, vue centrée sur elle.");
      if (map.options.onSelect && found) map.options.onSelect(place.code);
    };
    if (!sameArea || !map.features || map.root.dataset.level !== "commune") {
      render();
      const wait = () => (map.proj && map.features ? done() : setTimeout(wait, 100));
      wait();
    } else {
      done();
    }
  }

  if (searchForm) {
    searchForm.addEventListener("submit", (e) => {
      e.preventDefault();
      const q = searchInput.value.trim();
      if (q.length < 2) { results.textContent = "Tapez au moins 2 caractères."; return; }
      fetch(`/api/v1/carte/recherche?q=${encodeURIComponent(q)}`)
        .then((r) => r.json())
        .then((places) => {
          results.replaceChildren();
          if (!places.length) { results.textContent = "Aucune commune trouvée."; return; }
          if (places.length === 1) { go(places[0]); return; }
          for (const place of places) {
            const li = document.createElement("li");
            const b = document.createElement("button");
            b.type = "button";
            b.textContent = `${place.name} (${place.dep_name || place.dep}, ` +
              `${place.population.toLocaleString("fr-FR")} hab.)`;
            b.addEventListener("click", () => go(place));
            li.appendChild(b);
            results.appendChild(li);
          }
        });
    });
  }
  indicator.addEventListener("change", render);
  territory.addEventListener("change", render);
  level.addEventListener("change", () => { root.dataset.level = level.value; render(); });
  if (proposed) proposed.addEventListener("change", showPoints);
  root.dataset.level = level.value;
  render();
})();
