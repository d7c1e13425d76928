/**
 * Exports a chart drawn as an <svg> (recharts, or our own SVG charts) as a standalone SVG file
 * and as a PNG. Computed styles are inlined, so CSS variables (themes) resolve to the colours on
 * screen and the file looks the same outside the page.
 */
import { downloadBlob } from './exportData';

/** Presentation properties copied from computed style onto each cloned element. */
const STYLE_PROPS = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
  'visibility',
] as const;

/**
 * The SVG's markup with inline styles, explicit size, the XML namespace and a background rect of
 * `background` (default: the page's panel colour), ready to save or to draw on a canvas.
 */
export function serializeSvg(svg: SVGSVGElement, background?: string): string {
  const { width, height } = svg.getBoundingClientRect();
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const src = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const dst = [clone, ...Array.from(clone.querySelectorAll('*'))];
  for (let i = 0; i < src.length; i++) {
    const cs = getComputedStyle(src[i]);
    const style = STYLE_PROPS.map((p) => `${p}:${cs.getPropertyValue(p)}`).join(';');
    (dst[i] as SVGElement).setAttribute('style', style);
    // Presentation attributes naming CSS variables mean nothing outside the page: the inline
    // style above holds their resolved values.
    for (const attr of Array.from(dst[i].attributes)) {
      if (attr.value.includes('var(')) dst[i].removeAttribute(attr.name);
    }
  }
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(Math.round(width)));
  clone.setAttribute('height', String(Math.round(height)));
  if (!clone.getAttribute('viewBox')) {
    clone.setAttribute('viewBox', `0 0 ${Math.round(width)} ${Math.round(height)}`);
  }
  const fill =
    background ??
    (getComputedStyle(document.documentElement).getPropertyValue('--panel').trim() || '#ffffff');
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', fill);
  clone.insertBefore(bg, clone.firstChild);
  return new XMLSerializer().serializeToString(clone);
}

/** The chart's <svg> inside `container` (the largest, skipping legend icons). */
export function findChartSvg(container: Element): SVGSVGElement | null {
  const svgs = Array.from(container.querySelectorAll('svg'));
  let best: SVGSVGElement | null = null;
  let area = 0;
  for (const s of svgs) {
    const r = s.getBoundingClientRect();
    if (r.width * r.height > area) {
      area = r.width * r.height;
      best = s;
    }
  }
  return best;
}

/** A file name from a chart title: "Training loss" -> "training-loss". */
export function chartFileName(title: string): string {
  return (
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'chart'
  );
}

/** Downloads the chart in `container` as `<name>.svg`. */
export function exportChartSvg(container: Element, name: string): void {
  const svg = findChartSvg(container);
  if (!svg) throw new Error('This chart has nothing drawn yet.');
  downloadBlob(new Blob([serializeSvg(svg)], { type: 'image/svg+xml' }), `${name}.svg`);
}

/** Downloads the chart in `container` as `<name>.png` at `scale` x its on-screen size. */
export async function exportChartPng(container: Element, name: string, scale = 2): Promise<void> {
  const svg = findChartSvg(container);
  if (!svg) throw new Error('This chart has nothing drawn yet.');
  const { width, height } = svg.getBoundingClientRect();
  const url = URL.createObjectURL(new Blob([serializeSvg(svg)], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.decoding = 'async';
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('The chart could not be drawn as an image.'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    const g = canvas.getContext('2d');
    if (!g) throw new Error('This browser has no 2D canvas.');
    g.scale(scale, scale);
    g.drawImage(img, 0, 0, width, height);
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/png'));
    if (!blob) throw new Error('The PNG could not be encoded.');
    downloadBlob(blob, `${name}.png`);
  } finally {
    URL.revokeObjectURL(url);
  }
}
