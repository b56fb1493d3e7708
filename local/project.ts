/** Where the project is on disk, from source or from dist/: for the embedded default and the CLI alike. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The nearest folder at or above `start` holding a package.json: the project root, from source or from dist/. */
export function findProjectRoot(start: string): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package.json found at or above ${start}.`);
  }
}
