//! What a Nomad client of CircleCI Server needs, whatever cloud it runs in: the start-up
//! script (cloud-init user data) rendered from the client attributes and parsed back into them,
//! the client configuration, and the validation every client group shares.
//!
//! May depend on the protocol framework (`circleci-tfplugin`, `circleci-cty`) only: no cloud SDK.

pub mod client;
pub mod startup;

/// The clouds the provider runs Nomad clients (and everything else) in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cloud {
    Aws,
    Gcp,
}

impl Cloud {
    pub const ALL: [Cloud; 2] = [Cloud::Aws, Cloud::Gcp];

    /// The name of the cloud's block in resources and in the provider (`aws`, `gcp`).
    pub fn block_name(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Gcp => "gcp",
        }
    }

    /// Reads a block name back (`"aws"` → [`Cloud::Aws`]).
    pub fn from_block_name(name: &str) -> Option<Cloud> {
        Cloud::ALL.into_iter().find(|c| c.block_name() == name)
    }
}

impl std::fmt::Display for Cloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.block_name())
    }
}
