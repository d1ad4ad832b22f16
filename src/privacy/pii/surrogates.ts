// Realistic stand-ins for pseudonymization, drawn with a CSPRNG. Where a reserved range exists the
// surrogate comes from it, so it can never be someone's real data: e-mail domains of RFC 2606,
// IP documentation ranges of RFC 5737 / RFC 3849, and the 555-01xx fictional NANP numbers.
import { randomInt } from "node:crypto";
import { lexicons } from "./lexicon.ts";
import { luhnValid } from "./validators.ts";

const pick = <T>(xs: readonly T[]): T => xs[randomInt(xs.length)]!;
const digits = (n: number) => Array.from({ length: n }, () => String(randomInt(10))).join("");

let pools: { first: string[]; last: string[]; cities: string[] } | undefined;
function namePools() {
  if (!pools) {
    const lex = lexicons();
    const latin = (s: Set<string>) => [...s].filter((w) => /^[A-Z][a-z]{2,11}$/.test(w));
    pools = { first: latin(lex.firstNames), last: latin(lex.lastNames), cities: latin(lex.bigCities) };
  }
  return pools;
}

function luhnComplete(prefix: string, length: number): string {
  const body = prefix + digits(length - prefix.length - 1);
  for (let d = 0; d < 10; d++) if (luhnValid(body + d)) return body + d;
  return body + "0";
}

function ibanFor(country: string, bbanLength: number): string {
  const bban = digits(bbanLength);
  // ISO 13616 check digits: 98 - (BBAN + country + "00" mod 97).
  const numeric = (bban + country + "00").replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rem = 0;
  for (const ch of numeric) rem = (rem * 10 + Number(ch)) % 97;
  return `${country}${String(98 - rem).padStart(2, "0")}${bban}`;
}

/** A surrogate for one value of `type`; keeps the rough shape (case, separators) where it matters. */
export function surrogateFor(type: string, original: string): string {
  const p = namePools();
  switch (type) {
    case "PERSON": {
      const words = original.trim().split(/\s+/).length;
      return words <= 1 ? pick(p.first) : `${pick(p.first)} ${pick(p.last)}`;
    }
    case "LOCATION":
      return pick(p.cities);
    case "ORGANIZATION":
      return `${pick(p.last)} ${pick(["Group", "Holdings", "Partners", "Industries", "Labs", "Ltd"])}`;
    case "EMAIL_ADDRESS":
      return `${pick(p.first).toLowerCase()}.${pick(p.last).toLowerCase()}${randomInt(100)}@${pick(["example.com", "example.org", "example.net"])}`;
    case "PHONE_NUMBER":
      return `+1-202-555-01${digits(2)}`;
    case "CREDIT_CARD":
      return luhnComplete("4", 16).replace(/(\d{4})(?=\d)/g, original.includes(" ") ? "$1 " : original.includes("-") ? "$1-" : "$1");
    case "IBAN_CODE":
      return ibanFor("DE", 18);
    case "US_SSN":
      // Area 9xx is never issued as an SSN (SSA), so the surrogate cannot be a real number.
      return `9${digits(2)}-${String(10 + randomInt(90))}-${String(1000 + randomInt(9000))}`;
    case "IP_ADDRESS":
      return original.includes(":") ? `2001:db8::${randomInt(65536).toString(16)}` : `${pick(["192.0.2", "198.51.100", "203.0.113"])}.${1 + randomInt(254)}`;
    case "URL":
      return `https://www.example.com/${digits(6)}`;
    case "DATE_TIME": {
      const d = new Date(Date.UTC(1950 + randomInt(70), randomInt(12), 1 + randomInt(28)));
      return d.toISOString().slice(0, 10);
    }
    case "AGE":
      return String(18 + randomInt(70));
    default: {
      // Same length and character classes as the original.
      return original.replace(/[A-Z]/g, () => String.fromCharCode(65 + randomInt(26))).replace(/[a-z]/g, () => String.fromCharCode(97 + randomInt(26))).replace(/\d/g, () => String(randomInt(10)));
    }
  }
}
