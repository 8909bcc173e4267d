import { classCounts, imageCount } from '@gsa/data';
import { loadData } from './train-run.js';

/** A text summary of a data SPEC: counts per class, image size, and whether every image has it. */
export async function inspectDataset(spec: string): Promise<string> {
  const set = await loadData(spec, undefined, false);
  const counts = classCounts(set);
  const lines = [
    `${spec}: ${imageCount(set)} images of ${set.metadata.height}x${set.metadata.width}x${set.metadata.channels} (every image the same size: structured)`,
    ...set.classNames.map((name, index) => `  ${name}: ${counts[index]}`),
  ];
  if (set.splits) {
    const bySplit = new Map<string, number>();
    for (const split of set.splits) bySplit.set(split, (bySplit.get(split) ?? 0) + 1);
    lines.push(`  splits: ${[...bySplit].map(([name, count]) => `${name} ${count}`).join(', ')}`);
  }
  if (set.groups) lines.push(`  groups: ${new Set(set.groups).size}`);
  return lines.join('\n');
}
