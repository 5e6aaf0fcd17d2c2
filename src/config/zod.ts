/**
 * zod, set up once for the config folder. Jitless: each schema parses a
 * file or two per process, and compiling its fast path on first use cost
 * more (~12-20 ms of a report's start) than it saves.
 */
import * as z from 'zod';

z.config({ jitless: true });

export { z };
