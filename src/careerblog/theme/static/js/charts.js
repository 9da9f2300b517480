// Skill charts: draws each figure.chart with plotly.js when it nears the viewport, and keeps its colours
// in step with the page's colour scheme. Loaded as a module by templates/_chart.html, so it runs once per page.

const figures = Array.from(document.querySelectorAll("figure.chart[data-chart]"));
let plotly = null;

function loadPlotly(src) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotly) {
    plotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.async = true;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => reject(new Error("careerblog: cannot load " + src));
      document.head.appendChild(script);
    });
  }
  return plotly;
}

// Any CSS colour (hex, rgb, hsl, oklch, a keyword) as [r, g, b, a], read back from a 1-pixel canvas.
const probe = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
function rgba(css) {
  probe.clearRect(0, 0, 1, 1);
  probe.fillStyle = "#000";
  probe.fillStyle = css;
  probe.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = probe.getImageData(0, 0, 1, 1).data;
  return [r, g, b, a / 255];
}
const rgbText = ([r, g, b], alpha) => `rgba(${r}, ${g}, ${b}, ${alpha})`;

function background(element) {
  for (let node = element; node; node = node.parentElement) {
    const colour = rgba(getComputedStyle(node).backgroundColor);
    if (colour[3] > 0) return colour;
  }
  return window.matchMedia("(prefers-color-scheme: dark)").matches ? [13, 17, 23, 1] : [255, 255, 255, 1];
}

// The page's own text and background colours, so the chart matches whatever theme and scheme is shown.
function colours(figure) {
  const ink = rgba(getComputedStyle(figure).color);
  const grid = rgbText(ink, 0.18);
  const update = {
    "font.color": rgbText(ink, 1),
    "hoverlabel.bgcolor": rgbText(background(figure), 1),
    "hoverlabel.font.color": rgbText(ink, 1),
    "hoverlabel.bordercolor": rgbText(ink, 0.5),
  };
  for (const axis of ["xaxis", "yaxis"]) {
    update[axis + ".gridcolor"] = grid;
    update[axis + ".linecolor"] = grid;
    update[axis + ".zerolinecolor"] = grid;
  }
  return update;
}

function applyTo(layout, update) {
  for (const [path, value] of Object.entries(update)) {
    const keys = path.split(".");
    let node = layout;
    for (const key of keys.slice(0, -1)) node = node[key] = node[key] || {};
    node[keys[keys.length - 1]] = value;
  }
}

// Timeline bars of what is still in use end today, for whoever looks (the build leaves them open).
function extendToToday(spec) {
  const today = Date.now();
  for (const trace of spec.data) {
    for (const i of (trace.meta && trace.meta.until_today) || []) {
      trace.x[i] = Math.max(0, today - Date.parse(trace.base[i]));
    }
  }
}

async function draw(figure) {
  const spec = JSON.parse(figure.querySelector("script.chart-figure").textContent);
  extendToToday(spec);
  const target = figure.querySelector(".chart-plot");
  applyTo(spec.layout, colours(figure));
  if (target.clientWidth < 560) {
    // Narrow screens: the legend goes under the plot so the plot keeps its width, and the figure grows
    // by about the legend's height (two items a row, group titles on rows of their own).
    const groups = new Set(spec.data.map((trace) => trace.legendgroup).filter(Boolean)).size;
    const grow = 24 * (Math.ceil(spec.data.length / 2) + groups) + 40;
    spec.layout.height += grow;
    target.style.height = spec.layout.height + "px";
    for (const axis of ["xaxis", "yaxis"]) if (spec.layout[axis]) delete spec.layout[axis].title;
    spec.layout.legend = Object.assign({}, spec.layout.legend,
      { orientation: "h", x: 0, xanchor: "left", y: -0.1, yanchor: "top", yref: "paper" });
  }
  try {
    const Plotly = await loadPlotly(figure.dataset.plotlySrc);
    await Plotly.newPlot(target, spec.data, spec.layout, spec.config);
    figure.classList.add("chart-drawn");
  } catch (error) {
    figure.classList.add("chart-failed");
    console.error(error);
  }
}

function recolour() {
  for (const figure of figures) {
    if (figure.classList.contains("chart-drawn")) {
      window.Plotly.relayout(figure.querySelector(".chart-plot"), colours(figure));
    }
  }
}

if ("IntersectionObserver" in window) {
  const observer = new IntersectionObserver((seen) => {
    for (const entry of seen) {
      if (entry.isIntersecting) {
        observer.unobserve(entry.target);
        draw(entry.target);
      }
    }
  }, { rootMargin: "300px 0px" });
  figures.forEach((figure) => observer.observe(figure));
} else {
  figures.forEach(draw);
}

window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", recolour);
// A theme switch that sets a class or attribute on <html> or <body> re-colours the charts as well.
const switches = new MutationObserver(() => requestAnimationFrame(recolour));
for (const element of [document.documentElement, document.body]) {
  switches.observe(element, { attributes: true, attributeFilter: ["class", "data-theme", "data-color-scheme", "style"] });
}
