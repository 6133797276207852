//! Garbage in, error out: the value decoders must never panic, whatever the bytes and type.
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run decode -- -max_total_time=60`

#![no_main]

use circleci_cty::{Type, json, msgpack};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the type; the rest is the value. Types cover every kind.
    let Some((&pick, bytes)) = data.split_first() else { return };
    let types = [
        Type::Dynamic,
        Type::String,
        Type::Number,
        Type::Bool,
        Type::list(Type::String),
        Type::set(Type::Number),
        Type::map(Type::Dynamic),
        Type::object([("a", Type::String), ("b", Type::list(Type::object([("c", Type::Number)])))]),
        Type::Tuple(vec![Type::Bool, Type::Dynamic]),
    ];
    let ty = &types[pick as usize % types.len()];
    if let Ok(value) = msgpack::decode(bytes, ty) {
        // Whatever decodes under a static type encodes again and decodes to the same value.
        // (A dynamic value's type is inferred when encoding, so it may legitimately differ.)
        if *ty != Type::Dynamic {
            let again = msgpack::encode(&value, ty).expect("re-encode");
            assert_eq!(msgpack::decode(&again, ty).expect("re-decode"), value);
        } else if let Ok(again) = msgpack::encode(&value, ty) {
            let _ = msgpack::decode(&again, ty);
        }
    }
    let _ = json::decode(bytes, ty);
    let _ = Type::from_json_bytes(bytes);
});
