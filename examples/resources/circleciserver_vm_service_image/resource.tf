# On AWS: the newest Ubuntu 22.04 AMI, copied (encrypted) into your account.
resource "circleciserver_vm_service_image" "linux" {
  name = "circleci-vm-linux"
  aws {
    source_image_filter {
      owners = ["099720109477"]
      name   = "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"
    }
  }
}

# On GCP: the newest image of a family, copied into your project.
resource "circleciserver_vm_service_image" "linux_gcp" {
  name = "circleci-vm-linux"
  gcp {
    source_image = "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts"
    family       = "circleci-vm"
  }
}
