// A small line chart of each vCPU's speed (MIPS) over the last minute,
// drawn on a canvas: one line per vCPU, a y scale rounded to a nice number.
import { useEffect, useRef } from "react";

export const HART_COLOURS = ["#58a6ff", "#3fb950", "#d29922", "#bc8cff", "#ff7b72", "#39c5cf", "#e3b341", "#f778ba"];

// The smallest of 1, 2, 5 × 10^k at or above v.
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// The chart's own colours come from the page's CSS (so the light theme has them).
function cssVar(el: Element, name: string, fallback: string): string {
  return getComputedStyle(el).getPropertyValue(name).trim() || fallback;
}

// `label`, when given, is shown across an empty chart (the machine is off).
export function MipsChart({ history, capacity, version, label }: { history: number[][]; capacity: number; version: number; label?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const g = canvas.getContext("2d");
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const left = 36, right = 4, top = 6, bottom = 6;
    const pw = w - left - right, ph = h - top - bottom;
    const max = niceCeil(Math.max(1, ...history.flat()));
    const axis = cssVar(canvas, "--chart-axis", "#30363d"), grid = cssVar(canvas, "--chart-grid", "#21262d"), text = cssVar(canvas, "--muted", "#8b949e");
    g.font = "10px system-ui, sans-serif";
    g.textAlign = "right";
    g.textBaseline = "middle";
    for (let i = 0; i <= 2; i++) {
      const y = top + ph - (ph * i) / 2;
      g.strokeStyle = i === 0 ? axis : grid;
      g.lineWidth = 1;
      g.beginPath(); g.moveTo(left, Math.round(y) + 0.5); g.lineTo(left + pw, Math.round(y) + 0.5); g.stroke();
      g.fillStyle = text;
      if (!label) g.fillText(String((max * i) / 2), left - 4, y); // no scale for a machine that is off
    }
    history.forEach((row, hart) => {
      if (row.length < 2) return;
      g.strokeStyle = HART_COLOURS[hart % HART_COLOURS.length];
      g.lineWidth = 1.5;
      g.lineJoin = "round";
      g.beginPath();
      row.forEach((v, i) => {
        const x = left + pw - ((row.length - 1 - i) / (capacity - 1)) * pw;
        const y = top + ph - (Math.min(v, max) / max) * ph;
        if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
      });
      g.stroke();
    });
    if (label) {
      g.textAlign = "center";
      g.font = "12px system-ui, sans-serif";
      g.fillStyle = text;
      g.fillText(label, left + pw / 2, top + ph / 2);
    }
  }, [history, capacity, version, label]);
  return <canvas ref={ref} className="chart" role="img" aria-label={label ?? "Speed of each vCPU in MIPS over the last minute"} />;
}
