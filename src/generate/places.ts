// Regions, municipalities and postal codes. Populations (thousands, rounded) only weight
// where patients live; postal ranges are the real ranges of each post town, which is
// what address validation and geographic segments look at.

export interface Region {
  key: string;
  name: string;
  /** Organisationsnummer without its check digit; the HSA-id prefix is SE + the full number. */
  orgBase: string;
  hospital: string;
  hospitalTown: string;
  hospitalPostal: number;
}

export interface Municipality {
  name: string;
  postTown: string;
  region: string;
  population: number;
  postal: readonly [number, number];
  /** Districts that get a vårdcentral named after them. */
  centres: readonly string[];
}

// biome-ignore format: one row per region reads as a table
export const REGIONS: readonly Region[] = [
  { key: 'AB', name: 'Region Stockholm', orgBase: '232100001', hospital: 'Karolinska Universitetssjukhuset', hospitalTown: 'Solna', hospitalPostal: 17176 },
  { key: 'C', name: 'Region Uppsala', orgBase: '232100002', hospital: 'Akademiska sjukhuset', hospitalTown: 'Uppsala', hospitalPostal: 75185 },
  { key: 'D', name: 'Region Sörmland', orgBase: '232100003', hospital: 'Mälarsjukhuset', hospitalTown: 'Eskilstuna', hospitalPostal: 63188 },
  { key: 'E', name: 'Region Östergötland', orgBase: '232100004', hospital: 'Universitetssjukhuset i Linköping', hospitalTown: 'Linköping', hospitalPostal: 58185 },
  { key: 'F', name: 'Region Jönköpings län', orgBase: '232100005', hospital: 'Länssjukhuset Ryhov', hospitalTown: 'Jönköping', hospitalPostal: 55185 },
  { key: 'G', name: 'Region Kronoberg', orgBase: '232100006', hospital: 'Centrallasarettet Växjö', hospitalTown: 'Växjö', hospitalPostal: 35185 },
  { key: 'H', name: 'Region Kalmar län', orgBase: '232100007', hospital: 'Länssjukhuset i Kalmar', hospitalTown: 'Kalmar', hospitalPostal: 39185 },
  { key: 'I', name: 'Region Gotland', orgBase: '212000080', hospital: 'Visby lasarett', hospitalTown: 'Visby', hospitalPostal: 62184 },
  { key: 'K', name: 'Region Blekinge', orgBase: '232100008', hospital: 'Blekingesjukhuset', hospitalTown: 'Karlskrona', hospitalPostal: 37185 },
  { key: 'M', name: 'Region Skåne', orgBase: '232100025', hospital: 'Skånes universitetssjukhus', hospitalTown: 'Malmö', hospitalPostal: 20502 },
  { key: 'N', name: 'Region Halland', orgBase: '232100011', hospital: 'Hallands sjukhus Halmstad', hospitalTown: 'Halmstad', hospitalPostal: 30185 },
  { key: 'O', name: 'Västra Götalandsregionen', orgBase: '232100013', hospital: 'Sahlgrenska Universitetssjukhuset', hospitalTown: 'Göteborg', hospitalPostal: 41345 },
  { key: 'S', name: 'Region Värmland', orgBase: '232100015', hospital: 'Centralsjukhuset Karlstad', hospitalTown: 'Karlstad', hospitalPostal: 65185 },
  { key: 'T', name: 'Region Örebro län', orgBase: '232100016', hospital: 'Universitetssjukhuset Örebro', hospitalTown: 'Örebro', hospitalPostal: 70185 },
  { key: 'U', name: 'Region Västmanland', orgBase: '232100017', hospital: 'Västmanlands sjukhus Västerås', hospitalTown: 'Västerås', hospitalPostal: 72189 },
  { key: 'W', name: 'Region Dalarna', orgBase: '232100018', hospital: 'Falu lasarett', hospitalTown: 'Falun', hospitalPostal: 79182 },
  { key: 'X', name: 'Region Gävleborg', orgBase: '232100019', hospital: 'Gävle sjukhus', hospitalTown: 'Gävle', hospitalPostal: 80187 },
  { key: 'Y', name: 'Region Västernorrland', orgBase: '232100020', hospital: 'Sundsvalls sjukhus', hospitalTown: 'Sundsvall', hospitalPostal: 85186 },
  { key: 'Z', name: 'Region Jämtland Härjedalen', orgBase: '232100021', hospital: 'Östersunds sjukhus', hospitalTown: 'Östersund', hospitalPostal: 83183 },
  { key: 'AC', name: 'Region Västerbotten', orgBase: '232100022', hospital: 'Norrlands universitetssjukhus', hospitalTown: 'Umeå', hospitalPostal: 90185 },
  { key: 'BD', name: 'Region Norrbotten', orgBase: '232100023', hospital: 'Sunderby sjukhus', hospitalTown: 'Luleå', hospitalPostal: 97180 },
];

const m = (
  name: string,
  region: string,
  population: number,
  postal: readonly [number, number],
  centres: readonly string[],
  postTown = name,
): Municipality => ({ name, postTown, region, population, postal, centres });

