"""lambdapress: a serverless blog platform (Chalice, S3, DynamoDB)."""
