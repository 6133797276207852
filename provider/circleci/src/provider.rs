//! The provider's own configuration and the list of what it serves.

use std::sync::Arc;

use async_trait::async_trait;
use circleci_cty::Value;
use circleci_tfplugin::schema::{Block, Schema};
use circleci_tfplugin::{DataSource, Diagnostics, Provider, Resource};

#[derive(Default)]
pub struct CircleCiProvider;

/// What every resource operation can use once the provider is configured.
#[derive(Debug, Default)]
pub struct ProviderData {}

#[async_trait]
impl Provider for CircleCiProvider {
    type Data = ProviderData;

    fn schema(&self) -> Schema {
        Schema::new(Block::new(
            "Stands up a self-hosted CircleCI Server 3.x: Nomad mTLS material, cloud resources and the server install.",
        ))
    }

    async fn configure(&self, _config: &Value, terraform_version: &str) -> Result<ProviderData, Diagnostics> {
        tracing::debug!(terraform_version, "provider configured");
        Ok(ProviderData {})
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<ProviderData>>> {
        vec![Arc::new(crate::nomad::tls::NomadTls)]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<ProviderData>>> {
        vec![]
    }
}
