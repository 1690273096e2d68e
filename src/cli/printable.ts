/**
 * A value from outside (a title or file name from an imported CAR, a file's own
 * name) made safe for one line of a terminal: control characters (C0, DEL, C1,
 * so no escape sequence and no newline that could forge another line) and the
 * Unicode controls that reorder text on screen are shown as `?`. Used by every
 * plain-text result line and by error lines; `--json` escapes by itself.
 */
export function printable (value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?')
}
