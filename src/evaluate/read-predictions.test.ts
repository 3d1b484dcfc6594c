import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePredictions } from './read-predictions.ts';

const cols = { outcome: 'apcr', scores: ['p'] };

describe('parsePredictions', () => {
  it('reads the asked columns in file order; 0/1, 1.0 and true/false outcomes; ignores other columns', () => {
    const t = parsePredictions(
      '\uFEFFid,apcr,p,q\nA,1,0.9,x\nB,0,0.2,x\n\nC,TRUE,0.7,x\nD,false,0.4,x\nE,1.0,1e-3,x\n',
      'f.csv',
      cols,
    );
    assert.equal(t.n, 5);
    assert.deepEqual([...t.columns.apcr!], [1, 0, 1, 0, 1]);
    assert.deepEqual([...t.columns.p!], [0.9, 0.2, 0.7, 0.4, 0.001]);
    assert.deepEqual(Object.keys(t.columns), ['apcr', 'p']);
  });

  const refusals: [string, string, RegExp][] = [
    [
      'missing column',
      'apcr,q\n1,0.1\n0,0.2\n',
      /^f\.csv: no column "p" in the header \(columns: "apcr", "q"\)$/,
    ],
    [
      'outcome not 0/1',
      'apcr,p\n1,0.1\n2,0.2\n',
      /^f\.csv row 2 \(line 3\), column "apcr": outcome must be 0 or 1 \(or false\/true\), got "2"$/,
    ],
    ['empty cell', 'apcr,p\n1,0.1\n0,\n', /^f\.csv row 2 \(line 3\), column "p": empty cell/],
    [
      'non-numeric score',
      'apcr,p\n1,0.1\n0,abc\n',
      /^f\.csv row 2 \(line 3\), column "p": not a finite number: "abc"$/,
    ],
    ['NA score', 'apcr,p\n1,NA\n0,0.3\n', /row 1 \(line 2\), column "p": not a finite number: "NA"/],
    [
      'one class',
      'apcr,p\n1,0.1\n1,0.2\n1,0.3\n',
      /^f\.csv: outcome "apcr" has only 1s \(3 rows\); ROC analysis needs both classes$/,
    ],
    [
      'one row of a class',
      'apcr,p\n1,0.1\n0,0.2\n0,0.3\n',
      /has 1 row\(s\) with 1 and 2 with 0; DeLong's variance needs at least 2 of each/,
    ],
    ['no rows', 'apcr,p\n', /^f\.csv: no data rows after the header$/],
    ['empty file', '', /^f\.csv: empty file/],
    ['ragged row', 'apcr,p\n1,0.1\n0\n', /^f\.csv: not a valid CSV file: Invalid Record Length/],
    ['duplicate header', 'apcr,p,p\n1,0.1,0.2\n0,0.2,0.3\n', /column "p" appears more than once/],
  ];
  for (const [what, text, message] of refusals)
    it(`refuses: ${what}`, () =>
      assert.throws(() => parsePredictions(text, 'f.csv', cols), { name: 'PredictionsError', message }));

  it('refuses a score named twice or equal to the outcome', () => {
    assert.throws(
      () => parsePredictions('apcr,p\n', 'f.csv', { outcome: 'apcr', scores: ['p', 'p'] }),
      /given twice/,
    );
    assert.throws(
      () => parsePredictions('apcr,p\n', 'f.csv', { outcome: 'apcr', scores: ['apcr'] }),
      /is the outcome column/,
    );
  });
});
