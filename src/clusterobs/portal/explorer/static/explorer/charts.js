/* Draw every plotly figure of the page from its JSON script element (plotly.js served locally).
   On narrow screens (phones) titles and axis titles wrap onto several lines and the fonts
   shrink a little, so that nothing is clipped at 390 px. */
(function () {
  "use strict";
  var NARROW = 600;

  function wrap(text, width) {
    if (!text || text.indexOf("<br>") >= 0) { return text; }
    var lines = [];
    text.split(" ").forEach(function (word) {
      var last = lines.length - 1;
      if (last >= 0 && (lines[last] + " " + word).length <= width) { lines[last] += " " + word; }
      else { lines.push(word); }
    });
    return lines.join("<br>");
  }

  function legendRows(names, width) {
    // plotly packs a horizontal legend into rows: about 50 px for the symbol plus 8 px a character
    var rows = 1, used = 0;
    names.forEach(function (name) {
      var w = 50 + 8 * String(name || "").length;
      if (used > 0 && used + w > width) { rows += 1; used = 0; }
      used += w;
    });
    return rows;
  }

  function narrow(layout, width, names) {
    var traces = names.length;
    var chars = Math.max(18, Math.floor(width / 9));
    var out = JSON.parse(JSON.stringify(layout));
    var rows = 0;
    if (out.showlegend !== false && traces > 1) {
      // the legend goes above the plot, where it cannot run into the axis labels
      rows = legendRows(names, width - 24);
      out.legend = { orientation: "h", x: 0, xanchor: "left", y: 1.0, yanchor: "bottom" };
    }
    out.font = Object.assign({}, out.font || {}, { size: 11 });
    if (out.title && out.title.text) {
      out.title.text = wrap(out.title.text, chars);
      out.title.font = Object.assign({}, out.title.font || {}, { size: 14 });
      out.title.x = 0; out.title.xanchor = "left";
      var lines = out.title.text.split("<br>").length;
      // plotly centres a multi-line title on its anchor line: push it down by the extra lines
      out.title.y = 1; out.title.yref = "container"; out.title.yanchor = "top";
      out.title.pad = { t: 8 + 9 * (lines - 1), l: 4 };
      out.margin = Object.assign({}, out.margin || {});
      out.margin.t = 28 + 18 * lines + 22 * rows;
    }
    Object.keys(out).forEach(function (key) {
      if (/^[xy]axis\d*$/.test(key) && out[key].title && out[key].title.text) {
        out[key].title.text = wrap(out[key].title.text, key.charAt(0) === "x" ? chars : Math.floor(chars * 0.8));
        out[key].automargin = true;
      }
    });
    out.margin = Object.assign({}, out.margin || {});
    out.margin.l = Math.min(out.margin.l || 48, 48);
    out.margin.r = Math.min(out.margin.r || 12, 48);
    out.margin.b = Math.min(out.margin.b || 56, 72);
    out.height = (out.height || 380) + 22 * rows;
    return out;
  }

  function draw() {
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (!source || !window.Plotly) { return; }
      var fig = JSON.parse(source.textContent);
      var width = el.clientWidth || window.innerWidth;
      var layout = width < NARROW ? narrow(fig.layout, width, fig.data.map(function (t) { return t.name; })) : fig.layout;
      window.Plotly.newPlot(el, fig.data, layout, {
        responsive: true, displaylogo: false,
        toImageButtonOptions: { format: "png", filename: el.dataset.filename || "chart", scale: 2 }
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
