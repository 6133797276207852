# AWS: by the AMI id.
terraform import circleciserver_vm_service_image.linux ami-0123456789abcdef0
# GCP: by the image's path.
terraform import circleciserver_vm_service_image.linux_gcp projects/my-project/global/images/circleci-vm-linux
