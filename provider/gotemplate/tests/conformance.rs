//! The hand-written corpus: every template runs through this crate and Go's text/template (the
//! oracle, Go builtins only) over several data sets and `missingkey` options; the outcomes must
//! agree (same output, or both fail; parse errors with the same `template: NAME:LINE:`).

mod common;

use common::oracle::Request;
use serde_json::json;

const TEMPLATES: &[&str] = &[
    // text, trimming, comments
    "plain text",
    "",
    "a {{- \" b \" -}} c",
    "a  {{- 1}}",
    "{{1 -}}  \n b",
    "a{{/* c */}}b",
    "a {{- /* c */ -}} b",
    "{{/* unclosed",
    "{{/* c */ x}}",
    "{{-1}}",
    "{{ -1 }}",
    "{{3 -}}\n\n{{- 4}}",
    "x\n{{- .a}}\ny",
    // literals
    "{{1}} {{1.5}} {{1e3}} {{0x1F}} {{0o17}} {{017}} {{0b101}} {{1_000}} {{-7}} {{+3}}",
    "{{1e21}} {{1e20}} {{123456789.0}} {{0.00001}} {{0.0001}}",
    "{{'a'}} {{'\\n'}} {{'\\x41'}}",
    "{{\"a\\tb\\u00e9\\\\\"}}",
    "{{`raw\\n`}}",
    "{{true}} {{false}} {{nil}}",
    "{{.}}",
    "{{99999999999999999999}}",
    "{{1.5.2}}",
    "{{08}}",
    "{{0x}}",
    "{{\"unterminated}}",
    "{{'ab'}}",
    "{{1e400}}",
    "{{0x1p4}}",
    "{{.5}}",
    // fields
    "{{.a}}",
    "{{.b}}",
    "{{.s}}",
    "{{.l}}",
    "{{.m}}",
    "{{.m.x}}",
    "{{.m.y.z}}",
    "{{.missing}}",
    "{{.missing.deeper}}",
    "{{.null}}",
    "{{.null.x}}",
    "{{.s.x}}",
    "{{.a.x}}",
    "{{.l.x}}",
    "{{.m.x.y}}",
    "{{.f}}",
    "{{.i}}",
    "{{.big}}",
    "{{.neg}}",
    "{{.e}}",
    "{{$.a}}",
    "{{$}}",
    "{{ (.m).x }}",
    "{{ (.m.y).z }}",
    "{{ (index .l 0) }}",
    "{{.a 1}}",
    "{{.m.x 1}}",
    "{{ 1 | .m.x }}",
    "{{ nil.a }}",
    "{{ \"x\".y }}",
    // variables
    "{{$x := 1}}{{$x}}",
    "{{$x := .m}}{{$x.x}}",
    "{{$x := 1}}{{$x = 2}}{{$x}}",
    "{{$x}}",
    "{{$x := 1}}{{if true}}{{$x = 3}}{{end}}{{$x}}",
    "{{if true}}{{$y := 1}}{{end}}{{$y}}",
    "{{$x := .missing}}{{$x.foo}}",
    "{{$x := .null}}{{$x.foo}}",
    "{{$x := 1}}{{$x 2}}",
    "{{$x, $y := 1}}",
    "{{with $x := .m}}{{$x.x}}{{end}}",
    "{{$ := 5}}{{$}}",
    // pipelines
    "{{.a | print}}",
    "{{1 | printf \"%d-%d\" 2}}",
    "{{\"x\" | 2}}",
    "{{.a | .b}}",
    "{{ print | print }}",
    "{{ (print 1 2) }}",
    "{{ (1) 2 }}",
    "{{ | }}",
    "{{ ) }}",
    "{{ ( }}",
    "{{ (1 }}",
    "{{ 1) }}",
    "{{ print (print \"a\") (print \"b\") }}",
    "{{ .a | printf \"%v\" | printf \"[%s]\" }}",
    // if / else
    "{{if .a}}A{{end}}",
    "{{if .missing}}A{{else}}B{{end}}",
    "{{if .zero}}A{{else if .a}}B{{else}}C{{end}}",
    "{{if .es}}A{{else}}B{{end}}",
    "{{if .el}}A{{else}}B{{end}}",
    "{{if .em}}A{{else}}B{{end}}",
    "{{if .null}}A{{else}}B{{end}}",
    "{{if .f}}A{{else}}B{{end}}",
    "{{if 0.0}}A{{else}}B{{end}}",
    "{{if .t}}A{{else}}B{{end}}",
    "{{if}}{{end}}",
    "{{if .a}}",
    "{{else}}",
    "{{end}}",
    "{{if .a}}{{else}}{{else}}{{end}}",
    "{{if .a}}x{{else if}}y{{end}}",
    "{{if .a}}x{{end}}{{end}}",
    "{{if $x := .m}}{{$x.x}}{{end}}",
    "{{if .a}}A{{else with .m}}B{{end}}",
    "{{with .m}}A{{else if .a}}B{{end}}",
    // with
    "{{with .m}}{{.x}}{{end}}",
    "{{with .missing}}A{{else}}B{{end}}",
    "{{with .s}}{{.}}{{end}}",
    "{{with .zero}}A{{else}}{{.a}}{{end}}",
    "{{with .m}}{{$.a}}{{end}}",
    "{{with $x := .l}}{{index $x 1}}{{end}}",
    // range
    "{{range .l}}[{{.}}]{{end}}",
    "{{range $i, $e := .l}}{{$i}}={{$e}};{{end}}",
    "{{range $e := .l}}{{$e}}{{end}}",
    "{{range .m}}{{.}},{{end}}",
    "{{range $k, $v := .m}}{{$k}}:{{$v}} {{end}}",
    "{{range .el}}x{{else}}empty{{end}}",
    "{{range .missing}}x{{else}}none{{end}}",
    "{{range .null}}x{{else}}nil{{end}}",
    "{{range .a}}x{{end}}",
    "{{range .s}}x{{end}}",
    "{{range 5}}x{{end}}",
    "{{range .t}}x{{end}}",
    "{{range .l}}{{if eq . 2.0}}{{break}}{{end}}{{.}}{{end}}",
    "{{range .l}}{{if eq . 2.0}}{{continue}}{{end}}{{.}}{{end}}",
    "{{break}}",
    "{{range .l}}{{break 1}}{{end}}",
    "{{range $i, $e, $z := .l}}{{end}}",
    "{{range $i, 1 := .l}}{{end}}",
    "{{range .ll}}{{range .}}{{.}}{{end}};{{end}}",
    "{{range $i, $e := .ll}}{{range $e}}{{$i}}{{.}}{{end}}{{end}}",
    "{{range .lm}}{{.n}}{{end}}",
    "{{range .l}}{{$x := .}}{{$x}}{{end}}",
    "{{range .l}}{{.x}}{{end}}",
    "{{range .lm}}{{.missing}}{{end}}",
    "{{range .m}}{{$.a}}{{end}}",
    "{{range $x := .l}}{{end}}{{$x}}",
    // define / template / block
    "{{define \"x\"}}X{{.}}{{end}}{{template \"x\" .a}}",
    "{{define \"x\"}}X{{end}}{{template \"x\"}}",
    "{{template \"nope\"}}",
    "{{define \"x\"}}{{.missing.y}}{{end}}{{template \"x\" .}}",
    "{{define \"x\"}}{{.a.b}}{{end}}{{template \"x\" .}}",
    "{{block \"b\" .m}}{{.x}}{{end}}",
    "{{define \"x\"}}a{{end}}{{define \"x\"}}b{{end}}",
    "{{define \"x\"}}a{{end}}{{define \"x\"}} {{end}}{{template \"x\"}}",
    "{{define \"t\"}}inner{{end}}",
    "{{define x}}{{end}}",
    "{{define \"x\"}}",
    "{{define \"x\"}}{{else}}{{end}}",
    "{{template .a}}",
    "{{define \"r\"}}{{if gt . 0.0}}{{.}}{{template \"r\" (len (slice \"xxxx\" 1))}}{{end}}{{end}}{{template \"r\" 3.0}}",
    "{{define \"x\"}}{{$}}{{end}}{{template \"x\" .m}}",
    "{{define \"x\"}}{{$y}}{{end}}{{$y := 1}}",
    "\n\n{{define \"x\"}}\n{{.a.b}}{{end}}{{template \"x\" .}}",
    // comparisons
    "{{eq 1 1}} {{eq 1 2}} {{eq 1 2 1}} {{eq \"a\" \"a\"}} {{eq .a 1.5}} {{eq .a .a}}",
    "{{eq 1 1.0}}",
    "{{eq .s 1}}",
    "{{eq .missing nil}}",
    "{{eq .missing \"x\"}}",
    "{{eq .null nil}}",
    "{{eq nil nil}}",
    "{{eq .l .l}}",
    "{{eq .m .m}}",
    "{{eq .l .m}}",
    "{{eq 1}}",
    "{{eq}}",
    "{{ne 1 2}} {{ne \"a\" \"a\"}}",
    "{{ne 1 \"a\"}}",
    "{{lt 1 2}} {{lt 2 1}} {{lt \"a\" \"b\"}} {{lt 1.5 2.5}}",
    "{{lt 1 2.0}}",
    "{{lt true false}}",
    "{{lt .missing 1}}",
    "{{lt .l 1}}",
    "{{le 1 1}} {{le 2 1}} {{gt 2 1}} {{gt 1 1}} {{ge 1 1}} {{ge 0 1}}",
    "{{gt \"b\" \"a\"}}",
    "{{le 1}}",
    "{{lt 1 2 3}}",
    "{{eq .t true}}",
    "{{eq .a 1}}",
    "{{if eq .s \"str\"}}yes{{end}}",
    // and / or / not
    "{{and 1 2}} {{and 0 2}} {{or 0 2}} {{or 0 \"\"}} {{and}}",
    "{{and .missing .x.y}}",
    "{{or .a .x.y}}",
    "{{or .missing .null}}",
    "{{and .m .l}}",
    "{{not 1}} {{not 0}} {{not .missing}} {{not .l}}",
    "{{not}}",
    "{{not 1 2}}",
    "{{ 1 | and 2 }}",
    "{{ 0 | or 0 }}",
    "{{or .zero .es .a}}",
    // len / index / slice
    "{{len .s}} {{len .l}} {{len .m}}",
    "{{len .a}}",
    "{{len .missing}}",
    "{{len .null}}",
    "{{len 3}}",
    "{{len}}",
    "{{index .l 0}} {{index .l 1}}",
    "{{index .l 5}}",
    "{{index .l 3}}",
    "{{index .l -1}}",
    "{{index .m \"x\"}}",
    "{{index .m \"nope\"}}",
    "{{index .ll 1 0}}",
    "{{index .s 0}}",
    "{{index .s 10}}",
    "{{index .a 0}}",
    "{{index .missing 0}}",
    "{{index .null 0}}",
    "{{index .l \"a\"}}",
    "{{index .m 1}}",
    "{{index .l}}",
    "{{index .l 1.0}}",
    "{{index .m .missing}}",
    "{{index .lm 0 \"n\"}}",
    "{{index .l .missing}}",
    "{{slice .s 1 3}} {{slice .s 1}} {{slice .s}}",
    "{{slice .l 1}}",
    "{{slice .l 1 2}}",
    "{{slice .l 0 1 2}}",
    "{{slice .s 0 1 2}}",
    "{{slice .s 3 1}}",
    "{{slice .s 0 10}}",
    "{{slice .a 1}}",
    "{{slice .missing 1}}",
    "{{slice .l 1 2 3 4}}",
    // print family
    "{{print 1 2 \"a\" 3 \"b\" \"c\"}}",
    "{{print .missing}}",
    "{{print nil}}",
    "{{print .l .m}}",
    "{{println 1 \"a\"}}",
    "{{print}}",
    "{{printf \"%d %s %v\" 1 \"a\" .l}}",
    "{{printf \"%5.2f|%-5d|%05d|%x|%X|%o|%b|%e|%g\" 3.14159 42 -42 255 255 8 5 1234.5678 0.000012}}",
    "{{printf \"%q %v %+v %#v\" \"a\\\"b\" .m .m .m}}",
    "{{printf \"%d\" \"x\"}}",
    "{{printf \"%s\"}}",
    "{{printf \"%d\" 1 2}}",
    "{{printf \"%!\"}}",
    "{{printf \"%t %v\" true false}}",
    "{{printf \"%c %U %#U\" 65 9731 9731}}",
    "{{printf \"%T %T %T %T %T %T\" 1 1.5 \"s\" .l .m .missing}}",
    "{{printf \"%%\"}}",
    "{{printf \"%5s|%-5s|%.2s\" \"ab\" \"ab\" \"abcdef\"}}",
    "{{printf \"%x %X % x\" \"hi\" \"hi\" \"hi\"}}",
    "{{printf \"%v\" .null}}",
    "{{printf \"%d\" .missing}}",
    "{{printf \"%d\" .a}}",
    "{{printf \"%f\" .i}}",
    "{{printf \"%d\" .i}}",
    "{{printf \"%6.3v\" 3.14159}}",
    "{{printf \"%+d % d\" 5 5}}",
    "{{printf \"%[2]d %[1]d\" 1 2}}",
    "{{printf \"%*d\" 5 1}}",
    "{{printf \"%.*f\" 2 3.14159}}",
    "{{printf \"%[3]d\" 1 2}}",
    "{{printf 1}}",
    "{{printf .a}}",
    "{{printf .s}}",
    "{{printf .missing}}",
    "{{printf}}",
    "{{printf \"%08.3f|%-8.2e|%+.1e\" -3.14159 1234.5 0.5}}",
    "{{printf \"%#x %#o %#b\" 255 8 5}}",
    "{{printf \"%v %v\" 1e6 1e-7}}",
    "{{printf \"%g %G %e %E\" 1e21 1e-10 0.0 100.0}}",
    "{{printf \"%s\" .l}}",
    "{{printf \"%d\" .l}}",
    "{{printf \"%q\" 65}}",
    "{{printf \"%v\" .lm}}",
    "{{printf \"%10v|%-10v\" .l .l}}",
    "{{printf \"%.0f %.0f %.0f %.1f\" 0.5 1.5 2.5 0.25}}",
    "{{printf \"%5t|%-6t\" true false}}",
    "{{printf \"%x %X %b %.2x %x\" 1.5 -0.1 2.0 3.3 .m}}",
    "{{printf \"%x|%8.3x|%#v\" 0.0 1e10 .l}}",
    "{{printf \"%s %d\" .s}}",
    "{{printf \"%z\" 1}}",
    "{{printf \"%.3g %.10g %g\" 100.0 1.0 123456789.0}}",
    "{{printf \"%#g %#v\" 1.0 1.0}}",
    // html / js / urlquery / call
    "{{html \"<a href='x'>&\\\"\"}}",
    "{{html .missing}}",
    "{{html 1 2}}",
    "{{js \"it's <b> \\\\ \\n = &\"}}",
    "{{urlquery \"a b&c=d/é\"}}",
    "{{urlquery .missing}}",
    "{{call .a}}",
    "{{call .missing}}",
    "{{call}}",
    "{{.s | html}}",
    "{{html .s \"x\" 1}}",
    // errors and odd syntax
    "{{undefinedfn}}",
    "{{.a.}}",
    "{{.a..b}}",
    "{{$x := }}",
    "{{ := 1}}",
    "{{1 2}}",
    "{{\"a\" \"b\"}}",
    "{{nil}}",
    "{{nil 1}}",
    "{{ . 1 }}",
    "{{.a | nil}}",
    "{{ true | not }}",
    "{{ \"x\" | len }}",
    "{{#}}",
    "{{a-b}}",
    "{{ .a\n}}",
    "{{\n.a\n}}",
    "a\n\nb{{.a.b}}",
    "line1\n{{ \"x\" |\n 2 }}",
    "{{if .a}}\n{{.s.x}}\n{{end}}",
    "{{ range .l }}\n  {{ .y }}\n{{ end }}",
    "{{ 1 }}}",
    "{{{ 1 }}",
    "{{.a}}{{",
    "{{ \"\\q\" }}",
    "{{ printf \"%d\" (1) }}",
    "{{ (printf) }}",
    "{{ .m.x | printf \"%v-%v\" .a }}",
    "{{ with .m }}{{ .x | printf \"%s\" }}{{ end }}",
    "{{ $x := 1 }}{{ $x := 2 }}{{ $x }}",
    "{{range $i, $e := .l}}{{if $i}},{{end}}{{$e}}{{end}}",
    "{{ .a | eq 1.5 | not }}",
    "{{ and (eq .s \"str\") (gt .a 1.0) }}",
    "{{ .m.x }}{{ .m.y.z }}{{ range .l }}{{ . }}{{ end }}",
    "{{- range .l }}\n- {{ . }}\n{{- end }}",
];

