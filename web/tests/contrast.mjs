// WCAG contrast of every foreground / background pair the dashboard paints,
// in each of its themes, read from web/assets/style.css itself.
//
//   node web/tests/contrast.mjs [stylesheet]
//
// Plain Node, no dependencies. The themes are the custom properties of
// `:root` (light), `:root[data-theme="dark"]` over them (dark) and
// `.app[data-wall="true"]` over dark (the wall). A pair names its colours
// as CSS (`var(--text)`, `color-mix(...)`) or as a rule whose `color` and
// `background` it takes, so the check follows the stylesheet. Text needs
// 4.5:1 (WCAG 1.4.3 AA), large text and what is not text (bars, arcs, dots,
// borders that carry meaning, the focus ring) 3:1 (1.4.11). Exits 1 on any
// failure, listing them all.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const cssPath = process.argv[2] ?? join(here, "..", "assets", "style.css");
const css = readFileSync(cssPath, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");

// ---- The stylesheet as rules: { context: "@media …" | "", selector, decls } ----

function parseRules(text) {
  const rules = [];
  const stack = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{") {
      stack.push(text.slice(start, i).trim());
      start = i + 1;
    } else if (c === "}") {
      const head = stack.pop();
      const body = text.slice(start, i);
      if (head !== undefined && !head.startsWith("@")) {
        const decls = {};
        for (const part of body.split(";")) {
          const colon = part.indexOf(":");
          if (colon > 0) decls[part.slice(0, colon).trim()] = part.slice(colon + 1).trim();
        }
        rules.push({ context: stack.filter((h) => h.startsWith("@")).join(" "), selector: head, decls });
      }
      start = i + 1;
    }
  }
  return rules;
}

const rules = parseRules(css);

function rule(selector, context = "") {
  const found = rules.filter(
    (r) => r.context === context && args(r.selector).includes(selector),
  );
  if (found.length === 0) throw new Error(`no rule ${selector} ${context} in ${cssPath}`);
  return Object.assign({}, ...found.map((r) => r.decls));
}

function customProperties(selector, context = "") {
  return Object.fromEntries(Object.entries(rule(selector, context)).filter(([k]) => k.startsWith("--")));
}

const light = customProperties(":root");
const dark = { ...light, ...customProperties(':root[data-theme="dark"]') };
const wall = { ...dark, ...customProperties('.app[data-wall="true"]') };
const themes = { light, dark, wall };

// ---- Colours ----

function hex(value) {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value.trim());
  if (!m) return null;
  const h = m[1].length === 3 ? [...m[1]].map((c) => c + c).join("") : m[1];
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
}

// Splits on commas outside parentheses.
function args(text) {
  const out = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")") depth--;
    else if (text[i] === "," && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out;
}

function resolve(value, vars, seen = 0) {
  if (seen > 20) throw new Error(`a var() loop at ${value}`);
  const v = value.trim();
  const direct = hex(v);
  if (direct) return direct;
  if (v === "white") return [255, 255, 255];
  if (v === "black") return [0, 0, 0];
  let m = /^var\((--[\w-]+)\)$/.exec(v);
  if (m) {
    if (!(m[1] in vars)) throw new Error(`${m[1]} is not defined`);
    return resolve(vars[m[1]], vars, seen + 1);
  }
  m = /^color-mix\(in srgb,(.*)\)$/.exec(v);
  if (m) {
    const [a, b] = args(m[1]).map((part) => {
      const p = /^(.*?)\s+([\d.]+)%$/.exec(part);
      return p ? { color: resolve(p[1], vars, seen + 1), share: Number(p[2]) / 100 } : { color: resolve(part, vars, seen + 1), share: null };
    });
    const sa = a.share ?? 1 - (b.share ?? 0.5);
    return a.color.map((c, i) => Math.round(c * sa + b.color[i] * (1 - sa)));
  }
  throw new Error(`cannot read the colour ${v}`);
}

