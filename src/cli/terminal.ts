/**
 * Text for a terminal. Trace strings (kernel, NVTX, thread and GPU names, file names, nsys's own
 * output) are data from whoever recorded the trace: an ESC or OSC sequence in a kernel name would
 * retitle, recolour or clear the user's terminal, or hide text. Every control character except
 * newline and tab is shown as a visible escape (`\x1b`, `\x9b`, `\x7f`) instead, the way `ls -b`
 * and Python's repr show them.
 */
// C0 controls except \t (0x09) and \n (0x0a), DEL, and C1 controls (0x80–0x9f: CSI 0x9b alone
// starts an escape sequence on many terminals).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

export function escapeTerminal(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
