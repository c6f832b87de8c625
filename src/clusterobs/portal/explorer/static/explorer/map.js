/* The choropleth: Leaflet (served locally), GISCO geometries from the API, values and legend
   from the server-rendered panel. A filter change swaps the panel and recolours the map. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var panel = document.getElementById("map-panel");
  var form = document.getElementById("filters");
  var state = { data: null, layer: null, level: null, detail: null, qs: "" };
  var geometries = {};
  var map = L.map(el, { zoomSnap: 0.25, minZoom: 2, maxZoom: 9, scrollWheelZoom: false, keyboard: true });
  map.attributionControl.setPrefix("Leaflet");
  var europe = L.latLngBounds([[35.5, -10.5], [70.5, 33.5]]);
  map.fitBounds(europe);

  // the legend and, for a year without values, the reason, drawn on the map itself
  var overlay = L.control({ position: "topright" });
  overlay.onAdd = function () {
    var box = L.DomUtil.create("div", "map-overlay");
    box.setAttribute("aria-hidden", "true");  // the panel below says the same to assistive tools
    return box;
  };
  overlay.addTo(map);
  function readPanel() {
    var node = panel.querySelector("#map-data");
    state.data = JSON.parse(node.textContent);
    state.qs = panel.querySelector(".map-panel").dataset.qs || "";
    var box = overlay.getContainer(), title = panel.querySelector(".legend-title"),
      legend = panel.querySelector(".legend"), empty = panel.querySelector("#map-empty");
    box.textContent = "";
    if (empty) {
      var note = document.createElement("p");
      note.className = "map-overlay-empty";
      note.textContent = empty.textContent;
      box.appendChild(note);
    }
    if (title) { var t = document.createElement("strong"); t.textContent = title.textContent; box.appendChild(t); }
    if (legend) { box.appendChild(legend.cloneNode(true)); }
  }
  function value(code) { return state.data.values[code]; }
  function style(feature) {
    var v = value(feature.properties.region);
    var fill = v && v.c !== null ? state.data.colors[v.c] : state.data.missing;
    return { fillColor: fill, fillOpacity: 0.9, color: "#ffffff", weight: 0.7 };
  }
  function regionQuery() {
    var p = new URLSearchParams(state.qs), out = new URLSearchParams();
    ["scheme", "method", "year"].forEach(function (k) { if (p.get(k)) { out.set(k, p.get(k)); } });
    return out.toString();
  }
  function tooltip(layer) {
    var p = layer.feature.properties, v = value(p.region);
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = p.name + " (" + p.region + ")";
    box.appendChild(title);
    box.appendChild(document.createElement("br"));
    box.appendChild(document.createTextNode(state.data.label + ": " + (v ? v.t : "no data")));
    return box;
  }
  function onEach(feature, layer) {
    layer.bindTooltip(tooltip, { sticky: true, className: "region-tooltip" });
    layer.on("click", function () {
      if (value(feature.properties.region)) {
        window.location.href = el.dataset.regionUrl + feature.properties.region + "/?" + regionQuery();
      }
    });
    layer.on("mouseover", function () { layer.setStyle({ weight: 2.5, color: "#1a1a1a" }); layer.bringToFront(); });
    layer.on("mouseout", function () { state.layer.resetStyle(layer); });
  }
  // the boundary detail a zoom needs (as the API's zoom parameter: docs/api.md)
  function detailFor(zoom) { return zoom <= 4 ? "low" : (zoom <= 6 ? "medium" : "high"); }
  function draw() {
    var level = state.data.level, detail = detailFor(map.getZoom());
    if (state.layer && state.level === level && state.detail === detail) {
      state.layer.setStyle(style);
      el.dataset.state = "ready";
      return Promise.resolve();
    }
    el.dataset.state = "loading";
    var key = level + "/" + detail;
    var load = geometries[key] || fetch(el.dataset.geometryUrl + "?level=" + level + "&detail=" + detail)
      .then(function (r) { return r.json(); });
    geometries[key] = load;
    return load.then(function (geo) {
      if (state.layer) { map.removeLayer(state.layer); }
      state.layer = L.geoJSON(geo, {
        style: style, onEachFeature: onEach,
        attribution: el.dataset.attribution || ""
      }).addTo(map);
      // a dataset inside Europe's frame (one country) is shown whole and large
      var bounds = state.layer.getBounds();
      if (!state.fitted && bounds.isValid() && europe.contains(bounds)) { map.fitBounds(bounds, { padding: [12, 12] }); }
      state.fitted = true;
      state.layer.eachLayer(function (layer) {  // lets tests and assistive tools find a region's shape
        var path = layer.getElement && layer.getElement();
        if (path) { path.setAttribute("data-region", layer.feature.properties.region); }
      });
      state.level = level;
      state.detail = detail;
      el.dataset.state = "ready";
    });
  }
  // finer boundaries when zooming in past a detail step, coarser (smaller) ones when out
  map.on("zoomend", function () {
    if (state.layer && detailFor(map.getZoom()) !== state.detail) { draw(); }
  });
  function refresh() {
    var params = new URLSearchParams(new FormData(form));
    el.dataset.state = "loading";
    return fetch(el.dataset.panelUrl + "?" + params.toString())
      .then(function (r) {
        if (!r.ok) { throw new Error("the server answered " + r.status); }
        return r.text();
      })
      .then(function (html) {
        panel.innerHTML = html;
        readPanel();
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", window.location.pathname + "?" + params.toString());
        }
        return draw();
      })
      .catch(function (err) { el.dataset.state = "error"; panel.insertAdjacentText("afterbegin", "Could not update the map: " + err.message); });
  }
  readPanel();
  draw();
  if (form && el.dataset.panelUrl) {
    form.addEventListener("change", function (e) {
      if (e.target.name === "scheme") { form.submit(); return; }  // categories and methods change
      refresh();
    });
    form.addEventListener("submit", function (e) {
      var scheme = form.querySelector("[name=scheme]");
      if (scheme && new URLSearchParams(state.qs).get("scheme") !== scheme.value) { return; }
      e.preventDefault();
      refresh();
    });
  }
})();
