# AWS: by the security group's id.
terraform import circleciserver_vm_service_access.this sg-0123456789abcdef0
# GCP: by the service account.
terraform import circleciserver_vm_service_access.gcp projects/my-project/serviceAccounts/circleci-vm-service@my-project.iam.gserviceaccount.com
