// Span rules after the tagger: brackets, field labels, joining words, titles, job titles, firm
// names, ordinary words, lower-cased chat (our own sentences, not evaluation data).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Analyzer } from "../src/privacy/pii/index.ts";

const a = new Analyzer({ entities: ["PERSON", "LOCATION", "ORGANIZATION"] });
const found = (text: string) => a.analyze(text).map((f) => `${f.type}:${text.slice(f.start, f.end)}`);

test("a bracket ends a name; a place keeps the bracket it closes", () => {
  assert.deepEqual(found("Speakers: Jordane Schaden (Acme Holdings) and Porter Olson."), ["PERSON:Jordane Schaden", "ORGANIZATION:Acme Holdings", "PERSON:Porter Olson"]);
  assert.ok(found("I was born in Frankfurt (Oder) last year.").includes("LOCATION:Frankfurt (Oder)"));
});

test("field labels, titles and job titles are not part of the entity", () => {
  assert.ok(found("Landlord: River Pharma\nTenant: Ann Lee").includes("ORGANIZATION:River Pharma"));
  assert.ok(!found("Please give the form to Mevr. de Jong by Friday.").some((f) => f.includes("Mevr")));
  assert.deepEqual(found("Senior Software Engineer Karson Brekke joined the team."), ["PERSON:Karson Brekke"]);
  assert.deepEqual(found("The detective looked at Schulman and said nothing."), ["PERSON:Schulman"]);
});

test("firm names: lists of family names, sector words, 'X of <place>'", () => {
  assert.deepEqual(found("We are partnering with Bruen, Jerde and Tromp on this."), ["ORGANIZATION:Bruen, Jerde and Tromp"]);
  assert.deepEqual(found("The contract went to Marvin Foods last year."), ["ORGANIZATION:Marvin Foods"]);
  assert.deepEqual(found("Does University of Åland Islands have an office here?"), ["ORGANIZATION:University of Åland Islands"]);
});

test("ordinary title-cased words are no entity; humannames names are persons", () => {
  assert.deepEqual(found("Error 404: Page Not Found."), []);
  assert.deepEqual(found("Regards,\nSeldin Keanaaina"), ["PERSON:Seldin Keanaaina"]);
  assert.deepEqual(found("lol did you see what tamika posted"), ["PERSON:tamika"]);
});

test("a town's name before a family name is a person, unless a legal form comes first", () => {
  assert.deepEqual(found("Zebulon Quackenbush again."), ["PERSON:Zebulon Quackenbush"]);
  assert.ok(found("Faiq Vəsiyeva was appointed as the new director of MMC Əhmədov.").includes("ORGANIZATION:MMC Əhmədov"));
  assert.ok(found("Contacts for the event: Marie Lindqvist at Hansen Gruppen.").includes("ORGANIZATION:Hansen Gruppen"));
});
