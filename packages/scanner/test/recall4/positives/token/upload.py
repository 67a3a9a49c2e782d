import boto3

s3 = boto3.client(
    "s3",
    aws_access_key_id="AKIAQ4PK6OSYYB22FJZC",
    aws_secret_access_key="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",
    region_name="eu-central-1",
)
session = boto3.Session(profile_name="prod")
sts_token = "ASIAVJE2GYHRGKDSLBJG"
