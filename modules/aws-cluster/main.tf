# CircleCI Server from an empty AWS account: a VPC (private subnets behind NAT gateways,
# public subnets for them), an EKS cluster with encrypted secrets, a node group sized for the
# server (IMDSv2 only), the IAM OIDC provider for IRSA, the EBS CSI driver with an encrypted gp3
# default StorageClass for the data stores' volumes, then modules/aws on top. The calling
# module configures the providers: hashicorp/aws for this account and region, and circleci
# with the same region and a `kubernetes` block for this cluster (see examples/aws-complete).

data "aws_partition" "current" {}

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_ami" "ubuntu" {
  count       = var.nomad_image_id == null ? 1 : 0
  owners      = ["099720109477"]
  most_recent = true
  filter {
    name   = "name"
    values = ["ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"]
  }
}

locals {
  partition = data.aws_partition.current.partition
  zones     = slice(data.aws_availability_zones.available.names, 0, var.zone_count)
  image_id  = coalesce(var.nomad_image_id, one(data.aws_ami.ubuntu[*].id))
  cluster   = "${var.name}-server"
  node_tags = merge(var.tags, { "kubernetes.io/cluster/${local.cluster}" = "owned" })
  # One NAT gateway per zone keeps a zone's egress up when another zone fails.
  nat_gateway_count = var.nat_gateway_per_az ? var.zone_count : 1
  # IAM condition keys name the issuer without its scheme.
  oidc_issuer = replace(aws_eks_cluster.this.identity[0].oidc[0].issuer, "https://", "")
  # The EKS add-on's controller runs as this service account.
  ebs_csi_service_account = "system:serviceaccount:kube-system:ebs-csi-controller-sa"
  # Given to both the load balancers and the install's Services (modules/aws).
  node_ports = {
    frontend         = { "80" = 30080, "443" = 30443 }
    api              = { "80" = 30081, "443" = 30444 }
    nomad            = { "4647" = 30647 }
    output_processor = { "8585" = 30585 }
    vm_service       = { "3000" = 30300 }
  }
}

resource "aws_vpc" "this" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = merge(var.tags, { Name = var.name })
}

resource "aws_subnet" "public" {
  count                   = var.zone_count
  vpc_id                  = aws_vpc.this.id
  availability_zone       = local.zones[count.index]
  cidr_block              = cidrsubnet(var.vpc_cidr, 4, count.index)
  map_public_ip_on_launch = false
  tags                    = merge(var.tags, { Name = "${var.name}-public-${local.zones[count.index]}", "kubernetes.io/role/elb" = "1" })
}

resource "aws_subnet" "private" {
  count             = var.zone_count
  vpc_id            = aws_vpc.this.id
  availability_zone = local.zones[count.index]
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, count.index + 8)
  tags              = merge(var.tags, { Name = "${var.name}-private-${local.zones[count.index]}", "kubernetes.io/role/internal-elb" = "1" })
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id
  tags   = merge(var.tags, { Name = var.name })
}

resource "aws_eip" "nat" {
  count  = local.nat_gateway_count
  domain = "vpc"
  tags   = merge(var.tags, { Name = "${var.name}-nat-${local.zones[count.index]}" })
}

resource "aws_nat_gateway" "this" {
  count         = local.nat_gateway_count
  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id
  tags          = merge(var.tags, { Name = "${var.name}-${local.zones[count.index]}" })
  depends_on    = [aws_internet_gateway.this]
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.this.id
  }
  tags = merge(var.tags, { Name = "${var.name}-public" })
}

# Each zone's private subnet leaves through its own zone's NAT gateway, or through the one.
resource "aws_route_table" "private" {
  count  = var.zone_count
  vpc_id = aws_vpc.this.id
  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.this[var.nat_gateway_per_az ? count.index : 0].id
  }
  tags = merge(var.tags, { Name = "${var.name}-private-${local.zones[count.index]}" })
}

resource "aws_route_table_association" "public" {
  count          = var.zone_count
  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table_association" "private" {
  count          = var.zone_count
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}

data "aws_iam_policy_document" "assume" {
  for_each = toset(["eks.amazonaws.com", "ec2.amazonaws.com"])
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = [each.key]
    }
  }
}

resource "aws_iam_role" "cluster" {
  name               = "${local.cluster}-cluster"
  assume_role_policy = data.aws_iam_policy_document.assume["eks.amazonaws.com"].json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
}

resource "aws_kms_key" "secrets" {
  description         = "Envelope encryption of ${local.cluster}'s Kubernetes secrets"
  enable_key_rotation = true
  tags                = var.tags
}

resource "aws_eks_cluster" "this" {
  name     = local.cluster
  version  = var.kubernetes_version
  role_arn = aws_iam_role.cluster.arn
  vpc_config {
    subnet_ids              = aws_subnet.private[*].id
    endpoint_private_access = true
    endpoint_public_access  = length(var.api_public_cidrs) > 0
    public_access_cidrs     = length(var.api_public_cidrs) > 0 ? var.api_public_cidrs : null
  }
  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.secrets.arn
    }
  }
  tags       = var.tags
  depends_on = [aws_iam_role_policy_attachment.cluster]
}

