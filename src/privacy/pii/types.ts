// The shapes shared by every part of the PII guard: entity types (Presidio's names) and findings.

/** Entity types, named as Microsoft Presidio names them so results compare one to one. */
export const ENTITY_TYPES = [
  "PERSON",
  "LOCATION",
  "ORGANIZATION",
  "EMAIL_ADDRESS",
  "PHONE_NUMBER",
  "CREDIT_CARD",
  "IBAN_CODE",
  "US_SSN",
  "IP_ADDRESS",
  "MAC_ADDRESS",
  "URL",
  "DATE_TIME",
  "CRYPTO",
  "US_PASSPORT",
  "US_DRIVER_LICENSE",
  "US_BANK_NUMBER",
  "UK_NHS",
  "AGE",
  "SECRET",
] as const;

export type EntityType = (typeof ENTITY_TYPES)[number];

/** One detected entity: `start`/`end` are JavaScript string indices, end exclusive. */
export interface Finding {
  type: string;
  start: number;
  end: number;
  /** Confidence in [0, 1]. */
  score: number;
}

/** A candidate before context and overlap resolution; `recognizer` names who found it. */
export interface Candidate extends Finding {
  recognizer: string;
  /** Overlap tier: deny-list 3, validated pattern 2, pattern 1, tagger 0. */
  priority?: number;
  /** A tagged place that starts with a house number (a street address). */
  street?: boolean;
  /** Set on a joined address whose parts are on more than one line. */
  multiline?: boolean;
}
