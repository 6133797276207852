//! Go's `unicode` predicates and case mappings where Rust's differ: Go maps one rune to one
//! rune (`ToUpper('ß')` is `ß`), and `IsPunct` is the Unicode P categories.

/// Go's `unicode.ToUpper`: the simple mapping, or the rune itself.
pub(crate) fn to_upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `unicode.ToLower`.
pub(crate) fn to_lower(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        // Only U+0130 lowers to two runes in Rust; its simple mapping is 'i'.
        (Some(u), Some(_)) if c == '\u{130}' => u,
        _ => c,
    }
}

/// Go's `unicode.ToTitle` (the upper-case mapping except for the few digraphs).
pub(crate) fn to_title(c: char) -> char {
    match c {
        'ǆ' | 'Ǆ' | 'ǅ' => 'ǅ',
        'ǉ' | 'Ǉ' | 'ǈ' => 'ǈ',
        'ǌ' | 'Ǌ' | 'ǋ' => 'ǋ',
        'ǳ' | 'Ǳ' | 'ǲ' => 'ǲ',
        _ => to_upper(c),
    }
}

/// Go's `strings.ToUpper`.
pub(crate) fn upper(s: &str) -> String {
    s.chars().map(to_upper).collect()
}

/// Go's `strings.ToLower`.
pub(crate) fn lower(s: &str) -> String {
    s.chars().map(to_lower).collect()
}

/// Go's `unicode.IsSpace` (the same set as Rust's White_Space).
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Go's `unicode.IsUpper` (category Lu).
pub(crate) fn is_upper(c: char) -> bool {
    c.is_uppercase() && !matches!(c, '\u{2160}'..='\u{216F}' | '\u{24B6}'..='\u{24CF}' | '\u{1F130}'..='\u{1F189}')
}

/// Go's `unicode.IsLower` (category Ll).
pub(crate) fn is_lower(c: char) -> bool {
    c.is_lowercase()
        && !matches!(c, 'ª' | 'º' | '\u{2B0}'..='\u{2FF}' | '\u{1D2C}'..='\u{1D6A}' | '\u{2170}'..='\u{217F}' | '\u{24D0}'..='\u{24E9}')
}

/// Go's `unicode.IsTitle` (category Lt).
pub(crate) fn is_title(c: char) -> bool {
    matches!(c, 'ǅ' | 'ǈ' | 'ǋ' | 'ǲ' | '\u{1F88}'..='\u{1F8F}' | '\u{1F98}'..='\u{1F9F}' | '\u{1FA8}'..='\u{1FAF}' | 'ᾼ' | 'ῌ' | 'ῼ')
}

/// Go's `unicode.IsLetter`.
pub(crate) fn is_letter(c: char) -> bool {
    c.is_alphabetic() && !c.is_numeric()
}

/// Go's `unicode.IsNumber` (categories Nd, Nl, No).
pub(crate) fn is_number(c: char) -> bool {
    c.is_numeric()
}

/// Go's `unicode.IsPunct` (categories Pc, Pd, Ps, Pe, Pi, Pf, Po): exact for ASCII and Latin-1,
/// the General Punctuation and CJK blocks beyond.
pub(crate) fn is_punct(c: char) -> bool {
    matches!(
        c,
        '!' | '"' | '#' | '%' | '&' | '\'' | '(' | ')' | '*' | ',' | '-' | '.' | '/' | ':' | ';' | '?' | '@'
            | '[' | '\\' | ']' | '_' | '{' | '}'
            | '¡' | '§' | '«' | '¶' | '·' | '»' | '¿'
            | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{2043}' | '\u{2045}'..='\u{2051}' | '\u{2053}'..='\u{205E}'
            | '\u{3001}'..='\u{3003}' | '\u{3008}'..='\u{3011}' | '\u{3014}'..='\u{301F}'
            | '\u{FF01}'..='\u{FF03}' | '\u{FF05}'..='\u{FF0A}' | '\u{FF0C}'..='\u{FF0F}' | '\u{FF1A}' | '\u{FF1B}'
            | '\u{FF1F}' | '\u{FF20}' | '\u{FF3B}'..='\u{FF3D}' | '\u{FF3F}' | '\u{FF5B}' | '\u{FF5D}'
    )
}
