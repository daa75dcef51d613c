import { describe, expect, it } from 'vitest';
import { parseReplyKeyword } from './stop-words.ts';

describe('parseReplyKeyword', () => {
  it.each([
    ['STOPP', 'stop'],
    ['stop', 'stop'],
    ['  Stopp!  ', 'stop'],
    ['STOP.', 'stop'],
    ['stopp 🙏', 'stop'],
    ['Stopp tack', 'stop'],
    ['STOP sending me these', 'stop'],
    ['STOPALL', 'stop'],
    ['Avsluta', 'stop'],
    ['avsluta min prenumeration', 'stop'],
    ['AVREGISTRERA', 'stop'],
    ['Avanmäl', 'stop'],
    ['AVANMÄL', 'stop'],
    ['unsubscribe', 'stop'],
    ['Nej tack', 'stop'],
    ['NEJ, TACK!', 'stop'],
    ['nejtack', 'stop'],
    ['No thanks', 'stop'],
    ['START', 'start'],
    [' starta ', 'start'],
    ['Start!', 'start'],
  ] as const)('%j is %s', (text, keyword) => {
    expect(parseReplyKeyword(text)).toBe(keyword);
  });

  it.each([
    '',
    '   ',
    '?!',
    'JA',
    'ja tack',
    'Nej',
    'nej tack, jag kommer på torsdag',
    'Please stop',
    'Kan ni sluta skicka',
    'start now',
    'Starta om min bokning',
    'stopwatch',
    'STOPPA',
  ])('%j is no keyword', (text) => {
    expect(parseReplyKeyword(text)).toBeNull();
  });
});
