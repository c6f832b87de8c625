/* Scoreboard choropleth: Leaflet (served locally), GISCO shapes from the API, values and
   classes from the page's #map-data; clicking a region opens its scoreboard. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var map = L.map(el, { zoomSnap: 0.25, minZoom: 2, maxZoom: 9, scrollWheelZoom: false, keyboard: true });
  map.attributionControl.setPrefix("Leaflet");
  map.fitBounds([[35.5, -10.5], [70.5, 33.5]]);
  function value(code) { return data.values[code]; }
  function style(f) {
    var v = value(f.properties.region);
    return { fillColor: v && v.c !== null ? data.colors[v.c] : data.missing, fillOpacity: 0.9, color: "#ffffff", weight: 0.7 };
  }
  el.dataset.state = "loading";
  fetch(el.dataset.geometryUrl + "?level=" + data.level).then(function (r) { return r.json(); }).then(function (geo) {
    var layer = L.geoJSON(geo, {
      style: style,
      attribution: "© EuroGeographics for the administrative boundaries · Source: Eurostat",
      onEachFeature: function (feature, lyr) {
        var p = feature.properties, v = value(p.region);
        var box = document.createElement("div");
        box.textContent = p.name + " (" + p.region + "): " + data.label + " " + (v ? v.t : "no data");
        lyr.bindTooltip(box, { sticky: true, className: "region-tooltip" });
        lyr.on("click", function () { if (v) { window.location.href = el.dataset.regionUrl + p.region + "/"; } });
      }
    }).addTo(map);
    layer.eachLayer(function (lyr) {
      var path = lyr.getElement && lyr.getElement();
      if (path) { path.setAttribute("data-region", lyr.feature.properties.region); }
    });
    el.dataset.state = "ready";
  }).catch(function () { el.dataset.state = "error"; });
})();
