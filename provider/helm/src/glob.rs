//! The two glob dialects Helm uses: Go's `filepath.Match` (`.helmignore`) and gobwas/glob
//! with `/` as separator (`.Files.Glob`, where `**` crosses directories and `{a,b}` picks).

/// Go's `path.Match(pattern, name)`; a malformed pattern matches nothing.
pub(crate) fn path_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    matches(&p, &n, false)
}

/// gobwas/glob's `Compile(pattern, '/').Match(name)`.
pub(crate) fn files_glob(pattern: &str, name: &str) -> bool {
    expand_braces(pattern).iter().any(|alt| {
        let p: Vec<char> = alt.chars().collect();
        let n: Vec<char> = name.chars().collect();
        matches(&p, &n, true)
    })
}

/// `{a,b}` alternatives, expanded (nested braces included).
fn expand_braces(pattern: &str) -> Vec<String> {
    let Some(open) = pattern.find('{') else {
        return vec![pattern.to_string()];
    };
    let mut depth = 0;
    let mut close = None;
    let mut cuts = vec![];
    for (i, c) in pattern[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(open + i);
                    break;
                }
            }
            ',' if depth == 1 => cuts.push(open + i),
            _ => {}
        }
    }
    let Some(close) = close else {
        return vec![pattern.to_string()];
    };
    let (head, tail) = (&pattern[..open], &pattern[close + 1..]);
    let mut bounds = vec![open];
    bounds.extend(cuts);
    bounds.push(close);
    let mut out = vec![];
    for w in bounds.windows(2) {
        let alt = &pattern[w[0] + 1..w[1]];
        for rest in expand_braces(&format!("{head}{alt}{tail}")) {
            out.push(rest);
        }
    }
    out
}

fn matches(p: &[char], n: &[char], double_star: bool) -> bool {
    match p.first() {
        None => n.is_empty(),
        Some('*') if double_star && p.get(1) == Some(&'*') => {
            let rest = &p[2..];
            (0..=n.len()).any(|i| matches(rest, &n[i..], double_star))
        }
        Some('*') => {
            let rest = &p[1..];
            for i in 0..=n.len() {
                if matches(rest, &n[i..], double_star) {
                    return true;
                }
                if i < n.len() && n[i] == '/' {
                    return false;
                }
            }
            false
        }
        Some('?') => !n.is_empty() && n[0] != '/' && matches(&p[1..], &n[1..], double_star),
        Some('[') => {
            let Some(c) = n.first() else { return false };
            match class(&p[1..], *c) {
                Some((ok, used)) => ok && *c != '/' && matches(&p[1 + used..], &n[1..], double_star),
                None => false,
            }
        }
        Some('\\') if p.len() > 1 => !n.is_empty() && n[0] == p[1] && matches(&p[2..], &n[1..], double_star),
        Some(c) => !n.is_empty() && n[0] == *c && matches(&p[1..], &n[1..], double_star),
    }
}

/// A `[...]` class after its `[`: whether `c` is in it and how many pattern chars it used.
fn class(p: &[char], c: char) -> Option<(bool, usize)> {
    let mut i = 0;
    let negate = matches!(p.first(), Some('^') | Some('!'));
    if negate {
        i += 1;
    }
    let mut found = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == ']' && !first {
            return Some((found != negate, i + 1));
        }
        first = false;
        let lo = if p[i] == '\\' && i + 1 < p.len() {
            i += 1;
            p[i]
        } else {
            p[i]
        };
        i += 1;
        let hi = if i + 1 < p.len() && p[i] == '-' && p[i + 1] != ']' {
            i += 2;
            p[i - 1]
        } else {
            lo
        };
        if lo <= c && c <= hi {
            found = true;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filepath_match_stays_within_a_directory() {
        assert!(path_match("*.yaml", "a.yaml"));
        assert!(!path_match("*.yaml", "dir/a.yaml"));
        assert!(path_match("templates/.?*", "templates/.swp"));
        assert!(!path_match("templates/.?*", "templates/a"));
        assert!(path_match("[a-c]?", "bz"));
        assert!(!path_match("[^a-c]?", "bz"));
    }

    #[test]
    fn files_glob_crosses_directories_with_two_stars_and_picks_braces() {
        assert!(files_glob("files/**", "files/a/b.txt"));
        assert!(!files_glob("files/*", "files/a/b.txt"));
        assert!(files_glob("files/*.{txt,json}", "files/x.json"));
        assert!(!files_glob("files/*.{txt,json}", "files/x.yaml"));
    }
}
