#!/usr/bin/env -S node --initial-old-space-size=64
// Wiring only: the commands live in cli/.
import { run } from './cli/index.js';

process.exitCode = await run(process.argv.slice(2));