fn data_sets() -> Vec<serde_json::Value> {
    vec![
        json!({
            "a": 1.5, "b": 2, "s": "str", "l": [1, 2, 3], "m": {"x": "X", "y": {"z": "Z"}}, "null": null, "zero": 0, "es": "", "el": [], "em": {},
            "f": 0.0, "i": 42, "big": 1e21, "neg": -3.25, "e": 1e-7, "t": true, "ll": [[1, 2], ["a"]], "lm": [{"n": 1}, {"n": "two"}, {"n": null}],
        }),
        json!({"a": "text", "l": ["x", "y"], "m": {"x": 1}, "s": "", "t": false, "lm": []}),
        json!(null),
    ]
}

#[test]
fn corpus_matches_go() {
    let oracle = common::start();
    let mut cases = 0;
    let mut mismatches = Vec::new();
    let mut message_diffs = 0;
    for (ti, text) in TEMPLATES.iter().enumerate() {
        for (di, data) in data_sets().into_iter().enumerate() {
            let modes: &[&str] = if di == 0 { &["", "zero", "error"] } else { &[""] };
            for mode in modes {
                let mut req = Request::single(text, data.clone());
                req.missing_key = mode.to_string();
                let go = oracle.run(&req);
                let rs = common::ours(&req);
                cases += 1;
                if let Some(m) = common::compare(&req, &go, &rs) {
                    mismatches.push(format!("#{ti}: {m}"));
                } else if !common::same_message(&go, &rs) {
                    message_diffs += 1;
                    if std::env::var_os("SHOW_MESSAGES").is_some() {
                        eprintln!("message differs #{ti} {text:?}\n  go:   {go:?}\n  ours: {rs:?}");
                    }
                }
            }
        }
    }
    // Custom delimiters and template sets.
    let sets: Vec<Request> = vec![
        Request {
            left: "[[".into(),
            right: "]]".into(),
            ..Request::single("[[ .a ]] {{ .a }} [[- \" x \" -]]", json!({"a": 1}))
        },
        Request {
            left: "<%".into(),
            right: "%>".into(),
            ..Request::single("<% if .a %>y<% end %>", json!({"a": 1}))
        },
        Request {
            templates: vec![
                ("a".into(), "{{define \"x\"}}from a{{end}}A".into()),
                ("b".into(), "{{define \"x\"}}from b{{end}}B{{template \"x\"}}".into()),
            ],
            entry: "a".into(),
            ..Request::default()
        },
        Request {
            templates: vec![
                ("a".into(), "{{define \"x\"}}from a{{end}}{{template \"x\"}}".into()),
                ("b".into(), "{{define \"x\"}}  {{end}}".into()),
            ],
            entry: "a".into(),
            ..Request::default()
        },
        Request {
            templates: vec![
                ("a".into(), "{{template \"b\" .}}".into()),
                ("b".into(), "\n{{.x.y}}".into()),
            ],
            entry: "a".into(),
            data: json!({"x": 1}),
            ..Request::default()
        },
        Request {
            templates: vec![("a".into(), "x".into())],
            entry: "nope".into(),
            ..Request::default()
        },
    ];
    for req in &sets {
        let go = oracle.run(req);
        let rs = common::ours(req);
        cases += 1;
        if let Some(m) = common::compare(req, &go, &rs) {
            mismatches.push(m);
        } else if !common::same_message(&go, &rs) {
            message_diffs += 1;
        }
    }
    eprintln!(
        "corpus: {cases} cases, {} mismatches, {message_diffs} error messages differ",
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {cases} cases differ from Go:\n{}",
        mismatches.len(),
        mismatches.join("\n\n")
    );
}
