import { type Rng, Weighted } from './prng.ts';

// Common names in Sweden (SCB name statistics list these among the most frequent),
// plus names of other origins so that the preferred language and the name agree.

export type Language = 'sv' | 'en' | 'ar' | 'fi' | 'so' | 'fa';

const words = (text: string): readonly string[] => text.split(' ');

interface NameSet {
  female: readonly string[];
  male: readonly string[];
  family: readonly string[];
}

const SWEDISH: NameSet = {
  female: words(
    'Anna Eva Maria Karin Kristina Lena Sara Emma Kerstin Ingrid Marie Malin Jenny Linnéa Ebba Elsa Alice Maja Wilma Astrid Agnes Saga Åsa Märta Birgitta Margareta Elisabeth Ulla Helena Johanna Ida Frida Sofia Julia Hanna Ellen Linda Camilla Inger Gunilla Britt Solveig Signe Stina Cecilia Annika Ylva Tove Göta Lovisa',
  ),
  male: words(
    'Lars Karl Anders Johan Per Erik Mikael Nils Jan Hans Peter Olof Lennart Gunnar Sven Fredrik Bengt Bo Åke Göran Björn Stefan Mats Magnus Oskar William Liam Hugo Lucas Elias Noah Adam Axel Filip Viktor Gustav Emil Anton Sebastian Jonas Daniel Martin Andreas Ulf Leif Kjell Rolf Håkan Örjan Jörgen',
  ),
  family: words(
    'Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson Pettersson Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson Magnusson Lindström Olofsson Lindqvist Lindgren Berg Axelsson Bergström Lundberg Lind Lundgren Lundqvist Mattsson Berglund Fredriksson Sandberg Henriksson Forsberg Sjöberg Wallin Engström Eklund Danielsson Lundin Håkansson Björk Bergman Gunnarsson Holm Wikström Samuelsson Isaksson Fransson Bergqvist Nyström Holmberg Arvidsson Löfgren Söderberg Nyberg Blomqvist Claesson Nordström Mårtensson Lundström Viklund Björklund Eliasson Pålsson Berggren Sandström Nordin Ström Åberg Hermansson Ekström Holmgren Sundberg Dahlberg Öberg Hedlund Sjögren',
  ),
};

const OTHER: Record<Exclude<Language, 'sv'>, NameSet> = {
  ar: {
    female: words('Fatima Aisha Mariam Noor Layla Zainab Yasmin Amira Rania Huda'),
    male: words('Mohammed Ahmed Ali Omar Hassan Yousef Khaled Ibrahim Karim Samir'),
    family: words('Ali Mohammed Ahmed Hassan Hussein Ibrahim Abdullah Khalil Haddad Saleh'),
  },
  fi: {
    female: words('Tuula Päivi Anneli Marjatta Sirpa Riitta Leena Aino Satu Hannele'),
    male: words('Mikko Juha Timo Jari Pekka Matti Antti Kari Esa Heikki'),
    family: words('Virtanen Korhonen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen Järvinen'),
  },
  so: {
    female: words('Hodan Amina Fadumo Hawa Sahra Ifrah Ayaan Hibo Ladan Nimco'),
    male: words('Abdi Mohamed Abdirahman Abdullahi Hassan Ahmed Yusuf Omar Mahad Liban'),
    family: words('Abdi Mohamed Ali Hassan Warsame Farah Osman Jama Aden Hersi'),
  },
  fa: {
    female: words('Maryam Shirin Parisa Leila Sara Nasrin Azadeh Roya Mina Fereshteh'),
    male: words('Reza Ali Mehdi Amir Hossein Dariush Babak Kian Arash Navid'),
    family: words('Ahmadi Hosseini Mohammadi Rezaei Karimi Moradi Jafari Rahimi Sadeghi Tehrani'),
  },
  en: {
    female: words('Sarah Emily Jessica Laura Rachel Emma Hannah Claire Olivia Grace'),
    male: words('James John David Michael Thomas Daniel Robert Christopher George Paul'),
    family: words('Smith Jones Williams Brown Taylor Wilson Davies Evans Johnson Miller'),
  },
};

export const LANGUAGE_DISPLAY: Record<Language, string> = {
  sv: 'svenska',
  en: 'engelska',
  ar: 'arabiska',
  fi: 'finska',
  so: 'somaliska',
  fa: 'persiska',
};

// Preferred language of care; Sweden registers no language, so these shares are an
// assumption informed by the largest foreign-born groups (Syria/Iraq, Finland, Somalia, Iran).
const LANGUAGES = new Weighted<Language>([
  ['sv', 91],
  ['ar', 3.5],
  ['fi', 1.8],
  ['en', 1.5],
  ['fa', 1.2],
  ['so', 1],
]);

const ORIGINS = ['ar', 'fi', 'so', 'fa', 'en'] as const;

export interface PersonName {
  given: string[];
  family: string;
  language: Language;
}

export function pickLanguage(rng: Rng): Language {
  return LANGUAGES.pick(rng);
}

/** A name consistent with the language; 8 % of Swedish speakers carry a name of other origin. */
export function pickName(rng: Rng, male: boolean, language: Language): PersonName {
  const origin = language !== 'sv' ? OTHER[language] : rng.chance(0.08) ? OTHER[rng.pick(ORIGINS)] : SWEDISH;
  const givenPool = male ? origin.male : origin.female;
  const given = [rng.pick(givenPool)];
  // Two given names are common in Sweden.
  if (origin === SWEDISH && rng.chance(0.35)) {
    const second = rng.pick(givenPool);
    if (second !== given[0]) given.push(second);
  }
  return { given, family: rng.pick(origin.family), language };
}

export function pickSwedishName(rng: Rng, male: boolean): PersonName {
  const pool = male ? SWEDISH.male : SWEDISH.female;
  return { given: [rng.pick(pool)], family: rng.pick(SWEDISH.family), language: 'sv' };
}

/** ASCII local part for e-mail addresses (å/ä→a, ö→o, é→e). */
export function asciiLower(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]/g, '');
}
