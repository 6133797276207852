# On AWS: a network load balancer, its target groups on the node groups' node ports.
resource "circleciserver_load_balancer" "nomad" {
  name = "circleci-nomad"
  role = "nomad"
  aws {
    vpc_id                         = var.vpc_id
    subnet_ids                     = var.private_subnet_ids
    target_autoscaling_group_names = var.node_group_autoscaling_group_names
    node_ports                     = { "4647" = 30647 }
  }
}

# On GCP: a passthrough load balancer on the GKE node pools' instance groups.
resource "circleciserver_load_balancer" "nomad_gcp" {
  name = "circleci-nomad"
  role = "nomad"
  gcp {
    network         = var.network
    subnetwork      = var.subnetwork_self_link
    instance_groups = var.node_pool_instance_group_urls
    node_ports      = { "4647" = 30647 }
    target_tags     = ["gke-circleci-node"]
    source_ranges   = ["10.0.0.0/8"]
  }
}
