// A non-IID split like LEAF's Shakespeare (Caldas et al. 2018): every speaking role is one site
// holding only its own lines. tinyshakespeare has no play boundaries, so a role is its speaker name.
import { InvalidArgumentError } from "../../errors/index.ts";

/** Role name → that role's speeches joined by blank lines, largest roles first. */
export function splitByRole(text: string): Map<string, string> {
  const roles = new Map<string, string[]>();
  for (const block of text.split(/\n\s*\n/)) {
    const m = /^([A-Z][A-Za-z' ]{0,40}):\n([\s\S]+)$/.exec(block.trim());
    if (!m) continue;
    const list = roles.get(m[1]!) ?? [];
    list.push(m[2]!);
    roles.set(m[1]!, list);
  }
  if (roles.size === 0) throw new InvalidArgumentError("text", "holds no 'ROLE:' speeches to split by");
  return new Map([...roles].map(([r, s]) => [r, s.join("\n\n")] as [string, string]).sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1)));
}
