/* Oasis choropleth: draws commune boundaries (GeoJSON from the app) as SVG, coloured by
   an indicator fetched separately, with zoom (wheel, buttons, keyboard), pan (drag) and
   a legend. No dependency, no external request. */
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const DEFAULT_COLORS = ["#f0f9e8", "#bae4bc", "#7bccc4", "#43a2ca", "#0868ac"];

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
      root.replaceChildren(tools, this.svg, this.legend, this.info);
      this.bindInteractions();
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
      const [w, h] = proj(this.bbox[2], this.bbox[1]);
      this.full = [0, 0, w, h];
      const values = indicator.values || {};
      const categories = indicator.categories || null;
      const show = (v) => (categories ? categories[v] : fmt(v));
      const breaks = this.options.breaks ||
        quantileBreaks(features.map((f) => values[f.properties.code]), 5);
      const colors = this.options.colors || DEFAULT_COLORS;
      const frag = document.createDocumentFragment();
      for (const f of features) {
        const p = document.createElementNS(SVG, "path");
        const value = values[f.properties.code];
        p.setAttribute("d", pathData(f.geometry, proj));
        p.setAttribute("fill", Number.isFinite(value) ? colors[classOf(value, breaks)] : "#d9d9d9");
        p.dataset.code = f.properties.code;
        const title = document.createElementNS(SVG, "title");
        title.textContent = `${f.properties.name} (${f.properties.code}) : ` +
          (Number.isFinite(value) ? show(value) : "n.d.");
        p.appendChild(title);
        frag.appendChild(p);
      }
      this.layer.replaceChildren(frag);
      this.features = features;
      this.values = values;
      this.renderLegend(indicator.label || "", breaks, colors, categories);
      const unit = this.options.unitLabel || "communes";
      this.root.dataset.features = String(features.length);
      this.info.textContent = `${features.length.toLocaleString("fr-FR")} ${unit}. ` +
        "Survolez ou touchez un territoire pour sa valeur.";
      this.fit();
    }

    renderLegend(label, breaks, colors, categories) {
      // Built with DOM calls, swatch colours set through CSSOM: the Content-Security-Policy
      // forbids style attributes in markup.
      const texts = categories ? colors.map((c, i) => String(categories[i])) : colors.map((c, i) => {
        const lo = i === 0 ? null : breaks[i - 1];
        const hi = i < breaks.length ? breaks[i] : null;
        return lo === null ? `moins de ${fmt(hi)}` : hi === null ? `${fmt(lo)} et plus`
          : `de ${fmt(lo)} à ${fmt(hi)}`;
      });
      const names = categories ? null : this.options.classNames;
      const title = document.createElement("p");
      title.className = "legend-title";
      title.textContent = label;
      const list = document.createElement("ul");
      colors.forEach((c, i) => {
        const li = document.createElement("li");
        const swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.background = c;
        li.appendChild(swatch);
        li.appendChild(document.createTextNode(texts[i] + (names ? ` — ${names[i]}` : "")));
        list.appendChild(li);
      });
      this.legend.replaceChildren(title, list);
    }

    setView(box) {
      this.view = box;
      this.svg.setAttribute("viewBox", box.map((x) => x.toFixed(1)).join(" "));
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
        const code = e.target.dataset && e.target.dataset.code;
        if (!code) return;
        const title = e.target.querySelector("title");
        this.info.textContent = title ? title.textContent : code;
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
