variable "region" {
  description = "Region to make everything in."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Prefix of every name."
  type        = string
  default     = "circleci"
}

variable "tags" {
  description = "Tags on every AWS object (the provider adds its owner tag)."
  type        = map(string)
  default     = { project = "circleci-server" }
}

variable "vpc_id" {
  description = "The VPC the cluster runs in."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the cluster and the Nomad clients."
  type        = list(string)
}

variable "cluster_cidrs" {
  description = "Address ranges of the cluster's nodes and pods: the VM service's VMs accept SSH and Docker from them, and jobs may not reach them."
  type        = list(string)
  default     = ["10.0.0.0/16"]
}

variable "node_group_names" {
  description = "Autoscaling groups of the EKS node groups that receive load balancer traffic."
  type        = list(string)
}

variable "nomad_image_id" {
  description = "Ubuntu 22.04 AMI of the Nomad clients."
  type        = string
}

variable "vm_source_image_id" {
  description = "AMI the VM service's machine image is copied from."
  type        = string
}

variable "node_ports" {
  description = "Node ports of the five Kubernetes services, per role and port."
  type        = map(map(number))
  default = {
    frontend         = { "80" = 30080, "443" = 30443 }
    api              = { "80" = 30081, "443" = 30444 }
    nomad            = { "4647" = 30647 }
    output_processor = { "8585" = 30585 }
    vm_service       = { "3000" = 30300 }
  }
}
