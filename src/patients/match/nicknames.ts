/**
 * Given-name equivalences on folded names (see foldName). Two kinds, scored
 * differently by similarity.ts: spelling variants are the same name written
 * differently (Carl/Karl, Elisabeth/Elizabeth) and compare as equal; a
 * nickname (Kalle, Bill) only says the person may be registered under the
 * canonical name, so it compares as likely rather than certain. Names that are
 * common registered names in their own right (Elsa, Liam, Mats, Lena, Greta)
 * are left out: mapping them would make distinct people look alike. Stina,
 * Lisa and Maja are kept although they are also registered names, because a
 * nickname match is never enough on its own: every rule also needs a shared
 * e-mail, phone or address and an agreeing birth date.
 */

// Canonical first; every spelling in a group folds to it.
const VARIANT_GROUPS: readonly string[] = [
  'karl carl',
  'mikael michael mickael michel mikail',
  'kristoffer christoffer christopher kristofer cristopher',
  'kristina christina',
  'kristian christian',
  'katarina katharina catharina catarina catherine katherine kathryn catherina',
  'elisabet elisabeth elizabeth',
  'erik eric',
  'fredrik fredric frederik frederick fredrick',
  'gustav gustaf',
  'oskar oscar',
  'olof olov olaf olav',
  'mattias matthias mathias matias',
  'markus marcus',
  'niklas nicklas niclas nikolas nicolas nicholas',
  'jakob jacob',
  'josef joseph',
  'tomas thomas',
  'teodor theodor',
  'filip philip phillip',
  'viktor victor',
  'viktoria victoria',
  'rebecka rebecca rebekka',
  'sofia sophia',
  'josefin josefine josephine',
  'cecilia cecelia',
  'ulrika ulrica',
  'henrik henric',
  'ludvig ludwig',
  'teresa theresa therese',
  'stefan steffan stephan',
  'anette annette',
  'jeanette jannette',
  'emelie emilie',
  'isak isaac isac',
  'isabella izabella',
  'alexander aleksander',
  'alexandra aleksandra',
  'hanna hannah',
  'sara sarah',
  'edvard edward',
  'margareta margaretha margaret margarete',
  'susanne suzanne susann',
  'mohammed mohammad muhammad mohamed mohamad muhammed',
  'ahmed ahmad',
  'yousef yusuf yousif youssef',
  'hussein husain hussain hossein',
  'mariam maryam',
  'layla leila laila leyla',
  'aisha aysha ayesha',
  'omar umar',
  'hassan hasan',
  'ibrahim ebrahim',
  'khaled khalid',
  'samir sameer',
];

// Nickname → the canonical names it is short for (some are ambiguous: Chris).
const NICKNAME_GROUPS: Record<string, string> = {
  karl: 'kalle',
  lars: 'lasse',
  bo: 'bosse',
  per: 'pelle perra',
  jan: 'janne',
  nils: 'nisse',
  olof: 'olle',
  kristina: 'kicki kikki stina',
  elisabet: 'lisa lisbet lisbeth bettan betty beth liz lizzie lizzy betsy libby',
  maria: 'maja majken',
  susanne: 'sussie sussi susie sue',
  mikael: 'micke mikke mike mikey mick micky',
  joakim: 'jocke',
  fredrik: 'fredde fred freddie freddy',
  torsten: 'totte',
  birgitta: 'gittan bibbi bigge',
  mattias: 'matte matt',
  william: 'bill billy will willy willie',
  robert: 'bob bobby rob robbie robban',
  james: 'jim jimmy jamie',
  david: 'dave davy',
  tomas: 'tom tommy tompa',
  kristoffer: 'chris',
  kristian: 'chris',
  katarina: 'kate katie kathy cathy kattis',
  margareta: 'maggan maggie meg peggy',
  alfred: 'affe',
  gustav: 'guffe gurra gugge',
  ludvig: 'ludde',
  tobias: 'tobbe',
  jonatan: 'jonte',
  kenneth: 'kenta',
  stefan: 'steffe steve',
  sven: 'svenne',
  niklas: 'nicke nick',
  daniel: 'danne dan danny',
  anders: 'ante andy',
  andreas: 'andy',
  ulf: 'ulle',
  bengt: 'bengan benke benny',
  bertil: 'berra',
  hans: 'hasse',
  kjell: 'kjelle',
  leif: 'leffe',
  magnus: 'mange',
  markus: 'mackan',
  rolf: 'rolle roffe',
  charlotte: 'lotta lotte',
  anna: 'annie',
  alexander: 'alex',
  alexandra: 'alex',
  samuel: 'sam sammy',
  benjamin: 'ben benny',
  anton: 'tony',
  peter: 'pete',
  edvard: 'ed eddie ted',
  henrik: 'henke',
  rebecka: 'becky',
  viktoria: 'vicky',
  jessica: 'jessie',
  jennifer: 'jen',
  abigail: 'abby',
  john: 'johnny jack',
  johan: 'jojje',
  georg: 'jojje',
  patrik: 'patte',
  mohammed: 'mo',
};

const canonicalOf = new Map<string, string>();
for (const group of VARIANT_GROUPS) {
  const [canonical, ...others] = group.split(' ');
  for (const name of others) canonicalOf.set(name, canonical);
}

const nicknameTargets = new Map<string, string[]>();
const nicknamesOf = new Map<string, string[]>();
for (const [canonical, list] of Object.entries(NICKNAME_GROUPS)) {
  const nicks = list.split(' ');
  nicknamesOf.set(canonical, nicks);
  for (const nick of nicks) {
    const targets = nicknameTargets.get(nick) ?? [];
    targets.push(canonical);
    nicknameTargets.set(nick, targets);
  }
}

/** The canonical spelling of a folded given name (carl → karl); unknown names are returned unchanged. */
export function canonicalGivenName(folded: string): string {
  return canonicalOf.get(folded) ?? folded;
}

/** Canonical names a folded nickname is short for (kalle → [karl]); empty for names that are not nicknames. */
export function nicknameFor(folded: string): readonly string[] {
  return nicknameTargets.get(folded) ?? [];
}

/** Known nicknames of a canonical given name (karl → [kalle, …]). */
export function nicknamesOfName(canonical: string): readonly string[] {
  return nicknamesOf.get(canonical) ?? [];
}
