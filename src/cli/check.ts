import type { Argv } from 'yargs';
import { loadConfig } from '../config/index.js';
import { EXIT } from './errors.js';
import type { Command } from './index.js';

function options(y: Argv) {
  return y
    .option('config', { alias: 'c', type: 'string', demandOption: true, describe: 'YAML config file to check' })
    .example('$0 check --config config/example.yaml', 'validate the config and every source it names');
}

/** `check`: validates the config, then opens every baseline and window like a run would. */
async function run(a: Awaited<ReturnType<typeof options>['argv']>): Promise<number> {
  const config = loadConfig(a.config);
  const { checkModel } = await import('../engine/index.js');
  let failed = 0;
  for (const model of config.models) {
    const problems = await checkModel(model);
    if (problems.length === 0) {
      process.stdout.write(`  SUCCESS: model ${model.name}: baseline and window readable, features present\n`);
    } else {
      failed++;
      for (const p of problems) process.stdout.write(`  FAILED: model ${model.name}: ${p}\n`);
    }
  }
  process.stdout.write(`Checking ${config.file}: ${failed === 0 ? 'SUCCESS' : `FAILED (${failed} of ${config.models.length} models)`}\n`);
  return failed === 0 ? EXIT.ok : EXIT.error;
}

/** The `check` command. */
export const command: Command = { options, run };
