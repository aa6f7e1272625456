"""Which infrastructure resource a config line belongs to, and whether that resource stores data.

data-5 counts encryption, access and retention settings only on stores of training or serving data
(RUBRIC.md): a bucket's lifecycle rule is a retention policy, a message stream's buffer of 48 hours
is not. A setting's resource is found from the text around it: the enclosing Terraform block
(`resource "TYPE" "name"` or `module "name"` with its `source`), or the CloudFormation resource whose
`Type: AWS::…` encloses the line.
"""

from __future__ import annotations

import re

# Resource words that hold data at rest (buckets, lakes, warehouses, databases, feature stores, file systems).
_STORE = re.compile(
    r"bucket|storage|s3\b|s3_|gcs|blob|data_?lake|lake|bigquery|dataset|warehouse|redshift|snowflake|"
    r"db_instance|rds|database|dynamodb|documentdb|cosmosdb|feature_?group|feature_?store|featurestore|"
    r"efs|file_?system|glue|athena|table",
    re.I,
)
# Resources that move or log data rather than keep it: their retention is a buffer, not a policy.
_NOT_STORE = re.compile(
    r"kinesis|stream|queue|sqs|sns|topic|pubsub|log_?group|cloudwatch|logs?\b|event_?hub|eventbridge|kafka|msk|"
    r"firehose|lambda|function|secret|ssm|parameter|ecr|repository|image",
    re.I,
)
_TF_BLOCK = re.compile(r'^(resource|module|data)\s+"([^"]+)"(?:\s+"([^"]+)")?')
_TF_SOURCE = re.compile(r'^\s*source\s*=\s*"([^"]+)"')
_CFN_TYPE = re.compile(r"""^(\s*)["']?Type["']?\s*:\s*["']?(AWS::[\w:]+|[\w.]+/[\w.]+)""")


def enclosing_resource(text: str, line: int) -> str | None:
    """A description of the resource that config line `line` (1-based) sits in, or None when unknown."""
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return None
    indent = len(lines[line - 1]) - len(lines[line - 1].lstrip())
    for number in range(line - 1, -1, -1):
        current = lines[number]
        block = _TF_BLOCK.match(current)
        if block:
            kind, first, second = block.groups()
            name = f"{kind} {first}" + (f" {second}" if second else "")
            if kind == "module":  # a module is what its source is: ./modules/kinesis, terraform-aws-modules/s3-bucket
                for following in lines[number + 1 : line]:
                    source = _TF_SOURCE.match(following)
                    if source:
                        name += f" ({source.group(1)})"
                        break
            return name
        cfn = _CFN_TYPE.match(current)
        if cfn and len(cfn.group(1)) < indent:
            return cfn.group(2)
    return None


def is_data_store(resource: str | None) -> bool:
    """True when the resource keeps data at rest; streams, queues, logs and functions do not count."""
    if not resource:
        return False
    return bool(_STORE.search(resource)) and not _NOT_STORE.search(resource)
