// Member pins at region centroids (only members whose location is visible to the viewer).
(function () {
  var el = document.getElementById("members-map");
  if (!el || !window.L) return;
  var pins = JSON.parse(el.dataset.pins || "[]");
  var map = L.map(el, { attributionControl: false }).setView([50, 10], 4);
  var group = L.featureGroup().addTo(map);
  fetch("/api/v1/geometries?level=0").then(function (r) { return r.ok ? r.json() : null; }).then(function (geo) {
    if (geo) L.geoJSON(geo, { style: { color: "#6b7b8c", weight: 1, fillColor: "#dfe7ee", fillOpacity: 1 } }).addTo(map).bringToBack();
  }).catch(function () {});
  pins.forEach(function (p) {
    var m = L.circleMarker([p.lat, p.lon], { radius: 7, color: "#0b3d63", weight: 2, fillColor: "#f2a900", fillOpacity: 0.9 });
    var a = document.createElement("a"); a.href = p.url; a.textContent = p.name + " (" + p.region + ")";
    m.bindTooltip(p.name + " · " + p.region).bindPopup(a).addTo(group);
  });
  if (pins.length) map.fitBounds(group.getBounds().pad(0.5), { maxZoom: 6 });
})();
