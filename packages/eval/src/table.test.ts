import {
  formatCell,
  renderCsvTable,
  renderMarkdownTable,
  resultCell,
  type ResultTable,
} from './table.js';

const table: ResultTable = {
  columns: ['IDRiD retinopathy', 'JAFFE'],
  rows: [
    {
      backbone: 'VGG-16',
      method: 'Vanilla',
      cells: { 'IDRiD retinopathy': { mean: 0.5696, std: 0.0123 } },
    },
    {
      backbone: 'VGG-16',
      method: 'Global attention',
      cells: {
        'IDRiD retinopathy': { mean: 0.6641, std: 0.0087, bold: true, star: true },
        JAFFE: { mean: 0.8, std: 0.01 },
      },
    },
    {
      backbone: 'ResNet-152',
      method: 'Vanilla',
      cells: { JAFFE: { mean: 0.7939, std: 0.02, star: true } },
    },
  ],
};

describe('Table 2 rendering', () => {
  it('formats a cell as percent mean(std) with the marks', () => {
    expect(formatCell({ mean: 0.6641, std: 0.0087 })).toBe('66.41(0.87)');
    expect(formatCell({ mean: 0.6641, std: 0.0087, bold: true, star: true })).toBe(
      '**66.41(0.87)***',
    );
    expect(formatCell({ mean: 0.5, std: 0.01, star: true }, { digits: 1 })).toBe('50.0(1.0)*');
    expect(formatCell({ mean: 0.5, std: 0.01, bold: true, star: true }, {}, true)).toBe(
      '**50.00(1.00)**\\*',
    );
    expect(formatCell(undefined)).toBe('');
  });

  it('shows the mean alone when the std is not finite (a single accuracy)', () => {
    const single = resultCell([0.8]);
    expect(single.std).toBeNaN();
    expect(formatCell(single)).toBe('80.00');
    expect(formatCell({ ...single, bold: true, star: true }, {}, true)).toBe('**80.00**\\*');
    expect(formatCell({ mean: 0.5, std: Number.POSITIVE_INFINITY }, { digits: 1 })).toBe('50.0');
    expect(
      renderMarkdownTable({
        columns: ['JAFFE'],
        rows: [{ backbone: 'VGG-16', method: 'Vanilla', cells: { JAFFE: single } }],
      }).split('\n')[2],
    ).toBe('| VGG-16 | Vanilla | 80.00 |');
  });

  it('folds line breaks in names into spaces so they cannot break a Markdown row', () => {
    const markdown = renderMarkdownTable({
      columns: ['IDRiD\nretinopathy'],
      rows: [
        {
          backbone: 'VGG\r\n16',
          method: 'Global\rattention | ours',
          cells: { 'IDRiD\nretinopathy': { mean: 0.5, std: 0.01 } },
        },
      ],
    });
    expect(markdown).toBe(
      [
        '| Backbone | Method | IDRiD retinopathy |',
        '| --- | --- | ---: |',
        '| VGG 16 | Global attention \\| ours | 50.00(1.00) |',
        '',
      ].join('\n'),
    );
  });

  it('builds a cell from per-epoch accuracies', () => {
    const marks = { bold: true, star: false, versusVanilla: { pValue: 0.001 } };
    const cell = resultCell([0.5, 0.6, 0.7], marks);
    expect(Object.keys(cell).sort()).toEqual(['bold', 'mean', 'star', 'std']);
    expect(cell.mean).toBeCloseTo(0.6, 12);
    expect(cell.std).toBeCloseTo(0.1, 12);
    expect(cell.bold).toBe(true);
  });

  it('renders Markdown with methods by backbone as rows and datasets as columns', () => {
    expect(renderMarkdownTable(table)).toBe(
      [
        '| Backbone | Method | IDRiD retinopathy | JAFFE |',
        '| --- | --- | ---: | ---: |',
        '| VGG-16 | Vanilla | 56.96(1.23) |  |',
        '|  | Global attention | **66.41(0.87)**\\* | 80.00(1.00) |',
        '| ResNet-152 | Vanilla |  | 79.39(2.00)\\* |',
        '',
      ].join('\n'),
    );
  });

  it('renders CSV with every row naming its backbone, quoting where needed', () => {
    const csv = renderCsvTable({
      columns: ['a, b'],
      rows: [{ backbone: 'VGG "16"', method: 'L1', cells: { 'a, b': { mean: 0.5, std: 0 } } }],
    });
    expect(csv).toBe('backbone,method,"a, b"\r\n"VGG ""16""",L1,50.00(0.00)\r\n');
    expect(renderCsvTable(table).split('\r\n')[2]).toBe(
      'VGG-16,Global attention,**66.41(0.87)***,80.00(1.00)',
    );
  });
});
