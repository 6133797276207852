//! Terraform's value model (cty) and its two wire encodings, as used by the plugin protocol.
//! May depend on serde and msgpack crates only: no protocol, no cloud.
//!
//! Decoding is driven by a [`Type`], exactly as Terraform encodes it from the schema:
//!
//! ```
//! use circleci_cty::{Type, Value, msgpack};
//! let ty = Type::object([("name", Type::String), ("size", Type::Number)]);
//! let value = Value::object([("name", Value::from("ci")), ("size", Value::Unknown)]);
//! let bytes = msgpack::encode(&value, &ty).unwrap();
//! assert_eq!(msgpack::decode(&bytes, &ty).unwrap(), value);
//! ```

pub mod json;
pub mod msgpack;
mod path;
mod types;
mod value;

pub use path::{AttributePath, Error, PathStep};
pub use types::Type;
pub use value::{Number, Value};
