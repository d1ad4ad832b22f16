// Generator of synthetic labelled sentences (our own templates filled by @faker-js/faker) used to
// train the tagger and to self-test the recognizers. Deterministic for a given seed.
import { allLocales, base, Faker, type LocaleDefinition } from "@faker-js/faker";

export interface SynthSpan {
  type: string;
  start: number;
  end: number;
  /** A whole postal address (street line and the place lines after it). */
  address?: boolean;
}
export interface SynthExample {
  text: string;
  spans: SynthSpan[];
}

// Locales with cased scripts (Latin, Cyrillic, Greek): the tagger leans on capitals, so scripts
// without case (Georgian, Arabic, CJK, ...) are left to the lexicons and patterns for now.
const LOCALES = ["en_US", "en_GB", "en_US", "en", "en_GB", "en_AU", "en_CA", "en_IN", "de", "fr", "es", "it", "nl", "pt_BR", "sv", "fi", "nb_NO", "da", "pl", "cs_CZ", "hu", "ro", "tr", "ru", "uk", "el", "vi", "id_ID", "es_MX", "af_ZA", "en_NG", "hr", "sk", "lv", "az", "fr_CH", "de_CH", "pt_PT", "yo_NG", "zu_ZA", "en_IE", "de_AT", "fr_BE", "en_ZA", "lt"];

