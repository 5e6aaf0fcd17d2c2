/**
 * zod, set up once for the config folder. Jitless: each schema parses a
 * file or two per process, and compiling its fast path on first use cost
 * more (~12-20 ms of a report's start) than it saves. Re-exported name by
 * name (not as one namespace object), so that the bundle keeps only what the
 * schemas use: not zod's 60 other locales or its compiler.
 */
import { config } from 'zod';

config({ jitless: true });

export * from 'zod';
