/** The CLI's streams, apart from context.ts so that `closedloop help` can print without loading it. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (progress lines are redrawn in place). */
  interactive: boolean;
  /** Standard input, for commands that read it (the console); tests pass a stream of lines. */
  input?: NodeJS.ReadableStream;
  /** True when standard input is a person at a terminal rather than a script. */
  inputIsTerminal?: boolean;
  /** Writes without a newline (a prompt). */
  prompt?(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  interactive: Boolean(process.stderr.isTTY),
  input: process.stdin,
  inputIsTerminal: Boolean(process.stdin.isTTY),
  prompt: (text) => process.stdout.write(text),
};