// Our own templates. Slots: {P} person, {F} first name, {C} city, {CO} country, {ST} state, {A} street
// address, {AF} full postal address, {O} organisation, {E} email, {PH} phone, {D} date, {N} number,
// {J} job title, {U} url, {CC} card number, {IB} IBAN, {SSN}, {IP}.
export const TEMPLATES = [
  "My name is {P} and I live in {C}.",
  "{F} is my best friend.",
  "{F} said the food was great.",
  "{L} scored twice in the second half.",
  "{F}: are you coming tonight?",
  "{F} here.",
  "{P} did not reply.",
  "{F} asked whether {F} could join.",
  "{P} has three children.",
  "{F} loves hiking in {ST}.",
  "{P}? I have never heard of them.",
  "{C} is beautiful in the spring.",
  "{CO} won the match.",
  "{C} residents voted against the plan.",
  "{ST} has the best beaches.",
  "{P} called yesterday about the invoice.",
  "Please send the contract to {P} at {AF}",
  "The address of {O} is {AF}",
  "Ship it to {A}, {C}, {ST}.",
  "I was born in {C}, {CO} on {D}.",
  "{P} works as a {J} at {O}.",
  "Contact {P} via {E} or {PH}.",
  "We met {F} in {C} last summer.",
  "Dear {P}, thank you for your order.",
  "Hi {F}, can you call me back at {PH}?",
  "{O} opened a new office in {C}.",
  "Our headquarters moved from {C} to {C}.",
  "The conference will take place in {C}, {CO}.",
  "She flew from {CO} to {CO} with {P}.",
  "According to {P}, the results were better than expected.",
  "I'm {P}, a {J} from {C}.",
  "Regards,\n{P}\n{J}, {O}",
  "Mr. {L} is waiting in the lobby.",
  "Ms. {L} asked for a refund.",
  "Dr. {P} will see you at 3 pm.",
  "Send my mail to {AF}",
  "Her new address: {A}\n{C}",
  "He lives at {A} near the station.",
  "My card {CC} was charged twice by {O}.",
  "Transfer the money to IBAN {IB} in the name of {P}.",
  "Employee {P}, SSN {SSN}, started on {D}.",
  "Login from {IP} for user {E} was blocked.",
  "{P} and {P} are the new owners of the house at {A}.",
  "The shipment left {C} and will arrive in {C} on {D}.",
  "I have been working for {O} since {D}.",
  "{F} said that {O} is hiring in {ST}.",
  "Visit us at {U} or at our store in {C}.",
  "I moved to {CO} when I was young.",
  "Who is the manager of the {C} branch?",
  "Can {P} join the meeting on {D}?",
  "The patient, {P}, was admitted to {O}.",
  "Report submitted by {P} ({E}).",
  "{P} from {O} wants to talk to you.",
  "Call {F} on {PH} before noon.",
  "They spent two weeks touring {ST} and {CO}.",
  "The {O} team in {C} shipped the release.",
  "Our customer {P} lives in {C}, {ST}.",
  "Is {C} far from {C}?",
  "{P} wrote the foreword; {P} edited it.",
  "Meet me at {A} at 6.",
  "Billing address:\n{AF}",
  "Name: {P}\nPhone: {PH}\nEmail: {E}",
  "Name: {P}\nAddress: {AF}",
  "Thanks, {F}!",
  "{F}, please review the pull request.",
  "The letter from {O} was addressed to {P}.",
  "My sister {F} studies in {C}.",
  "I bought it from {O} in {CO}.",
  "Ask {L} in accounting.",
  "The flight to {C} was cancelled, said {P}.",
  "{P} ({N}) was elected mayor of {C}.",
  "We are partnering with {O} and {O}.",
  "Reach the {C} office at {PH}.",
  "I'll be in {C} until {D}.",
  "I live at {AF} with my two cats.",
  "You can find me at {A}, {C}.",
  "Our new store is located at {AF}.",
  "The package was delivered to {AF} yesterday.",
  "Please update my address to {AF}",
  "{P} lives at {A} and works for {O}.",
  "My friend {F} recommended this place in {C}.",
  "Last year {P} moved to {C} to join {O}.",
  "I loved the book by {P}; the ending was perfect.",
  "This song by {P} always reminds me of {C}.",
  "{P} is the CEO of {O}, based in {C}, {CO}.",
  "Yesterday {F} and I drove from {C} to {C}.",
  "Has anyone from {O} replied to {F} yet?",
  "The invoice for {O} lists {AF} as the billing address.",
  "Thank you {P} for your patience.",
  "I spoke with {F} from customer service and she was very helpful.",
  "My grandmother was born in {CO} and raised in {C}.",
  "We are a small team based in {ST}.",
  "Greetings from {C}!",
  "Does {O} ship to {CO}?",
  "{P}'s phone number is {PH}.",
  "{F}'s email is {E}, in case you need it.",
  "{P}, {J} at {O}, will present the results.",
  "The {O} office at {A} is closed on Sundays.",
  "Hello, I am {P} and I'd like to book a table for four.",
  "Please ask {P} to sign the form before {D}.",
  "The case was handled by attorney {P} of {O}.",
  "{P} was appointed as the new director of {O}.",
  "In {C}, {P} opened a bakery called {O}.",
  "Applicant: {P}\nDate of birth: {D}\nAddress: {AF}",
  "To: {P}\nFrom: {P}\nSubject: meeting in {C}",
  "Shipping to:\n{P}\n{AF}",
  "Customer {P} ({E}) reported an issue with order {N}.",
  "I met {P} at a conference in {C} in {D}.",
  "We visited {C}, {C} and {C} during our trip to {CO}.",
  "{C} is the capital of {CO}, isn't it?",
  "The weather in {C} was terrible.",
  "Could you forward this to {F}?",
  "Both {F} and {F} have agreed to the terms.",
  "Signed, {P}",
  "Best wishes, {F}",
  "Written by {P} for {O}.",
  "Photo courtesy of {P}.",
  "{O} acquired {O} for an undisclosed sum.",
  "Shares of {O} rose after the announcement.",
  "My doctor, Dr. {L}, works at {O} in {C}.",
  "The suspect was last seen near {A} in {C}.",
  "Our company, {O}, is looking for a {J}.",
  "She studied at {O} before moving to {CO}.",
  "{P} has been a member since {D}.",
  "The contract between {O} and {P} expires on {D}.",
  "Please contact our {C} office for details.",
  "{F} here, just checking in about {O}.",
  "I grew up in a small town near {C}, {ST}.",
  "He was born on {D} in {C}.",
  "Mrs. {P} requested a copy of the report.",
  "Prof. {P} will teach the course this semester.",
  "Sir {P} arrived in {C} on {D}.",
  "Send the samples to {O}, {AF}",
  "Address: {AF}\nPhone: {PH}",
  "{P}\n{AF}\n{PH}",
  "Account holder: {P}, IBAN: {IB}",
  "Cardholder {P} used card {CC} at {O}.",
  "Hey {F}! Long time no see. How is life in {C}?",
  "I need a taxi from {A} to the airport.",
  "The {C} marathon attracted runners from {CO} and {CO}.",
  "Our guide, {F}, showed us around {C}.",
  "Tickets for {P}'s concert in {C} sold out.",
  "{P} told reporters that {O} would expand to {CO}.",
  "Ask for {P} at the front desk.",
  "{P} and {F} got married in {C} last spring.",
]; 

