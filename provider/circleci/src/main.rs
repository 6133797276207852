//! `terraform-provider-circleciserver`: Terraform launches this binary; it serves the provider.

fn main() {
    circleci_tfplugin::plugin::main(terraform_provider_circleciserver::CircleCiProvider)
}
