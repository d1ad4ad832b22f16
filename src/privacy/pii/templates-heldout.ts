// A second held-out set: our own templates in styles the training templates lack (support messages
// of several sentences, chat turns, bank/clinic/school notes, narrative prose, lists, lower-case
// chat, sentences with capitalised words that are not names). NEVER used for training: only
// scripts/pii-heldout2.ts reads them, to score the analyzer on text shaped unlike its training data.
//
// Slots are those of synth.ts and synth-forms.ts ({P} {NAME} {FIRST} {C} {CITY} {ORG} ...), plus
// {SN}, a street name without a house number. A group "[O:...]", "[L:...]", "[A:...]" or "[P:...]"
// is one organisation, place, street or person made of the text and slots inside it (the slots
// inside are not labelled themselves): "[O:{C} Community Credit Union]". A template that starts
// with "lc:" is lower-cased whole after filling.
export const HELDOUT_TEMPLATES = [
  // Customer-support messages of several sentences.
  "Hi there, I placed an order with you on {D} and it still hasn't shown up. The tracking page says it is stuck in {CITY}. Could someone check? Thanks, {FIRST}",
  "Hello Support Team,\n\nMy name is {NAME} and I am writing about invoice {N}. I was charged twice. Please refund the second payment to my card.\n\nKind regards,\n{NAME}",
  "I've been a loyal customer for years but the Premium Plan price increase is too much. Please close my account. The email on file is {E}. - [P:{FIRST} {LAST}]",
  "Good morning. I spoke to {FIRST} on the phone yesterday and she promised a callback within a day. Nobody called. My number is {PH}.",
  "The replacement part arrived broken again. This is the third time! I live on [A:{SN}] and the courier just leaves parcels at the gate. Please send someone who will ring the bell.",
  "Re: Ticket {N}\nThank you for your patience. Our technician {FIRST} will visit you on {D} in the morning. If that does not suit you, reply to this email.\nCustomer Care, {ORG}",
  // Chat turns.
  "{FIRST}: are you still in {CITY}?\n{FIRST}: yes until {WD}, why\n{FIRST}: my cousin {FIRST} lives there, you should meet her",
  "[{TM}] {FIRST}: Landed!!\n[{TM}] {FIRST}: welcome to {COUNTRY} :)\n[{TM}] {FIRST}: taxi or train?",
  "lc:hey {FIRST} its me, i'm stuck at the airport in {CITY}, can u tell {FIRST} i'll be late",
  "lc:lol did you see what {FIRST} posted? she's moving to {COUNTRY} with {FIRST}",
  "lc:ok so the party is at {FIRST}'s place, near the old church on {SN}. bring snacks",
  "lc:just got hired at {ORG}!!! starting {NWD}",
  "User: I need to change the delivery address for my order.\nAgent: Of course. What is the new address?\nUser: {ADDRESS}",
  // Bank, clinic and school notes.
  "Branch note: client {NAME} requested a mortgage statement. Joint account with {NAME}. Referred to the Lending Desk.",
  "Wire transfer of 4,500 EUR from {NAME} to [O:{L} Trading Ltd] in {COUNTRY}, reviewed by Compliance on {D}.",
  "KYC check: {NAME}, born {D}, citizen of {COUNTRY}, residing at {ADDRESS}. Source of funds: salary from {ORG}.",
  "Referral letter\nPatient: {NAME}\nReferred by: Dr. {LAST}, [O:{C} Family Practice]\nReason: persistent headaches, MRI recommended.",
  "Nurse's note: [P:{FIRST} {LAST}] ({AGE}) came in with a sprained ankle after a fall at work. Discharged home with crutches; husband {FIRST} drove her.",
  "Dear Parents, our Year 5 class will visit the science museum in {CITY} on {D}. Please give the signed form to {TITLE} {LAST} by {WD}.",
  "Report card comment: {FIRST} has made excellent progress in Maths and English this term. Well done! - {TITLE} {LAST}, Class Teacher",
  "The parents' committee thanks {NAME} and {NAME} for organising the Spring Fair.",
  // Narrative prose.
  "When {FIRST} finally reached {CITY}, the rain had stopped. She walked along the river to her aunt's house, where {FIRST} was waiting with tea.",
  "My grandfather left {COUNTRY} after the war with nothing but a suitcase. He found work at a shipyard in {CITY} and married my grandmother, {FIRST}, three years later.",
  "Nobody in the village had heard of {NAME} until the newspaper printed his photo. He had lived quietly above the bakery for twenty years.",
  "After the Second World War the family moved from {CITY} to {CITY}, where {FIRST} opened a small shop selling radios.",
  "The detective looked at {FIRST} and said nothing. Outside, a car stopped on [A:{SN}] and two men got out.",
  "It was {FIRST}'s idea to drive across {STATE} in an old van. We slept in parking lots and ate at every diner we found.",
  // Lists.
  "Attendees:\n- {NAME} ({ORG})\n- {NAME} ({ORG})\n- {NAME}\nApologies: {NAME}",
  "Shopping list for the trip to {CITY}:\n1. sunscreen\n2. adapter plugs\n3. a gift for {FIRST}",
  "Emergency contacts\n{NAME} - {PH}\n{NAME} - {PH}",
  "Speakers: {NAME} ({ORG}), {NAME} ({ORG}) and {NAME} (independent).",
  "Offices: {CITY}, {CITY}, {CITY} and {CITY}.",
  // Long sentences with several entities.
  "Last spring {NAME}, who had just left {ORG}, flew from {CITY} to {CITY} to meet {NAME} and sign the deal with {ORG} before the board in {COUNTRY} could object.",
  "The report, written by {NAME} and reviewed by {NAME} of {ORG}, covers the offices in {CITY}, {CITY} and {COUNTRY}.",
  "Between {D} and {D}, {FIRST} worked for {ORG} in {CITY}, then for {ORG} in {CITY}, before settling in {COUNTRY}.",
  // Capitalised words that are not names or places.
  "The Customer Success Team reviewed your Premium Account and the Billing Department will contact {FIRST} soon.",
  "Please read the Terms and Conditions before you click Accept. Questions? Ask {FIRST} in Human Resources.",
  "Our Annual General Meeting is on {D}. The Chief Financial Officer, {NAME}, will present the Budget.",
  "Error 404: Page Not Found. Contact the IT Help Desk or {E}.",
  "I Love This Product! Five Stars. Fast Shipping. Will Buy Again.",
  "The Wi-Fi Password is on the Fridge. Kitchen closes at Midnight.",
  "Winter Sale: up to 50% off all Jackets and Boots. Offer ends {WD}.",
  // Nationalities and job titles next to names.
  "The {NAT} {J} {NAME} was awarded the prize for her work on renewable energy.",
  "{J} {NAME} said the new policy would affect thousands of families in {STATE}.",
  "We hired a {NAT} chef, [P:{FIRST} {LAST}], who used to cook in {CITY}.",
  "According to {NAT} officials, {NAME} left {COUNTRY} on {D}.",
  "Senior Software Engineer {NAME} joined the {ORG} team in {CITY}.",
  // Organisations with place words in their names.
  "I have an account with [O:{C} Community Credit Union] and another with [O:Bank of {CO}].",
  "The contract went to [O:{ST} Power and Light], not to [O:{C} Water Authority].",
  "She studied nursing at [O:University of {C}] and now works at [O:{C} General Hospital].",
  "Tickets for [O:{C} City FC] against [O:{C} United] sold out in an hour.",
  "[O:North {C} Dental Clinic] moved to a bigger building next to the station.",
  // Streets without house numbers, places in running text.
  "The café on [A:{SN}] closed last year; the new one is around the corner from [A:{SN}].",
  "Traffic on [A:{SN}] is blocked because of the parade, take the bridge instead.",
  "We live in a quiet neighbourhood north of {CITY}, about an hour from the coast of {STATE}.",
  "The flight to {CITY} was delayed, so {FIRST} spent the night in {CITY}.",
  "Is it true that {ORG} is closing the factory in {CITY}? My brother {FIRST} works there.",
  // Mixed records.
  "Visitor log {D}: {NAME}, company {ORG}, host {NAME}, badge {N}.",
  "Claim {N}: vehicle damaged in {CITY} on {D}. Driver: {NAME}. Witness: {NAME}, {PH}.",
  "Tenant: {NAME}\nProperty: {ADDRESS}\nLandlord: {ORG}\nRent due: {D}",
  "lc:my name is {NAME} and i need help, my account at {ORG} was locked after i moved to {CITY}",
  "Thanks again for dinner on {WD}! {FIRST} and I loved the food. Say hi to {FIRST} and the kids.",
];
