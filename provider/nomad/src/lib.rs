//! What a Nomad client of CircleCI Server needs, whatever cloud it runs in: the start-up
//! script (cloud-init user data), the client configuration, and the schema attributes and
//! validation that every client group resource shares.

pub mod client;
pub mod startup;
