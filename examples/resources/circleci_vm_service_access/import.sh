# By the security group's id.
terraform import circleci_vm_service_access.this sg-0123456789abcdef0
