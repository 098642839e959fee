"""What the escalation paths run through, read from a snapshot: resources that hold a role, users'
credentials, and the prerequisites of the paths (clusters, event sources, jobs, stack sets).

A dataset the snapshot lacks (not collected, access denied, region failed) is a gap: existing-resource
paths through it cannot be listed, and new-resource paths that need it are marked as assumptions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.inventory.snapshot import GLOBAL


@dataclass(frozen=True)
class UserState:
    keys: int | None  # access keys the user has (active or not): None = unknown
    password: bool | None  # has a login profile: None = unknown


@dataclass
class Links:
    region: str = ""
    when: str = ""
    users: dict[str, UserState] = field(default_factory=dict)  # user name -> state
    profile_roles: set[str] = field(default_factory=set)  # roles that have an instance profile
    # (resource ARN, role ARN, note)
    instances: list[tuple[str, str, bool]] = field(default_factory=list)  # (arn, role, ssm-managed known)
    ssm_instances: list[tuple[str, str, str]] = field(default_factory=list)
    # (arn, role, triggered: an event source or a service allowed to invoke it; None = unknown)
    functions: list[tuple[str, str, bool | None]] = field(default_factory=list)
    stacks: list[tuple[str, str]] = field(default_factory=list)
    projects: list[tuple[str, str, bool]] = field(default_factory=list)  # (arn, role, batch configured)
    dev_endpoints: list[tuple[str, str]] = field(default_factory=list)
    notebooks: list[tuple[str, str, str]] = field(default_factory=list)  # (arn, role, status)
    launch_templates: list[tuple[str, str]] = field(default_factory=list)
    apprunner: list[tuple[str, str]] = field(default_factory=list)
    interpreters: list[tuple[str, str]] = field(default_factory=list)
    glue_jobs: list[str] | None = None  # None = not collected
    stack_sets: list[tuple[str, str]] | None = None
    ecs_clusters: list[tuple[str, int]] | None = None  # (arn, registered container instances)
    event_sources: list[str] | None = None
    gaps: list[str] = field(default_factory=list)
    # resource kinds (holders' link names) whose dataset is missing, wholly or in part -> why: an
    # existing-resource path through them is unknown, not absent (codebuild-002/003)
    unknown: dict[str, str] = field(default_factory=dict)

    def holders(self, link: str) -> Iterator[tuple[str, str, str]]:
        """(resource ARN, role ARN, note) of the resources of one kind that run with a role."""
        if link == "instance":
            for arn, role, _ in self.instances:
                yield arn, role, ""
        elif link == "ssm-instance":
            yield from self.ssm_instances
        elif link in ("function", "triggered-function"):
            for arn, role, triggered in self.functions:
                if link == "function" or triggered:
                    yield arn, role, ""
                elif triggered is None:
                    yield arn, role, "something invokes the function (its event sources were not collected)"
        elif link == "stack":
            for arn, role in self.stacks:
                yield arn, role, ""
        elif link in ("codebuild-project", "codebuild-batch-project"):
            for arn, role, batch in self.projects:
                if link == "codebuild-project" or batch:
                    yield arn, role, "the project allows buildspec overrides (AWS does not expose a switch)"
        elif link == "glue-dev-endpoint":
            for arn, role in self.dev_endpoints:
                yield arn, role, ""
        elif link in ("notebook", "notebook-in-service"):
            for arn, role, status in self.notebooks:
                if link == "notebook" or status == "InService":
                    yield arn, role, ""
        elif link == "launch-template":
            for arn, role in self.launch_templates:
                yield arn, role, ""
        elif link == "apprunner-service":
            for arn, role in self.apprunner:
                yield arn, role, ""
        elif link == "code-interpreter":
            for arn, role in self.interpreters:
                yield arn, role, "the interpreter is in a ready state"


def _dataset(snapshot: Any, dataset: str, region: str, links: Links) -> Any:
    if not snapshot.has(dataset, region):
        reason = ""
        gap_of = getattr(snapshot, "_gap_for", None)
        if callable(gap_of):
            found = gap_of(dataset, region)
            reason = getattr(found, "reason", "") if found is not None else ""
        links.gaps.append(f"{dataset} ({region}): {reason or 'not collected'}")
        return None
    return snapshot.get(dataset, region)


def _items(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return []


def compute_links(snapshot: Any, account: Any) -> Links:
    """Everything the escalation paths need from the snapshot, with the gaps."""
    regions = list(getattr(snapshot, "regions", ()) or ())
    links = Links(region=regions[0] if regions else "", when=str(getattr(snapshot, "collected_at", "") or ""))
    links.profile_roles = set(account.instance_profiles.values())
    _credential_report(snapshot, links)
    partition, account_id = account.partition, account.account_id
    for region in regions:
        _region(snapshot, account, region, partition, account_id, links)
    return links


def _credential_report(snapshot: Any, links: Links) -> None:
    report = _dataset(snapshot, "iam.credential_report", GLOBAL, links)
    for row in report or []:
        if not isinstance(row, dict) or row.get("user") == "<root_account>":
            continue
        keys = sum(1 for n in (1, 2) if row.get(f"access_key_{n}_last_rotated") not in (None, "", "N/A"))
        password_value = row.get("password_enabled")
        password = {"true": True, "false": False}.get(str(password_value).lower())
        links.users[row.get("user", "")] = UserState(keys, password)


def _region(snapshot: Any, account: Any, region: str, partition: str, account_id: str, links: Links) -> None:
    profiles = account.instance_profiles
    managed = _dataset(snapshot, "ssm.managed_instances", region, links)
    managed_ids = {i.get("InstanceId") for i in managed or [] if isinstance(i, dict)}
    for instance in _items(_dataset(snapshot, "ec2.instances", region, links)):
        role = profiles.get((instance.get("IamInstanceProfile") or {}).get("Arn", ""))
        state = (instance.get("State") or {}).get("Name", "running")
        if not role or state in ("terminated", "shutting-down"):
            continue
        arn = f"arn:{partition}:ec2:{region}:{account_id}:instance/{instance.get('InstanceId')}"
        links.instances.append((arn, role, managed is not None))
        if managed is None:
            links.ssm_instances.append((arn, role, "the instance runs a registered SSM agent (not collected)"))
        elif instance.get("InstanceId") in managed_ids:
            links.ssm_instances.append((arn, role, ""))
    mappings = _dataset(snapshot, "lambda.event_source_mappings", region, links)
    triggered = {m.get("FunctionArn") for m in mappings or [] if isinstance(m, dict)}
    policies = snapshot.get("lambda.function_policy", region) if snapshot.has("lambda.function_policy", region) else {}
    for function in _items(_dataset(snapshot, "lambda.functions", region, links)):
        arn = function.get("FunctionArn")
        if function.get("Role") and arn:
            by_service = '"Service"' in str((policies or {}).get(arn) or "")
            state = True if arn in triggered or by_service else None if mappings is None else False
            links.functions.append((arn, function["Role"], state))
    for stack in _items(_dataset(snapshot, "cloudformation.stacks", region, links)):
        if stack.get("RoleARN") and stack.get("StackId") and stack.get("StackStatus") != "DELETE_COMPLETE":
            links.stacks.append((stack["StackId"], stack["RoleARN"]))
    _projects(snapshot, region, links)
    for endpoint in _items(_dataset(snapshot, "glue.dev_endpoints", region, links)):
        if endpoint.get("RoleArn") and endpoint.get("EndpointName"):
            arn = f"arn:{partition}:glue:{region}:{account_id}:devEndpoint/{endpoint['EndpointName']}"
            links.dev_endpoints.append((arn, endpoint["RoleArn"]))
    jobs = _dataset(snapshot, "glue.jobs", region, links)
    if jobs is not None:
        links.glue_jobs = (links.glue_jobs or []) + [
            f"arn:{partition}:glue:{region}:{account_id}:job/{j.get('Name')}" for j in jobs if isinstance(j, dict)]
    for notebook in _items(_dataset(snapshot, "sagemaker.notebook_instance", region, links)):
        if isinstance(notebook, dict) and notebook.get("RoleArn") and notebook.get("NotebookInstanceArn"):
            links.notebooks.append((notebook["NotebookInstanceArn"], notebook["RoleArn"],
                                    notebook.get("NotebookInstanceStatus", "")))
    _templates(snapshot, region, partition, account_id, profiles, links)
    for service in _items(_dataset(snapshot, "apprunner.services", region, links)):
        role = (service.get("InstanceConfiguration") or {}).get("InstanceRoleArn")
        if role and service.get("ServiceArn"):
            links.apprunner.append((service["ServiceArn"], role))
    for interpreter in _items(_dataset(snapshot, "bedrock.code_interpreter", region, links)):
        if isinstance(interpreter, dict) and interpreter.get("executionRoleArn"):
            links.interpreters.append((interpreter.get("codeInterpreterArn", ""), interpreter["executionRoleArn"]))
    stack_sets = _dataset(snapshot, "cloudformation.stack_set", region, links)
    if stack_sets is not None:
        links.stack_sets = (links.stack_sets or []) + [
            (s.get("StackSetARN", ""), s.get("AdministrationRoleARN", "")) for s in _items(stack_sets)
            if isinstance(s, dict)]
    clusters = _dataset(snapshot, "ecs.clusters", region, links)
    if clusters is not None:
        found = [c for value in _items(clusters) for c in (value if isinstance(value, list) else [value])]
        links.ecs_clusters = (links.ecs_clusters or []) + [
            (c.get("clusterArn", ""), int(c.get("registeredContainerInstancesCount") or 0)) for c in found
            if isinstance(c, dict)]
    _event_sources(snapshot, region, links)


def _projects(snapshot: Any, region: str, links: Links) -> None:
    """CodeBuild projects and their service roles (codebuild.projects, from BatchGetProjects)."""
    projects = _dataset(snapshot, "codebuild.projects", region, links)
    # a batch that failed is a gap naming its first project: those projects' roles are unknown
    failed = [g for g in getattr(snapshot, "gaps", ()) or ()
              if getattr(g, "dataset", "") == "codebuild.projects" and g.region == region and g.resource]
    why = links.gaps[-1] if projects is None else (
        f"codebuild.projects ({region}): {failed[0].reason}" if failed else "")
    if why:
        if failed and projects is not None:
            links.gaps.append(why)
        for link in ("codebuild-project", "codebuild-batch-project"):
            links.unknown.setdefault(link, why)
    for project in _items(projects):
        for item in project if isinstance(project, list) else [project]:
            if isinstance(item, dict) and item.get("serviceRole") and item.get("arn"):
                links.projects.append((item["arn"], item["serviceRole"], bool(item.get("buildBatchConfig"))))


def _templates(snapshot: Any, region: str, partition: str, account_id: str, profiles: dict[str, str],
               links: Links) -> None:
    versions = _dataset(snapshot, "ec2.launch_template_versions", region, links)
    for version in _items(versions):
        for item in version if isinstance(version, list) else [version]:
            data = (item or {}).get("LaunchTemplateData") or {}
            profile = data.get("IamInstanceProfile") or {}
            role = profiles.get(profile.get("Arn", "")) or next(
                (r for p, r in profiles.items() if profile.get("Name") and p.endswith("/" + profile["Name"])), None)
            if role and item.get("LaunchTemplateId"):
                arn = f"arn:{partition}:ec2:{region}:{account_id}:launch-template/{item['LaunchTemplateId']}"
                if (arn, role) not in links.launch_templates:
                    links.launch_templates.append((arn, role))


def _event_sources(snapshot: Any, region: str, links: Links) -> None:
    """Queues and DynamoDB streams a new function could be wired to (lambda-002)."""
    queues = snapshot.get("sqs.queue_urls", region) if snapshot.has("sqs.queue_urls", region) else None
    tables = snapshot.get("dynamodb.tables", region) if snapshot.has("dynamodb.tables", region) else None
    if queues is None and tables is None:
        links.gaps.append(f"sqs.queue_urls / dynamodb.tables ({region}): not collected")
        return
    found = list(links.event_sources or [])
    found += [str(q) for q in _items(queues)]
    found += [t.get("LatestStreamArn", "") for t in _items(tables) if isinstance(t, dict) and t.get("LatestStreamArn")]
    links.event_sources = found