// biome-ignore format: one row per municipality reads as a table
export const MUNICIPALITIES: readonly Municipality[] = [
  m('Stockholm', 'AB', 985, [11120, 12999], ['Rinkeby', 'Odenplan', 'Liljeholmen', 'Skärholmen', 'Farsta', 'Kungsholmen', 'Södermalm']),
  m('Huddinge', 'AB', 115, [14100, 14199], ['Flemingsberg', 'Skogås']),
  m('Nacka', 'AB', 108, [13100, 13299], ['Nacka', 'Fisksätra']),
  m('Solna', 'AB', 85, [16900, 17199], ['Solna', 'Bergshamra']),
  m('Södertälje', 'AB', 101, [15100, 15299], ['Södertälje', 'Ronna']),
  m('Täby', 'AB', 74, [18300, 18799], ['Täby centrum', 'Gribbylund']),
  m('Norrtälje', 'AB', 64, [76100, 76199], ['Norrtälje']),
  m('Uppsala', 'C', 245, [75100, 75699], ['Gottsunda', 'Gränby', 'Eriksberg', 'Sävja', 'Luthagen']),
  m('Enköping', 'C', 47, [74500, 74599], ['Enköping']),
  m('Eskilstuna', 'D', 108, [63200, 63599], ['Fröslunda', 'Skiftinge', 'Eskilstuna']),
  m('Linköping', 'E', 167, [58100, 58999], ['Ryd', 'Skäggetorp', 'Lambohov', 'Ekholmen']),
  m('Norrköping', 'E', 145, [60000, 60599], ['Hageby', 'Kneippen', 'Navestad']),
  m('Jönköping', 'F', 145, [55100, 55699], ['Råslätt', 'Öxnehaga', 'Tenhult']),
  m('Växjö', 'G', 97, [35100, 35299], ['Teleborg', 'Araby']),
  m('Kalmar', 'H', 72, [39100, 39399], ['Kalmar', 'Lindsdal']),
  m('Gotland', 'I', 61, [62100, 62199], ['Visby'], 'Visby'),
  m('Karlskrona', 'K', 67, [37100, 37199], ['Karlskrona']),
  m('Malmö', 'M', 360, [21100, 21899], ['Rosengård', 'Limhamn', 'Husie', 'Lindängen', 'Möllevången']),
  m('Lund', 'M', 129, [22100, 22799], ['Linero', 'Nöbbelöv', 'Södertull']),
  m('Helsingborg', 'M', 151, [25000, 25699], ['Drottninghög', 'Närlunda']),
  m('Kristianstad', 'M', 87, [29100, 29199], ['Kristianstad']),
  m('Halmstad', 'N', 106, [30200, 30299], ['Halmstad', 'Andersberg']),
  m('Varberg', 'N', 67, [43200, 43299], ['Varberg']),
  m('Göteborg', 'O', 600, [41100, 41899], ['Angered', 'Frölunda', 'Majorna', 'Backa', 'Kortedala', 'Gamlestaden']),
  m('Borås', 'O', 114, [50100, 50799], ['Borås', 'Hässleholmen']),
  m('Trollhättan', 'O', 59, [46100, 46199], ['Trollhättan']),
  m('Skövde', 'O', 57, [54100, 54199], ['Skövde']),
  m('Karlstad', 'S', 95, [65200, 65699], ['Kronoparken', 'Skåre']),
  m('Örebro', 'T', 160, [70200, 70399], ['Brickebacken', 'Varberga', 'Vivalla']),
  m('Västerås', 'U', 158, [72100, 72599], ['Bäckby', 'Skultuna', 'Råby']),
  m('Falun', 'W', 59, [79100, 79199], ['Falun']),
  m('Borlänge', 'W', 52, [78100, 78499], ['Borlänge']),
  m('Gävle', 'X', 104, [80200, 80699], ['Sätra', 'Strömsbro', 'Brynäs']),
  m('Sundsvall', 'Y', 99, [85100, 85799], ['Sundsvall', 'Nacksta']),
  m('Östersund', 'Z', 65, [83100, 83199], ['Östersund', 'Lugnvik']),
  m('Umeå', 'AC', 132, [90100, 90799], ['Ålidhem', 'Teg', 'Mariehem']),
  m('Skellefteå', 'AC', 75, [93100, 93199], ['Skellefteå']),
  m('Luleå', 'BD', 79, [97100, 97799], ['Hertsön', 'Björkskatan', 'Örnäset']),
  m('Piteå', 'BD', 42, [94100, 94199], ['Piteå']),
  m('Boden', 'BD', 28, [96100, 96199], ['Boden']),
  m('Kiruna', 'BD', 22, [98100, 98199], ['Kiruna']),
];

// biome-ignore format: a word list
export const STREETS: readonly string[] = [
  'Storgatan', 'Kyrkogatan', 'Drottninggatan', 'Kungsgatan', 'Skolgatan', 'Järnvägsgatan', 'Parkvägen',
  'Björkvägen', 'Ringvägen', 'Stationsvägen', 'Tallvägen', 'Granvägen', 'Lärkvägen', 'Bäckvägen',
  'Ängsvägen', 'Hagavägen', 'Sjövägen', 'Trädgårdsgatan', 'Nygatan', 'Åsvägen', 'Smedjegatan',
  'Ekvägen', 'Solvägen', 'Vallgatan', 'Södra vägen', 'Norra Storgatan', 'Östra Långgatan', 'Västra Ringvägen',
  'Fältvägen', 'Körsbärsvägen',
];

/** Swedish postal codes are written "NNN NN". */
export function formatPostalCode(code: number): string {
  const s = String(code);
  return `${s.slice(0, 3)} ${s.slice(3)}`;
}
