//! The provider's own configuration and the list of what it serves.

use std::sync::Arc;

use async_trait::async_trait;
use circleci_core::cloud::{CloudHalf, CloudResource, ResourceKind};
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
    #[cfg(feature = "gcp")]
    pub gcp: Option<circleci_gcp::Gcp>,
    #[cfg(feature = "kubernetes")]
    pub cluster: Option<circleci_kubernetes::Cluster>,
}

#[cfg(feature = "gcp")]
impl circleci_gcp::GcpData for ProviderData {
    fn gcp(&self) -> Result<&circleci_gcp::Gcp, circleci_tfplugin::Diagnostic> {
        self.gcp.as_ref().ok_or_else(circleci_gcp::not_configured)
    }
}

#[cfg(feature = "aws")]
impl circleci_aws::AwsData for ProviderData {
    fn aws(&self) -> Result<&circleci_aws::Aws, circleci_tfplugin::Diagnostic> {
        self.aws.as_ref().ok_or_else(circleci_aws::not_configured)
    }
}

#[cfg(feature = "kubernetes")]
impl circleci_kubernetes::KubernetesData for ProviderData {
    fn cluster(&self) -> Result<&circleci_kubernetes::Cluster, circleci_tfplugin::Diagnostic> {
        self.cluster.as_ref().ok_or_else(circleci_kubernetes::not_configured)
    }
}

/// A resource with the halves of every cloud built in.
fn cloud_resource(
    kind: impl ResourceKind,
    clouds: Vec<Arc<dyn CloudHalf<ProviderData>>>,
) -> Arc<dyn Resource<ProviderData>> {
    Arc::new(CloudResource::new(kind, clouds))
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
        #[cfg(feature = "gcp")]
        let block = block.block(circleci_gcp::provider_block());
        #[cfg(feature = "kubernetes")]
        let block = block.block(circleci_kubernetes::cluster::provider_block());
        Schema::new(block)
    }

    async fn configure(&self, config: &Value, terraform_version: &str) -> Result<ProviderData, Diagnostics> {
        tracing::debug!(terraform_version, "configuring provider");
        #[cfg(feature = "aws")]
        let aws = match config.attr("aws") {
            Value::Null => None,
            block => Some(circleci_aws::Aws::from_block(block).await?),
        };
        #[cfg(feature = "gcp")]
        let gcp = match config.attr("gcp") {
            Value::Null => None,
            block => Some(circleci_gcp::Gcp::from_block(block).await?),
        };
        #[cfg(feature = "kubernetes")]
        let cluster = match config.attr("kubernetes") {
            Value::Null => None,
            block => Some(circleci_kubernetes::Cluster::from_block(block).await?),
        };
        let _ = config;
        Ok(ProviderData {
            #[cfg(feature = "aws")]
            aws,
            #[cfg(feature = "gcp")]
            gcp,
            #[cfg(feature = "kubernetes")]
            cluster,
        })
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<ProviderData>>> {
        use circleci_core::{load_balancer, nomad_client_group, object_storage, vm_service_access, vm_service_image};
        let mut resources: Vec<Arc<dyn Resource<ProviderData>>> = vec![
            Arc::new(circleci_core::nomad_tls::NomadTls),
            cloud_resource(
                object_storage::ObjectStorage,
                vec![
                    #[cfg(feature = "aws")]
                    Arc::new(circleci_aws::object_storage::ObjectStorage),
                ],
            ),
            cloud_resource(
                load_balancer::LoadBalancer,
                vec![
                    #[cfg(feature = "aws")]
                    Arc::new(circleci_aws::load_balancer::LoadBalancer),
                ],
            ),
            cloud_resource(
                nomad_client_group::NomadClientGroup,
                vec![
                    #[cfg(feature = "aws")]
                    Arc::new(circleci_aws::nomad_client_group::NomadClientGroup),
                    #[cfg(feature = "gcp")]
                    Arc::new(circleci_gcp::nomad_client_group::NomadClientGroup),
                ],
            ),
            cloud_resource(
                vm_service_image::VmServiceImage,
                vec![
                    #[cfg(feature = "aws")]
                    Arc::new(circleci_aws::vm_service_image::VmServiceImage),
                    #[cfg(feature = "gcp")]
                    Arc::new(circleci_gcp::vm_service_image::VmServiceImage),
                ],
            ),
            cloud_resource(
                vm_service_access::VmServiceAccess,
                vec![
                    #[cfg(feature = "aws")]
                    Arc::new(circleci_aws::vm_service_access::VmServiceAccess),
                ],
            ),
        ];
        #[cfg(feature = "kubernetes")]
        resources.push(Arc::new(circleci_kubernetes::install::ServerInstall));
        resources
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<ProviderData>>> {
        let mut data_sources: Vec<Arc<dyn DataSource<ProviderData>>> =
            vec![Arc::new(circleci_core::nomad_client_config::NomadClientConfig)];
        #[cfg(feature = "kubernetes")]
        data_sources.extend([
            Arc::new(circleci_kubernetes::manifests::ServerManifests) as Arc<dyn DataSource<ProviderData>>,
            Arc::new(circleci_kubernetes::status::ServerStatus),
        ]);
        data_sources
    }
}
