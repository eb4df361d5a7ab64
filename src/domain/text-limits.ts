/** Longest note, reason or free text stored from one command or form field (a long chat message). */
export const MAX_TEXT = 1_000;
