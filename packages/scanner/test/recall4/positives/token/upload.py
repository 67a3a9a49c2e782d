import boto3

s3 = boto3.client(
    "s3",
    aws_access_key_id="AKIAQ7GQKM5OIIAGCDUT",
    aws_secret_access_key="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",
    region_name="eu-central-1",
)
session = boto3.Session(profile_name="prod")
sts_token = "ASIAOAGIOGUYPQMD6B5K"
