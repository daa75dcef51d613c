/**
 * Common given and family names (folded) in Sweden's population, Swedish and
 * of the largest foreign-born groups. similarity.ts uses the lists to tell a
 * typo from a different name: "Marie" and "Maria", "Johan" and "Johanna",
 * "Johansson" and "Jonsson" look like small typos but name different people,
 * and twins or siblings share everything else. A name outside the lists is
 * more likely a typo and gets the benefit of the doubt.
 */
const GIVEN = `
anna eva maria karin kristina lena sara emma kerstin ingrid marie malin jenny linnea ebba elsa alice maja wilma
astrid agnes saga asa marta birgitta margareta elisabet ulla helena johanna ida frida sofia julia hanna ellen
linda camilla inger gunilla britt solveig signe stina cecilia annika ylva tove gota lovisa louise elin klara
matilda emelie amanda josefin sanna therese jessica sandra caroline charlotte lisa nora vera ella freja olivia
stella selma ester alva elvira ines isabella liv molly tilda thea tyra leah ronja vilma siri nova juni majken
gunnel gun barbro monica marianne ann anne annelie annette anette jeanette yvonne susanne sonja viola irene
ingela ingegerd ingeborg ulrika elisabeth helen carina catarina katarina kristin petra pernilla maria marita
rut ruth greta gerd gudrun ragnhild hillevi mona eva lotta ewa agneta berit elsie dagny doris edit ellinor
emilia erika fanny felicia filippa gabriella hedvig hilda hilma ingeborg isabelle jennifer jonna josefine
karolina katrin kim lina linn lisen liselotte lovis madeleine maj mikaela minna miriam my nathalie nellie
paula pia rebecka rebecca rosa sabina sally sigrid stefanie susanna tina tuva tindra ulla vanja veronica
victoria viktoria wilhelmina yasmin alma
lars karl anders johan per erik mikael nils jan hans peter olof lennart gunnar sven fredrik bengt bo ake goran
bjorn stefan mats magnus oskar william liam hugo lucas elias noah adam axel filip viktor gustav emil anton
sebastian jonas daniel martin andreas ulf leif kjell rolf hakan orjan jorgen thomas tomas christer kent
roger roland lars kenneth tommy mattias marcus markus patrik niklas henrik alexander robert david simon
jakob isak ludvig oliver arvid vincent theo leo alfred olle nils edvin viggo melvin love sixten harry frans
albin alvin elton charlie colin casper vidar walter ebbe sam tage ture torsten stig sture bertil arne rune
gosta ingvar evert allan birger ragnar sune valter folke holger ivar knut einar helge hakon rasmus jesper
joel johannes jonathan josef kevin kristoffer kristian linus marcus max milo neo otto rickard robin rikard
ronny tobias tim ola ove owe curt kurt jimmy dennis conny krister lage lage bernt benny boris bruno carl
christian claes dag egon erling eskil gert glenn gustaf hampus harald herbert hjalmar inge jarl johnny
joakim jorgen jonny kaj lennart magnus mauritz morgan mathias oscar paul pontus sigvard staffan sten svante
thor tor torbjorn urban uno werner yngve
sarah emily laura rachel claire grace john michael george james
fatima aisha mariam noor layla zainab amira rania huda mohammed ahmed ali omar hassan yousef khaled ibrahim
karim samir hussein abdullah khalil haddad saleh tuula paivi anneli marjatta sirpa riitta leena aino satu
hannele mikko juha timo jari pekka matti antti kari esa heikki hodan amina fadumo hawa sahra ifrah ayaan hibo
ladan nimco abdi mohamed abdirahman abdullahi yusuf mahad liban maryam shirin parisa leila nasrin azadeh roya
mina fereshteh reza mehdi amir hossein dariush babak kian arash navid
`;

const FAMILY = `
andersson johansson karlsson nilsson eriksson larsson olsson persson svensson gustafsson pettersson jonsson
jansson hansson bengtsson lindberg jakobsson magnusson lindstrom olofsson lindqvist lindgren berg axelsson
bergstrom lundberg lind lundgren lundqvist mattsson berglund fredriksson sandberg henriksson forsberg sjoberg
wallin engstrom eklund danielsson lundin hakansson bjork bergman gunnarsson holm wikstrom samuelsson isaksson
fransson bergqvist nystrom holmberg arvidsson lofgren soderberg nyberg blomqvist claesson nordstrom
martensson lundstrom viklund bjorklund eliasson palsson berggren sandstrom nordin strom aberg hermansson
ekstrom holmgren sundberg dahlberg oberg hedlund sjogren abrahamsson martinsson andreasson mansson
stromberg akesson jonasson hedberg sjostrom lundell lundh nordqvist nordlund lindholm falk ek hellstrom
ali mohammed ahmed hassan hussein ibrahim abdullah khalil haddad saleh virtanen korhonen makinen nieminen
makela hamalainen laine heikkinen koskinen jarvinen abdi mohamed warsame farah osman jama aden hersi ahmadi
hosseini mohammadi rezaei karimi moradi jafari rahimi sadeghi tehrani smith jones williams brown taylor
wilson davies evans johnson miller
`;

const words = (text: string): Set<string> => new Set(text.split(/\s+/).filter((n) => n !== ''));
const knownGiven = words(GIVEN);
const knownFamily = words(FAMILY);

/** Whether a folded given name is a common name in its own right. */
export function isKnownGivenName(folded: string): boolean {
  return knownGiven.has(folded);
}

/** Whether a folded, space-free family name is a common name in its own right. */
export function isKnownFamilyName(compact: string): boolean {
  return knownFamily.has(compact);
}

/**
 * A sound-alike key: spellings a clerk writes interchangeably (w/v, c/k, ph/f,
 * th/t, z/s, qv/kv, doubled letters) give the same key, so Wilma and Vilma or
 * Carlsson and Karlsson are a variant, not a different name.
 */
export function soundKey(folded: string): string {
  return folded
    .replace(/qu/g, 'kv')
    .replace(/ch|ck|c|q/g, 'k')
    .replace(/ph/g, 'f')
    .replace(/th/g, 't')
    .replace(/w/g, 'v')
    .replace(/z/g, 's')
    .replace(/x/g, 'ks')
    .replace(/(.)\1+/g, '$1');
}
