ovh_project = "0123456789abcdef"
