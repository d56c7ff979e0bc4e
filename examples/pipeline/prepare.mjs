// The "external program" of the pipeline: clean a CSV of sensor readings.
// Usage: node prepare.mjs <raw.csv> <clean.csv>
// Drops rows whose reading is missing, not a number, or a -999 sentinel.
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
const [header, ...rows] = readFileSync(input, 'utf8').trim().split('\n');
const kept = rows.filter((row) => {
  const celsius = row.split(',')[2];
  return celsius !== undefined && celsius !== '' && Number.isFinite(Number(celsius)) && Number(celsius) !== -999;
});
writeFileSync(output, [header, ...kept].join('\n') + '\n');
console.error(`prepare: kept ${kept.length} of ${rows.length} rows`);
