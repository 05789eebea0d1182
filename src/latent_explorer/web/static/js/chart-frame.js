// The frame of a small line chart (the live loss curve, the metrics-over-iterations chart):
// a fixed-size SVG, linear x/y scales inside the margins, and the two axis groups.

import { d3 } from "./d3.js";

export function createChartFrame(svgSelection, { width, height, margin }) {
  const svg = svgSelection
    .attr("viewBox", `0 0 ${width} ${height}`)
    .attr("width", width)
    .attr("height", height);
  const { top, right, bottom, left } = margin;
  return {
    svg,
    x: d3.scaleLinear().range([left, width - right]),
    y: d3.scaleLinear().range([height - bottom, top]),
    xAxis: svg.append("g").attr("class", "axis").attr("transform", `translate(0,${height - bottom})`),
    yAxis: svg.append("g").attr("class", "axis").attr("transform", `translate(${left},0)`),
  };
}
