//! The provider's own configuration and the list of what it serves.

use std::sync::Arc;

use async_trait::async_trait;
use circleci_cty::Value;
use circleci_tfplugin::schema::{Block, Schema};
use circleci_tfplugin::{DataSource, Diagnostics, Provider, Resource};

#[derive(Default)]
pub struct CircleCiProvider;

/// What every resource operation can use once the provider is configured.
#[derive(Default)]
pub struct ProviderData {
    #[cfg(feature = "aws")]
    pub aws: Option<circleci_aws::Aws>,
    #[cfg(feature = "kubernetes")]
    pub cluster: Option<crate::server::cluster::Cluster>,
}

#[cfg(feature = "aws")]
impl circleci_aws::AwsData for ProviderData {
    fn aws(&self) -> Result<&circleci_aws::Aws, circleci_tfplugin::Diagnostic> {
        self.aws.as_ref().ok_or_else(|| {
            circleci_tfplugin::Diagnostic::error(
                "AWS is not configured",
                "This resource lives in AWS: add an aws { region = \"...\" } block to the circleci provider, or set AWS_REGION.",
            )
        })
    }
}

#[async_trait]
impl Provider for CircleCiProvider {
    type Data = ProviderData;

    fn schema(&self) -> Schema {
        let block = Block::new(
            "Stands up a self-hosted CircleCI Server 3.x: Nomad mTLS material, cloud resources and the server install.",
        );
        #[cfg(feature = "aws")]
        let block = block.block(circleci_aws::provider_block());
        #[cfg(feature = "kubernetes")]
        let block = block.block(crate::server::cluster::provider_block());
        Schema::new(block)
    }

    async fn configure(&self, config: &Value, terraform_version: &str) -> Result<ProviderData, Diagnostics> {
        tracing::debug!(terraform_version, "configuring provider");
        #[cfg(feature = "aws")]
        let aws = match config.attr("aws") {
            Value::Null => None,
            block => Some(circleci_aws::Aws::from_block(block).await?),
        };
        #[cfg(feature = "kubernetes")]
        let cluster = match config.attr("kubernetes") {
            Value::Null => None,
            block => Some(crate::server::cluster::Cluster::from_block(block).await?),
        };
        let _ = config;
        Ok(ProviderData {
            #[cfg(feature = "aws")]
            aws,
            #[cfg(feature = "kubernetes")]
            cluster,
        })
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<ProviderData>>> {
        vec![
            Arc::new(crate::nomad::tls::NomadTls),
            #[cfg(feature = "kubernetes")]
            Arc::new(crate::server::install::ServerInstall),
            #[cfg(feature = "aws")]
            Arc::new(circleci_aws::object_storage::ObjectStorage),
            #[cfg(feature = "aws")]
            Arc::new(circleci_aws::load_balancer::LoadBalancer),
            #[cfg(feature = "aws")]
            Arc::new(circleci_aws::nomad_client_group::NomadClientGroup),
            #[cfg(feature = "aws")]
            Arc::new(circleci_aws::vm_service_image::VmServiceImage),
            #[cfg(feature = "aws")]
            Arc::new(circleci_aws::vm_service_access::VmServiceAccess),
        ]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<ProviderData>>> {
        vec![
            Arc::new(crate::nomad::client_config::NomadClientConfig),
            Arc::new(crate::server::manifests::ServerManifests),
            #[cfg(feature = "kubernetes")]
            Arc::new(crate::server::status::ServerStatus),
        ]
    }
}
