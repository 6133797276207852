//! Helm charts over the OCI distribution API: pull `oci://HOST/PATH/NAME` at a version or
//! digest (anonymous, basic, or the bearer-token exchange a 401 asks for), with digests checked
//! and a cache by digest; push for tests and the sandbox.
