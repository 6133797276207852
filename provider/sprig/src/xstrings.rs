//! huandu/xstrings' case conversions as Sprig 3.2.3 vendors them: `camelcase`, `snakecase`,
//! `kebabcase` (a word tokenizer over upper-case, alphabet, number, connector and punctuation
//! runs), and `shuffle`.

use rand::seq::SliceRandom;

use crate::args::Args;
use crate::unicode::{is_letter, is_number, is_punct, is_space, is_upper, to_lower, to_upper};
use crate::{Reg, vs};

pub(crate) fn register(r: &mut Reg) {
    r.add("camelcase", |a: &Args| {
        a.exact(1)?;
        Ok(vs(to_camel_case(a.str(0)?)))
    });
    r.add("snakecase", |a| {
        a.exact(1)?;
        Ok(vs(camel_to_lower(a.str(0)?, '_')))
    });
    r.add("kebabcase", |a| {
        a.exact(1)?;
        Ok(vs(camel_to_lower(a.str(0)?, '-')))
    });
    r.add("shuffle", |a| {
        a.exact(1)?;
        let mut chars: Vec<char> = a.str(0)?.chars().collect();
        chars.shuffle(&mut rand::rng());
        Ok(vs(chars.into_iter().collect::<String>()))
    });
}

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || is_space(c)
}

/// xstrings' `isAlphabet`: a letter that is not CJK.
fn is_alphabet(c: char) -> bool {
    if !is_letter(c) {
        return false;
    }
    !matches!(c as u32, 0x2E80..=0x2FDF | 0x3040..=0x30FF | 0x3100..=0x31BF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn to_camel_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let mut i = 0;
    let mut r0 = '\0';
    while i < chars.len() {
        r0 = chars[i];
        i += 1;
        if !is_connector(r0) {
            r0 = to_upper(r0);
            break;
        }
        out.push(r0);
    }
    if i >= chars.len() {
        // xstrings writes the last rune again when the text is all connectors ("_" → "__").
        out.push(r0);
        return out;
    }
    while i < chars.len() {
        let r1 = r0;
        r0 = chars[i];
        i += 1;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            r0 = to_upper(r0);
        } else {
            r0 = to_lower(r0);
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Word {
    Invalid,
    Number,
    Upper,
    Alphabet,
    Connector,
    Punct,
    Other,
}

/// xstrings' `nextWord`: the type and length (in runes) of the word at the start of `s`.
fn next_word(s: &[char]) -> (Word, usize) {
    if s.is_empty() {
        return (Word::Invalid, 0);
    }
    let r = s[0];
    let mut n = 1;
    let wt;
    if is_connector(r) {
        wt = Word::Connector;
        while n < s.len() && is_connector(s[n]) {
            n += 1;
        }
    } else if is_punct(r) {
        wt = Word::Punct;
        while n < s.len() && is_punct(s[n]) {
            n += 1;
        }
    } else if is_upper(r) {
        wt = Word::Upper;
        if n < s.len() {
            let r2 = s[n];
            if is_upper(r2) {
                n += 1;
                while n < s.len() && is_upper(s[n]) {
                    n += 1;
                }
                if n < s.len() && is_alphabet(s[n]) {
                    n -= 1;
                }
            } else if is_alphabet(r2) {
                n += 1;
                while n < s.len() && is_alphabet(s[n]) && !is_upper(s[n]) {
                    n += 1;
                }
            }
        }
    } else if is_alphabet(r) {
        wt = Word::Alphabet;
        while n < s.len() && is_alphabet(s[n]) && !is_upper(s[n]) {
            n += 1;
        }
    } else if is_number(r) {
        wt = Word::Number;
        while n < s.len() && is_number(s[n]) {
            n += 1;
        }
    } else {
        wt = Word::Other;
        while n < s.len() {
            let c = s[n];
            if is_connector(c) || is_alphabet(c) || is_number(c) || is_punct(c) {
                break;
            }
            n += 1;
        }
    }
    (wt, n)
}

fn to_lower_word(out: &mut String, wt: Word, w: &[char], connector: char) {
    if wt != Word::Upper && wt != Word::Connector {
        out.extend(w.iter());
        return;
    }
    for &c in w {
        if is_connector(c) {
            out.push(connector);
        } else if is_upper(c) {
            out.push(to_lower(c));
        } else {
            out.push(c);
        }
    }
}

/// xstrings' `camelCaseToLowerCase`, a transliteration of its word loop.
fn camel_to_lower(s: &str, connector: char) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let mut pos = 0usize;
    let (mut wt, mut word) = next(&chars, &mut pos);
    while pos < chars.len() {
        if wt != Word::Connector {
            to_lower_word(&mut out, wt, word, connector);
        }
        let prev = wt;
        let last = word;
        (wt, word) = next(&chars, &mut pos);
        match prev {
            Word::Number => {
                while wt == Word::Alphabet || wt == Word::Number {
                    to_lower_word(&mut out, wt, word, connector);
                    (wt, word) = next(&chars, &mut pos);
                }
                if wt != Word::Invalid && wt != Word::Punct && wt != Word::Connector {
                    out.push(connector);
                }
            }
            Word::Connector => to_lower_word(&mut out, prev, last, connector),
            Word::Punct => {}
            _ => {
                if wt != Word::Number {
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                if pos >= chars.len() {
                    continue;
                }
                let last = word;
                (wt, word) = next(&chars, &mut pos);
                if wt != Word::Alphabet {
                    to_lower_word(&mut out, Word::Number, last, connector);
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                out.push(connector);
                to_lower_word(&mut out, Word::Number, last, connector);
                while wt == Word::Alphabet || wt == Word::Number {
                    to_lower_word(&mut out, wt, word, connector);
                    (wt, word) = next(&chars, &mut pos);
                }
                if wt != Word::Invalid && wt != Word::Connector && wt != Word::Punct {
                    out.push(connector);
                }
            }
        }
    }
    to_lower_word(&mut out, wt, word, connector);
    out
}

fn next<'a>(chars: &'a [char], pos: &mut usize) -> (Word, &'a [char]) {
    let (wt, n) = next_word(&chars[*pos..]);
    let w = &chars[*pos..*pos + n];
    *pos += n;
    (wt, w)
}
