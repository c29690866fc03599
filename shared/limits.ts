/** Display names, wherever they come from (guest tokens, join options): 1 to this many characters. */
export const NAME_MAX_LENGTH = 32;

/** Chat channel names: 0 to this many of letters, digits, `_` and `-` ("" is the public channel). */
export const CHANNEL_MAX_LENGTH = 32;

/** A whole channel name, as join options and links accept it. */
export const CHANNEL_PATTERN = new RegExp(`^[\\w-]{0,${CHANNEL_MAX_LENGTH}}$`);
