import { formatCsv, parseCsv } from './csv.js';

describe('CSV', () => {
  it('reads quotes, doubled quotes, CRLF, a BOM and blank lines', () => {
    const text = '\ufefffile,label\r\n"a, b.png","say ""hi"""\r\n\r\nc.png, x \n';
    expect(parseCsv(text)).toEqual([
      ['file', 'label'],
      ['a, b.png', 'say "hi"'],
      ['c.png', 'x'],
    ]);
  });

  it('round-trips what it writes and rejects an open quote', () => {
    const rows = [
      ['file', 'label'],
      ['x,y.png', 'a"b'],
    ];
    expect(parseCsv(formatCsv(rows))).toEqual(rows);
    expect(() => parseCsv('a,"b\n', 'labels.csv')).toThrow(
      /labels\.csv: a quoted field is not closed/,
    );
  });
});
