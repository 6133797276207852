//! The provider's own configuration and the list of what it serves.

use std::sync::Arc;

use async_trait::async_trait;
use circleci_core::cloud::{CloudHalf, CloudResource, ResourceKind};
use circleci_cty::Value;
use circleci_tfplugin::schema::{Block, Schema};
use circleci_tfplugin::{DataSource, Diagnostic, Diagnostics, Provider, Resource};

#[derive(Default)]
pub struct CircleCiProvider;

/// A provider block as `configure` found it.
#[derive(Default)]
pub enum Configured<T> {
    /// The block is left out.
    #[default]
    Absent,
    /// The block refers to values Terraform does not know yet (e.g. the host of a cluster made
    /// in the same apply). Terraform configures the provider again, with them known, before it
    /// applies; until then nothing may stand in for them: not the environment, not a local
    /// kubeconfig.
    Unknown(&'static str),
    Ready(T),
}

impl<T> Configured<T> {
    /// Configures the block `name` with `make` when it is there and wholly known.
    async fn from_config<F, Fut>(config: &Value, name: &'static str, make: F) -> Result<Self, Diagnostics>
    where
        F: FnOnce(Value) -> Fut,
        Fut: std::future::Future<Output = Result<T, Diagnostics>>,
    {
        match config.attr(name) {
            Value::Null => Ok(Configured::Absent),
            block if !block.is_wholly_known() => {
                tracing::info!(
                    block = name,
                    "provider block not known until apply; configuring it then"
                );
                Ok(Configured::Unknown(name))
            }
            block => Ok(Configured::Ready(make(block.clone()).await?)),
        }
    }

    fn get(&self, absent: fn() -> Diagnostic) -> Result<&T, Diagnostic> {
        match self {
            Configured::Absent => Err(absent()),
            Configured::Unknown(name) => Err(Diagnostic::error(
                format!("The provider's {name} block is not known yet"),
                format!(
                    "The {name} block refers to values that exist only after apply (e.g. a cluster made in the same \
                     configuration), and this operation needs them now. Apply what the block refers to first \
                     (terraform apply -target=...), or give the block known values."
                ),
            )),
            Configured::Ready(value) => Ok(value),
        }
    }
}

/// What every resource operation can use once the provider is configured.
#[derive(Default)]
pub struct ProviderData {
    #[cfg(feature = "aws")]
    pub aws: Configured<circleci_aws::Aws>,
    #[cfg(feature = "gcp")]
    pub gcp: Configured<circleci_gcp::Gcp>,
    #[cfg(feature = "kubernetes")]
    pub cluster: Configured<circleci_kubernetes::Cluster>,
}

#[cfg(feature = "gcp")]
impl circleci_gcp::GcpData for ProviderData {
    fn gcp(&self) -> Result<&circleci_gcp::Gcp, Diagnostic> {
        self.gcp.get(circleci_gcp::not_configured)
    }
}

#[cfg(feature = "aws")]
impl circleci_aws::AwsData for ProviderData {
    fn aws(&self) -> Result<&circleci_aws::Aws, Diagnostic> {
        self.aws.get(circleci_aws::not_configured)
    }
}

#[cfg(feature = "kubernetes")]
impl circleci_kubernetes::KubernetesData for ProviderData {
    fn cluster(&self) -> Result<&circleci_kubernetes::Cluster, Diagnostic> {
        self.cluster.get(circleci_kubernetes::not_configured)
    }

    fn cluster_known(&self) -> bool {
        !matches!(self.cluster, Configured::Unknown(_))
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
        let aws = Configured::from_config(config, "aws", |block| async move {
            circleci_aws::Aws::from_block(&block).await
        })
        .await?;
        #[cfg(feature = "gcp")]
        let gcp = Configured::from_config(config, "gcp", |block| async move {
            circleci_gcp::Gcp::from_block(&block).await
        })
        .await?;
        #[cfg(feature = "kubernetes")]
        let cluster = Configured::from_config(config, "kubernetes", |block| async move {
            circleci_kubernetes::Cluster::from_block(&block).await
        })
        .await?;
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
                    #[cfg(feature = "gcp")]
                    Arc::new(circleci_gcp::object_storage::ObjectStorage),
                ],
            ),
            cloud_resource(
                load_balancer::LoadBalancer,
                vec![
                    #[cfg(feature = "aws")]
                    Arc::new(circleci_aws::load_balancer::LoadBalancer),
                    #[cfg(feature = "gcp")]
                    Arc::new(circleci_gcp::load_balancer::LoadBalancer),
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
                    #[cfg(feature = "gcp")]
                    Arc::new(circleci_gcp::vm_service_access::VmServiceAccess),
                ],
            ),
        ];
        #[cfg(feature = "kubernetes")]
        resources.push(Arc::new(circleci_kubernetes::install::ServerInstall));
        resources
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<ProviderData>>> {
        let mut data_sources: Vec<Arc<dyn DataSource<ProviderData>>> = vec![
            Arc::new(circleci_core::nomad_client_config::NomadClientConfig),
            Arc::new(circleci_charts::template::ChartTemplate),
        ];
        #[cfg(feature = "kubernetes")]
        data_sources.extend([
            Arc::new(circleci_kubernetes::manifests::ServerManifests) as Arc<dyn DataSource<ProviderData>>,
            Arc::new(circleci_kubernetes::status::ServerStatus),
        ]);
        data_sources
    }
}