// Openers that put an entity in front of a sentence of ordinary prose (the rest of the sentence
// comes from plain English text), for contexts unlike any template's.
export const OPENERS = [
  "{P} said that",
  "In {C},",
  "According to {P},",
  "{P} from {O} noted that",
  "As {F} put it,",
  "Last year in {CO},",
  "{P} wrote:",
  "Speaking in {C}, {P} said",
  "{F} thinks",
  "Officials in {ST} said",
  "A spokesperson for {O} said",
  "Back in {C}, we learned that",
];

// Which slots fit after a preposition in prose ("with {P}", "in {C}").
const PROSE_SLOT: Record<string, string[]> = {
  with: ["{P}", "{O}", "{F}"],
  for: ["{O}", "{P}"],
  by: ["{P}", "{O}"],
  to: ["{C}", "{CO}", "{P}"],
  from: ["{C}", "{CO}", "{P}", "{O}"],
  in: ["{C}", "{CO}", "{ST}"],
  at: ["{O}", "{A}", "{C}"],
  of: ["{C}", "{O}", "{CO}"],
};

// Sentences without names or places, with capitalised words a tagger must leave alone.
export const NEGATIVES = [
  "The Board approved the Budget on Monday.",
  "Please Review The Attached Document.",
  "What are my options?",
  "I think the System Update broke the Login Page.",
  "Thanks for the quick reply!",
  "The Annual Report is due in March.",
  "Can you help me reset my password?",
  "We need the Quarterly Sales Numbers by Friday.",
  "Open the Settings menu and choose Privacy.",
  "This Product is Great and the Support Team was Helpful.",
  "How do I cancel my subscription?",
  "The Meeting was moved to next Tuesday.",
  "Error: Connection Timed Out.",
  "It was the best Coffee I ever had.",
  "Our Terms of Service changed last week.",
  "Click Save, then Close the window.",
  "Is the Premium Plan worth it?",
  "The Weather looks Good for the Weekend.",
  "I ordered {N} items and received only two.",
  "Your Order Number is {N}.",
  "Happy New Year to the whole Team!",
  "What is the best way to learn a new language?",
  "I'm not sure this is the right place to ask.",
  "Great Service, Fast Delivery, Highly Recommended!",
  "Does anyone know how to fix this?",
  "The Project Manager will review the Timeline.",
  "Breaking News: Markets Close Higher.",
  "Step 1: Open the App. Step 2: Tap Sign In.",
  "Please find attached the Invoice and the Delivery Note.",
  "I really enjoyed the movie, the Soundtrack was amazing.",
  "My Account was locked after three attempts.",
  "We offer Free Shipping on all Orders over {N} dollars.",
  "Customer Support is available Monday to Friday.",
  "The Results are in Table {N} and Figure {N}.",
  "North and South teams will meet at the Main Hall.",
  "Christmas Eve is my favourite day of the year.",
  "Read Chapter {N} before the Exam.",
];

function pick<T>(f: Faker, xs: readonly T[]): T {
  return xs[f.number.int({ min: 0, max: xs.length - 1 })]!;
}

function fakerFor(name: string, seed: number): Faker {
  const primary = (allLocales as Record<string, LocaleDefinition>)[name]!;
  const f = new Faker({ locale: [primary, allLocales.en, base] });
  f.seed(seed);
  return f;
}

