/** Display names, wherever they come from (guest tokens, join options): 1 to this many characters. */
export const NAME_MAX_LENGTH = 32;

/** Chat channel names: 0 to this many of letters, digits, `_` and `-` ("" is the public channel). */
export const CHANNEL_MAX_LENGTH = 32;

/** A whole channel name, as join options and links accept it. */
export const CHANNEL_PATTERN = new RegExp(`^[\\w-]{0,${CHANNEL_MAX_LENGTH}}$`);

/**
 * The same rule as an input's `pattern` attribute. Browsers compile it with the `v` flag,
 * where a `-` inside a class must be escaped: `[\w-]` there is an invalid pattern that
 * Chromium reports and ignores.
 */
export const CHANNEL_INPUT_PATTERN = "[\\w\\-]*";

/** What a channel name may be, in words (for an error a player reads). */
export const CHANNEL_RULE = `up to ${CHANNEL_MAX_LENGTH} letters, digits, _ and -`;

/** A spectator may ask to watch a live match at most this many seconds late (`delaySeconds`). */
export const MAX_SPECTATOR_DELAY_SECONDS = 120;
