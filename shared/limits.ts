/** Display names, wherever they come from (guest tokens, join options): 1 to this many characters. */
export const NAME_MAX_LENGTH = 32;
