// Parses each AsyncAPI document named on the command line with the AsyncAPI Initiative's own
// parser (@asyncapi/parser: the specification's JSON Schema, its Spectral rules, every $ref and every
// payload schema), prints every diagnostic, and exits 1 if any document has an error.
// Usage: node tools/asyncapi/validate.mjs docs/api/agency.asyncapi.json [...]
import { Parser, fromFile, DiagnosticSeverity } from '@asyncapi/parser';

const NAMES = {
  [DiagnosticSeverity.Error]: 'error',
  [DiagnosticSeverity.Warning]: 'warning',
  [DiagnosticSeverity.Information]: 'info',
  [DiagnosticSeverity.Hint]: 'hint',
};

async function check(parser, file) {
  const { document, diagnostics } = await fromFile(parser, file).parse();
  let errors = 0;
  for (const d of diagnostics) {
    if (d.severity === DiagnosticSeverity.Error) errors += 1;
    const where = (d.path || []).join('/') || '(document)';
    console.log(`${file}: ${NAMES[d.severity] ?? d.severity} ${d.code}: ${d.message} at /${where}`);
  }
  if (document === undefined && errors === 0) {
    // The parser gave up without saying why as an error: still a failure.
    console.log(`${file}: error: the parser returned no document`);
    errors = 1;
  }
  console.log(`${file}: ${errors === 0 ? 'valid' : `${errors} error(s)`}`);
  return errors;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node validate.mjs <asyncapi document>...');
  process.exit(2);
}
const parser = new Parser();
let failed = 0;
for (const file of files) {
  failed += (await check(parser, file)) > 0 ? 1 : 0;
}
process.exit(failed === 0 ? 0 : 1);