resource "aws_iam_openid_connect_provider" "this" {
  url            = aws_eks_cluster.this.identity[0].oidc[0].issuer
  client_id_list = ["sts.amazonaws.com"]
  tags           = var.tags
}

resource "aws_iam_role" "node" {
  name               = "${local.cluster}-node"
  assume_role_policy = data.aws_iam_policy_document.assume["ec2.amazonaws.com"].json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset([
    "arn:${local.partition}:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:${local.partition}:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:${local.partition}:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
  ])
  role       = aws_iam_role.node.name
  policy_arn = each.key
}

resource "aws_launch_template" "node" {
  name_prefix = "${local.cluster}-node-"
  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }
  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 100
      volume_type = "gp3"
      encrypted   = true
    }
  }
  tag_specifications {
    resource_type = "instance"
    tags          = local.node_tags
  }
  tags = var.tags
}

resource "aws_eks_node_group" "this" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "${local.cluster}-nodes"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = aws_subnet.private[*].id
  instance_types  = [var.node_instance_type]
  scaling_config {
    min_size     = var.node_count
    desired_size = var.node_count
    max_size     = var.node_count + 2
  }
  launch_template {
    id      = aws_launch_template.node.id
    version = aws_launch_template.node.latest_version
  }
  tags       = var.tags
  depends_on = [aws_iam_role_policy_attachment.node]
}

# The load balancers send traffic to the nodes' node ports, keeping the client's address:
# the VPC reaches every node port, the internet only the frontend's and api's.
resource "aws_security_group_rule" "node_ports_from_vpc" {
  type              = "ingress"
  security_group_id = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
  protocol          = "tcp"
  from_port         = 30000
  to_port           = 32767
  cidr_blocks       = [var.vpc_cidr]
  description       = "CircleCI Server load balancers and their health checks"
}

resource "aws_security_group_rule" "public_node_ports" {
  for_each          = toset([for port in flatten([for role in ["frontend", "api"] : values(local.node_ports[role])]) : tostring(port)])
  type              = "ingress"
  security_group_id = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
  protocol          = "tcp"
  from_port         = each.key
  to_port           = each.key
  cidr_blocks       = ["0.0.0.0/0"]
  description       = "CircleCI Server frontend and api through their internet-facing load balancers"
}

# The EBS CSI driver, which provisions the data stores' volumes (EKS 1.23 and later no longer
# do it in-tree), as an EKS add-on whose controller acts as its own IRSA role.
data "aws_iam_policy_document" "ebs_csi_driver_assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.this.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:sub"
      values   = [local.ebs_csi_service_account]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "ebs_csi_driver" {
  name               = "${local.cluster}-ebs-csi-driver"
  assume_role_policy = data.aws_iam_policy_document.ebs_csi_driver_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "ebs_csi_driver" {
  role       = aws_iam_role.ebs_csi_driver.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
}

# The add-on's default StorageClass (ebs-csi-default-sc: gp3, WaitForFirstConsumer, marked
# default) sets no `encrypted` parameter, and its schema takes no parameters for it; with no
# Kubernetes provider here to make a class of our own, the region's EBS encryption by default
# encrypts what it provisions.
resource "aws_ebs_encryption_by_default" "this" {
  count   = var.ebs_encryption_by_default ? 1 : 0
  enabled = true
}

resource "aws_eks_addon" "ebs_csi_driver" {
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = "aws-ebs-csi-driver"
  addon_version               = var.ebs_csi_driver_version
  service_account_role_arn    = aws_iam_role.ebs_csi_driver.arn
  configuration_values        = jsonencode({ defaultStorageClass = { enabled = true } })
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
  tags                        = var.tags
  # Its controller needs nodes to run on to become active, and volumes encrypted from the first.
  depends_on = [aws_eks_node_group.this, aws_iam_role_policy_attachment.ebs_csi_driver, aws_ebs_encryption_by_default.this]
}

module "circleci" {
  source = "../aws"

  name                    = var.name
  region                  = var.region
  domain                  = var.domain
  github_client_id        = var.github_client_id
  github_client_secret    = var.github_client_secret
  license                 = var.license
  image_registry_username = var.image_registry_username
  image_registry_password = var.image_registry_password
  vpc_id                  = aws_vpc.this.id
  subnet_ids              = aws_subnet.private[*].id
  cluster_cidrs           = [var.vpc_cidr]
  node_group_names        = aws_eks_node_group.this.resources[0].autoscaling_groups[*].name
  oidc_provider_arn       = aws_iam_openid_connect_provider.this.arn
  nomad_image_id          = local.image_id
  vm_source_image_id      = local.image_id
  node_ports              = local.node_ports
  tags                    = var.tags
  delete_data             = var.delete_data

  # The data stores' claims need the default StorageClass; at destroy, the driver must outlive
  # them to delete their volumes (delete_data).
  depends_on = [aws_eks_addon.ebs_csi_driver]
}
