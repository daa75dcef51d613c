/** A one-line progress display on stderr: redrawn in place on a terminal, a line every few seconds otherwise. */
export class Progress {
  readonly #tty = Boolean(process.stderr.isTTY);
  #lastLine = 0;
  readonly #label: string;
  readonly #everyMs: number;

  constructor(label: string, everyMs = 5000) {
    this.#label = label;
    this.#everyMs = everyMs;
  }

  update(done: number, total: number | undefined, detail: string, nowMs: number = performance.now()): void {
    if (!this.#tty && nowMs - this.#lastLine < this.#everyMs) return;
    this.#lastLine = nowMs;
    const pct = total ? Math.min(1, done / total) : undefined;
    const width = 30;
    const bar =
      pct === undefined
        ? ''
        : `[${'#'.repeat(Math.round(pct * width)).padEnd(width, '.')}] ${(pct * 100).toFixed(0).padStart(3)}% `;
    const line = `${this.#label} ${bar}${detail}`;
    if (this.#tty) process.stderr.write(`\r\x1b[2K${line}`);
    else process.stderr.write(`${line}\n`);
  }

  done(): void {
    if (this.#tty) process.stderr.write('\n');
  }
}

export const fmt = (n: number) => n.toLocaleString('en-US');