function person(f: Faker): string {
  const first = f.person.firstName();
  const last = f.person.lastName();
  switch (f.number.int({ min: 0, max: 9 })) {
    case 0: return `${first} ${f.string.alpha({ length: 1, casing: "upper" })}. ${last}`;
    case 1: return `${first} ${f.person.middleName()} ${last}`;
    case 2: return `${first} ${f.string.alpha({ length: 1, casing: "upper" })} ${last}`;
    case 3: return `${f.person.firstName()} ${f.person.lastName()}-${f.person.lastName()}`;
    default: return `${first} ${last}`;
  }
}

function org(f: Faker): string {
  switch (f.number.int({ min: 0, max: 6 })) {
    case 0: return `${f.person.lastName()} ${pick(f, ["Inc.", "LLC", "Ltd", "GmbH", "Group", "& Sons", "Partners", "Corp."])}`;
    case 1: return `${pick(f, ["Bank of", "University of", "Hospital of"])} ${f.location.city()}`;
    case 2: return `${f.word.adjective()[0]!.toUpperCase()}${f.word.adjective().slice(1)}${pick(f, ["soft", "tech", "ify", "ly", "corp", "works", "net"])}`;
    default: return f.company.name();
  }
}

function date(f: Faker): string {
  const d = f.date.between({ from: "1950-01-01", to: "2030-12-31" });
  const months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  const m = months[d.getUTCMonth()]!;
  const dd = d.getUTCDate();
  const y = d.getUTCFullYear();
  return pick(f, [`${m} ${dd}, ${y}`, `${dd} ${m} ${y}`, `${y}-${String(d.getUTCMonth() + 1).padStart(2, "0")}-${String(dd).padStart(2, "0")}`, `${d.getUTCMonth() + 1}/${dd}/${y}`, `${m} ${y}`, `${dd}.${d.getUTCMonth() + 1}.${y}`]);
}

function ssn(f: Faker): string {
  const a = f.number.int({ min: 1, max: 899 });
  const area = a === 666 ? 667 : a;
  return `${String(area).padStart(3, "0")}-${String(f.number.int({ min: 1, max: 99 })).padStart(2, "0")}-${String(f.number.int({ min: 1, max: 9999 })).padStart(4, "0")}`;
}

function fillRaw(f: Faker, slot: string): { value: string; type?: string } {
  switch (slot) {
    case "P": return { value: person(f), type: "PERSON" };
    case "F": return { value: f.person.firstName(), type: "PERSON" };
    case "L": return { value: f.person.lastName(), type: "PERSON" };
    case "C": return { value: f.location.city(), type: "LOCATION" };
    case "CO": return { value: f.location.country(), type: "LOCATION" };
    case "ST": return { value: f.location.state(), type: "LOCATION" };
    case "A": return { value: f.location.streetAddress(f.datatype.boolean()), type: "ADDRESS" };
    case "AF": {
      const sep = pick(f, [", ", "\n"]);
      const parts = [f.location.streetAddress(f.datatype.boolean()), `${f.location.city()}${pick(f, [", ", " "])}${f.location.state({ abbreviated: f.datatype.boolean() })} ${f.location.zipCode()}`];
      if (f.datatype.boolean()) parts.push(f.location.country());
      return { value: parts.join(sep), type: "ADDRESS" };
    }
    case "O": return { value: org(f), type: "ORGANIZATION" };
    case "E": return { value: f.internet.email(), type: "EMAIL_ADDRESS" };
    case "PH": return { value: f.phone.number(), type: "PHONE_NUMBER" };
    case "D": return { value: date(f), type: "DATE_TIME" };
    case "N": return { value: String(f.number.int({ min: 2, max: 90 })) };
    case "J": return { value: f.person.jobTitle() };
    case "U": return { value: f.internet.url(), type: "URL" };
    case "CC": return { value: f.finance.creditCardNumber(), type: "CREDIT_CARD" };
    case "IB": return { value: f.finance.iban({ formatted: f.datatype.boolean() }), type: "IBAN_CODE" };
    case "SSN": return { value: ssn(f), type: "US_SSN" };
    case "IP": return { value: f.datatype.boolean() ? f.internet.ipv4() : f.internet.ipv6(), type: "IP_ADDRESS" };
    default: return { value: slot };
  }
}

