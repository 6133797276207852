output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = aws_eks_cluster.this.name
}

output "cluster_endpoint" {
  description = "API server URL of the EKS cluster, for the circleciserver provider's kubernetes block."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_ca_certificate" {
  description = "The API server's CA (PEM), for the circleciserver provider's kubernetes block."
  value       = base64decode(aws_eks_cluster.this.certificate_authority[0].data)
}

output "vpc_id" {
  description = "The VPC made for the cluster."
  value       = aws_vpc.this.id
}

output "private_subnet_ids" {
  description = "Its private subnets (cluster, load balancers, Nomad clients)."
  value       = aws_subnet.private[*].id
}

output "load_balancers" {
  description = "Where each of the five load balancers is reached, by role. Point DNS for the domain at frontend and api."
  value       = module.circleci.load_balancers
}

output "nomad_server_endpoint" {
  description = "host:4647 of the Nomad control plane."
  value       = module.circleci.nomad_server_endpoint
}

output "service_status" {
  description = "Readiness of each service of the install."
  value       = module.circleci.service_status
}

output "bucket" {
  description = "The object storage bucket."
  value       = module.circleci.bucket
}

output "cluster_arn" {
  description = "ARN of the EKS cluster, for access entries and IAM policies."
  value       = aws_eks_cluster.this.arn
}

output "cluster_security_group_id" {
  description = "The EKS cluster security group: on the control plane and on every node of the node group, which takes the load balancers' node-port rules. Add rules here for what else must reach the nodes."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "oidc_provider_arn" {
  description = "ARN of the cluster's IAM OIDC provider, for IRSA roles of your own."
  value       = aws_iam_openid_connect_provider.this.arn
}

output "oidc_issuer_url" {
  description = "The cluster's OIDC issuer URL; without https:// it is the prefix of IRSA trust policies' condition keys."
  value       = aws_eks_cluster.this.identity[0].oidc[0].issuer
}

output "node_role_arn" {
  description = "IAM role of the node group's instances."
  value       = aws_iam_role.node.arn
}

output "node_group_autoscaling_group_names" {
  description = "Autoscaling groups of the node group, which the load balancers target."
  value       = aws_eks_node_group.this.resources[0].autoscaling_groups[*].name
}

output "public_subnet_ids" {
  description = "Its public subnets (the NAT gateways; internet-facing load balancers of your own)."
  value       = aws_subnet.public[*].id
}

output "nat_public_ips" {
  description = "Public addresses the cluster, the Nomad clients and the VM service's VMs reach the internet from: allow them on firewalls in front of GitHub Enterprise or registries."
  value       = aws_eip.nat[*].public_ip
}

output "ebs_csi_driver_role_arn" {
  description = "IRSA role of the EBS CSI driver's controller (AmazonEBSCSIDriverPolicy): add KMS grants to it for volumes under a key of your own."
  value       = aws_iam_role.ebs_csi_driver.arn
}

output "default_storage_class" {
  description = "The cluster's default StorageClass, which the data stores' volumes use: the EBS CSI add-on's gp3 class."
  value       = "ebs-csi-default-sc"
}

output "secrets_kms_key_arn" {
  description = "The KMS key that encrypts the cluster's Kubernetes secrets."
  value       = aws_kms_key.secrets.arn
}

output "role_arns" {
  description = "IRSA role ARN of each identity of the server, by name: object_storage, vm_service and nomad_autoscaler."
  value       = module.circleci.role_arns
}

output "load_balancer_arns" {
  description = "ARN of each of the five load balancers, by role."
  value       = module.circleci.load_balancer_arns
}

output "load_balancer_zone_ids" {
  description = "Route 53 hosted zone id of each load balancer, by role, for alias records beside load_balancers."
  value       = module.circleci.load_balancer_zone_ids
}

output "vm_service_security_group_id" {
  description = "Security group of the VM service's VMs."
  value       = module.circleci.vm_service_security_group_id
}

output "nomad_client_security_group_id" {
  description = "Security group of the Nomad clients, for rules that let them reach services of yours."
  value       = module.circleci.nomad_client_security_group_id
}

output "nomad_client_role_arn" {
  description = "IAM role of the Nomad clients' instances (no policies): attach a policy for jobs that need AWS access."
  value       = module.circleci.nomad_client_role_arn
}
