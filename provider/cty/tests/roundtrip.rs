//! Property tests: every value of every type survives both wire encodings, and the decoders
//! turn arbitrary bytes into errors, never panics.

use std::collections::BTreeMap;

use circleci_cty::{Number, Type, Value, json, msgpack};
use proptest::prelude::*;

fn leaf_type() -> impl Strategy<Value = Type> {
    prop_oneof![Just(Type::Bool), Just(Type::Number), Just(Type::String)]
}

fn any_type() -> impl Strategy<Value = Type> {
    leaf_type().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            prop::collection::btree_map("[a-z_]{1,8}", inner.clone(), 0..4).prop_map(Type::Object),
            prop::collection::vec(inner, 0..4).prop_map(Type::Tuple),
        ]
    })
}

fn number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::Int),
        (i64::MAX as u64 + 1..=u64::MAX).prop_map(Number::UInt),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Number::from_f64),
        // Beyond 64 bits: Terraform sends these as decimal strings.
        "[1-9][0-9]{25,40}".prop_map(|s| Number::parse(&s).unwrap()),
        "[1-9][0-9]{0,3}\\.[0-9]{20,30}[1-9]".prop_map(|s| Number::parse(&s).unwrap()),
    ]
}

/// Numbers JSON carries exactly: serde_json reads number literals at 64-bit precision.
fn json_number() -> impl Strategy<Value = Number> {
    number().prop_filter("64-bit", |n| !matches!(n, Number::Big(_)))
}

/// A value of type `ty`; `unknowns` allows unknown values, and big numbers (msgpack only).
fn value_of(ty: Type, unknowns: bool) -> BoxedStrategy<Value> {
    let known: BoxedStrategy<Value> = match ty {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number if unknowns => number().prop_map(Value::Number).boxed(),
        Type::Number => json_number().prop_map(Value::Number).boxed(),
        Type::String => ".{0,12}".prop_map(Value::String).boxed(),
        Type::Dynamic => Just(Value::Null).boxed(),
        Type::List(t) => prop::collection::vec(value_of(*t, unknowns), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(t) => prop::collection::vec(value_of(*t, unknowns), 0..4)
            .prop_map(Value::Set)
            .boxed(),
        Type::Map(t) => prop::collection::btree_map(".{0,6}", value_of(*t, unknowns), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Object(attrs) => {
            let parts: Vec<_> = attrs
                .into_iter()
                .map(|(k, t)| value_of(t, unknowns).prop_map(move |v| (k.clone(), v)))
                .collect();
            parts
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<BTreeMap<_, _>>()))
                .boxed()
        }
        Type::Tuple(types) => {
            let parts: Vec<_> = types.into_iter().map(|t| value_of(t, unknowns)).collect();
            parts.prop_map(Value::Tuple).boxed()
        }
    };
    if unknowns {
        prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 6 => known].boxed()
    } else {
        prop_oneof![1 => Just(Value::Null), 6 => known].boxed()
    }
}

fn typed_value(unknowns: bool) -> impl Strategy<Value = (Type, Value)> {
    any_type().prop_flat_map(move |ty| (Just(ty.clone()), value_of(ty, unknowns)))
}

proptest! {
    #[test]
    fn msgpack_round_trips((ty, value) in typed_value(true)) {
        let bytes = msgpack::encode(&value, &ty).unwrap();
        prop_assert_eq!(msgpack::decode(&bytes, &ty).unwrap(), value);
    }

    #[test]
    fn json_round_trips((ty, value) in typed_value(false)) {
        let bytes = json::encode(&value, &ty).unwrap();
        prop_assert_eq!(json::decode(&bytes, &ty).unwrap(), value);
    }

    #[test]
    fn dynamic_round_trips((ty, value) in typed_value(false)) {
        // A dynamic value carries its type; only shapes whose type can be read back from the
        // value (non-empty collections) compare equal, so check decode(encode(v)) is stable.
        let bytes = msgpack::encode(&value, &Type::Dynamic).unwrap();
        let once = msgpack::decode(&bytes, &Type::Dynamic).unwrap();
        let again = msgpack::decode(&msgpack::encode(&once, &Type::Dynamic).unwrap(), &Type::Dynamic).unwrap();
        prop_assert_eq!(once, again);
        let _ = ty;
    }

    #[test]
    fn type_json_round_trips(ty in any_type()) {
        prop_assert_eq!(Type::from_json_bytes(&ty.to_json_bytes()).unwrap(), ty);
    }

    #[test]
    fn msgpack_garbage_is_an_error_not_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..256), ty in any_type()) {
        let _ = msgpack::decode(&bytes, &ty);
        let _ = msgpack::decode(&bytes, &Type::Dynamic);
    }

    #[test]
    fn json_garbage_is_an_error_not_a_panic(text in ".{0,64}", ty in any_type()) {
        let _ = json::decode(text.as_bytes(), &ty);
    }
}

#[test]
fn numbers_arrive_as_int_float_or_string() {
    let ty = Type::Number;
    // positive fixint 7, float64 1.5, str "123456789012345678901234567890"
    assert_eq!(msgpack::decode(&[0x07], &ty).unwrap(), Value::int(7));
    let mut f = vec![0xcb];
    f.extend_from_slice(&1.5f64.to_be_bytes());
    assert_eq!(msgpack::decode(&f, &ty).unwrap(), Value::Number(Number::Float(1.5)));
    let big = "123456789012345678901234567890";
    let mut s = vec![0xd9, big.len() as u8];
    s.extend_from_slice(big.as_bytes());
    let decoded = msgpack::decode(&s, &ty).unwrap();
    assert_eq!(decoded, Value::Number(Number::Big(big.into())));
    // And it goes back out as the same digits.
    let again = msgpack::decode(&msgpack::encode(&decoded, &ty).unwrap(), &ty).unwrap();
    assert_eq!(again, decoded);
}

#[test]
fn any_extension_is_unknown() {
    // fixext1 type 0 (classic unknown) and ext8 type 12 with a refinement map {1: false}.
    assert_eq!(
        msgpack::decode(&[0xd4, 0x00, 0x00], &Type::String).unwrap(),
        Value::Unknown
    );
    assert_eq!(
        msgpack::decode(&[0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2], &Type::String).unwrap(),
        Value::Unknown
    );
}

#[test]
fn dynamic_is_type_then_value() {
    let value = Value::List(vec![Value::from("a"), Value::from("b")]);
    let bytes = msgpack::encode(&value, &Type::Dynamic).unwrap();
    assert_eq!(msgpack::decode(&bytes, &Type::Dynamic).unwrap(), value);
    let json_bytes = json::encode(&value, &Type::Dynamic).unwrap();
    assert_eq!(
        String::from_utf8(json_bytes.clone()).unwrap(),
        r#"{"type":["list","string"],"value":["a","b"]}"#
    );
    assert_eq!(json::decode(&json_bytes, &Type::Dynamic).unwrap(), value);
}

#[test]
fn wrong_type_names_the_path() {
    let ty = Type::object([("tags", Type::map(Type::String))]);
    let err = json::decode(br#"{"tags":{"team":[1]}}"#, &ty).unwrap_err();
    assert_eq!(err.path.to_string(), r#"tags["team"]"#);
}

#[test]
fn deep_nesting_is_refused() {
    let mut bytes = vec![0x91; 100_000];
    bytes.push(0xc0);
    let ty = Type::Dynamic;
    assert!(msgpack::decode(&bytes, &ty).is_err());
}
