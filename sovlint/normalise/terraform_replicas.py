"""Where Terraform resources copy their data: replication, replicas, backup copies.

Declarations come in two shapes: on the resource itself (DynamoDB ``replica``
blocks, Cosmos DB ``geo_location``, RDS ``replicate_source_db`` on the copy)
or on a separate resource pointing at the source (S3 replication
configurations). Each becomes a ``Replica`` on the resource whose data is
copied (SPEC §2). A destination that cannot be known is a replica with
``region=None`` and the reason, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from sovlint.hcl.render import render
from sovlint.hcl.syntax import Block, Expr, GetAttr, Index, Splat, Variable
from sovlint.model import Replica, SourceSpan
from sovlint.terraform.values import Unknown

_ARN_REGION = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]*):")


def referenced_resource(expr: Expr) -> tuple[str, str] | None:
    """``aws_s3_bucket.logs.arn`` -> ("aws_s3_bucket", "logs"); None for anything else."""
    steps: list[str] = []
    node: Any = expr
    while True:
        if isinstance(node, GetAttr):
            steps.append(node.name)
            node = node.obj
        elif isinstance(node, (Index, Splat)):
            node = node.obj
        elif isinstance(node, Variable):
            steps.append(node.name)
            break
        else:
            return None
    steps.reverse()
    if len(steps) >= 2 and "_" in steps[0] and steps[0] not in ("var", "local", "module", "data"):
        return steps[0], steps[1]
    return None


def region_of_arn(arn: str) -> str | None:
    """The region field of an ARN (empty for global services such as S3: None)."""
    match = _ARN_REGION.match(arn)
    return match.group(1) or None if match else None


@dataclass(frozen=True)
class ReplicaLink:
    """A copy declared somewhere: of the resource at ``source`` (type, name) to a destination."""

    source: tuple[str, str] | None  # None: the declaring resource itself
    replica: Replica  # region None and no reason: the copy lives where the declaring resource is


Evaluate = Callable[[Expr], Any]

#: Copies declared by nested blocks naming a region: type -> (block, argument, what the copy is).
_REGION_BLOCKS = {
    "aws_dynamodb_table": ("replica", "region_name", "DynamoDB global table replica"),
    "aws_dynamodb_global_table": ("replica", "region_name", "DynamoDB global table (2017) replica"),
    "azurerm_cosmosdb_account": ("geo_location", "location", "Cosmos DB geo_location"),
}

#: Copies declared as their own resource -> the argument naming what they copy.
_COPY_SOURCES = {
    "aws_ebs_snapshot_copy": "source_snapshot_id",
    "aws_ami_copy": "source_ami_id",
    "aws_db_snapshot_copy": "source_db_snapshot_identifier",
}
RegionOf = Callable[[tuple[str, str]], "str | None | Unknown"]


def _destination(expr: Expr, evaluate: Evaluate, region_of: RegionOf, via: str,
                 span: SourceSpan) -> Replica:
    target = referenced_resource(expr)
    if target is not None:
        region = region_of(target)
        if isinstance(region, str):
            return Replica(via=via, region=region, declared_at=span)
        reason = region.reason if isinstance(region, Unknown) else f"{target[0]}.{target[1]} is not in this module"
        return Replica(via=via, region=None, unresolved=f"{via} destination {render(expr)}: {reason}",
                       declared_at=span)
    value = evaluate(expr)
    if isinstance(value, str):
        region = region_of_arn(value)
        if region:
            return Replica(via=via, region=region, declared_at=span)
        return Replica(via=via, region=None, declared_at=span,
                       unresolved=f"{via} destination {value!r} carries no region")
    reason = value.reason if isinstance(value, Unknown) else "not a resource or ARN"
    return Replica(via=via, region=None, declared_at=span,
                   unresolved=f"{via} destination {render(expr)} ({reason})")


def _nested(block: Block, *path: str) -> Iterator[Block]:
    if not path:
        yield block
        return
    for child in block.body.blocks_of(path[0]):
        yield from _nested(child, *path[1:])


def replica_links(block: Block, span: SourceSpan, evaluate: Evaluate,
                  region_of: RegionOf) -> list[ReplicaLink]:
    """The copies a resource block declares (of itself or of another resource)."""
    rtype = block.labels[0]
    links: list[ReplicaLink] = []
    if rtype in _REGION_BLOCKS:  # copies named by a region in nested blocks
        block_type, argument, via = _REGION_BLOCKS[rtype]
        for nested in _nested(block, block_type):
            attr = nested.body.attribute(argument)
            if attr is not None:
                links.append(ReplicaLink(None, _region_replica(evaluate(attr.expr), attr.expr, via, span)))
    if rtype == "aws_s3_bucket_replication_configuration":
        bucket = block.body.attribute("bucket")
        source = referenced_resource(bucket.expr) if bucket is not None else None
        for destination in _nested(block, "rule", "destination"):
            attr = destination.body.attribute("bucket")
            if attr is not None:
                links.append(ReplicaLink(source, _destination(
                    attr.expr, evaluate, region_of, "S3 replication", span)))
    elif rtype == "aws_s3_bucket":  # legacy inline replication_configuration
        for destination in _nested(block, "replication_configuration", "rules", "destination"):
            attr = destination.body.attribute("bucket")
            if attr is not None:
                links.append(ReplicaLink(None, _destination(
                    attr.expr, evaluate, region_of, "S3 replication", span)))
    elif rtype == "aws_dynamodb_table_replica":
        arn = block.body.attribute("global_table_arn")
        target = referenced_resource(arn.expr) if arn is not None else None
        if target is not None:
            links.append(ReplicaLink(target, Replica(via="DynamoDB table replica", region=None,
                                                     declared_at=span)))
    elif rtype == "aws_backup_plan":
        for copy in _nested(block, "rule", "copy_action"):
            attr = copy.body.attribute("destination_vault_arn")
            if attr is not None:
                links.append(ReplicaLink(None, _destination(
                    attr.expr, evaluate, region_of, "AWS Backup copy", span)))
    elif rtype in ("aws_db_instance", "aws_rds_cluster"):
        attr = block.body.attribute("replicate_source_db") or block.body.attribute(
            "replication_source_identifier")
        if attr is not None:
            source = referenced_resource(attr.expr)
            if source is not None:
                links.append(ReplicaLink(source, Replica(via="RDS read replica", region=None,
                                                         declared_at=span)))
    elif rtype in _COPY_SOURCES:
        # the copy lives where its own provider puts it; the data it copies is the source's
        attr = block.body.attribute(_COPY_SOURCES[rtype])
        source = referenced_resource(attr.expr) if attr is not None else None
        if source is not None:
            links.append(ReplicaLink(source, Replica(via=f"{rtype[4:].replace('_', ' ')}",
                                                     region=None, declared_at=span)))
    elif rtype == "azurerm_mssql_failover_group":
        for partner in _nested(block, "partner_server"):
            attr = partner.body.attribute("id")
            if attr is not None:
                server = block.body.attribute("server_id")
                source = referenced_resource(server.expr) if server is not None else None
                if source is not None:
                    links.append(ReplicaLink(source, _destination(
                        attr.expr, evaluate, region_of, "Azure SQL failover group", span)))
    elif rtype == "azurerm_mssql_database":
        mode = block.body.attribute("create_mode")
        source_attr = block.body.attribute("creation_source_database_id")
        if mode is not None and evaluate(mode.expr) in ("Secondary", "OnlineSecondary") \
                and source_attr is not None:
            source = referenced_resource(source_attr.expr)
            if source is not None:
                links.append(ReplicaLink(source, Replica(via="Azure SQL geo-replica", region=None,
                                                         declared_at=span)))
    elif rtype == "google_storage_bucket":
        for placement in _nested(block, "custom_placement_config"):
            attr = placement.body.attribute("data_locations")
            value = evaluate(attr.expr) if attr is not None else None
            if isinstance(value, list):
                for location in value:
                    if isinstance(location, str):
                        links.append(ReplicaLink(None, Replica(via="dual-region bucket location",
                                                               region=location.lower(),
                                                               declared_at=span)))
    elif rtype == "google_sql_database_instance":
        attr = block.body.attribute("master_instance_name")
        if attr is not None:
            source = referenced_resource(attr.expr)
            if source is not None:
                links.append(ReplicaLink(source, Replica(via="Cloud SQL replica", region=None,
                                                         declared_at=span)))
    return links


def _region_replica(value: Any, expr: Expr, via: str, span: SourceSpan) -> Replica:
    if isinstance(value, str) and value:
        return Replica(via=via, region=value, declared_at=span)
    reason = value.reason if isinstance(value, Unknown) else "not a region name"
    return Replica(via=via, region=None, declared_at=span,
                   unresolved=f"{via}: {render(expr)} ({reason})")
