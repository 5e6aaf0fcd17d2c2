// Renders the help pages into dist/src/cli/help.json (run by `npm run build`, after tsc): see src/cli/help.ts.
import { writeFileSync } from 'node:fs';
import { COMMAND_NAMES, renderHelp } from '../dist/src/cli/index.js';
import { HELP_CACHE, HELP_WIDTHS, helpSourcesDigest } from '../dist/src/cli/help.js';

// The cache serves English locales only; render in one.
process.env.LC_ALL = 'C';
const pages = {};
for (const width of HELP_WIDTHS) {
  for (const key of ['', ...COMMAND_NAMES]) pages[`${key}@${width}`] = await renderHelp(key ? [key, '--help'] : ['--help'], width);
}
writeFileSync(HELP_CACHE, `${JSON.stringify({ digest: helpSourcesDigest(), pages })}\n`);
