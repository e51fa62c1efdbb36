/**
 * Cuts `text` to at most `max` characters (UTF-16 code units, as `String.length` and the schemas count
 * them), ending with `…` when it was cut. Never splits a surrogate pair: half an emoji is an unpaired
 * surrogate, which jsonb refuses to store.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
