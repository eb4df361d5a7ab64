#!/usr/bin/env node
// The package binary. The product runs its TypeScript sources through tsx, so there is no
// separate build step to forget before running `closedloop`.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
