/* Oasis choropleth: draws commune boundaries (GeoJSON from the app) as SVG, coloured by
   an indicator fetched separately, with zoom (wheel, buttons, keyboard), pan (drag) and
   a legend. No dependency, no external request. */
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const DEFAULT_COLORS = ["#f0f9e8", "#bae4bc", "#7bccc4", "#43a2ca", "#0868ac"];
  const MERGE_ABOVE = 5000;  // territories: beyond, one <path> per colour class

  function project(bbox) {
    const lat0 = ((bbox[1] + bbox[3]) / 2) * Math.PI / 180;
    const k = Math.cos(lat0);
    return (lon, lat) => [(lon - bbox[0]) * k * 1000, (bbox[3] - lat) * 1000];
  }

  function bounds(features) {
    const b = [Infinity, Infinity, -Infinity, -Infinity];
    const visit = (c) => {
      if (typeof c[0] === "number") {
        if (c[0] < b[0]) b[0] = c[0]; if (c[1] < b[1]) b[1] = c[1];
        if (c[0] > b[2]) b[2] = c[0]; if (c[1] > b[3]) b[3] = c[1];
      } else c.forEach(visit);
    };
    features.forEach((f) => f.geometry && visit(f.geometry.coordinates));
    return b;
  }

  function pathData(geometry, proj) {
    const polys = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    let d = "";
    for (const poly of polys) {
      for (const ring of poly) {
        ring.forEach((pt, i) => {
          const [x, y] = proj(pt[0], pt[1]);
          d += (i ? "L" : "M") + x.toFixed(1) + " " + y.toFixed(1);
        });
        d += "Z";
      }
    }
    return d;
  }

  function quantileBreaks(values, n) {
    const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
    const out = [];
    for (let i = 1; i < n; i++) out.push(v[Math.floor((i * v.length) / n)]);
    return out;
  }

  function classOf(value, breaks) {
    let i = 0;
    while (i < breaks.length && value >= breaks[i]) i++;
    return i;
  }

  const fmt = (x) => (Math.abs(x) >= 100 ? Math.round(x) : Math.round(x * 100) / 100)
    .toLocaleString("fr-FR");
  const withUnit = (text, unit) => (unit ? `${text} ${unit}` : text);
  const esc = (t) => String(t).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;",
    ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

  class OasisMap {
    constructor(root, options) {
      this.root = root;
      this.options = options || {};
      this.svg = document.createElementNS(SVG, "svg");
      this.svg.setAttribute("class", "map-svg");
      this.svg.setAttribute("role", "img");
      this.svg.setAttribute("tabindex", "0");
      this.svg.setAttribute("aria-label", this.options.ariaLabel || "Carte");
      this.layer = document.createElementNS(SVG, "g");
      this.svg.appendChild(this.layer);
      this.legend = document.createElement("div");
      this.legend.className = "map-legend";
      this.info = document.createElement("p");
      this.info.className = "map-info";
      this.info.setAttribute("aria-live", "polite");
      const tools = document.createElement("div");
      tools.className = "map-tools";
      for (const [label, text, factor] of [["Zoomer", "+", 0.7], ["Dézoomer", "−", 1.4]]) {
        const b = document.createElement("button");
        b.type = "button"; b.textContent = text; b.setAttribute("aria-label", label);
        b.addEventListener("click", () => this.zoom(factor));
        tools.appendChild(b);
      }
      const reset = document.createElement("button");
      reset.type = "button"; reset.textContent = "Vue d'ensemble";
      reset.addEventListener("click", () => this.fit());
      tools.appendChild(reset);
      for (const [label, kind] of [["Exporter en SVG", "svg"], ["Exporter en PNG", "png"]]) {
        const b = document.createElement("button");
        b.type = "button"; b.textContent = label; b.dataset.export = kind;
        b.addEventListener("click", () => this.exportImage(kind));
        tools.appendChild(b);
      }
      this.labelsLayer = document.createElementNS(SVG, "g");
      this.labelsLayer.setAttribute("class", "map-labels");
      this.pointsLayer = document.createElementNS(SVG, "g");
      this.pointsLayer.setAttribute("class", "map-points");
      this.svg.appendChild(this.pointsLayer);
      this.svg.appendChild(this.labelsLayer);
      this.sheet = document.createElement("aside");
      this.sheet.className = "map-sheet";
      this.sheet.hidden = true;
      this.sheet.setAttribute("aria-live", "polite");
      root.replaceChildren(tools, this.svg, this.legend, this.info, this.sheet);
      this.bindInteractions();
    }

    async loadPaths(pathsUrl, valuesUrl) {
      this.info.textContent = "Chargement de la carte…";
      const [layer, values] = await Promise.all([
        fetch(pathsUrl).then((r) => r.json()),
        fetch(valuesUrl).then((r) => r.json()),
      ]);
      this.drawPaths(layer, values);
    }

    /* Pre-projected integer paths (territory/maps.py path_layer): no per-point work.
       Above MERGE_ABOVE territories (the 35 000 communes) the fill is one <path> per
       colour class: the browser lays out 7 elements instead of 35 000 (first paint
       under 1 s, benchmarks/map_first_paint.py); hover, click and the selection outline
       then find the territory under the pointer from the same integer paths (bounding
       boxes in a grid, then point in polygon), decoded after the first paint. */
    drawPaths(layer, indicator) {
      const b = layer.bbox;
      const k = layer.k;
      const u = layer.units_per_degree;
      this.bbox = b;
      this.proj = (lon, lat) => [(lon - b[0]) * k * u, (b[3] - lat) * u];
      this.full = [0, 0, layer.width, layer.height];
      const legend = indicator.legend || {};
      const values = indicator.values || {};
      const categories = indicator.categories || null;
      const unit = legend.unit || "";
      const digits = legend.digits === undefined ? 2 : legend.digits;
      this.show = (v) => (categories ? categories[v] : withUnit(
        v.toLocaleString("fr-FR", { maximumFractionDigits: digits }), unit));
      const breaks = legend.breaks || [];
      const colors = legend.colors || DEFAULT_COLORS;
      const missing = legend.missing || "#bdbdbd";
      const classes = new Set();
      const names = {};
      const merged = layer.features.length > MERGE_ABOVE;
      this.merged = merged;
      this.hits = null;
      if (merged) {
        const byClass = new Map();
        for (const [code, name, d] of layer.features) {
          names[code] = name;
          const value = values[code];
          const cls = Number.isFinite(value) ? classOf(value, breaks) : -1;
          if (!byClass.has(cls)) byClass.set(cls, []);
          byClass.get(cls).push(d);
        }
        const parts = [];
        for (const [cls, ds] of [...byClass.entries()].sort((x, y) => x[0] - y[0])) {
          classes.add(cls);
          parts.push(`<path class="merged" d="${ds.join("")}" fill="${
            cls >= 0 ? colors[cls] : missing}" data-cls="${cls}"/>`);
        }
        this.layer.innerHTML = parts.join("");
        if (this.overlay) this.overlay.remove();
        this.overlay = document.createElementNS(SVG, "g");
        this.overlay.setAttribute("class", "map-overlay");
        this.layer.after(this.overlay);
      } else {
        const parts = new Array(layer.features.length);
        const fills = colors.map((c) => `" fill="${c}" data-cls="`);
        const none = `" fill="${missing}" data-cls="`;
        layer.features.forEach(([code, name, d], i) => {
          names[code] = name;
          const value = values[code];
          const cls = Number.isFinite(value) ? classOf(value, breaks) : -1;
          classes.add(cls);
          // INSEE and SIREN codes are plain digits/letters: no escaping needed
          parts[i] = `<path d="${d}${cls >= 0 ? fills[cls] : none}${cls}" data-code="${code}"/>`;
        });
        this.layer.innerHTML = parts.join("");
      }
      this.names = names;
      this.features = layer.features;
      this.values = values;
      this.renderLegend(indicator.label || "", breaks, colors, categories, legend);
      const what = this.options.unitLabel || "communes";
      this.root.dataset.features = String(layer.features.length);
      this.root.dataset.classes = String(classes.size);
      this.root.dataset.merged = String(merged);
      this.info.textContent = `${layer.features.length.toLocaleString("fr-FR")} ${what}. ` +
        "Survolez ou touchez un territoire pour sa valeur, cliquez pour sa fiche.";
      this.fit();
      // first paint: after the browser has laid out and painted the paths
      requestAnimationFrame(() => requestAnimationFrame(() => {
        this.root.dataset.painted = String(performance.now());
        if (merged) setTimeout(() => this.hitIndex(), 0);
      }));
    }

    /* Rings of every territory as integer coordinates, their bounding boxes and a
       64 × 64 grid of the boxes: what the pointer is over, without one DOM node each. */
    hitIndex() {
      if (this.hits) return this.hits;
      const n = this.features.length;
      const rings = new Array(n);
      const boxes = new Float64Array(n * 4);
      for (let i = 0; i < n; i++) {
        const d = this.features[i][2];
        const list = [];
        let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
        for (const part of d.split("M")) {
          if (!part) continue;
          const nums = part.replace(/[lz]/g, " ").trim().split(/\s+/).map(Number);
          const ring = new Int32Array(nums.length);
          let x = 0, y = 0;
          for (let j = 0; j + 1 < nums.length; j += 2) {
            x += nums[j]; y += nums[j + 1];  // first pair absolute (from 0), then relative
            ring[j] = x; ring[j + 1] = y;
            if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
          }
          list.push(ring);
        }
        rings[i] = list;
        boxes.set([x0, y0, x1, y1], i * 4);
      }
      const g = 64;
      const cw = (this.full[2] || 1) / g, ch = (this.full[3] || 1) / g;
      const grid = Array.from({ length: g * g }, () => []);
      const cell = (v, size) => Math.min(g - 1, Math.max(0, Math.floor(v / size)));
      for (let i = 0; i < n; i++) {
        const [x0, y0, x1, y1] = boxes.subarray(i * 4, i * 4 + 4);
        if (!Number.isFinite(x0)) continue;
        for (let gy = cell(y0, ch); gy <= cell(y1, ch); gy++) {
          for (let gx = cell(x0, cw); gx <= cell(x1, cw); gx++) grid[gy * g + gx].push(i);
        }
      }
      this.hits = { rings, boxes, grid, g, cw, ch, cell };
      this.root.dataset.hitIndex = "ready";
      return this.hits;
    }

    /* Index of the territory at layer coordinates (x, y), or -1 (even-odd rule: holes
       and enclaves answer the territory that fills them). */
    featureAt(x, y) {
      const h = this.hitIndex();
      if (x < 0 || y < 0 || x > this.full[2] || y > this.full[3]) return -1;
      const list = h.grid[h.cell(y, h.ch) * h.g + h.cell(x, h.cw)];
      let found = -1;
      for (const i of list) {
        const o = i * 4;
        if (x < h.boxes[o] || x > h.boxes[o + 2] || y < h.boxes[o + 1] || y > h.boxes[o + 3]) continue;
        let inside = false;
        for (const r of h.rings[i]) {
          for (let a = 0, b = r.length - 2; a < r.length; b = a, a += 2) {
            if ((r[a + 1] > y) !== (r[b + 1] > y) &&
                x < ((r[b] - r[a]) * (y - r[a + 1])) / (r[b + 1] - r[a + 1]) + r[a]) {
              inside = !inside;
            }
          }
        }
        if (inside) found = i;
      }
      return found;
    }

    /* The territory's code under a pointer event: its own path when each territory has
       one, else the hit test of the merged layer. */
    codeAt(evt) {
      const el = evt.target;
      if (el && el.dataset && el.dataset.code) return el.dataset.code;
      // merged layer: whatever is on top (a label, the outline), the territory beneath
      if (!this.merged || !this.features) return null;
      const [x, y] = this.toView(evt);
      const i = this.featureAt(x, y);
      return i < 0 ? null : this.features[i][0];
    }

    /* One outline path for a territory of the merged layer (hover or selection). */
    outline(code, kind) {
      if (!this.overlay) return null;
      const old = this.overlay.querySelector(`path.${kind}`);
      if (old && old.dataset.code === code) return old;
      if (old) old.remove();
      const f = this.features.find((x) => x[0] === code);
      if (!f) return null;
      const p = document.createElementNS(SVG, "path");
      p.setAttribute("d", f[2]);
      p.setAttribute("class", kind);
      p.setAttribute("fill", "none");
      p.dataset.code = code;
      this.overlay.appendChild(p);
      return p;
    }

    describe(elOrCode) {
      const el = typeof elOrCode === "string" ? { dataset: { code: elOrCode } } : elOrCode;
      const code = el.dataset.code;
      const value = this.values ? this.values[code] : undefined;
      const name = el.dataset.name || (this.names && this.names[code]) || code;
      return `${name} (${code}) : ` +
        (Number.isFinite(value) ? this.show(value) : (this.missingLabel || "pas de valeur"));
    }

    async load(geometryUrl, valuesUrl) {
      this.info.textContent = "Chargement de la carte…";
      const [geo, values] = await Promise.all([
        fetch(geometryUrl).then((r) => r.json()),
        fetch(valuesUrl).then((r) => r.json()),
      ]);
      this.draw(geo, values);
    }

    draw(geo, indicator) {
      const features = geo.features.filter((f) => f.geometry);
      this.bbox = bounds(features);
      const proj = project(this.bbox);
      this.proj = proj;
      const [w, h] = proj(this.bbox[2], this.bbox[1]);
      this.full = [0, 0, w, h];
      const values = indicator.values || {};
      const legend = indicator.legend || {};
      const categories = indicator.categories || null;
      const unit = legend.unit || "";
      this.unit = unit;
      const digits = legend.digits === undefined ? 2 : legend.digits;
      const show = (v) => (categories ? categories[v] : withUnit(
        v.toLocaleString("fr-FR", { maximumFractionDigits: digits }), unit));
      this.show = show;
      const breaks = legend.breaks ||
        quantileBreaks(features.map((f) => values[f.properties.code]), 5);
      const colors = legend.colors || DEFAULT_COLORS;
      const missing = legend.missing || "#bdbdbd";
      const frag = document.createDocumentFragment();
      for (const f of features) {
        const p = document.createElementNS(SVG, "path");
        const value = values[f.properties.code];
        p.setAttribute("d", pathData(f.geometry, proj));
        const cls = Number.isFinite(value) ? classOf(value, breaks) : -1;
        p.setAttribute("fill", cls >= 0 ? colors[cls] : missing);
        p.dataset.code = f.properties.code;
        p.dataset.name = f.properties.name;
        p.dataset.cls = String(cls);
        const title = document.createElementNS(SVG, "title");
        title.textContent = `${f.properties.name} (${f.properties.code}) : ` +
          (Number.isFinite(value) ? show(value) : "pas de valeur");
        p.appendChild(title);
        frag.appendChild(p);
      }
      this.layer.replaceChildren(frag);
      this.features = features;
      this.values = values;
      this.renderLegend(indicator.label || "", breaks, colors, categories, legend);
      const what = this.options.unitLabel || "communes";
      this.root.dataset.features = String(features.length);
      this.root.dataset.classes = String(new Set(
        [...this.layer.children].map((p) => p.dataset.cls)).size);
      this.info.textContent = `${features.length.toLocaleString("fr-FR")} ${what}. ` +
        "Survolez ou touchez un territoire pour sa valeur, cliquez pour sa fiche.";
      this.fit();
      this.root.dataset.painted = String(performance.now());
    }

    renderLegend(label, breaks, colors, categories, legend) {
      const unit = legend.unit ? ` (${esc(legend.unit)})` : "";
      const title = `<p class="legend-title">${esc(label)}</p>` +
        `<p class="legend-unit">Unité : ${legend.unit ? esc(legend.unit) : "classe"}` +
        (legend.method === "quantiles" ? " — classes par quantiles de ce niveau" : "") +
        (legend.method === "diverging" ? " — orange : sous le seuil, violet : au-dessus" : "") +
        "</p>";
      let items;
      if (categories) {
        items = colors.map((c, i) =>
          `<li><span class="swatch" data-color="${c}"></span>${esc(categories[i])}</li>`);
      } else {
        items = colors.map((c, i) => {
          const lo = i === 0 ? null : breaks[i - 1];
          const hi = i < breaks.length ? breaks[i] : null;
          const text = lo === null ? `moins de ${fmt(hi)}` : hi === null ? `${fmt(lo)} et plus`
            : `de ${fmt(lo)} à ${fmt(hi)}`;
          return `<li><span class="swatch" data-color="${c}"></span>${text}${unit}</li>`;
        });
      }
      items.push(`<li><span class="swatch" data-color="${legend.missing || "#bdbdbd"}">` +
        `</span>${esc(legend.missing_label || "pas de valeur")}</li>`);
      this.missingLabel = legend.missing_label || "pas de valeur";
      this.legend.innerHTML = `${title}<ul>${items.join("")}</ul>`;
      // Colours set through the CSSOM: the CSP refuses inline style attributes.
      for (const s of this.legend.querySelectorAll(".swatch")) s.style.background = s.dataset.color;
    }

    drawLabels(places) {
      if (!this.proj) return;
      const frag = document.createDocumentFragment();
      for (const place of places) {
        const [x, y] = this.proj(place.lon, place.lat);
        const t = document.createElementNS(SVG, "text");
        t.setAttribute("x", x.toFixed(1)); t.setAttribute("y", y.toFixed(1));
        t.setAttribute("class", `map-label ${place.kind}`);
        t.textContent = place.name;
        t.dataset.population = String(place.population);
        frag.appendChild(t);
      }
      this.labelsLayer.replaceChildren(frag);
      this.scaleLabels();
    }

    drawPoints(points) {
      if (!this.proj) return;
      const frag = document.createDocumentFragment();
      for (const pt of points) {
        const [x, y] = this.proj(pt.lon, pt.lat);
        const c = document.createElementNS(SVG, "circle");
        c.setAttribute("cx", x.toFixed(1)); c.setAttribute("cy", y.toFixed(1));
        c.setAttribute("class", "map-point");
        const title = document.createElementNS(SVG, "title");
        title.textContent = pt.label;
        c.appendChild(title);
        frag.appendChild(c);
      }
      this.pointsLayer.replaceChildren(frag);
      this.scaleLabels();
    }

    /* A legend line for the markers (plan maps). */
    legendPoints(text, count) {
      if (!text) return;
      const ul = this.legend.querySelector("ul");
      const li = document.createElement("li");
      const dot = document.createElement("span");
      dot.className = "swatch point";
      li.append(dot, `${text} : ${count.toLocaleString("fr-FR")}`);
      ul.appendChild(li);
    }

    /* Zoom on the territories with a value and the markers (a plan covers a part of
       the layer). */
    fitTo(codes, points) {
      const want = new Set(codes);
      const b = [Infinity, Infinity, -Infinity, -Infinity];
      const add = (x, y) => {
        if (x < b[0]) b[0] = x; if (y < b[1]) b[1] = y;
        if (x > b[2]) b[2] = x; if (y > b[3]) b[3] = y;
      };
      for (const [code, , d] of this.features || []) {
        if (!want.has(code)) continue;
        for (const m of d.matchAll(/M(-?\d+) (-?\d+)/g)) add(+m[1], +m[2]);
      }
      for (const pt of points || []) add(...this.proj(pt.lon, pt.lat));
      if (!Number.isFinite(b[0])) return;
      const pad = Math.max(b[2] - b[0], b[3] - b[1]) * 0.15 + 50;
      this.setView([b[0] - pad, b[1] - pad, b[2] - b[0] + 2 * pad, b[3] - b[1] + 2 * pad]);
    }

    /* Numbered markers ({n, lon, lat, label, kind}) drawn above the paths; the finder's
       results map uses them, numbered like its list. */
    drawMarkers(markers) {
      if (!this.proj) return;
      if (!this.markersLayer) {
        this.markersLayer = document.createElementNS(SVG, "g");
        this.markersLayer.setAttribute("class", "map-markers");
        this.svg.appendChild(this.markersLayer);
      }
      const frag = document.createDocumentFragment();
      for (const m of markers) {
        const [x, y] = this.proj(m.lon, m.lat);
        const g = document.createElementNS(SVG, "g");
        g.setAttribute("class", `map-marker ${m.kind || ""}`.trim());
        g.setAttribute("transform", `translate(${x.toFixed(1)} ${y.toFixed(1)})`);
        const c = document.createElementNS(SVG, "circle");
        const t = document.createElementNS(SVG, "text");
        t.textContent = m.n || "";
        const title = document.createElementNS(SVG, "title");
        title.textContent = m.label;
        g.append(title, c, t);
        frag.appendChild(g);
      }
      this.markersLayer.replaceChildren(frag);
      this.scaleLabels();
    }

    /* Frame a set of points with a margin (at least ``minSpan`` of the map's units). */
    fitPoints(points, minSpan) {
      if (!this.proj || !points.length) return;
      const xy = points.map((p) => this.proj(p.lon, p.lat));
      const xs = xy.map((p) => p[0]);
      const ys = xy.map((p) => p[1]);
      const span = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys),
        minSpan || 0);
      const cx = (Math.max(...xs) + Math.min(...xs)) / 2;
      const cy = (Math.max(...ys) + Math.min(...ys)) / 2;
      const side = span * 1.3;
      this.setView([cx - side / 2, cy - side / 2, side, side]);
    }

    scaleLabels() {
      if (!this.view) return;
      const r = this.svg.getBoundingClientRect();
      const s = Math.max(this.view[2] / (r.width || 1), this.view[3] / (r.height || 1));
      this.labelsLayer.setAttribute("font-size", (12 * s).toFixed(2));
      this.labelsLayer.setAttribute("stroke-width", (3 * s).toFixed(2));
      const zoomed = this.full && this.view[2] < this.full[2] * 0.45;
      this.labelsLayer.classList.toggle("zoomed", Boolean(zoomed));
      // a phone-sized whole-country map has no room for 100 names: labels once zoomed
      this.labelsLayer.classList.toggle("compact", !zoomed && (r.width || 0) < 600);
      for (const c of this.pointsLayer.children) c.setAttribute("r", (5 * s).toFixed(2));
      if (this.markersLayer) {
        for (const g of this.markersLayer.children) {
          // wide enough for « 2, 3 »; the home marker is a ring around what sits on it
          const chars = g.querySelector("text").textContent.length;
          const r = g.classList.contains("home") ? 17 : 10 + 3 * Math.max(0, chars - 1);
          g.querySelector("circle").setAttribute("r", (r * s).toFixed(2));
          g.querySelector("text").setAttribute("font-size", (12 * s).toFixed(2));
        }
      }
    }

    highlight(code) {
      if (this.merged) return this.outline(code, "selected");
      for (const p of this.layer.querySelectorAll(".selected")) p.classList.remove("selected");
      const p = this.layer.querySelector(`[data-code="${CSS.escape(code)}"]`);
      if (p) p.classList.add("selected");
      return p;
    }

    zoomTo(lon, lat, code) {
      if (!this.proj) return false;
      const [x, y] = this.proj(lon, lat);
      const w = this.full[2] / 12;
      const h = this.full[3] / 12;
      this.setView([x - w / 2, y - h / 2, w, h]);
      return Boolean(code && this.highlight(code));
    }

    showSheet(sheet) {
      const rank = sheet.priority_rank ? `${sheet.priority_rank.toLocaleString("fr-FR")} sur ` +
        `${sheet.priority_of.toLocaleString("fr-FR")}` : "—";
      const site = sheet.nearest_site ? `${esc(sheet.nearest_site)}, ${esc(sheet.drive_time)}`
        : esc(sheet.drive_time);
      this.sheet.innerHTML = `<h2>${esc(sheet.name)} (${esc(sheet.code)})</h2><dl>` +
        `<dt>APL</dt><dd>${sheet.apl.toLocaleString("fr-FR")} ${esc(sheet.apl_unit)}</dd>` +
        `<dt>Classe</dt><dd>${esc(sheet.apl_class)}</dd>` +
        `<dt>Population</dt><dd>${sheet.population.toLocaleString("fr-FR")} habitants</dd>` +
        `<dt>Site le plus proche</dt><dd>${site}</dd>` +
        `<dt>Rang de priorité</dt><dd>${rank}</dd>` +
        `<dt>Couverture France Santé</dt><dd>${esc(sheet.coverage_text)}</dd></dl>` +
        (sheet.synthetic ? "<p class=\"note\">Offre et sites de démonstration " +
          "SYNTHÉTIQUES.</p>" : "") +
        "<button type=\"button\" class=\"sheet-close\">Fermer</button>";
      this.sheet.hidden = false;
      this.sheet.querySelector(".sheet-close").addEventListener("click", () => {
        this.sheet.hidden = true;
      });
    }

    serialise() {
      const clone = this.svg.cloneNode(true);
      clone.setAttribute("xmlns", SVG);
      const [, , w, h] = this.view;
      const width = 1200;
      clone.setAttribute("width", String(width));
      clone.setAttribute("height", String(Math.round(width * h / w)));
      const style = document.createElementNS(SVG, "style");
      style.textContent = "path{stroke:#fff;stroke-width:.3;vector-effect:non-scaling-stroke}" +
        "text{font-family:sans-serif;fill:#111;stroke:#fff;paint-order:stroke}" +
        ".map-label.ville{display:none}.zoomed .map-label.ville{display:inline}" +
        "circle{fill:#e66101;stroke:#000}";
      clone.insertBefore(style, clone.firstChild);
      return new XMLSerializer().serializeToString(clone);
    }

    exportImage(kind) {
      const text = this.serialise();
      const blob = new Blob([text], { type: "image/svg+xml" });
      const url = URL.createObjectURL(blob);
      const save = (href, name) => {
        const a = document.createElement("a");
        a.href = href; a.download = name; document.body.appendChild(a); a.click(); a.remove();
      };
      if (kind === "svg") { save(url, "carte-oasis.svg"); return; }
      const img = new Image();
      img.onload = () => {
        const canvas = document.createElement("canvas");
        canvas.width = img.width; canvas.height = img.height;
        const ctx = canvas.getContext("2d");
        ctx.fillStyle = "#ffffff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
        ctx.drawImage(img, 0, 0);
        canvas.toBlob((png) => save(URL.createObjectURL(png), "carte-oasis.png"), "image/png");
      };
      img.src = url;
    }

    setView(box) {
      this.view = box;
      this.svg.setAttribute("viewBox", box.map((x) => x.toFixed(1)).join(" "));
      this.scaleLabels();
    }

    fit() { this.setView(this.full.slice()); }

    zoom(factor, cx, cy) {
      const [x, y, w, h] = this.view;
      const px = cx === undefined ? x + w / 2 : cx;
      const py = cy === undefined ? y + h / 2 : cy;
      this.setView([px - (px - x) * factor, py - (py - y) * factor, w * factor, h * factor]);
    }

    pan(dx, dy) {
      const [x, y, w, h] = this.view;
      this.setView([x + dx, y + dy, w, h]);
    }

    toView(evt) {
      const r = this.svg.getBoundingClientRect();
      const [x, y, w, h] = this.view;
      const s = Math.max(w / r.width, h / r.height);
      const ox = x + (w - r.width * s) / 2;
      const oy = y + (h - r.height * s) / 2;
      return [ox + (evt.clientX - r.left) * s, oy + (evt.clientY - r.top) * s, s];
    }

    bindInteractions() {
      this.svg.addEventListener("wheel", (e) => {
        e.preventDefault();
        const [cx, cy] = this.toView(e);
        this.zoom(e.deltaY < 0 ? 0.8 : 1.25, cx, cy);
      }, { passive: false });
      this.tooltip = document.createElement("div");
      this.tooltip.className = "map-tooltip";
      this.tooltip.hidden = true;
      this.tooltip.setAttribute("role", "tooltip");
      this.root.appendChild(this.tooltip);
      this.svg.addEventListener("pointermove", (e) => {
        const code = this.codeAt(e);
        if (this.merged) {
          if (code) this.outline(code, "hover");
          else if (this.overlay) this.overlay.querySelector("path.hover")?.remove();
        }
        if (!code) { this.tooltip.hidden = true; return; }
        this.tooltip.textContent = this.describe(code);
        const r = this.root.getBoundingClientRect();
        const x = Math.min(e.clientX - r.left + 12, r.width - 180);
        this.tooltip.style.left = `${Math.max(0, x)}px`;
        this.tooltip.style.top = `${e.clientY - r.top + 14}px`;
        this.tooltip.hidden = false;
      });
      this.svg.addEventListener("pointerleave", () => { this.tooltip.hidden = true; });
      let drag = null;
      this.svg.addEventListener("pointerdown", (e) => { drag = [e.clientX, e.clientY]; });
      window.addEventListener("pointerup", () => { drag = null; });
      this.svg.addEventListener("pointermove", (e) => {
        if (!drag || !e.buttons) return;
        const s = this.toView(e)[2];
        this.pan((drag[0] - e.clientX) * s, (drag[1] - e.clientY) * s);
        drag = [e.clientX, e.clientY];
      });
      this.svg.addEventListener("click", (e) => {
        const code = this.codeAt(e);
        if (!code) return;
        const title = e.target.dataset.code ? e.target.querySelector("title") : null;
        this.info.textContent = title ? title.textContent : this.describe(code);
        this.highlight(code);
        if (this.options.onSelect) this.options.onSelect(code);
      });
      this.svg.addEventListener("keydown", (e) => {
        const step = this.view ? this.view[2] / 10 : 0;
        const keys = { "+": () => this.zoom(0.7), "-": () => this.zoom(1.4),
          ArrowLeft: () => this.pan(-step, 0), ArrowRight: () => this.pan(step, 0),
          ArrowUp: () => this.pan(0, -step), ArrowDown: () => this.pan(0, step),
          "0": () => this.fit() };
        if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
      });
    }
  }

  window.OasisMap = OasisMap;
})();
