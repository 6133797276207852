variable "region" {
  description = "AWS region of the cluster."
  type        = string
  default     = "eu-west-1"
}

variable "kubeconfig_path" {
  description = "kubeconfig of the cluster (its current context is used), e.g. from `aws eks update-kubeconfig --kubeconfig PATH` or `gcloud container clusters get-credentials`."
  type        = string
}

variable "tags" {
  description = "Tags on every AWS object (the provider adds its owner tag)."
  type        = map(string)
  default     = { project = "circleci-server" }
}

variable "domain" {
  description = "Domain name of the server (global.domainName), e.g. circleci.example.com."
  type        = string
}

variable "github_client_id" {
  description = "Client ID of the GitHub OAuth app the server signs in with."
  type        = string
}

variable "github_client_secret" {
  description = "Client secret of that OAuth app."
  type        = string
  sensitive   = true
}

variable "license" {
  description = "The license CircleCI sends you."
  type        = string
  sensitive   = true
  default     = null
}

variable "vpc_id" {
  description = "The VPC the cluster runs in."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the cluster."
  type        = list(string)
}

variable "cluster_cidrs" {
  description = "Address ranges of the cluster's nodes and pods: the VM service's VMs accept SSH and Docker from them, and jobs may not reach them."
  type        = list(string)
  default     = ["10.0.0.0/16"]
}

variable "node_group_names" {
  description = "Autoscaling groups of the EKS node groups."
  type        = list(string)
}

variable "access" {
  description = "How the server reaches AWS: \"irsa\" (roles for its Kubernetes service accounts; needs oidc_provider_arn) or \"iam_user\" (IAM users whose keys are kept in state)."
  type        = string
  default     = "irsa"
}

variable "oidc_provider_arn" {
  description = "The EKS cluster's IAM OIDC provider, for access = \"irsa\"."
  type        = string
  default     = null
}

variable "nomad_image_id" {
  description = "Ubuntu 22.04 AMI of the Nomad clients."
  type        = string
}

variable "vm_source_image_id" {
  description = "AMI the VM service's machine image is copied from."
  type        = string
  default     = null
}

variable "delete_data" {
  description = "Destroy also deletes the data (volumes, keysets, the bucket's objects)."
  type        = bool
  default     = false
}
