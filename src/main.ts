#!/usr/bin/env node
// Wiring only: the commands live in cli/.
import { run } from './cli/index.js';

process.exitCode = await run(process.argv.slice(2));
