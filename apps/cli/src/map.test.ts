// End-to-end: `gsa map` (colours, overlay, Grad-CAM, --json) on a copy of the shared run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePng } from '@gsa/viz/node';
import { copyOfRun, runGsa, scratchDirectory, sharedFixture } from './cli-test-support.fixture.js';

const { data, run: sharedRun } = sharedFixture();
const scratch = scratchDirectory('cli-map');
const gsa = (...args: string[]) => runGsa(args);

describe('gsa map', () => {
  it('redraws the map in other colours, over an image, and explains one prediction with Grad-CAM', () => {
    const run = copyOfRun(sharedRun, join(scratch, 'run'));
    const { values } = JSON.parse(readFileSync(join(run, 'attention-map.json'), 'utf8')) as {
      values: number[];
    };
    const [low, high] = [Math.min(...values), Math.max(...values)];
    const map = gsa(
      'map',
      '--run',
      run,
      '--overlay',
      join(data, 'img-0000.png'),
      '--colormap',
      'gray',
      '--darker-is-important',
    );
    expect(map.status).toBe(0);
    expect(map.stdout).toContain('attention-overlay.png');
    expect(map.stdout).toContain('attention-map.svg');
    // gray, darker = more important: the map's peak is black, its lowest pixel white.
    const png = decodePng(readFileSync(join(run, 'attention-map.png')));
    const pixel = (index: number) => {
      const offset = (Math.floor(index / 16) * png.width + (index % 16)) * 4;
      return Array.from(png.data.subarray(offset, offset + 3));
    };
    expect(pixel(values.indexOf(high))).toEqual([0, 0, 0]);
    expect(pixel(values.indexOf(low))).toEqual([255, 255, 255]);
    expect(readFileSync(join(run, 'attention-map.svg'), 'utf8')).toContain(
      'darker = more important',
    );

    // Grad-CAM of the deployed model for one image: image | global map | Grad-CAM, 128 px each.
    const image = join(data, 'img-0003.png');
    const explained = gsa('map', '--run', run, '--gradcam', image, '--backend', 'cpu');
    expect(explained.stderr).toMatch(/Grad-CAM of 'texture-\d+deg' .* at layer 'block4\.relu'/);
    expect(explained.status).toBe(0);
    const panelPath = join(run, 'gradcam-img-0003.png');
    expect(explained.stdout.trim().split('\n')).toContain(panelPath);
    const panel = decodePng(readFileSync(panelPath));
    expect([panel.width, panel.height]).toEqual([3 * 128 + 2 * 4, 128]);
    const wrongLayer = gsa('map', '--run', run, '--gradcam', image, '--layer', 'block9');
    expect(wrongLayer.status).toBe(2);
    expect(wrongLayer.stderr).toMatch(/has no layer 'block9'\. Its layers: .*block4\.relu/);
    expect(wrongLayer.stderr).toContain("'block4.relu'");
    // --json: one JSON document on stdout for map and export too.
    const mapped = gsa('map', '--run', run, '--json');
    expect(mapped.status).toBe(0);
    expect(JSON.parse(mapped.stdout)).toEqual({
      run,
      written: ['png', 'svg', 'npy'].map((extension) => join(run, `attention-map.${extension}`)),
    });
  });
});
