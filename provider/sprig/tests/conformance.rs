//! Sprig functions against the Go oracle (Go's text/template with sprig.TxtFuncMap()): each
//! template must give the same output, or fail in both (same message where Go's is reproduced).

use circleci_gotemplate::Templates;
use circleci_gotemplate::oracle::{Oracle, Request, json_to_value};
use serde_json::json;

fn ours(req: &Request) -> Result<String, String> {
    let mut t = Templates::new().with_funcs(circleci_sprig::functions());
    for (n, text) in &req.templates {
        t.parse(n, text).map_err(|e| e.to_string())?;
    }
    t.execute(&req.entry, &json_to_value(&req.data))
        .map_err(|e| e.to_string())
}

/// Templates over the implemented modules (strings, xstrings, lists, dicts, math): ordinary
/// values, edge values, wrong argument counts and types.
const CORPUS: &[&str] = &[
    r#"{{ hello }}"#,
    r#"{{ hello 1 }}"#,
    // strings
    r#"{{ abbrev 5 "hello world" }}|{{ abbrev 3 "hello" }}|{{ abbrev 20 "short" }}"#,
    r#"{{ abbrevboth 5 10 "1234 5678 9123" }}"#,
    r#"{{ trunc 5 "hello world" }}|{{ trunc -5 "hello world" }}|{{ trunc 50 "x" }}"#,
    // Wrong types come from data: for a constant argument Go's engine checks the parameter's
    // type itself ("expected integer; found ...") and circleci-gotemplate does not know it.
    r#"{{ trunc .m.b "b" }}"#,
    r#"{{ trim "  a b  " }}|{{ upper "héllo" }}|{{ lower "ÀB" }}|{{ title "hello wORLD" }}|{{ untitle "Hello World" }}"#,
    r#"{{ substr 1 3 "hello" }}|{{ substr -1 3 "hello" }}|{{ substr 2 99 "hello" }}|{{ substr 3 1 "hello" }}"#,
    r#"{{ repeat 3 "ab" }}|{{ repeat 0 "x" }}"#,
    r#"{{ repeat -1 "x" }}"#,
    r#"{{ trimSuffix "-" "a-" }}|{{ trimPrefix "-" "-a" }}|{{ nospace " a b\tc " }}|{{ initials "first last" }}|{{ swapcase "aBc Déf" }}"#,
    r#"{{ wrap 5 "hello world again" }}|{{ wrapWith 5 "<br>" "hello world" }}"#,
    r#"{{ contains "b" "abc" }}|{{ hasPrefix "a" "abc" }}|{{ hasSuffix "c" "abc" }}"#,
    r#"{{ quote "a" 1 nil "b\"c" }}|{{ squote "a" 2 nil }}|{{ cat "a" 1 nil 2.5 }}"#,
    r#"{{ indent 2 "a\nb" }}|{{ nindent 2 "a\nb" }}"#,
    r#"{{ replace "a" "b" "banana" }}|{{ plural "one" "many" 1 }}|{{ plural "one" "many" 2 }}"#,
    r#"{{ toString 1 }}|{{ toString 1.5 }}|{{ toString nil }}|{{ toString .l }}|{{ toString .m }}"#,
    r#"{{ split "," "a,b,c" }}|{{ splitList "," "a,b,c" }}|{{ splitn "," 2 "a,b,c" }}|{{ toStrings .l }}"#,
    r#"{{ camelcase "hello_world-x" }}|{{ snakecase "HelloWorldABC" }}|{{ kebabcase "HelloWorld" }}"#,
    r#"{{ upper .m.a }}"#,
    r#"{{ upper }}"#,
    // lists
    r#"{{ list 1 "a" nil }}|{{ prepend .l 0 }}|{{ append .l 9 }}|{{ chunk 2 .l }}|{{ last .l }}|{{ first .l }}|{{ rest .l }}|{{ initial .l }}"#,
    r#"{{ first list }}|{{ last list }}|{{ rest list }}|{{ initial list }}"#,
    r#"{{ sortAlpha .s }}|{{ reverse .l }}|{{ compact (list 0 "" 1 nil "a") }}|{{ uniq (list 1 1 2 "a" "a") }}|{{ without .l 2 }}|{{ has 2 .l }}|{{ has 9 .l }}"#,
    r#"{{ slice .l 1 }}|{{ slice .l 1 2 }}|{{ concat .l .s }}|{{ until 3 }}|{{ untilStep 0 10 3 }}|{{ seq 3 }}|{{ seq 1 2 9 }}|{{ seq 5 1 }}"#,
    r#"{{ join "-" .l }}|{{ join "-" .s }}|{{ join "-" "x" }}"#,
    r#"{{ first 1 }}"#,
    r#"{{ mustFirst 1 }}"#,
    r#"{{ slice .l 5 }}"#,
    r#"{{ chunk 0 .l }}"#,
    // dicts
    r#"{{ dict "a" 1 "b" 2 }}|{{ dict "a" }}|{{ get .m "a" }}|{{ get .m "zz" }}|{{ hasKey .m "a" }}|{{ keys .m | sortAlpha }}"#,
    // One mutation per template: Go's set/unset change .m in place, these return a copy.
    r#"{{ set .m "z" 3 }}"#,
    r#"{{ unset .m "a" }}"#,
    r#"{{ pluck "a" .m (dict "a" 9) }}|{{ pick .m "a" }}|{{ omit .m "a" }}|{{ values .m | len }}"#,
    r#"{{ dig "x" "y" "def" .n }}|{{ dig "x" "z" "def" .n }}"#,
    r#"{{ dict 1 2 }}"#,
    // defaults
    r#"{{ default "d" "" }}|{{ default "d" "g" }}|{{ default "d" }}|{{ default "d" 0 }}|{{ default "d" .l }}|{{ default "d" list }}|{{ default "d" dict }}|{{ default "d" false }}|{{ default "d" nil }}"#,
    r#"{{ default }}"#,
    r#"{{ empty "" }}|{{ empty 0 }}|{{ empty 0.0 }}|{{ empty nil }}|{{ empty list }}|{{ empty .m }}|{{ empty dict }}|{{ empty false }}|{{ empty "x" }}|{{ empty .nope }}"#,
    r#"{{ empty }}"#,
    r#"{{ empty 1 2 }}"#,
    r#"{{ coalesce 0 "" "x" 1 }}|{{ coalesce }}|{{ coalesce nil 0 }}|{{ all 1 "a" .l }}|{{ all 1 0 }}|{{ all }}|{{ any 0 "" }}|{{ any 0 "a" }}|{{ any }}"#,
    r#"{{ ternary "y" "n" true }}|{{ ternary "y" "n" false }}|{{ true | ternary 1 2 }}"#,
    r#"{{ ternary "y" "n" .m.a }}"#,
    r#"{{ ternary "y" "n" .nope }}"#,
    r#"{{ ternary "y" "n" }}"#,
    // reflection
    r#"{{ typeOf 1 }}|{{ typeOf 1.5 }}|{{ typeOf "a" }}|{{ typeOf nil }}|{{ typeOf .l }}|{{ typeOf .m }}|{{ typeOf list }}|{{ typeOf dict }}|{{ typeOf true }}"#,
    // Not `typeOf` of a `[]string` result (splitList, until): Value has one list type, so it
    // prints `[]interface {}` where Go prints `[]string` / `[]int`.
    r#"{{ kindOf 1 }}|{{ kindOf 1.5 }}|{{ kindOf "a" }}|{{ kindOf nil }}|{{ kindOf .l }}|{{ kindOf .m }}|{{ kindOf true }}|{{ kindOf (until 2) }}"#,
    r#"{{ typeIs "int" 1 }}|{{ typeIs "int" 1.0 }}|{{ typeIsLike "float64" .m.a }}|{{ typeIsLike "string" 1 }}|{{ kindIs "map" .m }}|{{ kindIs "slice" .l }}|{{ kindIs "int" "1" }}"#,
    r#"{{ deepEqual .l (list 1.0 2.0 3.0) }}|{{ deepEqual .l .l }}|{{ deepEqual 1 1 }}|{{ deepEqual 1 1.0 }}|{{ deepEqual nil nil }}|{{ deepEqual .m (dict "a" 1.0 "b" "two") }}|{{ deepEqual list .nope }}"#,
    r#"{{ typeIs .m.a 1 }}"#,
    r#"{{ kindOf }}"#,
    r#"{{ deepEqual 1 }}"#,
    // paths
    r#"{{ base "" }}|{{ base "/" }}|{{ base "//" }}|{{ base "a" }}|{{ base "a/" }}|{{ base "/a/b/c" }}|{{ base "a/b/../c" }}|{{ base "../../x" }}|{{ base "/../x" }}|{{ base "./a/./b/" }}|{{ base "a//b" }}|{{ base "x.tar.gz" }}|{{ base "/a.b/c" }}|{{ base ".hidden" }}|{{ base "a/.." }}|{{ base "/a/b/" }}|{{ base ".." }}|{{ base "a/b/.." }}"#,
    r#"{{ dir "" }}|{{ dir "/" }}|{{ dir "//" }}|{{ dir "a" }}|{{ dir "a/" }}|{{ dir "/a/b/c" }}|{{ dir "a/b/../c" }}|{{ dir "../../x" }}|{{ dir "/../x" }}|{{ dir "./a/./b/" }}|{{ dir "a//b" }}|{{ dir "x.tar.gz" }}|{{ dir "/a.b/c" }}|{{ dir ".hidden" }}|{{ dir "a/.." }}|{{ dir "/a/b/" }}|{{ dir ".." }}|{{ dir "a/b/.." }}"#,
    r#"{{ clean "" }}|{{ clean "/" }}|{{ clean "//" }}|{{ clean "a" }}|{{ clean "a/" }}|{{ clean "/a/b/c" }}|{{ clean "a/b/../c" }}|{{ clean "../../x" }}|{{ clean "/../x" }}|{{ clean "./a/./b/" }}|{{ clean "a//b" }}|{{ clean "x.tar.gz" }}|{{ clean "/a.b/c" }}|{{ clean ".hidden" }}|{{ clean "a/.." }}|{{ clean "/a/b/" }}|{{ clean ".." }}|{{ clean "a/b/.." }}"#,
    r#"{{ ext "" }}|{{ ext "/" }}|{{ ext "//" }}|{{ ext "a" }}|{{ ext "a/" }}|{{ ext "/a/b/c" }}|{{ ext "a/b/../c" }}|{{ ext "../../x" }}|{{ ext "/../x" }}|{{ ext "./a/./b/" }}|{{ ext "a//b" }}|{{ ext "x.tar.gz" }}|{{ ext "/a.b/c" }}|{{ ext ".hidden" }}|{{ ext "a/.." }}|{{ ext "/a/b/" }}|{{ ext ".." }}|{{ ext "a/b/.." }}"#,
    r#"{{ isAbs "" }}|{{ isAbs "/" }}|{{ isAbs "//" }}|{{ isAbs "a" }}|{{ isAbs "a/" }}|{{ isAbs "/a/b/c" }}|{{ isAbs "a/b/../c" }}|{{ isAbs "../../x" }}|{{ isAbs "/../x" }}|{{ isAbs "./a/./b/" }}|{{ isAbs "a//b" }}|{{ isAbs "x.tar.gz" }}|{{ isAbs "/a.b/c" }}|{{ isAbs ".hidden" }}|{{ isAbs "a/.." }}|{{ isAbs "/a/b/" }}|{{ isAbs ".." }}|{{ isAbs "a/b/.." }}"#,
    r#"{{ osBase "" }}|{{ osBase "/" }}|{{ osBase "//" }}|{{ osBase "a" }}|{{ osBase "a/" }}|{{ osBase "/a/b/c" }}|{{ osBase "a/b/../c" }}|{{ osBase "../../x" }}|{{ osBase "/../x" }}|{{ osBase "./a/./b/" }}|{{ osBase "a//b" }}|{{ osBase "x.tar.gz" }}|{{ osBase "/a.b/c" }}|{{ osBase ".hidden" }}|{{ osBase "a/.." }}|{{ osBase "/a/b/" }}|{{ osBase ".." }}|{{ osBase "a/b/.." }}"#,
    r#"{{ osDir "" }}|{{ osDir "/" }}|{{ osDir "//" }}|{{ osDir "a" }}|{{ osDir "a/" }}|{{ osDir "/a/b/c" }}|{{ osDir "a/b/../c" }}|{{ osDir "../../x" }}|{{ osDir "/../x" }}|{{ osDir "./a/./b/" }}|{{ osDir "a//b" }}|{{ osDir "x.tar.gz" }}|{{ osDir "/a.b/c" }}|{{ osDir ".hidden" }}|{{ osDir "a/.." }}|{{ osDir "/a/b/" }}|{{ osDir ".." }}|{{ osDir "a/b/.." }}"#,
    r#"{{ osClean "" }}|{{ osClean "/" }}|{{ osClean "//" }}|{{ osClean "a" }}|{{ osClean "a/" }}|{{ osClean "/a/b/c" }}|{{ osClean "a/b/../c" }}|{{ osClean "../../x" }}|{{ osClean "/../x" }}|{{ osClean "./a/./b/" }}|{{ osClean "a//b" }}|{{ osClean "x.tar.gz" }}|{{ osClean "/a.b/c" }}|{{ osClean ".hidden" }}|{{ osClean "a/.." }}|{{ osClean "/a/b/" }}|{{ osClean ".." }}|{{ osClean "a/b/.." }}"#,
    r#"{{ osExt "" }}|{{ osExt "/" }}|{{ osExt "//" }}|{{ osExt "a" }}|{{ osExt "a/" }}|{{ osExt "/a/b/c" }}|{{ osExt "a/b/../c" }}|{{ osExt "../../x" }}|{{ osExt "/../x" }}|{{ osExt "./a/./b/" }}|{{ osExt "a//b" }}|{{ osExt "x.tar.gz" }}|{{ osExt "/a.b/c" }}|{{ osExt ".hidden" }}|{{ osExt "a/.." }}|{{ osExt "/a/b/" }}|{{ osExt ".." }}|{{ osExt "a/b/.." }}"#,
    r#"{{ osIsAbs "" }}|{{ osIsAbs "/" }}|{{ osIsAbs "//" }}|{{ osIsAbs "a" }}|{{ osIsAbs "a/" }}|{{ osIsAbs "/a/b/c" }}|{{ osIsAbs "a/b/../c" }}|{{ osIsAbs "../../x" }}|{{ osIsAbs "/../x" }}|{{ osIsAbs "./a/./b/" }}|{{ osIsAbs "a//b" }}|{{ osIsAbs "x.tar.gz" }}|{{ osIsAbs "/a.b/c" }}|{{ osIsAbs ".hidden" }}|{{ osIsAbs "a/.." }}|{{ osIsAbs "/a/b/" }}|{{ osIsAbs ".." }}|{{ osIsAbs "a/b/.." }}"#,
    r#"{{ base .m.a }}"#,
    r#"{{ osDir }}"#,
    // encoding (no invalid UTF-8 such as "\xff": Value's strings are Rust strings)
    r#"{{ b64enc "" }}|{{ b64enc "f" }}|{{ b64enc "fo" }}|{{ b64enc "foo" }}|{{ b64enc "foob" }}|{{ b64enc "fooba" }}|{{ b64enc "foobar" }}|{{ b64enc "héllo wörld" }}|{{ b64enc "\x00" }}"#,
    r#"{{ b32enc "" }}|{{ b32enc "f" }}|{{ b32enc "fo" }}|{{ b32enc "foo" }}|{{ b32enc "foob" }}|{{ b32enc "fooba" }}|{{ b32enc "foobar" }}|{{ b32enc "héllo wörld" }}|{{ b32enc "\x00" }}"#,
    r#"{{ adler32sum "" }}|{{ adler32sum "f" }}|{{ adler32sum "fo" }}|{{ adler32sum "foo" }}|{{ adler32sum "foob" }}|{{ adler32sum "fooba" }}|{{ adler32sum "foobar" }}|{{ adler32sum "héllo wörld" }}|{{ adler32sum "\x00" }}"#,
    r#"{{ b64enc .m.a }}"#,
    r#"{{ adler32sum }}"#,
    r#"{{ repeat 5000 "abc" | adler32sum }}|{{ repeat 100 "xyz" | b32enc | len }}"#,
    // decoders: Sprig returns Go's error text as the result; invalid UTF-8 decoded is one
    // U+FFFD per byte (as Go's JSON shows Go's string)
    r#"{{ b64dec "" }}|{{ b64dec "Zg==" }}|{{ b64dec "Zm8=" }}|{{ b64dec "Zm9vYmFy" }}|{{ b64dec "Zm9v\nYmFy" }}|{{ b64dec "Zm9v\r\nYg==\n" }}|{{ b64dec "aMOpbGxv" }}|{{ b64dec "/w==" }}|{{ b64dec "4oI=" }}"#,
    r#"{{ b64dec "Z" }}|{{ b64dec "Zg" }}|{{ b64dec "Zg=" }}|{{ b64dec "Zg===" }}|{{ b64dec "Z===" }}|{{ b64dec "=" }}|{{ b64dec "Zm9vYg==Zg==" }}|{{ b64dec "Zm9v Yg==" }}|{{ b64dec "Zm8=x" }}|{{ b64dec "Zg=\n=" }}|{{ b64dec "Zg=x" }}|{{ b64dec "Zm9vYmFy-_" }}|{{ b64dec "Zm9" }}|{{ b64dec "Zm9vYg" }}|{{ b64dec "Zm9vYh==" }}"#,
    r#"{{ b32dec "" }}|{{ b32dec "MY======" }}|{{ b32dec "MZXQ====" }}|{{ b32dec "MZXW6===" }}|{{ b32dec "MZXW6YQ=" }}|{{ b32dec "MZXW6YTB" }}|{{ b32dec "MZXW6YTBOI======" }}|{{ b32dec "MZXW\n6===" }}"#,
    r#"{{ b32dec "M" }}|{{ b32dec "MY" }}|{{ b32dec "MY=====" }}|{{ b32dec "MY=======" }}|{{ b32dec "MZX=====" }}|{{ b32dec "M=======" }}|{{ b32dec "MY==x===" }}|{{ b32dec "MY======MY======" }}|{{ b32dec "MZXW6YTBOI" }}|{{ b32dec "1AAAAAAA" }}|{{ b32dec "MZXW6Y==" }}|{{ b32dec "mzxw6===" }}|{{ b32dec "MZXW6" }}"#,
    r#"{{ "héllo wörld" | b64enc | b64dec }}|{{ "héllo wörld" | b32enc | b32dec }}"#,
    r#"{{ b64dec .m.a }}"#,
    // hashes (the lengths around 55/56/64 bytes cross SHA's padding block boundary)
    r#"{{ sha1sum "" }}|{{ sha256sum "" }}|{{ sha1sum "abc" }}|{{ sha256sum "abc" }}|{{ sha1sum "héllo" }}|{{ sha256sum "héllo" }}"#,
    r#"{{ repeat 100 "abc" | sha1sum }}|{{ repeat 100 "abc" | sha256sum }}|{{ repeat 55 "a" | sha256sum }}|{{ repeat 56 "a" | sha1sum }}|{{ repeat 64 "a" | sha256sum }}|{{ repeat 63 "a" | sha1sum }}|{{ repeat 120 "a" | sha256sum }}"#,
    r#"{{ sha256sum }}"#,
    r#"{{ sha1sum .m.a }}"#,
    // fail
    r#"{{ fail "boom: a \"quoted\" reason" }}"#,
    r#"{{ if true }}{{ fail "x" }}{{ end }}"#,
    r#"{{ fail }}"#,
    r#"{{ fail .m.a }}"#,
    // regexp: Go's RE2 syntax through the rewrite, Go's empty-match rules, `$` expansion
    r#"{{ regexMatch "^[a-z]+\\d*$" "abc123" }}|{{ regexMatch "^a" "ba" }}|{{ regexMatch "(a" "a" }}|{{ mustRegexMatch "b+" "abbc" }}|{{ regexMatch "" "" }}"#,
    r#"{{ regexFindAll "a*" "baaab" -1 }}|{{ regexReplaceAll "a*" "baaab" "<$0>" }}|{{ regexSplit "a*" "baaab" -1 }}|{{ regexSplit "" "abc" -1 }}|{{ regexSplit "x" "" -1 }}|{{ regexSplit "" "" -1 }}|{{ regexSplit "," "a,b,c" 0 }}|{{ regexSplit "," "a,b,c" 2 }}|{{ regexFindAll "." "abc" 0 }}|{{ regexFindAll "." "abc" 2 }}"#,
    r#"{{ regexReplaceAll "(a)(?P<n>b)" "abab" "$1a|${1}a|$n|${n}|$$|$|$2x|${x|$9|$01|${01}|$n!" }}"#,
    r#"{{ regexReplaceAll "" "héllo" "-" }}|{{ regexFindAll "" "hé" -1 }}|{{ regexSplit "" "hé" -1 }}|{{ regexReplaceAll "x*" "héx" "-" }}|{{ regexFindAll "\\b" "ab cd" -1 | len }}"#,
    r#"{{ regexReplaceAllLiteral "b" "abc" "$0" }}|{{ regexQuoteMeta "a.b*c[d]$^\\{}|()+?x-#&~<>" }}|{{ mustRegexReplaceAllLiteral "[aeiou]" "banana" "${1}" }}"#,
    r#"{{ regexFind "[0-9]+" "ab12cd345" }}|{{ regexFind "z" "abc" }}|{{ mustRegexFind "(?i)HEL+o" "say hello" }}|{{ regexFindAll "[0-9]+" "1 22 333" -1 }}|{{ mustRegexFindAll "\\w+" "héllo wörld" -1 }}"#,
    // ASCII \d \w \s \b as Go's; Unicode classes; classes with Go-literal `[`, `&&`, `~~`
    r#"{{ regexFindAll "\\d+" "12 ٣٤ 5" -1 }}|{{ regexFindAll "\\s+" "a b\u00a0c\td" -1 | len }}|{{ regexReplaceAll "\\bé" "é aé" "X" }}|{{ regexFindAll "\\pL+" "héllo wörld" -1 }}|{{ regexFindAll "\\p{Greek}+" "abc αβγ" -1 }}|{{ regexFindAll "[^\\d\\s]+" "a1 b2" -1 }}|{{ regexFindAll "[\\D]" "1a2" -1 }}"#,
    r#"{{ regexFindAll "[[]+" "a[[b" -1 }}|{{ regexFindAll "[a&&b]" "a&b" -1 }}|{{ regexFindAll "[~~]" "a~b" -1 }}|{{ regexFindAll "[]a]" "]a" -1 }}|{{ regexFindAll "[a-]" "-a" -1 }}|{{ regexFindAll "[[:alpha:]]+" "ab1cd" -1 }}|{{ regexFindAll "[[:^digit:]]+" "ab1cd" -1 }}|{{ regexFindAll "[\\[\\]]" "[x]" -1 }}"#,
    r#"{{ regexMatch "a{" "a{" }}|{{ regexMatch "a{1" "a{1" }}|{{ regexMatch "^a{,2}$" "a{,2}" }}|{{ regexMatch "^{}$" "{}" }}|{{ regexMatch "^a{01}$" "a{01}" }}|{{ regexFindAll "a{2}" "aaaaa" -1 }}|{{ regexFindAll "a{2,}?" "aaaaa" -1 }}|{{ regexFindAll "a{1,3}" "aaaaa" -1 }}"#,
    r#"{{ regexMatch "\\<a\\>" "<a>" }}|{{ regexMatch "\\Qa.b\\E" "a.b" }}|{{ regexMatch "\\Qa.b\\E" "axb" }}|{{ regexMatch "^\\x41\\x{263a}$" "A☺" }}|{{ regexMatch "^\\101$" "A" }}|{{ regexMatch "^\\0$" "\x00" }}|{{ regexMatch "\\t" "\t" }}|{{ regexMatch "(?s)a.b" "a\nb" }}|{{ regexMatch "a.b" "a\nb" }}|{{ regexMatch "(?m)^b$" "a\nb\nc" }}|{{ regexMatch "^b$" "a\nb" }}|{{ regexFindAll "(?U)a+" "aaa" -1 }}|{{ regexMatch "(?i:A)b" "ab" }}|{{ regexMatch "(?i-s:A.)" "a\n" }}"#,
    r#"{{ regexReplaceAll "^(\\w+)@(?P<host>[a-z.]+)$" "me@example.com" "${host}/$1" }}|{{ regexReplaceAll "[^a-z0-9-]" "My_Chart.Name" "-" | lower }}|{{ regexSplit "\\s*,\\s*" "a , b,c ,d" -1 }}|{{ regexSplit "," "a,b,c" -1 }}|{{ regexSplit "," "a,b,c" 1 }}|{{ regexSplit "," ",a," -1 }}"#,
    // regexp errors: Go's messages (MustCompile's panic for the non-must forms)
    r#"{{ regexFind "(a" "x" }}"#,
    r#"{{ mustRegexFind "(a" "x" }}"#,
    r#"{{ mustRegexMatch "a)" "x" }}"#,
    r#"{{ mustRegexMatch "x[a" "x" }}"#,
    r#"{{ mustRegexMatch "x[a\\" "x" }}"#,
    r#"{{ mustRegexMatch "a**" "x" }}"#,
    r#"{{ mustRegexMatch "a*?+" "x" }}"#,
    r#"{{ mustRegexMatch "a{2}*" "x" }}"#,
    r#"{{ mustRegexMatch "*a" "x" }}"#,
    r#"{{ mustRegexMatch "(+a)" "x" }}"#,
    r#"{{ mustRegexMatch "a|?" "x" }}"#,
    r#"{{ mustRegexMatch "{2}" "x" }}"#,
    r#"{{ mustRegexMatch "\\q" "x" }}"#,
    r#"{{ mustRegexMatch "\\1" "x" }}"#,
    r#"{{ mustRegexMatch "[\\q]" "x" }}"#,
    r#"{{ mustRegexMatch "a\\" "x" }}"#,
    r#"{{ mustRegexMatch "a{2000}" "x" }}"#,
    r#"{{ mustRegexMatch "a{3,2}" "x" }}"#,
    r#"{{ mustRegexMatch "(?z)" "x" }}"#,
    r#"{{ mustRegexMatch "(?i-)" "x" }}"#,
    r#"{{ mustRegexMatch "(?P<n" "x" }}"#,
    r#"{{ mustRegexMatch "(?P<a-b>x)" "x" }}"#,
    r#"{{ mustRegexMatch "[z-a]" "x" }}"#,
    r#"{{ mustRegexMatch "[[:foo:]]" "x" }}"#,
    r#"{{ mustRegexMatch "\\C" "x" }}"#,
    r#"{{ mustRegexMatch "\\x{zz}" "x" }}"#,
    r#"{{ mustRegexMatch "\\x{}" "x" }}"#,
    r#"{{ mustRegexMatch "\\x4" "x" }}"#,
    r#"{{ mustRegexMatch "\\xg1" "x" }}"#,
    r#"{{ mustRegexMatch "\\x{110000}" "x" }}"#,
    r#"{{ mustRegexMatch "\\x{41" "x" }}"#,
    r#"{{ mustRegexMatch "(?<n>a)" "x" }}"#,
    r#"{{ mustRegexMatch "\\pX" "x" }}"#,
    r#"{{ mustRegexMatch "a{1001}" "x" }}"#,
    r#"{{ mustRegexMatch "^*" "x" }}"#,
    r#"{{ regexReplaceAll "a`b(" "x" "y" }}"#,
    r#"{{ regexSplit "\n(" "x" 1 }}"#,
    r#"{{ mustRegexFindAll "(" "x" 1 }}"#,
    r#"{{ mustRegexSplit "(" "x" 1 }}"#,
    r#"{{ mustRegexReplaceAll "(" "x" "y" }}"#,
    r#"{{ regexReplaceAllLiteral "(" "x" "y" }}"#,
    r#"{{ regexFindAll "a" "a" .m.a }}"#,
    r#"{{ regexFindAll "a" "a" }}"#,
    r#"{{ regexQuoteMeta }}"#,
    // semver: Masterminds/semver v3 constraints over many versions; parse errors
    r#"{{ semverCompare ">=1.21-0" "1.2.3" }}|{{ semverCompare ">=1.21-0" "1.2.0" }}|{{ semverCompare ">=1.21-0" "1.3.0" }}|{{ semverCompare ">=1.21-0" "2.0.0" }}|{{ semverCompare ">=1.21-0" "0.1.2" }}|{{ semverCompare ">=1.21-0" "0.1.5" }}|{{ semverCompare ">=1.21-0" "0.0.3" }}|{{ semverCompare ">=1.21-0" "0.0.0" }}|{{ semverCompare ">=1.21-0" "1.21.0" }}|{{ semverCompare ">=1.21-0" "1.21.3-gke.100" }}|{{ semverCompare ">=1.21-0" "1.20.15-eks-abc" }}|{{ semverCompare ">=1.21-0" "v1.22.1" }}|{{ semverCompare ">=1.21-0" "1.2.3-alpha" }}|{{ semverCompare ">=1.21-0" "1.2.3-beta.2" }}|{{ semverCompare ">=1.21-0" "1.2.3+meta" }}|{{ semverCompare ">=1.21-0" "1.2" }}|{{ semverCompare ">=1.21-0" "1" }}|{{ semverCompare ">=1.21-0" "3.0.0" }}"#,
    r#"{{ semverCompare ">= 1.21.0-0" "1.2.3" }}|{{ semverCompare ">= 1.21.0-0" "1.2.0" }}|{{ semverCompare ">= 1.21.0-0" "1.3.0" }}|{{ semverCompare ">= 1.21.0-0" "2.0.0" }}|{{ semverCompare ">= 1.21.0-0" "0.1.2" }}|{{ semverCompare ">= 1.21.0-0" "0.1.5" }}|{{ semverCompare ">= 1.21.0-0" "0.0.3" }}|{{ semverCompare ">= 1.21.0-0" "0.0.0" }}|{{ semverCompare ">= 1.21.0-0" "1.21.0" }}|{{ semverCompare ">= 1.21.0-0" "1.21.3-gke.100" }}|{{ semverCompare ">= 1.21.0-0" "1.20.15-eks-abc" }}|{{ semverCompare ">= 1.21.0-0" "v1.22.1" }}|{{ semverCompare ">= 1.21.0-0" "1.2.3-alpha" }}|{{ semverCompare ">= 1.21.0-0" "1.2.3-beta.2" }}|{{ semverCompare ">= 1.21.0-0" "1.2.3+meta" }}|{{ semverCompare ">= 1.21.0-0" "1.2" }}|{{ semverCompare ">= 1.21.0-0" "1" }}|{{ semverCompare ">= 1.21.0-0" "3.0.0" }}"#,
    r#"{{ semverCompare "<1.22" "1.2.3" }}|{{ semverCompare "<1.22" "1.2.0" }}|{{ semverCompare "<1.22" "1.3.0" }}|{{ semverCompare "<1.22" "2.0.0" }}|{{ semverCompare "<1.22" "0.1.2" }}|{{ semverCompare "<1.22" "0.1.5" }}|{{ semverCompare "<1.22" "0.0.3" }}|{{ semverCompare "<1.22" "0.0.0" }}|{{ semverCompare "<1.22" "1.21.0" }}|{{ semverCompare "<1.22" "1.21.3-gke.100" }}|{{ semverCompare "<1.22" "1.20.15-eks-abc" }}|{{ semverCompare "<1.22" "v1.22.1" }}|{{ semverCompare "<1.22" "1.2.3-alpha" }}|{{ semverCompare "<1.22" "1.2.3-beta.2" }}|{{ semverCompare "<1.22" "1.2.3+meta" }}|{{ semverCompare "<1.22" "1.2" }}|{{ semverCompare "<1.22" "1" }}|{{ semverCompare "<1.22" "3.0.0" }}"#,
    r#"{{ semverCompare ">=1.21" "1.2.3" }}|{{ semverCompare ">=1.21" "1.2.0" }}|{{ semverCompare ">=1.21" "1.3.0" }}|{{ semverCompare ">=1.21" "2.0.0" }}|{{ semverCompare ">=1.21" "0.1.2" }}|{{ semverCompare ">=1.21" "0.1.5" }}|{{ semverCompare ">=1.21" "0.0.3" }}|{{ semverCompare ">=1.21" "0.0.0" }}|{{ semverCompare ">=1.21" "1.21.0" }}|{{ semverCompare ">=1.21" "1.21.3-gke.100" }}|{{ semverCompare ">=1.21" "1.20.15-eks-abc" }}|{{ semverCompare ">=1.21" "v1.22.1" }}|{{ semverCompare ">=1.21" "1.2.3-alpha" }}|{{ semverCompare ">=1.21" "1.2.3-beta.2" }}|{{ semverCompare ">=1.21" "1.2.3+meta" }}|{{ semverCompare ">=1.21" "1.2" }}|{{ semverCompare ">=1.21" "1" }}|{{ semverCompare ">=1.21" "3.0.0" }}"#,
    r#"{{ semverCompare "~1.2.3" "1.2.3" }}|{{ semverCompare "~1.2.3" "1.2.0" }}|{{ semverCompare "~1.2.3" "1.3.0" }}|{{ semverCompare "~1.2.3" "2.0.0" }}|{{ semverCompare "~1.2.3" "0.1.2" }}|{{ semverCompare "~1.2.3" "0.1.5" }}|{{ semverCompare "~1.2.3" "0.0.3" }}|{{ semverCompare "~1.2.3" "0.0.0" }}|{{ semverCompare "~1.2.3" "1.21.0" }}|{{ semverCompare "~1.2.3" "1.21.3-gke.100" }}|{{ semverCompare "~1.2.3" "1.20.15-eks-abc" }}|{{ semverCompare "~1.2.3" "v1.22.1" }}|{{ semverCompare "~1.2.3" "1.2.3-alpha" }}|{{ semverCompare "~1.2.3" "1.2.3-beta.2" }}|{{ semverCompare "~1.2.3" "1.2.3+meta" }}|{{ semverCompare "~1.2.3" "1.2" }}|{{ semverCompare "~1.2.3" "1" }}|{{ semverCompare "~1.2.3" "3.0.0" }}"#,
    r#"{{ semverCompare "~1.2" "1.2.3" }}|{{ semverCompare "~1.2" "1.2.0" }}|{{ semverCompare "~1.2" "1.3.0" }}|{{ semverCompare "~1.2" "2.0.0" }}|{{ semverCompare "~1.2" "0.1.2" }}|{{ semverCompare "~1.2" "0.1.5" }}|{{ semverCompare "~1.2" "0.0.3" }}|{{ semverCompare "~1.2" "0.0.0" }}|{{ semverCompare "~1.2" "1.21.0" }}|{{ semverCompare "~1.2" "1.21.3-gke.100" }}|{{ semverCompare "~1.2" "1.20.15-eks-abc" }}|{{ semverCompare "~1.2" "v1.22.1" }}|{{ semverCompare "~1.2" "1.2.3-alpha" }}|{{ semverCompare "~1.2" "1.2.3-beta.2" }}|{{ semverCompare "~1.2" "1.2.3+meta" }}|{{ semverCompare "~1.2" "1.2" }}|{{ semverCompare "~1.2" "1" }}|{{ semverCompare "~1.2" "3.0.0" }}"#,
    r#"{{ semverCompare "~1" "1.2.3" }}|{{ semverCompare "~1" "1.2.0" }}|{{ semverCompare "~1" "1.3.0" }}|{{ semverCompare "~1" "2.0.0" }}|{{ semverCompare "~1" "0.1.2" }}|{{ semverCompare "~1" "0.1.5" }}|{{ semverCompare "~1" "0.0.3" }}|{{ semverCompare "~1" "0.0.0" }}|{{ semverCompare "~1" "1.21.0" }}|{{ semverCompare "~1" "1.21.3-gke.100" }}|{{ semverCompare "~1" "1.20.15-eks-abc" }}|{{ semverCompare "~1" "v1.22.1" }}|{{ semverCompare "~1" "1.2.3-alpha" }}|{{ semverCompare "~1" "1.2.3-beta.2" }}|{{ semverCompare "~1" "1.2.3+meta" }}|{{ semverCompare "~1" "1.2" }}|{{ semverCompare "~1" "1" }}|{{ semverCompare "~1" "3.0.0" }}"#,
    r#"{{ semverCompare "~0.0.0" "1.2.3" }}|{{ semverCompare "~0.0.0" "1.2.0" }}|{{ semverCompare "~0.0.0" "1.3.0" }}|{{ semverCompare "~0.0.0" "2.0.0" }}|{{ semverCompare "~0.0.0" "0.1.2" }}|{{ semverCompare "~0.0.0" "0.1.5" }}|{{ semverCompare "~0.0.0" "0.0.3" }}|{{ semverCompare "~0.0.0" "0.0.0" }}|{{ semverCompare "~0.0.0" "1.21.0" }}|{{ semverCompare "~0.0.0" "1.21.3-gke.100" }}|{{ semverCompare "~0.0.0" "1.20.15-eks-abc" }}|{{ semverCompare "~0.0.0" "v1.22.1" }}|{{ semverCompare "~0.0.0" "1.2.3-alpha" }}|{{ semverCompare "~0.0.0" "1.2.3-beta.2" }}|{{ semverCompare "~0.0.0" "1.2.3+meta" }}|{{ semverCompare "~0.0.0" "1.2" }}|{{ semverCompare "~0.0.0" "1" }}|{{ semverCompare "~0.0.0" "3.0.0" }}"#,
    r#"{{ semverCompare "^1.2.3" "1.2.3" }}|{{ semverCompare "^1.2.3" "1.2.0" }}|{{ semverCompare "^1.2.3" "1.3.0" }}|{{ semverCompare "^1.2.3" "2.0.0" }}|{{ semverCompare "^1.2.3" "0.1.2" }}|{{ semverCompare "^1.2.3" "0.1.5" }}|{{ semverCompare "^1.2.3" "0.0.3" }}|{{ semverCompare "^1.2.3" "0.0.0" }}|{{ semverCompare "^1.2.3" "1.21.0" }}|{{ semverCompare "^1.2.3" "1.21.3-gke.100" }}|{{ semverCompare "^1.2.3" "1.20.15-eks-abc" }}|{{ semverCompare "^1.2.3" "v1.22.1" }}|{{ semverCompare "^1.2.3" "1.2.3-alpha" }}|{{ semverCompare "^1.2.3" "1.2.3-beta.2" }}|{{ semverCompare "^1.2.3" "1.2.3+meta" }}|{{ semverCompare "^1.2.3" "1.2" }}|{{ semverCompare "^1.2.3" "1" }}|{{ semverCompare "^1.2.3" "3.0.0" }}"#,
    r#"{{ semverCompare "^0.1.2" "1.2.3" }}|{{ semverCompare "^0.1.2" "1.2.0" }}|{{ semverCompare "^0.1.2" "1.3.0" }}|{{ semverCompare "^0.1.2" "2.0.0" }}|{{ semverCompare "^0.1.2" "0.1.2" }}|{{ semverCompare "^0.1.2" "0.1.5" }}|{{ semverCompare "^0.1.2" "0.0.3" }}|{{ semverCompare "^0.1.2" "0.0.0" }}|{{ semverCompare "^0.1.2" "1.21.0" }}|{{ semverCompare "^0.1.2" "1.21.3-gke.100" }}|{{ semverCompare "^0.1.2" "1.20.15-eks-abc" }}|{{ semverCompare "^0.1.2" "v1.22.1" }}|{{ semverCompare "^0.1.2" "1.2.3-alpha" }}|{{ semverCompare "^0.1.2" "1.2.3-beta.2" }}|{{ semverCompare "^0.1.2" "1.2.3+meta" }}|{{ semverCompare "^0.1.2" "1.2" }}|{{ semverCompare "^0.1.2" "1" }}|{{ semverCompare "^0.1.2" "3.0.0" }}"#,
    r#"{{ semverCompare "^0.0.3" "1.2.3" }}|{{ semverCompare "^0.0.3" "1.2.0" }}|{{ semverCompare "^0.0.3" "1.3.0" }}|{{ semverCompare "^0.0.3" "2.0.0" }}|{{ semverCompare "^0.0.3" "0.1.2" }}|{{ semverCompare "^0.0.3" "0.1.5" }}|{{ semverCompare "^0.0.3" "0.0.3" }}|{{ semverCompare "^0.0.3" "0.0.0" }}|{{ semverCompare "^0.0.3" "1.21.0" }}|{{ semverCompare "^0.0.3" "1.21.3-gke.100" }}|{{ semverCompare "^0.0.3" "1.20.15-eks-abc" }}|{{ semverCompare "^0.0.3" "v1.22.1" }}|{{ semverCompare "^0.0.3" "1.2.3-alpha" }}|{{ semverCompare "^0.0.3" "1.2.3-beta.2" }}|{{ semverCompare "^0.0.3" "1.2.3+meta" }}|{{ semverCompare "^0.0.3" "1.2" }}|{{ semverCompare "^0.0.3" "1" }}|{{ semverCompare "^0.0.3" "3.0.0" }}"#,
    r#"{{ semverCompare "^0" "1.2.3" }}|{{ semverCompare "^0" "1.2.0" }}|{{ semverCompare "^0" "1.3.0" }}|{{ semverCompare "^0" "2.0.0" }}|{{ semverCompare "^0" "0.1.2" }}|{{ semverCompare "^0" "0.1.5" }}|{{ semverCompare "^0" "0.0.3" }}|{{ semverCompare "^0" "0.0.0" }}|{{ semverCompare "^0" "1.21.0" }}|{{ semverCompare "^0" "1.21.3-gke.100" }}|{{ semverCompare "^0" "1.20.15-eks-abc" }}|{{ semverCompare "^0" "v1.22.1" }}|{{ semverCompare "^0" "1.2.3-alpha" }}|{{ semverCompare "^0" "1.2.3-beta.2" }}|{{ semverCompare "^0" "1.2.3+meta" }}|{{ semverCompare "^0" "1.2" }}|{{ semverCompare "^0" "1" }}|{{ semverCompare "^0" "3.0.0" }}"#,
    r#"{{ semverCompare "^1.x" "1.2.3" }}|{{ semverCompare "^1.x" "1.2.0" }}|{{ semverCompare "^1.x" "1.3.0" }}|{{ semverCompare "^1.x" "2.0.0" }}|{{ semverCompare "^1.x" "0.1.2" }}|{{ semverCompare "^1.x" "0.1.5" }}|{{ semverCompare "^1.x" "0.0.3" }}|{{ semverCompare "^1.x" "0.0.0" }}|{{ semverCompare "^1.x" "1.21.0" }}|{{ semverCompare "^1.x" "1.21.3-gke.100" }}|{{ semverCompare "^1.x" "1.20.15-eks-abc" }}|{{ semverCompare "^1.x" "v1.22.1" }}|{{ semverCompare "^1.x" "1.2.3-alpha" }}|{{ semverCompare "^1.x" "1.2.3-beta.2" }}|{{ semverCompare "^1.x" "1.2.3+meta" }}|{{ semverCompare "^1.x" "1.2" }}|{{ semverCompare "^1.x" "1" }}|{{ semverCompare "^1.x" "3.0.0" }}"#,
    r#"{{ semverCompare "1.2.x" "1.2.3" }}|{{ semverCompare "1.2.x" "1.2.0" }}|{{ semverCompare "1.2.x" "1.3.0" }}|{{ semverCompare "1.2.x" "2.0.0" }}|{{ semverCompare "1.2.x" "0.1.2" }}|{{ semverCompare "1.2.x" "0.1.5" }}|{{ semverCompare "1.2.x" "0.0.3" }}|{{ semverCompare "1.2.x" "0.0.0" }}|{{ semverCompare "1.2.x" "1.21.0" }}|{{ semverCompare "1.2.x" "1.21.3-gke.100" }}|{{ semverCompare "1.2.x" "1.20.15-eks-abc" }}|{{ semverCompare "1.2.x" "v1.22.1" }}|{{ semverCompare "1.2.x" "1.2.3-alpha" }}|{{ semverCompare "1.2.x" "1.2.3-beta.2" }}|{{ semverCompare "1.2.x" "1.2.3+meta" }}|{{ semverCompare "1.2.x" "1.2" }}|{{ semverCompare "1.2.x" "1" }}|{{ semverCompare "1.2.x" "3.0.0" }}"#,
    r#"{{ semverCompare "1.x" "1.2.3" }}|{{ semverCompare "1.x" "1.2.0" }}|{{ semverCompare "1.x" "1.3.0" }}|{{ semverCompare "1.x" "2.0.0" }}|{{ semverCompare "1.x" "0.1.2" }}|{{ semverCompare "1.x" "0.1.5" }}|{{ semverCompare "1.x" "0.0.3" }}|{{ semverCompare "1.x" "0.0.0" }}|{{ semverCompare "1.x" "1.21.0" }}|{{ semverCompare "1.x" "1.21.3-gke.100" }}|{{ semverCompare "1.x" "1.20.15-eks-abc" }}|{{ semverCompare "1.x" "v1.22.1" }}|{{ semverCompare "1.x" "1.2.3-alpha" }}|{{ semverCompare "1.x" "1.2.3-beta.2" }}|{{ semverCompare "1.x" "1.2.3+meta" }}|{{ semverCompare "1.x" "1.2" }}|{{ semverCompare "1.x" "1" }}|{{ semverCompare "1.x" "3.0.0" }}"#,
    r#"{{ semverCompare "*" "1.2.3" }}|{{ semverCompare "*" "1.2.0" }}|{{ semverCompare "*" "1.3.0" }}|{{ semverCompare "*" "2.0.0" }}|{{ semverCompare "*" "0.1.2" }}|{{ semverCompare "*" "0.1.5" }}|{{ semverCompare "*" "0.0.3" }}|{{ semverCompare "*" "0.0.0" }}|{{ semverCompare "*" "1.21.0" }}|{{ semverCompare "*" "1.21.3-gke.100" }}|{{ semverCompare "*" "1.20.15-eks-abc" }}|{{ semverCompare "*" "v1.22.1" }}|{{ semverCompare "*" "1.2.3-alpha" }}|{{ semverCompare "*" "1.2.3-beta.2" }}|{{ semverCompare "*" "1.2.3+meta" }}|{{ semverCompare "*" "1.2" }}|{{ semverCompare "*" "1" }}|{{ semverCompare "*" "3.0.0" }}"#,
    r#"{{ semverCompare "x" "1.2.3" }}|{{ semverCompare "x" "1.2.0" }}|{{ semverCompare "x" "1.3.0" }}|{{ semverCompare "x" "2.0.0" }}|{{ semverCompare "x" "0.1.2" }}|{{ semverCompare "x" "0.1.5" }}|{{ semverCompare "x" "0.0.3" }}|{{ semverCompare "x" "0.0.0" }}|{{ semverCompare "x" "1.21.0" }}|{{ semverCompare "x" "1.21.3-gke.100" }}|{{ semverCompare "x" "1.20.15-eks-abc" }}|{{ semverCompare "x" "v1.22.1" }}|{{ semverCompare "x" "1.2.3-alpha" }}|{{ semverCompare "x" "1.2.3-beta.2" }}|{{ semverCompare "x" "1.2.3+meta" }}|{{ semverCompare "x" "1.2" }}|{{ semverCompare "x" "1" }}|{{ semverCompare "x" "3.0.0" }}"#,
    r#"{{ semverCompare "!=1.2.3" "1.2.3" }}|{{ semverCompare "!=1.2.3" "1.2.0" }}|{{ semverCompare "!=1.2.3" "1.3.0" }}|{{ semverCompare "!=1.2.3" "2.0.0" }}|{{ semverCompare "!=1.2.3" "0.1.2" }}|{{ semverCompare "!=1.2.3" "0.1.5" }}|{{ semverCompare "!=1.2.3" "0.0.3" }}|{{ semverCompare "!=1.2.3" "0.0.0" }}|{{ semverCompare "!=1.2.3" "1.21.0" }}|{{ semverCompare "!=1.2.3" "1.21.3-gke.100" }}|{{ semverCompare "!=1.2.3" "1.20.15-eks-abc" }}|{{ semverCompare "!=1.2.3" "v1.22.1" }}|{{ semverCompare "!=1.2.3" "1.2.3-alpha" }}|{{ semverCompare "!=1.2.3" "1.2.3-beta.2" }}|{{ semverCompare "!=1.2.3" "1.2.3+meta" }}|{{ semverCompare "!=1.2.3" "1.2" }}|{{ semverCompare "!=1.2.3" "1" }}|{{ semverCompare "!=1.2.3" "3.0.0" }}"#,
    r#"{{ semverCompare "!=1.2.x" "1.2.3" }}|{{ semverCompare "!=1.2.x" "1.2.0" }}|{{ semverCompare "!=1.2.x" "1.3.0" }}|{{ semverCompare "!=1.2.x" "2.0.0" }}|{{ semverCompare "!=1.2.x" "0.1.2" }}|{{ semverCompare "!=1.2.x" "0.1.5" }}|{{ semverCompare "!=1.2.x" "0.0.3" }}|{{ semverCompare "!=1.2.x" "0.0.0" }}|{{ semverCompare "!=1.2.x" "1.21.0" }}|{{ semverCompare "!=1.2.x" "1.21.3-gke.100" }}|{{ semverCompare "!=1.2.x" "1.20.15-eks-abc" }}|{{ semverCompare "!=1.2.x" "v1.22.1" }}|{{ semverCompare "!=1.2.x" "1.2.3-alpha" }}|{{ semverCompare "!=1.2.x" "1.2.3-beta.2" }}|{{ semverCompare "!=1.2.x" "1.2.3+meta" }}|{{ semverCompare "!=1.2.x" "1.2" }}|{{ semverCompare "!=1.2.x" "1" }}|{{ semverCompare "!=1.2.x" "3.0.0" }}"#,
    r#"{{ semverCompare "!=1.x" "1.2.3" }}|{{ semverCompare "!=1.x" "1.2.0" }}|{{ semverCompare "!=1.x" "1.3.0" }}|{{ semverCompare "!=1.x" "2.0.0" }}|{{ semverCompare "!=1.x" "0.1.2" }}|{{ semverCompare "!=1.x" "0.1.5" }}|{{ semverCompare "!=1.x" "0.0.3" }}|{{ semverCompare "!=1.x" "0.0.0" }}|{{ semverCompare "!=1.x" "1.21.0" }}|{{ semverCompare "!=1.x" "1.21.3-gke.100" }}|{{ semverCompare "!=1.x" "1.20.15-eks-abc" }}|{{ semverCompare "!=1.x" "v1.22.1" }}|{{ semverCompare "!=1.x" "1.2.3-alpha" }}|{{ semverCompare "!=1.x" "1.2.3-beta.2" }}|{{ semverCompare "!=1.x" "1.2.3+meta" }}|{{ semverCompare "!=1.x" "1.2" }}|{{ semverCompare "!=1.x" "1" }}|{{ semverCompare "!=1.x" "3.0.0" }}"#,
    r#"{{ semverCompare ">1.2" "1.2.3" }}|{{ semverCompare ">1.2" "1.2.0" }}|{{ semverCompare ">1.2" "1.3.0" }}|{{ semverCompare ">1.2" "2.0.0" }}|{{ semverCompare ">1.2" "0.1.2" }}|{{ semverCompare ">1.2" "0.1.5" }}|{{ semverCompare ">1.2" "0.0.3" }}|{{ semverCompare ">1.2" "0.0.0" }}|{{ semverCompare ">1.2" "1.21.0" }}|{{ semverCompare ">1.2" "1.21.3-gke.100" }}|{{ semverCompare ">1.2" "1.20.15-eks-abc" }}|{{ semverCompare ">1.2" "v1.22.1" }}|{{ semverCompare ">1.2" "1.2.3-alpha" }}|{{ semverCompare ">1.2" "1.2.3-beta.2" }}|{{ semverCompare ">1.2" "1.2.3+meta" }}|{{ semverCompare ">1.2" "1.2" }}|{{ semverCompare ">1.2" "1" }}|{{ semverCompare ">1.2" "3.0.0" }}"#,
    r#"{{ semverCompare ">1.x" "1.2.3" }}|{{ semverCompare ">1.x" "1.2.0" }}|{{ semverCompare ">1.x" "1.3.0" }}|{{ semverCompare ">1.x" "2.0.0" }}|{{ semverCompare ">1.x" "0.1.2" }}|{{ semverCompare ">1.x" "0.1.5" }}|{{ semverCompare ">1.x" "0.0.3" }}|{{ semverCompare ">1.x" "0.0.0" }}|{{ semverCompare ">1.x" "1.21.0" }}|{{ semverCompare ">1.x" "1.21.3-gke.100" }}|{{ semverCompare ">1.x" "1.20.15-eks-abc" }}|{{ semverCompare ">1.x" "v1.22.1" }}|{{ semverCompare ">1.x" "1.2.3-alpha" }}|{{ semverCompare ">1.x" "1.2.3-beta.2" }}|{{ semverCompare ">1.x" "1.2.3+meta" }}|{{ semverCompare ">1.x" "1.2" }}|{{ semverCompare ">1.x" "1" }}|{{ semverCompare ">1.x" "3.0.0" }}"#,
    r#"{{ semverCompare ">1.2.x" "1.2.3" }}|{{ semverCompare ">1.2.x" "1.2.0" }}|{{ semverCompare ">1.2.x" "1.3.0" }}|{{ semverCompare ">1.2.x" "2.0.0" }}|{{ semverCompare ">1.2.x" "0.1.2" }}|{{ semverCompare ">1.2.x" "0.1.5" }}|{{ semverCompare ">1.2.x" "0.0.3" }}|{{ semverCompare ">1.2.x" "0.0.0" }}|{{ semverCompare ">1.2.x" "1.21.0" }}|{{ semverCompare ">1.2.x" "1.21.3-gke.100" }}|{{ semverCompare ">1.2.x" "1.20.15-eks-abc" }}|{{ semverCompare ">1.2.x" "v1.22.1" }}|{{ semverCompare ">1.2.x" "1.2.3-alpha" }}|{{ semverCompare ">1.2.x" "1.2.3-beta.2" }}|{{ semverCompare ">1.2.x" "1.2.3+meta" }}|{{ semverCompare ">1.2.x" "1.2" }}|{{ semverCompare ">1.2.x" "1" }}|{{ semverCompare ">1.2.x" "3.0.0" }}"#,
    r#"{{ semverCompare "<=1.2" "1.2.3" }}|{{ semverCompare "<=1.2" "1.2.0" }}|{{ semverCompare "<=1.2" "1.3.0" }}|{{ semverCompare "<=1.2" "2.0.0" }}|{{ semverCompare "<=1.2" "0.1.2" }}|{{ semverCompare "<=1.2" "0.1.5" }}|{{ semverCompare "<=1.2" "0.0.3" }}|{{ semverCompare "<=1.2" "0.0.0" }}|{{ semverCompare "<=1.2" "1.21.0" }}|{{ semverCompare "<=1.2" "1.21.3-gke.100" }}|{{ semverCompare "<=1.2" "1.20.15-eks-abc" }}|{{ semverCompare "<=1.2" "v1.22.1" }}|{{ semverCompare "<=1.2" "1.2.3-alpha" }}|{{ semverCompare "<=1.2" "1.2.3-beta.2" }}|{{ semverCompare "<=1.2" "1.2.3+meta" }}|{{ semverCompare "<=1.2" "1.2" }}|{{ semverCompare "<=1.2" "1" }}|{{ semverCompare "<=1.2" "3.0.0" }}"#,
    r#"{{ semverCompare "<=1.2.x" "1.2.3" }}|{{ semverCompare "<=1.2.x" "1.2.0" }}|{{ semverCompare "<=1.2.x" "1.3.0" }}|{{ semverCompare "<=1.2.x" "2.0.0" }}|{{ semverCompare "<=1.2.x" "0.1.2" }}|{{ semverCompare "<=1.2.x" "0.1.5" }}|{{ semverCompare "<=1.2.x" "0.0.3" }}|{{ semverCompare "<=1.2.x" "0.0.0" }}|{{ semverCompare "<=1.2.x" "1.21.0" }}|{{ semverCompare "<=1.2.x" "1.21.3-gke.100" }}|{{ semverCompare "<=1.2.x" "1.20.15-eks-abc" }}|{{ semverCompare "<=1.2.x" "v1.22.1" }}|{{ semverCompare "<=1.2.x" "1.2.3-alpha" }}|{{ semverCompare "<=1.2.x" "1.2.3-beta.2" }}|{{ semverCompare "<=1.2.x" "1.2.3+meta" }}|{{ semverCompare "<=1.2.x" "1.2" }}|{{ semverCompare "<=1.2.x" "1" }}|{{ semverCompare "<=1.2.x" "3.0.0" }}"#,
    r#"{{ semverCompare "<=1" "1.2.3" }}|{{ semverCompare "<=1" "1.2.0" }}|{{ semverCompare "<=1" "1.3.0" }}|{{ semverCompare "<=1" "2.0.0" }}|{{ semverCompare "<=1" "0.1.2" }}|{{ semverCompare "<=1" "0.1.5" }}|{{ semverCompare "<=1" "0.0.3" }}|{{ semverCompare "<=1" "0.0.0" }}|{{ semverCompare "<=1" "1.21.0" }}|{{ semverCompare "<=1" "1.21.3-gke.100" }}|{{ semverCompare "<=1" "1.20.15-eks-abc" }}|{{ semverCompare "<=1" "v1.22.1" }}|{{ semverCompare "<=1" "1.2.3-alpha" }}|{{ semverCompare "<=1" "1.2.3-beta.2" }}|{{ semverCompare "<=1" "1.2.3+meta" }}|{{ semverCompare "<=1" "1.2" }}|{{ semverCompare "<=1" "1" }}|{{ semverCompare "<=1" "3.0.0" }}"#,
    r#"{{ semverCompare "=1.2.3" "1.2.3" }}|{{ semverCompare "=1.2.3" "1.2.0" }}|{{ semverCompare "=1.2.3" "1.3.0" }}|{{ semverCompare "=1.2.3" "2.0.0" }}|{{ semverCompare "=1.2.3" "0.1.2" }}|{{ semverCompare "=1.2.3" "0.1.5" }}|{{ semverCompare "=1.2.3" "0.0.3" }}|{{ semverCompare "=1.2.3" "0.0.0" }}|{{ semverCompare "=1.2.3" "1.21.0" }}|{{ semverCompare "=1.2.3" "1.21.3-gke.100" }}|{{ semverCompare "=1.2.3" "1.20.15-eks-abc" }}|{{ semverCompare "=1.2.3" "v1.22.1" }}|{{ semverCompare "=1.2.3" "1.2.3-alpha" }}|{{ semverCompare "=1.2.3" "1.2.3-beta.2" }}|{{ semverCompare "=1.2.3" "1.2.3+meta" }}|{{ semverCompare "=1.2.3" "1.2" }}|{{ semverCompare "=1.2.3" "1" }}|{{ semverCompare "=1.2.3" "3.0.0" }}"#,
    r#"{{ semverCompare "1.2.3" "1.2.3" }}|{{ semverCompare "1.2.3" "1.2.0" }}|{{ semverCompare "1.2.3" "1.3.0" }}|{{ semverCompare "1.2.3" "2.0.0" }}|{{ semverCompare "1.2.3" "0.1.2" }}|{{ semverCompare "1.2.3" "0.1.5" }}|{{ semverCompare "1.2.3" "0.0.3" }}|{{ semverCompare "1.2.3" "0.0.0" }}|{{ semverCompare "1.2.3" "1.21.0" }}|{{ semverCompare "1.2.3" "1.21.3-gke.100" }}|{{ semverCompare "1.2.3" "1.20.15-eks-abc" }}|{{ semverCompare "1.2.3" "v1.22.1" }}|{{ semverCompare "1.2.3" "1.2.3-alpha" }}|{{ semverCompare "1.2.3" "1.2.3-beta.2" }}|{{ semverCompare "1.2.3" "1.2.3+meta" }}|{{ semverCompare "1.2.3" "1.2" }}|{{ semverCompare "1.2.3" "1" }}|{{ semverCompare "1.2.3" "3.0.0" }}"#,
    r#"{{ semverCompare "1.2.3 - 2.0.0" "1.2.3" }}|{{ semverCompare "1.2.3 - 2.0.0" "1.2.0" }}|{{ semverCompare "1.2.3 - 2.0.0" "1.3.0" }}|{{ semverCompare "1.2.3 - 2.0.0" "2.0.0" }}|{{ semverCompare "1.2.3 - 2.0.0" "0.1.2" }}|{{ semverCompare "1.2.3 - 2.0.0" "0.1.5" }}|{{ semverCompare "1.2.3 - 2.0.0" "0.0.3" }}|{{ semverCompare "1.2.3 - 2.0.0" "0.0.0" }}|{{ semverCompare "1.2.3 - 2.0.0" "1.21.0" }}|{{ semverCompare "1.2.3 - 2.0.0" "1.21.3-gke.100" }}|{{ semverCompare "1.2.3 - 2.0.0" "1.20.15-eks-abc" }}|{{ semverCompare "1.2.3 - 2.0.0" "v1.22.1" }}|{{ semverCompare "1.2.3 - 2.0.0" "1.2.3-alpha" }}|{{ semverCompare "1.2.3 - 2.0.0" "1.2.3-beta.2" }}|{{ semverCompare "1.2.3 - 2.0.0" "1.2.3+meta" }}|{{ semverCompare "1.2.3 - 2.0.0" "1.2" }}|{{ semverCompare "1.2.3 - 2.0.0" "1" }}|{{ semverCompare "1.2.3 - 2.0.0" "3.0.0" }}"#,
    r#"{{ semverCompare "1.2 - 1.3" "1.2.3" }}|{{ semverCompare "1.2 - 1.3" "1.2.0" }}|{{ semverCompare "1.2 - 1.3" "1.3.0" }}|{{ semverCompare "1.2 - 1.3" "2.0.0" }}|{{ semverCompare "1.2 - 1.3" "0.1.2" }}|{{ semverCompare "1.2 - 1.3" "0.1.5" }}|{{ semverCompare "1.2 - 1.3" "0.0.3" }}|{{ semverCompare "1.2 - 1.3" "0.0.0" }}|{{ semverCompare "1.2 - 1.3" "1.21.0" }}|{{ semverCompare "1.2 - 1.3" "1.21.3-gke.100" }}|{{ semverCompare "1.2 - 1.3" "1.20.15-eks-abc" }}|{{ semverCompare "1.2 - 1.3" "v1.22.1" }}|{{ semverCompare "1.2 - 1.3" "1.2.3-alpha" }}|{{ semverCompare "1.2 - 1.3" "1.2.3-beta.2" }}|{{ semverCompare "1.2 - 1.3" "1.2.3+meta" }}|{{ semverCompare "1.2 - 1.3" "1.2" }}|{{ semverCompare "1.2 - 1.3" "1" }}|{{ semverCompare "1.2 - 1.3" "3.0.0" }}"#,
    r#"{{ semverCompare ">=1.2.3, <2" "1.2.3" }}|{{ semverCompare ">=1.2.3, <2" "1.2.0" }}|{{ semverCompare ">=1.2.3, <2" "1.3.0" }}|{{ semverCompare ">=1.2.3, <2" "2.0.0" }}|{{ semverCompare ">=1.2.3, <2" "0.1.2" }}|{{ semverCompare ">=1.2.3, <2" "0.1.5" }}|{{ semverCompare ">=1.2.3, <2" "0.0.3" }}|{{ semverCompare ">=1.2.3, <2" "0.0.0" }}|{{ semverCompare ">=1.2.3, <2" "1.21.0" }}|{{ semverCompare ">=1.2.3, <2" "1.21.3-gke.100" }}|{{ semverCompare ">=1.2.3, <2" "1.20.15-eks-abc" }}|{{ semverCompare ">=1.2.3, <2" "v1.22.1" }}|{{ semverCompare ">=1.2.3, <2" "1.2.3-alpha" }}|{{ semverCompare ">=1.2.3, <2" "1.2.3-beta.2" }}|{{ semverCompare ">=1.2.3, <2" "1.2.3+meta" }}|{{ semverCompare ">=1.2.3, <2" "1.2" }}|{{ semverCompare ">=1.2.3, <2" "1" }}|{{ semverCompare ">=1.2.3, <2" "3.0.0" }}"#,
    r#"{{ semverCompare ">1 <3" "1.2.3" }}|{{ semverCompare ">1 <3" "1.2.0" }}|{{ semverCompare ">1 <3" "1.3.0" }}|{{ semverCompare ">1 <3" "2.0.0" }}|{{ semverCompare ">1 <3" "0.1.2" }}|{{ semverCompare ">1 <3" "0.1.5" }}|{{ semverCompare ">1 <3" "0.0.3" }}|{{ semverCompare ">1 <3" "0.0.0" }}|{{ semverCompare ">1 <3" "1.21.0" }}|{{ semverCompare ">1 <3" "1.21.3-gke.100" }}|{{ semverCompare ">1 <3" "1.20.15-eks-abc" }}|{{ semverCompare ">1 <3" "v1.22.1" }}|{{ semverCompare ">1 <3" "1.2.3-alpha" }}|{{ semverCompare ">1 <3" "1.2.3-beta.2" }}|{{ semverCompare ">1 <3" "1.2.3+meta" }}|{{ semverCompare ">1 <3" "1.2" }}|{{ semverCompare ">1 <3" "1" }}|{{ semverCompare ">1 <3" "3.0.0" }}"#,
    r#"{{ semverCompare "<1.2 || >=2" "1.2.3" }}|{{ semverCompare "<1.2 || >=2" "1.2.0" }}|{{ semverCompare "<1.2 || >=2" "1.3.0" }}|{{ semverCompare "<1.2 || >=2" "2.0.0" }}|{{ semverCompare "<1.2 || >=2" "0.1.2" }}|{{ semverCompare "<1.2 || >=2" "0.1.5" }}|{{ semverCompare "<1.2 || >=2" "0.0.3" }}|{{ semverCompare "<1.2 || >=2" "0.0.0" }}|{{ semverCompare "<1.2 || >=2" "1.21.0" }}|{{ semverCompare "<1.2 || >=2" "1.21.3-gke.100" }}|{{ semverCompare "<1.2 || >=2" "1.20.15-eks-abc" }}|{{ semverCompare "<1.2 || >=2" "v1.22.1" }}|{{ semverCompare "<1.2 || >=2" "1.2.3-alpha" }}|{{ semverCompare "<1.2 || >=2" "1.2.3-beta.2" }}|{{ semverCompare "<1.2 || >=2" "1.2.3+meta" }}|{{ semverCompare "<1.2 || >=2" "1.2" }}|{{ semverCompare "<1.2 || >=2" "1" }}|{{ semverCompare "<1.2 || >=2" "3.0.0" }}"#,
    r#"{{ semverCompare "~>1.2" "1.2.3" }}|{{ semverCompare "~>1.2" "1.2.0" }}|{{ semverCompare "~>1.2" "1.3.0" }}|{{ semverCompare "~>1.2" "2.0.0" }}|{{ semverCompare "~>1.2" "0.1.2" }}|{{ semverCompare "~>1.2" "0.1.5" }}|{{ semverCompare "~>1.2" "0.0.3" }}|{{ semverCompare "~>1.2" "0.0.0" }}|{{ semverCompare "~>1.2" "1.21.0" }}|{{ semverCompare "~>1.2" "1.21.3-gke.100" }}|{{ semverCompare "~>1.2" "1.20.15-eks-abc" }}|{{ semverCompare "~>1.2" "v1.22.1" }}|{{ semverCompare "~>1.2" "1.2.3-alpha" }}|{{ semverCompare "~>1.2" "1.2.3-beta.2" }}|{{ semverCompare "~>1.2" "1.2.3+meta" }}|{{ semverCompare "~>1.2" "1.2" }}|{{ semverCompare "~>1.2" "1" }}|{{ semverCompare "~>1.2" "3.0.0" }}"#,
    r#"{{ semverCompare "=>1.2.3" "1.2.3" }}|{{ semverCompare "=>1.2.3" "1.2.0" }}|{{ semverCompare "=>1.2.3" "1.3.0" }}|{{ semverCompare "=>1.2.3" "2.0.0" }}|{{ semverCompare "=>1.2.3" "0.1.2" }}|{{ semverCompare "=>1.2.3" "0.1.5" }}|{{ semverCompare "=>1.2.3" "0.0.3" }}|{{ semverCompare "=>1.2.3" "0.0.0" }}|{{ semverCompare "=>1.2.3" "1.21.0" }}|{{ semverCompare "=>1.2.3" "1.21.3-gke.100" }}|{{ semverCompare "=>1.2.3" "1.20.15-eks-abc" }}|{{ semverCompare "=>1.2.3" "v1.22.1" }}|{{ semverCompare "=>1.2.3" "1.2.3-alpha" }}|{{ semverCompare "=>1.2.3" "1.2.3-beta.2" }}|{{ semverCompare "=>1.2.3" "1.2.3+meta" }}|{{ semverCompare "=>1.2.3" "1.2" }}|{{ semverCompare "=>1.2.3" "1" }}|{{ semverCompare "=>1.2.3" "3.0.0" }}"#,
    r#"{{ semverCompare "=<1.2.3" "1.2.3" }}|{{ semverCompare "=<1.2.3" "1.2.0" }}|{{ semverCompare "=<1.2.3" "1.3.0" }}|{{ semverCompare "=<1.2.3" "2.0.0" }}|{{ semverCompare "=<1.2.3" "0.1.2" }}|{{ semverCompare "=<1.2.3" "0.1.5" }}|{{ semverCompare "=<1.2.3" "0.0.3" }}|{{ semverCompare "=<1.2.3" "0.0.0" }}|{{ semverCompare "=<1.2.3" "1.21.0" }}|{{ semverCompare "=<1.2.3" "1.21.3-gke.100" }}|{{ semverCompare "=<1.2.3" "1.20.15-eks-abc" }}|{{ semverCompare "=<1.2.3" "v1.22.1" }}|{{ semverCompare "=<1.2.3" "1.2.3-alpha" }}|{{ semverCompare "=<1.2.3" "1.2.3-beta.2" }}|{{ semverCompare "=<1.2.3" "1.2.3+meta" }}|{{ semverCompare "=<1.2.3" "1.2" }}|{{ semverCompare "=<1.2.3" "1" }}|{{ semverCompare "=<1.2.3" "3.0.0" }}"#,
    r#"{{ semverCompare ">=1.2.3-alpha" "1.2.3" }}|{{ semverCompare ">=1.2.3-alpha" "1.2.0" }}|{{ semverCompare ">=1.2.3-alpha" "1.3.0" }}|{{ semverCompare ">=1.2.3-alpha" "2.0.0" }}|{{ semverCompare ">=1.2.3-alpha" "0.1.2" }}|{{ semverCompare ">=1.2.3-alpha" "0.1.5" }}|{{ semverCompare ">=1.2.3-alpha" "0.0.3" }}|{{ semverCompare ">=1.2.3-alpha" "0.0.0" }}|{{ semverCompare ">=1.2.3-alpha" "1.21.0" }}|{{ semverCompare ">=1.2.3-alpha" "1.21.3-gke.100" }}|{{ semverCompare ">=1.2.3-alpha" "1.20.15-eks-abc" }}|{{ semverCompare ">=1.2.3-alpha" "v1.22.1" }}|{{ semverCompare ">=1.2.3-alpha" "1.2.3-alpha" }}|{{ semverCompare ">=1.2.3-alpha" "1.2.3-beta.2" }}|{{ semverCompare ">=1.2.3-alpha" "1.2.3+meta" }}|{{ semverCompare ">=1.2.3-alpha" "1.2" }}|{{ semverCompare ">=1.2.3-alpha" "1" }}|{{ semverCompare ">=1.2.3-alpha" "3.0.0" }}"#,
    r#"{{ semverCompare "<1.2.3-beta" "1.2.3" }}|{{ semverCompare "<1.2.3-beta" "1.2.0" }}|{{ semverCompare "<1.2.3-beta" "1.3.0" }}|{{ semverCompare "<1.2.3-beta" "2.0.0" }}|{{ semverCompare "<1.2.3-beta" "0.1.2" }}|{{ semverCompare "<1.2.3-beta" "0.1.5" }}|{{ semverCompare "<1.2.3-beta" "0.0.3" }}|{{ semverCompare "<1.2.3-beta" "0.0.0" }}|{{ semverCompare "<1.2.3-beta" "1.21.0" }}|{{ semverCompare "<1.2.3-beta" "1.21.3-gke.100" }}|{{ semverCompare "<1.2.3-beta" "1.20.15-eks-abc" }}|{{ semverCompare "<1.2.3-beta" "v1.22.1" }}|{{ semverCompare "<1.2.3-beta" "1.2.3-alpha" }}|{{ semverCompare "<1.2.3-beta" "1.2.3-beta.2" }}|{{ semverCompare "<1.2.3-beta" "1.2.3+meta" }}|{{ semverCompare "<1.2.3-beta" "1.2" }}|{{ semverCompare "<1.2.3-beta" "1" }}|{{ semverCompare "<1.2.3-beta" "3.0.0" }}"#,
    r#"{{ semverCompare "1.2.3-alpha" "1.2.3" }}|{{ semverCompare "1.2.3-alpha" "1.2.0" }}|{{ semverCompare "1.2.3-alpha" "1.3.0" }}|{{ semverCompare "1.2.3-alpha" "2.0.0" }}|{{ semverCompare "1.2.3-alpha" "0.1.2" }}|{{ semverCompare "1.2.3-alpha" "0.1.5" }}|{{ semverCompare "1.2.3-alpha" "0.0.3" }}|{{ semverCompare "1.2.3-alpha" "0.0.0" }}|{{ semverCompare "1.2.3-alpha" "1.21.0" }}|{{ semverCompare "1.2.3-alpha" "1.21.3-gke.100" }}|{{ semverCompare "1.2.3-alpha" "1.20.15-eks-abc" }}|{{ semverCompare "1.2.3-alpha" "v1.22.1" }}|{{ semverCompare "1.2.3-alpha" "1.2.3-alpha" }}|{{ semverCompare "1.2.3-alpha" "1.2.3-beta.2" }}|{{ semverCompare "1.2.3-alpha" "1.2.3+meta" }}|{{ semverCompare "1.2.3-alpha" "1.2" }}|{{ semverCompare "1.2.3-alpha" "1" }}|{{ semverCompare "1.2.3-alpha" "3.0.0" }}"#,
    r#"{{ semverCompare "!=1.2.3-alpha" "1.2.3" }}|{{ semverCompare "!=1.2.3-alpha" "1.2.0" }}|{{ semverCompare "!=1.2.3-alpha" "1.3.0" }}|{{ semverCompare "!=1.2.3-alpha" "2.0.0" }}|{{ semverCompare "!=1.2.3-alpha" "0.1.2" }}|{{ semverCompare "!=1.2.3-alpha" "0.1.5" }}|{{ semverCompare "!=1.2.3-alpha" "0.0.3" }}|{{ semverCompare "!=1.2.3-alpha" "0.0.0" }}|{{ semverCompare "!=1.2.3-alpha" "1.21.0" }}|{{ semverCompare "!=1.2.3-alpha" "1.21.3-gke.100" }}|{{ semverCompare "!=1.2.3-alpha" "1.20.15-eks-abc" }}|{{ semverCompare "!=1.2.3-alpha" "v1.22.1" }}|{{ semverCompare "!=1.2.3-alpha" "1.2.3-alpha" }}|{{ semverCompare "!=1.2.3-alpha" "1.2.3-beta.2" }}|{{ semverCompare "!=1.2.3-alpha" "1.2.3+meta" }}|{{ semverCompare "!=1.2.3-alpha" "1.2" }}|{{ semverCompare "!=1.2.3-alpha" "1" }}|{{ semverCompare "!=1.2.3-alpha" "3.0.0" }}"#,
    r#"{{ semverCompare "^1.2.3-alpha" "1.2.3" }}|{{ semverCompare "^1.2.3-alpha" "1.2.0" }}|{{ semverCompare "^1.2.3-alpha" "1.3.0" }}|{{ semverCompare "^1.2.3-alpha" "2.0.0" }}|{{ semverCompare "^1.2.3-alpha" "0.1.2" }}|{{ semverCompare "^1.2.3-alpha" "0.1.5" }}|{{ semverCompare "^1.2.3-alpha" "0.0.3" }}|{{ semverCompare "^1.2.3-alpha" "0.0.0" }}|{{ semverCompare "^1.2.3-alpha" "1.21.0" }}|{{ semverCompare "^1.2.3-alpha" "1.21.3-gke.100" }}|{{ semverCompare "^1.2.3-alpha" "1.20.15-eks-abc" }}|{{ semverCompare "^1.2.3-alpha" "v1.22.1" }}|{{ semverCompare "^1.2.3-alpha" "1.2.3-alpha" }}|{{ semverCompare "^1.2.3-alpha" "1.2.3-beta.2" }}|{{ semverCompare "^1.2.3-alpha" "1.2.3+meta" }}|{{ semverCompare "^1.2.3-alpha" "1.2" }}|{{ semverCompare "^1.2.3-alpha" "1" }}|{{ semverCompare "^1.2.3-alpha" "3.0.0" }}"#,
    r#"{{ semverCompare "~1.2.3-alpha" "1.2.3" }}|{{ semverCompare "~1.2.3-alpha" "1.2.0" }}|{{ semverCompare "~1.2.3-alpha" "1.3.0" }}|{{ semverCompare "~1.2.3-alpha" "2.0.0" }}|{{ semverCompare "~1.2.3-alpha" "0.1.2" }}|{{ semverCompare "~1.2.3-alpha" "0.1.5" }}|{{ semverCompare "~1.2.3-alpha" "0.0.3" }}|{{ semverCompare "~1.2.3-alpha" "0.0.0" }}|{{ semverCompare "~1.2.3-alpha" "1.21.0" }}|{{ semverCompare "~1.2.3-alpha" "1.21.3-gke.100" }}|{{ semverCompare "~1.2.3-alpha" "1.20.15-eks-abc" }}|{{ semverCompare "~1.2.3-alpha" "v1.22.1" }}|{{ semverCompare "~1.2.3-alpha" "1.2.3-alpha" }}|{{ semverCompare "~1.2.3-alpha" "1.2.3-beta.2" }}|{{ semverCompare "~1.2.3-alpha" "1.2.3+meta" }}|{{ semverCompare "~1.2.3-alpha" "1.2" }}|{{ semverCompare "~1.2.3-alpha" "1" }}|{{ semverCompare "~1.2.3-alpha" "3.0.0" }}"#,
    r#"{{ semverCompare ">1.2.3-alpha.1" "1.2.3" }}|{{ semverCompare ">1.2.3-alpha.1" "1.2.0" }}|{{ semverCompare ">1.2.3-alpha.1" "1.3.0" }}|{{ semverCompare ">1.2.3-alpha.1" "2.0.0" }}|{{ semverCompare ">1.2.3-alpha.1" "0.1.2" }}|{{ semverCompare ">1.2.3-alpha.1" "0.1.5" }}|{{ semverCompare ">1.2.3-alpha.1" "0.0.3" }}|{{ semverCompare ">1.2.3-alpha.1" "0.0.0" }}|{{ semverCompare ">1.2.3-alpha.1" "1.21.0" }}|{{ semverCompare ">1.2.3-alpha.1" "1.21.3-gke.100" }}|{{ semverCompare ">1.2.3-alpha.1" "1.20.15-eks-abc" }}|{{ semverCompare ">1.2.3-alpha.1" "v1.22.1" }}|{{ semverCompare ">1.2.3-alpha.1" "1.2.3-alpha" }}|{{ semverCompare ">1.2.3-alpha.1" "1.2.3-beta.2" }}|{{ semverCompare ">1.2.3-alpha.1" "1.2.3+meta" }}|{{ semverCompare ">1.2.3-alpha.1" "1.2" }}|{{ semverCompare ">1.2.3-alpha.1" "1" }}|{{ semverCompare ">1.2.3-alpha.1" "3.0.0" }}"#,
    r#"{{ semverCompare "v1.2.3" "1.2.3" }}|{{ semverCompare "v1.2.3" "1.2.0" }}|{{ semverCompare "v1.2.3" "1.3.0" }}|{{ semverCompare "v1.2.3" "2.0.0" }}|{{ semverCompare "v1.2.3" "0.1.2" }}|{{ semverCompare "v1.2.3" "0.1.5" }}|{{ semverCompare "v1.2.3" "0.0.3" }}|{{ semverCompare "v1.2.3" "0.0.0" }}|{{ semverCompare "v1.2.3" "1.21.0" }}|{{ semverCompare "v1.2.3" "1.21.3-gke.100" }}|{{ semverCompare "v1.2.3" "1.20.15-eks-abc" }}|{{ semverCompare "v1.2.3" "v1.22.1" }}|{{ semverCompare "v1.2.3" "1.2.3-alpha" }}|{{ semverCompare "v1.2.3" "1.2.3-beta.2" }}|{{ semverCompare "v1.2.3" "1.2.3+meta" }}|{{ semverCompare "v1.2.3" "1.2" }}|{{ semverCompare "v1.2.3" "1" }}|{{ semverCompare "v1.2.3" "3.0.0" }}"#,
    r#"{{ semverCompare ">= 1.2.3 , < 1.3" "1.2.3" }}|{{ semverCompare ">= 1.2.3 , < 1.3" "1.2.0" }}|{{ semverCompare ">= 1.2.3 , < 1.3" "1.3.0" }}|{{ semverCompare ">= 1.2.3 , < 1.3" "2.0.0" }}|{{ semverCompare ">= 1.2.3 , < 1.3" "0.1.2" }}|{{ semverCompare ">= 1.2.3 , < 1.3" "0.1.5" }}|{{ semverCompare ">= 1.2.3 , < 1.3" "0.0.3" }}|{{ semverCompare ">= 1.2.3 , < 1.3" "0.0.0" }}|{{ semverCompare ">= 1.2.3 , < 1.3" "1.21.0" }}|{{ semverCompare ">= 1.2.3 , < 1.3" "1.21.3-gke.100" }}|{{ semverCompare ">= 1.2.3 , < 1.3" "1.20.15-eks-abc" }}|{{ semverCompare ">= 1.2.3 , < 1.3" "v1.22.1" }}|{{ semverCompare ">= 1.2.3 , < 1.3" "1.2.3-alpha" }}|{{ semverCompare ">= 1.2.3 , < 1.3" "1.2.3-beta.2" }}|{{ semverCompare ">= 1.2.3 , < 1.3" "1.2.3+meta" }}|{{ semverCompare ">= 1.2.3 , < 1.3" "1.2" }}|{{ semverCompare ">= 1.2.3 , < 1.3" "1" }}|{{ semverCompare ">= 1.2.3 , < 1.3" "3.0.0" }}"#,
    r#"{{ semverCompare ">1.2.3-0 <1.2.4" "1.2.3" }}|{{ semverCompare ">1.2.3-0 <1.2.4" "1.2.0" }}|{{ semverCompare ">1.2.3-0 <1.2.4" "1.3.0" }}|{{ semverCompare ">1.2.3-0 <1.2.4" "2.0.0" }}|{{ semverCompare ">1.2.3-0 <1.2.4" "0.1.2" }}|{{ semverCompare ">1.2.3-0 <1.2.4" "0.1.5" }}|{{ semverCompare ">1.2.3-0 <1.2.4" "0.0.3" }}|{{ semverCompare ">1.2.3-0 <1.2.4" "0.0.0" }}|{{ semverCompare ">1.2.3-0 <1.2.4" "1.21.0" }}|{{ semverCompare ">1.2.3-0 <1.2.4" "1.21.3-gke.100" }}|{{ semverCompare ">1.2.3-0 <1.2.4" "1.20.15-eks-abc" }}|{{ semverCompare ">1.2.3-0 <1.2.4" "v1.22.1" }}|{{ semverCompare ">1.2.3-0 <1.2.4" "1.2.3-alpha" }}|{{ semverCompare ">1.2.3-0 <1.2.4" "1.2.3-beta.2" }}|{{ semverCompare ">1.2.3-0 <1.2.4" "1.2.3+meta" }}|{{ semverCompare ">1.2.3-0 <1.2.4" "1.2" }}|{{ semverCompare ">1.2.3-0 <1.2.4" "1" }}|{{ semverCompare ">1.2.3-0 <1.2.4" "3.0.0" }}"#,
    r#"{{ semverCompare ">1.0" "v1.2.3-rc.1+build.5" }}|{{ semverCompare "<1.0.0-rc.2" "1.0.0-rc.10" }}|{{ semverCompare ">1.0.0-alpha" "1.0.0-alpha.1" }}|{{ semverCompare ">1.0.0-alpha.beta" "1.0.0-alpha.1" }}|{{ semverCompare ">=1.0.0-0" "1.0.0-1" }}"#,
    r#"{{ semverCompare "abc" "1.0.0" }}"#,
    r#"{{ semverCompare ">=1.2.3 ||" "1.0.0" }}"#,
    r#"{{ semverCompare "" "1.0.0" }}"#,
    r#"{{ semverCompare ">== 1" "1.0.0" }}"#,
    r#"{{ semverCompare "1|2" "1.0.0" }}"#,
    r#"{{ semverCompare "1.0.0" "1.2.3.4" }}"#,
    r#"{{ semverCompare "1.0.0" "99999999999999999999.0.0" }}"#,
    r#"{{ semverCompare "1.0.0" "1.2.3-01" }}"#,
    r#"{{ semverCompare "1.0.0" "" }}"#,
    r#"{{ semverCompare "1.0.0" "a.b.c" }}"#,
    r#"{{ semverCompare "99999999999999999999" "1.0.0" }}"#,
    r#"{{ semver "1.2.3" }}|{{ semver "v1.2" }}|{{ (semver "1.2.3-rc.1+b5").Major }}|{{ (semver "1.2.3-rc.1+b5").Minor }}|{{ (semver "1.2.3-rc.1+b5").Patch }}|{{ (semver "1.2.3-rc.1+b5").Prerelease }}|{{ (semver "1.2.3-rc.1+b5").Metadata }}|{{ (semver "v1.2").Original }}|{{ typeOf (semver "1.0.0") }}"#,
    r#"{{ (semver "1.2.3").Compare (semver "1.2.4") }}|{{ (semver "1.2.3").Compare (semver "1.2.3+x") }}|{{ (semver "2.0.0").GreaterThan (semver "1.9.9") }}|{{ (semver "1.0.0-a").LessThan (semver "1.0.0") }}|{{ (semver "1.0").Equal (semver "1.0.0") }}"#,
    r#"{{ (semver "v1.2.3-rc.1").IncPatch }}|{{ (semver "1.2.3").IncPatch }}|{{ (semver "1.2.3").IncMinor }}|{{ (semver "1.2.3+m").IncMajor }}"#,
    r#"{{ semver "1.2.3.4" }}"#,
    r#"{{ semver "1.0.0-00" }}"#,
    r#"{{ semver .m.a }}"#,
    r#"{{ semverCompare "1" }}"#,
    // json: Go's encoding/json (sorted keys, HTML escapes in all but toRawJson, float64 forms)
    r#"{{ toJson .m }}|{{ toJson .l }}|{{ toJson "<a&b>" }}|{{ toRawJson "<a&b>" }}|{{ toJson nil }}|{{ toJson 1.5 }}|{{ toJson 1e21 }}|{{ toJson 1e-7 }}|{{ toJson 0.000001 }}|{{ toJson 123456789.0 }}|{{ toJson list }}|{{ toJson dict }}|{{ toJson 12 }}|{{ toJson -0.5 }}|{{ toJson 1e20 }}|{{ toJson 5e-324 }}|{{ toJson true }}"#,
    r#"{{ toPrettyJson .m }}|{{ toPrettyJson (dict "a" (list 1 (dict) (list)) "b" (dict "c" nil)) }}|{{ toPrettyJson list }}|{{ toPrettyJson "x" }}|{{ mustToPrettyJson .l }}"#,
    r#"{{ toJson "\u2028\u2029\x01\x1f\b\f\t\r\n\"\\/é😀\x7f" }}|{{ toRawJson "\u2028<\x01>" }}|{{ mustToJson (dict "<k>" "&") }}|{{ mustToRawJson (dict "<k>" "&" "a" (list 1 2.5 nil)) }}"#,
    r#"{{ toJson (semver "1.2.3") }}|{{ toJson (dict "z" 1 "a" 2 "m" (dict "y" 1 "b" 2)) }}|{{ toJson (fromJson "{\"b\":1,\"a\":[true,null,\"x\"]}") }}"#,
    r#"{{ fromJson "{\"a\": [1, 2.5, \"x\", true, null, {}]}" }}|{{ fromJson "bad" }}|{{ (fromJson "{\"a\":1}").a }}|{{ typeOf (fromJson "1") }}|{{ fromJson "1e6" }}|{{ fromJson "\"\\ud83d\\ude00\\u00e9\\n\\/\"" }}|{{ fromJson " [ ] " }}|{{ fromJson "-0.5e+2" }}|{{ fromJson "{\"a\":1,\"a\":2}" }}"#,
    r#"{{ mustFromJson "{\"a\" 1}" }}"#,
    r#"{{ mustFromJson "[1,2" }}"#,
    r#"{{ mustFromJson "tru" }}"#,
    r#"{{ mustFromJson "trux" }}"#,
    r#"{{ mustFromJson "nul" }}"#,
    r#"{{ mustFromJson "1 2" }}"#,
    r#"{{ mustFromJson "\"\\x\"" }}"#,
    r#"{{ mustFromJson "\"\\" }}"#,
    r#"{{ mustFromJson "\"abc" }}"#,
    r#"{{ mustFromJson "{1:2}" }}"#,
    r#"{{ mustFromJson "{" }}"#,
    r#"{{ mustFromJson "{\"a\":1," }}"#,
    r#"{{ mustFromJson "{\"a\":1,}" }}"#,
    r#"{{ mustFromJson "[1,]" }}"#,
    r#"{{ mustFromJson "-" }}"#,
    r#"{{ mustFromJson "-x" }}"#,
    r#"{{ mustFromJson "1." }}"#,
    r#"{{ mustFromJson "1.e" }}"#,
    r#"{{ mustFromJson "1e" }}"#,
    r#"{{ mustFromJson "1ex" }}"#,
    r#"{{ mustFromJson "[1 2]" }}"#,
    r#"{{ mustFromJson "1e400" }}"#,
    r#"{{ mustFromJson "[1e400, x]" }}"#,
    r#"{{ mustFromJson "\"\\u12g4\"" }}"#,
    r#"{{ mustFromJson "\"\\u12" }}"#,
    r#"{{ mustFromJson "" }}"#,
    r#"{{ mustFromJson "  " }}"#,
    r#"{{ mustFromJson "'a'" }}"#,
    r#"{{ mustFromJson "é" }}"#,
    r#"{{ mustFromJson "{\"a\":1 \"b\"}" }}"#,
    r#"{{ mustFromJson "01" }}"#,
    r#"{{ mustFromJson "\"a\tb\"" }}"#,
    r#"{{ mustFromJson .m.a }}"#,
    r#"{{ toJson }}"#,
    // random: the shape only (same output because each template prints a check; not the
    // length of b64dec of random bytes: invalid UTF-8 becomes U+FFFD here, 3 bytes each)
    r#"{{ regexMatch "^[a-zA-Z0-9]{40}$" (randAlphaNum 40) }}|{{ regexMatch "^[a-zA-Z]{40}$" (randAlpha 40) }}|{{ regexMatch "^[0-9]{40}$" (randNumeric 40) }}|{{ regexMatch "^[ -~]{200}$" (randAscii 200) }}|{{ randAlpha 0 }}|{{ randAlphaNum -1 }}|{{ randNumeric -5 | len }}|{{ randAscii 0 | len }}"#,
    r#"{{ regexMatch "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$" uuidv4 }}|{{ ne uuidv4 uuidv4 }}|{{ randBytes 24 | len }}|{{ randBytes 10 | len }}|{{ randBytes 0 }}|{{ regexMatch "^[A-Za-z0-9+/]{32}$" (randBytes 24) }}"#,
    r#"{{ $n := randInt 3 7 }}{{ and (ge $n 3) (lt $n 7) }}|{{ randInt 5 6 }}|{{ randInt -3 -2 }}|{{ typeOf (randInt 1 9) }}"#,
    r#"{{ randInt 5 5 }}"#,
    r#"{{ randInt 6 5 }}"#,
    r#"{{ randBytes -1 }}"#,
    r#"{{ uuidv4 1 }}"#,
    r#"{{ randAlpha .m.a }}"#,
    // math
    r#"{{ atoi "12" }}|{{ atoi "x" }}|{{ float64 "1.5" }}|{{ toDecimal "0777" }}|{{ int64 "3" }}"#,
    r#"{{ add1 1 }}|{{ add 1 2 "3" }}|{{ sub 5 2 }}|{{ div 7 2 }}|{{ mod 7 3 }}|{{ mul 2 3 4 }}|{{ max 1 5 3 }}|{{ min 4 2 8 }}"#,
    r#"{{ add1f 1.5 }}|{{ addf 1.5 2 }}|{{ subf 5 1.5 }}|{{ divf 7 2 }}|{{ mulf 1.5 2 }}|{{ maxf 1 2.5 }}|{{ minf 1 2.5 }}"#,
    r#"{{ ceil 1.2 }}|{{ floor 1.8 }}|{{ round 1.2345 2 }}|{{ round 2.5 0 }}"#,
    r#"{{ div 1 0 }}"#,
    r#"{{ mod 1 0 }}"#,
    r#"{{ add 1.9 1 }}|{{ mul "a" 2 }}"#,
];

fn data() -> serde_json::Value {
    json!({"l": [1, 2, 3], "s": ["b", "a", "c"], "m": {"a": 1, "b": "two"}, "n": {"x": {"y": "found"}}})
}

#[test]
fn matches_go() {
    let go = Oracle::start().unwrap_or_else(|e| panic!("the Go oracle is required: {e}"));
    let mut failures = Vec::new();
    for text in CORPUS {
        let mut req = Request::single(text, data());
        req.sprig = true;
        let (g, r) = (go.run(&req), ours(&req));
        let same = match (&g, &r) {
            (Ok(a), Ok(b)) => a == b,
            // The message after `at <NODE>: `: Go reports an argument's type error at the
            // argument, circleci-gotemplate at the function (the engine's gap, not Sprig's).
            (Err(a), Err(b)) => a == b || (a.split_once(">: ").map(|x| x.1) == b.split_once(">: ").map(|x| x.1)),
            _ => false,
        };
        if !same {
            failures.push(format!("{text}\n  go:   {g:?}\n  ours: {r:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        CORPUS.len(),
        failures.join("\n")
    );
}
