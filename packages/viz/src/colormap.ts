import { MAGMA_HEX, VIRIDIS_HEX } from './colormap-tables.js';

/** `gray`: black (0) to white (1). Perceptual maps run dark (0) to bright (1). */
export type ColormapName = 'viridis' | 'magma' | 'gray';

export const COLORMAP_NAMES: readonly ColormapName[] = ['viridis', 'magma', 'gray'];

function parseHexTable(hex: string): Uint8Array {
  const table = new Uint8Array(256 * 3);
  for (let index = 0; index < table.length; index++) {
    table[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  }
  return table;
}

const tables = new Map<ColormapName, Uint8Array>();

/** The 256 RGB entries of a colormap, `[r0, g0, b0, r1, ...]`, darkest first. */
export function colormapTable(name: ColormapName): Uint8Array {
  let table = tables.get(name);
  if (!table) {
    if (name === 'viridis') table = parseHexTable(VIRIDIS_HEX);
    else if (name === 'magma') table = parseHexTable(MAGMA_HEX);
    else if (name === 'gray') table = Uint8Array.from({ length: 768 }, (_, i) => Math.floor(i / 3));
    else
      throw new RangeError(
        `unknown colormap '${String(name)}'; use one of ${COLORMAP_NAMES.join(', ')}`,
      );
    tables.set(name, table);
  }
  return table;
}

/** Table index of a value in [0,1], as matplotlib does: floor(t*256), 1 maps to 255. */
export function colormapIndex(t: number): number {
  if (!(t > 0)) return 0;
  return Math.min(255, Math.floor(t * 256));
}

export function colormapHex(name: ColormapName, t: number): string {
  const table = colormapTable(name);
  const index = colormapIndex(t) * 3;
  return `#${[table[index]!, table[index + 1]!, table[index + 2]!]
    .map((channel) => channel.toString(16).padStart(2, '0'))
    .join('')}`;
}
