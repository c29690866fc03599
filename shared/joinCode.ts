import type { Random } from "./random.ts";

/**
 * Short codes friends type to reach a private room. No 0/O, 1/I/L: a code read aloud or
 * copied from a screenshot survives. 30 symbols, 6 long: about 7e8 codes.
 */
export const JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ2345679";
/** Symbols in a code (what a code field accepts, dashes and spaces aside). @public */
export const JOIN_CODE_LENGTH = 6;

export function generateJoinCode(random: Random): string {
  let code = "";
  for (let i = 0; i < JOIN_CODE_LENGTH; i++) code += JOIN_CODE_ALPHABET[Math.floor(random() * JOIN_CODE_ALPHABET.length)];
  return code;
}

/**
 * Read a code as a person typed it: case, spaces and dashes do not matter. Undefined
 * when it cannot be a code (wrong length or a symbol the alphabet leaves out).
 */
export function normalizeJoinCode(typed: string): string | undefined {
  const code = typed.toUpperCase().replace(/[\s-]/g, "");
  if (code.length !== JOIN_CODE_LENGTH) return undefined;
  for (const symbol of code) if (!JOIN_CODE_ALPHABET.includes(symbol)) return undefined;
  return code;
}
