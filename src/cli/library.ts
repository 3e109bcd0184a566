// The library as the CLI sees it. The CLI's bundle (dist/cli.js) imports the package's own
// dist/node.js instead of carrying a second copy of the library, so only src/cli.ts imports it
// (esbuild keeps that one import as './node.js') and hands it to the commands.

export type Library = typeof import('../node.js');
