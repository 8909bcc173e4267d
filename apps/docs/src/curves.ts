// Loss and accuracy curves of the two runs as a small inline SVG (no chart
// library: the page must stay light and fetch nothing).

export interface Series {
  name: string;
  color: string;
  /** [epoch, value] pairs. */
  points: [number, number][];
}

const WIDTH = 320;
const HEIGHT = 180;
const MARGIN = { left: 40, right: 10, top: 22, bottom: 26 };

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** One panel: a line per series over epochs 1..epochs, a dashed rule at the cut-off E. */
export function curvesSvg(
  title: string,
  series: readonly Series[],
  options: { epochs: number; cutoffEpoch?: number; domain?: [number, number] },
): string {
  const values = series.flatMap((line) => line.points.map(([, value]) => value));
  let [low, high] = options.domain ?? [Math.min(...values, 0), Math.max(...values, 1e-6)];
  if (!Number.isFinite(low) || !Number.isFinite(high)) [low, high] = [0, 1];
  if (high - low < 1e-9) high = low + 1;
  const x = (epoch: number) =>
    MARGIN.left +
    ((epoch - 1) / Math.max(1, options.epochs - 1)) * (WIDTH - MARGIN.left - MARGIN.right);
  const y = (value: number) =>
    HEIGHT - MARGIN.bottom - ((value - low) / (high - low)) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  const lines = series
    .filter((line) => line.points.length > 0)
    .map((line) => {
      const path = line.points.map(
        ([epoch, value]) => `${x(epoch).toFixed(1)},${y(value).toFixed(1)}`,
      );
      const dots = line.points
        .map(
          ([epoch, value]) =>
            `<circle cx="${x(epoch).toFixed(1)}" cy="${y(value).toFixed(1)}" r="2.5" fill="${line.color}"/>`,
        )
        .join('');
      return `<polyline fill="none" stroke="${line.color}" stroke-width="2" points="${path.join(' ')}"/>${dots}`;
    })
    .join('');
  const cutoff =
    options.cutoffEpoch !== undefined && options.cutoffEpoch < options.epochs
      ? `<line x1="${x(options.cutoffEpoch + 0.5)}" x2="${x(options.cutoffEpoch + 0.5)}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}" stroke="currentColor" stroke-dasharray="4 3" opacity="0.5"/>` +
        `<text x="${x(options.cutoffEpoch + 0.5) + 3}" y="${MARGIN.top + 10}" font-size="10" fill="currentColor" opacity="0.7">map frozen</text>`
      : '';
  const legend = series
    .map(
      (line, index) =>
        `<rect x="${MARGIN.left + index * 90}" y="4" width="10" height="10" fill="${line.color}"/>` +
        `<text x="${MARGIN.left + index * 90 + 14}" y="13" font-size="11" fill="currentColor">${escapeXml(line.name)}</text>`,
    )
    .join('');
  const axis =
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${HEIGHT - MARGIN.bottom}" y2="${HEIGHT - MARGIN.bottom}" stroke="currentColor" opacity="0.4"/>` +
    `<text x="${MARGIN.left - 4}" y="${y(high) + 4}" font-size="10" text-anchor="end" fill="currentColor">${high.toFixed(2)}</text>` +
    `<text x="${MARGIN.left - 4}" y="${y(low) + 4}" font-size="10" text-anchor="end" fill="currentColor">${low.toFixed(2)}</text>` +
    `<text x="${(WIDTH + MARGIN.left) / 2}" y="${HEIGHT - 6}" font-size="10" text-anchor="middle" fill="currentColor">epoch (1-${options.epochs})</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeXml(title)}">` +
    `<title>${escapeXml(title)}</title>${axis}${cutoff}${lines}${legend}</svg>`
  );
}
