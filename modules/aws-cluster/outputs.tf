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
