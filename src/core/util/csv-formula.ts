/**
 * CSV formula injection (OWASP "CSV Injection"): a cell that starts with `=`, `+`, `-`, `@`, tab or
 * carriage return is run as a formula when the CSV is opened in Excel, LibreOffice or Google Sheets
 * — and kernel, NVTX and thread names come from whoever recorded the trace. Such text cells get a
 * leading `'` (and quotes), which spreadsheets show as text. Cells that are plain numbers, negative
 * ones included ("-12.5", "-3e-7"), are left alone so they stay numbers in every spreadsheet.
 */
export const FORMULA_START = /^(?![+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$)[=+\-@\t\r]/;

/** `text` as it must be written into a CSV cell (before CSV quoting). */
export function defuseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}