let english: Faker | undefined;

// Some locales lack some data (states, zip codes); those slots fall back to English.
function fill(f: Faker, slot: string): { value: string; type?: string } {
  try {
    return fillRaw(f, slot);
  } catch {
    english ??= fakerFor("en_US", 99);
    return fillRaw(english, slot);
  }
}

function render(f: Faker, template: string): SynthExample {
  let text = "";
  const spans: SynthSpan[] = [];
  let last = 0;
  let prevAddress = false;
  for (const m of template.matchAll(/\{([A-Z]+)\}/g)) {
    const between = template.slice(last, m.index);
    text += between;
    const { value, type } = fill(f, m[1]!);
    const prev = spans[spans.length - 1];
    // A street address and the city/state/country right after it form one postal address.
    if (prevAddress && type === "LOCATION" && prev && /^[,\s]*$/.test(between)) prev.end = text.length + value.length;
    else if (type) spans.push({ type: type === "ADDRESS" ? "LOCATION" : type, start: text.length, end: text.length + value.length, ...(type === "ADDRESS" ? { address: true } : {}) });
    prevAddress = type === "ADDRESS" || (prevAddress && type === "LOCATION" && /^[,\s]*$/.test(between));
    text += value;
    last = m.index + m[0].length;
  }
  text += template.slice(last);
  return { text, spans };
}

/**
 * `count` examples; about one in six has no entity at all. `part` keeps only even- or odd-numbered
 * templates, so a model trained on one half can be checked on sentences shaped unlike its own.
 */
export function generateExamples(count: number, seed = 1, prose: string[] = [], part?: "even" | "odd"): SynthExample[] {
  const fakers = LOCALES.filter((l) => l in allLocales).map((l, i) => fakerFor(l, seed * 1000 + i));
  const keep = <T>(xs: T[]) => (part ? xs.filter((_, i) => i % 2 === (part === "even" ? 0 : 1)) : xs);
  const templates = keep(TEMPLATES);
  const negatives = keep(NEGATIVES);
  const openers = keep(OPENERS);
  const texts = keep(prose);
  const out: SynthExample[] = [];
  for (let i = 0; i < count; i++) {
    const f = fakers[i % fakers.length]!;
    const negative = f.number.int({ min: 0, max: 5 }) === 0;
    const form = negative || texts.length === 0 ? 0 : f.number.int({ min: 0, max: 7 });
    let template = negative ? pick(f, negatives) : pick(f, templates);
    if (form === 1 || form === 2) {
      const body = pick(f, texts).replace(/[{}]/g, "");
      template = `${pick(f, openers)} ${body[0]!.toLowerCase()}${body.slice(1)}`;
    } else if (form === 3) {
      // An entity inside prose: "... work together with the ..." → "... work together with {P} ...".
      const body = pick(f, texts).replace(/[{}]/g, "");
      const spots = [...body.matchAll(/ (with|for|by|to|from|in|at|of) the /g)];
      if (spots.length) {
        const m = pick(f, spots);
        const slot = PROSE_SLOT[m[1]!]!;
        template = `${body.slice(0, m.index)} ${m[1]} ${pick(f, slot)} ${body.slice(m.index + m[0].length)}`;
      }
    }
    const ex = render(f, template);
    // Some examples get unrelated text around them so that entities are not always at the edges.
    const around = f.number.int({ min: 0, max: 5 });
    if (around === 1 || (around >= 3 && texts.length)) {
      const pre = `${around >= 3 && texts.length ? pick(f, texts) : f.hacker.phrase()} `;
      ex.text = pre + ex.text;
      for (const sp of ex.spans) {
        sp.start += pre.length;
        sp.end += pre.length;
      }
    } else if (around === 2) ex.text += ` ${f.company.catchPhrase()}.`;
    out.push(ex);
  }
  return out;
}
