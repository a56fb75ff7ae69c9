/** The CLI's version, from its package.json (one directory above dist/ and src/). */
import { readFileSync } from 'node:fs';

/** The version `bus --version` prints. */
export const CLI_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;
