// Radar chart of the section scores (plotly.js served locally), with the benchmark when shown.
(function () {
  const el = document.getElementById("st-radar");
  const data = JSON.parse(document.getElementById("st-radar-data").textContent);
  function draw() {
    if (!window.Plotly) { el.dataset.state = "no-plotly"; return; }
    const close = (xs) => xs.concat(xs.slice(0, 1));
    // wrap long section titles so that no label is cut at the chart's edge
    const wrap = (text) => text.split(" ").reduce((lines, word) => {
      const last = lines[lines.length - 1];
      if (last && (last + " " + word).length <= 14) lines[lines.length - 1] = last + " " + word;
      else lines.push(word);
      return lines;
    }, []).join("<br>");
    const theta = close(data.labels.map(wrap));
    const traces = [{
      type: "scatterpolar", r: close(data.values.map((v) => (v === null ? 0 : v))), theta: theta,
      fill: "toself", name: "This policy", line: { color: "#123a5a" }, fillcolor: "rgba(18,58,90,0.25)",
    }];
    if (data.benchmark.some((v) => v !== null)) {
      traces.push({
        type: "scatterpolar", r: close(data.benchmark.map((v) => (v === null ? 0 : v))), theta: theta,
        name: "Average of submitted responses", line: { color: "#b35c00", dash: "dash" },
      });
    }
    Plotly.newPlot(el, traces, {
      polar: { radialaxis: { range: [0, 10], tickvals: [2, 4, 6, 8, 10], angle: 90, tickangle: 90,
                             tickfont: { size: 10, color: "#4a4a4a" } },
               angularaxis: { rotation: 90, direction: "clockwise" } },
      margin: { l: 110, r: 110, t: 50, b: 70 }, showlegend: true,
      legend: { orientation: "h", x: 0.5, xanchor: "center", y: -0.22 }, font: { family: "system-ui, sans-serif", size: 13 },
    }, { displayModeBar: false, responsive: true }).then(() => { el.dataset.state = "ready"; });
  }
  if (document.readyState === "complete") draw(); else window.addEventListener("load", draw);
})();
