/**
 * SMS reply keywords. Stop is read generously, start strictly, because a
 * missed "STOPP" keeps texting someone who said no (Marknadsföringslagen
 * 19 § requires an easy way to refuse), while a misread "start" would grant
 * consent nobody gave.
 *
 * - stop: STOPP, STOP, STOPALL, AVSLUTA, AVREGISTRERA, AVANMÄL, UNSUBSCRIBE
 *   as the whole message or its first word ("Stopp tack", "STOP sending");
 *   NEJ TACK and NO THANKS only as the whole message, since "nej" alone
 *   usually answers a question.
 * - start: START or STARTA only as the whole message. JA is not start: it is
 *   how people answer "Kan du komma?" and would read as a marketing opt-in.
 * Case, surrounding whitespace and punctuation/emoji are ignored. Anything
 * else is null and belongs in a person's inbox, not an automaton's.
 */
const STOP_WORDS = new Set(['stopp', 'stop', 'stopall', 'avsluta', 'avregistrera', 'avanmäl', 'unsubscribe']);
const STOP_PHRASES = new Set(['nej tack', 'nejtack', 'no thanks', 'no thank you']);
const START_PHRASES = new Set(['start', 'starta']);

export type ReplyKeyword = 'stop' | 'start';

export function parseReplyKeyword(text: string): ReplyKeyword | null {
  const words = text
    .normalize('NFKC')
    .toLocaleLowerCase('sv')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter((w) => w !== '');
  if (words.length === 0) return null;
  const whole = words.join(' ');
  if (STOP_WORDS.has(words[0]) || STOP_PHRASES.has(whole)) return 'stop';
  if (START_PHRASES.has(whole)) return 'start';
  return null;
}