function luminance([r, g, b]) {
  const lin = (c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function ratio(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

// ---- What the page paints ----

const TEXT = 4.5;
const LARGE = 3; // 18.66 px bold or 24 px and more, and whatever is not text
const GRAPHIC = 3;

// From a rule: its `color` on its `background` (or on `on` when it has none).
const fromRule = (selector, min, what, on) => {
  const d = rule(selector);
  const fg = d.color;
  const bg = d.background ?? d["background-color"] ?? on;
  if (!fg || !bg) throw new Error(`${selector} has no color or background`);
  return { what: `${what} (${selector})`, fg, bg, min };
};

const pairs = [
  { what: "body text on the page", fg: "var(--text)", bg: "var(--bg)", min: TEXT },
  { what: "body text in a panel", fg: "var(--text)", bg: "var(--panel)", min: TEXT },
  { what: "secondary text on the page", fg: "var(--muted)", bg: "var(--bg)", min: TEXT },
  { what: "secondary text in a panel", fg: "var(--muted)", bg: "var(--panel)", min: TEXT },
  { what: "links and 'Custom range' in a panel", fg: "var(--accent)", bg: "var(--panel)", min: TEXT },
  fromRule('.seg[aria-pressed="true"]', TEXT, "the selected segment of a button group"),
  fromRule(".btn-primary", TEXT, "the primary button"),
  fromRule(".severity", TEXT, "the WARNING badge"),
  fromRule('.anomaly[data-severity="critical"] .severity', TEXT, "the CRITICAL badge"),
  fromRule('.anomaly-row[data-severity="critical"] .severity', TEXT, "the CRITICAL badge of a wall row"),
  { what: "errors and the stale age in a panel", fg: "var(--crit)", bg: "var(--panel)", min: TEXT },
  { what: "errors and the stale age on the page", fg: "var(--crit)", bg: "var(--bg)", min: TEXT },
  { what: "'as of', 'unpriced' and tags in a panel", fg: "var(--warn)", bg: "var(--panel)", min: TEXT },
  { what: "a rising spend rate", fg: "var(--up)", bg: "var(--panel)", min: TEXT },
  { what: "a falling spend rate", fg: "var(--down)", bg: "var(--panel)", min: TEXT },
  { what: "the wall's all-clear", fg: "var(--ok)", bg: "var(--panel)", min: TEXT },
  { what: "text on a pressed button, breadcrumb and undo bar", fg: "var(--text)", bg: "var(--accent-soft)", min: TEXT },
  { what: "secondary text on a contributor's bar or a hovered row", fg: "var(--muted)", bg: "var(--accent-soft)", min: TEXT },
  { what: "the remove-filter cross when hovered", fg: "var(--crit)", bg: "var(--partial-bg)", min: TEXT },
  fromRule(".outage", TEXT, "the outage banner's text"),
  { what: "the outage banner's age", fg: rule(".outage-age").color, bg: rule(".outage").background, min: TEXT },
  fromRule(".marker-count", TEXT, "the count on a joined anomaly marker"),
  { what: "the loading line before the app starts", fg: rule(".boot").color, bg: "var(--bg)", min: TEXT },
  { what: "bars of the token chart", fg: "var(--bar)", bg: "var(--panel)", min: GRAPHIC },
  { what: "the gauge's arc and a hovered bar", fg: "var(--accent)", bg: "var(--panel)", min: GRAPHIC },
  { what: "the gauge's track against its arc", fg: "var(--accent)", bg: "var(--partial-bg)", min: GRAPHIC },
  { what: "critical edges, markers and sparklines", fg: "var(--crit)", bg: "var(--panel)", min: GRAPHIC },
  { what: "warning edges, markers and the trend line", fg: "var(--warn)", bg: "var(--panel)", min: GRAPHIC },
  { what: "the streaming dot and budget burn", fg: "var(--ok)", bg: "var(--panel)", min: GRAPHIC },
  { what: "the focus ring on the page", fg: "var(--focus)", bg: "var(--bg)", min: GRAPHIC },
  { what: "the focus ring in a panel", fg: "var(--focus)", bg: "var(--panel)", min: GRAPHIC },
];

// Reviewed cards step back by their edge and ground: their secondary text on it still has to read.
pairs.push({ what: "secondary text of a reviewed anomaly", fg: "var(--muted)", bg: rule('.anomaly:is([data-status="acknowledged"], [data-status="dismissed"])').background, min: TEXT });

let failures = 0;
let checked = 0;
for (const [theme, vars] of Object.entries(themes)) {
  console.log(`\n${theme}`);
  for (const p of pairs) {
    const bg = resolve(p.bg, vars);
    const fg = resolve(p.fg, vars);
    const r = ratio(fg, bg);
    const ok = r >= p.min;
    checked++;
    if (!ok) failures++;
    const mark = ok ? "ok  " : "FAIL";
    console.log(`  ${mark} ${r.toFixed(2).padStart(5)}:1 (needs ${p.min}) ${p.what}`);
  }
}

// With no theme chosen the system's is followed: its dark values must be the dark theme's, all of them.
const system = customProperties(":root:not([data-theme])", "@media (prefers-color-scheme: dark)");
for (const name of new Set([...Object.keys(system), ...Object.keys(customProperties(':root[data-theme="dark"]'))])) {
  checked++;
  if (dark[name] !== system[name]) {
    failures++;
    console.log(`FAIL the system dark theme's ${name} (${system[name]}) differs from data-theme="dark"'s (${dark[name]})`);
  }
}
console.log(`\n${checked} checks, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
