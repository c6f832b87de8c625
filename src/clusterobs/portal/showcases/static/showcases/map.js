/* Map of policy cases: country outlines from the API as a backdrop (no tiles), one marker per
   place listing its cases. Popups are built from DOM text nodes, never from HTML strings. */
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  var dataNode = document.getElementById("case-map-data");
  if (!el || !dataNode || !window.L) { return; }
  var data = JSON.parse(dataNode.textContent);
  var map = L.map(el, { zoomSnap: 0.25, minZoom: 1, maxZoom: 8, scrollWheelZoom: false, keyboard: true,
                        worldCopyJump: false });
  map.attributionControl.setPrefix("Leaflet");
  el.dataset.state = "loading";

  function popup(place) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = place.name;
    box.appendChild(title);
    var list = document.createElement("ul");
    list.className = "popup-cases";
    place.cases.forEach(function (c) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.textContent = c.title;
      if (/^\/showcases\//.test(c.url)) { a.href = c.url; }
      li.appendChild(a);
      list.appendChild(li);
    });
    box.appendChild(list);
    return box;
  }

  var markers = L.featureGroup();
  data.places.forEach(function (place) {
    var n = place.cases.length;
    var m = L.circleMarker([place.lat, place.lon], {
      radius: 6 + Math.min(n, 6) * 1.5, color: "#0f3354", weight: 2, fillColor: "#e07b00", fillOpacity: 0.85
    });
    m.bindPopup(function () { return popup(place); });
    m.bindTooltip(place.name + " (" + n + ")");
    m.on("add", function () {
      var path = m.getElement && m.getElement();
      if (path) { path.setAttribute("data-place", place.code); }
    });
    markers.addLayer(m);
  });

  function fit() {
    if (data.places.length === 0) { map.fitBounds([[35.5, -10.5], [70.5, 33.5]]); return; }
    // frame Europe; places elsewhere (listed under the map) are reached by zooming out
    var inside = data.places.filter(function (p) { return p.lon >= -25 && p.lon <= 45; });
    if (inside.length === 0) { inside = data.places; }
    var b = L.latLngBounds(inside.map(function (p) { return [p.lat, p.lon]; }));
    if (inside.length === 1) { map.setView(b.getCenter(), 5); } else { map.fitBounds(b.pad(0.25)); }
  }
  fit();
  fetch(el.dataset.geometryUrl)
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (geo) {
      L.geoJSON(geo, { style: { color: "#8a9aa8", weight: 0.8, fillColor: "#f4f1ea", fillOpacity: 1 },
                       interactive: false,
                       attribution: "© EuroGeographics for the administrative boundaries" }).addTo(map);
    })
    .catch(function () { /* the backdrop is optional: markers still show */ })
    .then(function () { markers.addTo(map); markers.bringToFront(); el.dataset.state = "ready"; });
})();
