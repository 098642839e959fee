"""What the escalation paths run through, read from a snapshot: resources that hold a role, users'
credentials, and the prerequisites of the paths (clusters, event sources, jobs, stack sets).

A dataset the snapshot lacks in a region (not collected, access denied, region failed), or lacks for
some of its resources, is a gap. It never reads as "no such resource": every resource kind read
from it is recorded in ``Links.unknown`` with the gap's reason (one :class:`Missing` per dataset and
region), and the escalation graph keeps the paths through that kind as edges marked with the gap
(``escalation.py``), so that a verdict resting on them is UNKNOWN, not PASS. Which datasets each
kind is read from is the one table ``SOURCES``.
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


@dataclass(frozen=True)
class Missing:
    """A dataset (or some of its resources) that the snapshot lacks in one region, and why."""

    dataset: str
    region: str
    reason: str

    def __str__(self) -> str:
        return f"{self.dataset} ({self.region}): {self.reason}"


@dataclass(frozen=True)
class Holder:
    """A resource that runs with a role. ``gap``: a prerequisite of the path through it is unknown
    because a dataset was not collected (the instance's SSM registration, the function's triggers)."""

    resource: str
    role: str
    note: str = ""
    gap: str = ""


# resource kind (a path's link) -> the datasets it is read from; a gap in one makes the kind unknown
SOURCES: dict[str, tuple[str, ...]] = {
    "instance": ("ec2.instances",),
    "ssm-instance": ("ec2.instances",),  # ssm.managed_instances: a gap per instance (Holder.gap)
    "launch-template": ("ec2.launch_template_versions",),
    "function": ("lambda.functions",),
    "triggered-function": ("lambda.functions",),  # lambda.event_source_mappings: per function
    "stack": ("cloudformation.stacks",),
    "stack-set": ("cloudformation.stack_set",),
    "codebuild-project": ("codebuild.projects",),
    "codebuild-batch-project": ("codebuild.projects",),
    "glue-dev-endpoint": ("glue.dev_endpoints",),
    "glue-job": ("glue.jobs",),
    "notebook": ("sagemaker.notebook_instance",),
    "notebook-in-service": ("sagemaker.notebook_instance",),
    "ecs-cluster": ("ecs.clusters",),
    "ecs-container-instance": ("ecs.clusters",),
    "apprunner-service": ("apprunner.services",),
    "code-interpreter": ("bedrock.code_interpreter",),
    "event-source": ("sqs.queue_urls", "dynamodb.tables"),
}
# a per-resource dataset whose list was not read has the list's reason
PARENTS = {
    "codebuild.projects": "codebuild.project_names",
    "sagemaker.notebook_instance": "sagemaker.notebook_instances",
    "cloudformation.stack_set": "cloudformation.stack_sets",
    "ecs.clusters": "ecs.cluster_arns",
    "apprunner.services": "apprunner.service_summaries",
    "bedrock.code_interpreter": "bedrock.code_interpreters",
}
_KINDS_OF: dict[str, tuple[str, ...]] = {}
for _kind, _datasets in SOURCES.items():
    for _name in _datasets:
        _KINDS_OF[_name] = (*_KINDS_OF.get(_name, ()), _kind)


@dataclass
class Links:
    region: str = ""
    when: str = ""
    users: dict[str, UserState] = field(default_factory=dict)  # user name -> state
    profile_roles: set[str] = field(default_factory=set)  # roles that have an instance profile
    # (resource ARN, role ARN, note)
    instances: list[tuple[str, str, bool]] = field(default_factory=list)  # (arn, role, ssm-managed known)
    ssm_instances: list[tuple[str, str, str]] = field(default_factory=list)  # (arn, role, gap: "" = registered)
    # (arn, role, triggered: an event source or a service allowed to invoke it; None = unknown)
    functions: list[tuple[str, str, bool | None]] = field(default_factory=list)
    stacks: list[tuple[str, str]] = field(default_factory=list)
    projects: list[tuple[str, str, bool]] = field(default_factory=list)  # (arn, role, batch configured)
    dev_endpoints: list[tuple[str, str]] = field(default_factory=list)
    notebooks: list[tuple[str, str, str]] = field(default_factory=list)  # (arn, role, status)
    launch_templates: list[tuple[str, str]] = field(default_factory=list)
    apprunner: list[tuple[str, str]] = field(default_factory=list)
    interpreters: list[tuple[str, str]] = field(default_factory=list)
    glue_jobs: list[str] | None = None  # None = not collected (no reason known)
    stack_sets: list[tuple[str, str]] | None = None
    ecs_clusters: list[tuple[str, int]] | None = None  # (arn, registered container instances)
    event_sources: list[str] | None = None
    gaps: list[str] = field(default_factory=list)
    # resource kind (a path's link) -> the datasets it is read from that the snapshot lacks, in a
    # region or for some resources: a path through that kind is unknown there, not absent
    unknown: dict[str, list[Missing]] = field(default_factory=dict)
    # why a function is taken to be triggered although it is not known to be (function ARN -> gap)
    trigger_gaps: dict[str, str] = field(default_factory=dict)

    def missing(self, link: str) -> list[Missing]:
        """The gaps that make resources of this kind unknown (a prerequisite list left None by a
        hand-built Links counts as not collected)."""
        found = list(self.unknown.get(link, ()))
        prerequisite = {"glue-job": self.glue_jobs, "stack-set": self.stack_sets, "ecs-cluster": self.ecs_clusters,
                        "ecs-container-instance": self.ecs_clusters, "event-source": self.event_sources}
        if link in prerequisite and prerequisite[link] is None and not found:
            found.append(Missing("/".join(SOURCES[link]), self.region or "every region", "not collected"))
        return found

    def holders(self, link: str) -> Iterator[Holder]:
        """The resources of one kind that run with a role."""
        if link == "instance":
            for arn, role, _ in self.instances:
                yield Holder(arn, role)
        elif link == "ssm-instance":
            for arn, role, gap in self.ssm_instances:
                yield Holder(arn, role, "the instance runs a registered SSM agent" if gap else "", gap)
        elif link in ("function", "triggered-function"):
            for arn, role, triggered in self.functions:
                if link == "function" or triggered:
                    yield Holder(arn, role)
                elif triggered is None:
                    gap = self.trigger_gaps.get(arn, "the function's event sources were not collected")
                    yield Holder(arn, role, "something invokes the function", gap)
        elif link == "stack":
            for arn, role in self.stacks:
                yield Holder(arn, role)
        elif link in ("codebuild-project", "codebuild-batch-project"):
            for arn, role, batch in self.projects:
                if link == "codebuild-project" or batch:
                    yield Holder(arn, role, "the project allows buildspec overrides (AWS does not expose a switch)")
        elif link == "glue-dev-endpoint":
            for arn, role in self.dev_endpoints:
                yield Holder(arn, role)
        elif link in ("notebook", "notebook-in-service"):
            for arn, role, status in self.notebooks:
                if link == "notebook" or status == "InService":
                    yield Holder(arn, role)
        elif link == "launch-template":
            for arn, role in self.launch_templates:
                yield Holder(arn, role)
        elif link == "apprunner-service":
            for arn, role in self.apprunner:
                yield Holder(arn, role)
        elif link == "code-interpreter":
            for arn, role in self.interpreters:
                yield Holder(arn, role, "the interpreter is in a ready state")


def _gap_reason(snapshot: Any, dataset: str, region: str) -> str:
    """Why a dataset is absent in a region: its gap's reason, or its parent list's, else "not collected"."""
    gap_of = getattr(snapshot, "_gap_for", None)
    for name in (dataset, PARENTS.get(dataset, "")):
        if name and callable(gap_of):
            found = gap_of(name, region)
            if found is not None:
                return str(getattr(found, "reason", "") or "not collected")
    return "not collected"


def _partial(snapshot: Any, dataset: str, region: str) -> str:
    """The reason of the first per-resource gap of a dataset in a region ("" when there is none)."""
    failed = [g for g in getattr(snapshot, "gaps", ()) or ()
              if getattr(g, "dataset", "") == dataset and getattr(g, "region", "") == region
              and getattr(g, "resource", "")]
    if not failed:
        return ""
    more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
    return f"{failed[0].reason}{more}"


def _dataset(snapshot: Any, dataset: str, region: str, links: Links) -> Any:
    """The dataset's value in the region, None when it is a gap. A gap, whole or for some of its
    resources, makes the resource kinds read from it unknown in that region (``Links.unknown``)."""
    missing: Missing | None
    if not snapshot.has(dataset, region):
        missing = Missing(dataset, region, _gap_reason(snapshot, dataset, region))
        value = None
    else:
        partial = _partial(snapshot, dataset, region)
        missing = Missing(dataset, region, partial) if partial else None
        value = snapshot.get(dataset, region)
    if missing is not None:
        links.gaps.append(str(missing))
        for kind in _KINDS_OF.get(dataset, ()):
            if kind != "event-source":  # either source is enough: decided in _event_sources
                links.unknown.setdefault(kind, []).append(missing)
    return value


def _items(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return []


def compute_links(snapshot: Any, account: Any) -> Links:
    """Everything the escalation paths need from the snapshot, with the gaps."""
    regions = list(getattr(snapshot, "regions", ()) or ())
    links = Links(region=regions[0] if regions else "", when=str(getattr(snapshot, "collected_at", "") or ""),
                  glue_jobs=[], stack_sets=[], ecs_clusters=[], event_sources=[])
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
    unmanaged_gap = "" if managed is not None else str(Missing(
        "ssm.managed_instances", region, _gap_reason(snapshot, "ssm.managed_instances", region)))
    for instance in _items(_dataset(snapshot, "ec2.instances", region, links)):
        role = profiles.get((instance.get("IamInstanceProfile") or {}).get("Arn", ""))
        state = (instance.get("State") or {}).get("Name", "running")
        if not role or state in ("terminated", "shutting-down"):
            continue
        arn = f"arn:{partition}:ec2:{region}:{account_id}:instance/{instance.get('InstanceId')}"
        links.instances.append((arn, role, managed is not None))
        if managed is None:
            links.ssm_instances.append((arn, role, unmanaged_gap))
        elif instance.get("InstanceId") in managed_ids:
            links.ssm_instances.append((arn, role, ""))
    _functions(snapshot, region, links)
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
            f"arn:{partition}:glue:{region}:{account_id}:job/{j.get('Name')}" for j in _items(jobs)
            if isinstance(j, dict)]
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


def _functions(snapshot: Any, region: str, links: Links) -> None:
    """Lambda functions and whether something triggers them: an event-source mapping, or a resource
    policy that lets a service invoke it. Unknown (None, with the gap) when the mappings, or the
    function's policy, were not read and neither shows a trigger."""
    mappings = _dataset(snapshot, "lambda.event_source_mappings", region, links)
    triggered = {m.get("FunctionArn") for m in mappings or [] if isinstance(m, dict)}
    policies_read = snapshot.has("lambda.function_policy", region)
    policies = (snapshot.get("lambda.function_policy", region) if policies_read else None) or {}
    for function in _items(_dataset(snapshot, "lambda.functions", region, links)):
        arn = function.get("FunctionArn")
        if not (function.get("Role") and arn):
            continue
        by_service = '"Service"' in str(policies.get(arn) or "")
        why = ""
        if mappings is None:
            why = str(Missing("lambda.event_source_mappings", region,
                              _gap_reason(snapshot, "lambda.event_source_mappings", region)))
        elif not policies_read or (arn not in policies and _partial(snapshot, "lambda.function_policy", region)):
            why = str(Missing("lambda.function_policy", region,
                              _gap_reason(snapshot, "lambda.function_policy", region)
                              if not policies_read else _partial(snapshot, "lambda.function_policy", region)))
        state = True if arn in triggered or by_service else None if why else False
        if state is None:
            links.trigger_gaps[arn] = why
        links.functions.append((arn, function["Role"], state))


def _projects(snapshot: Any, region: str, links: Links) -> None:
    """CodeBuild projects and their service roles (codebuild.projects, from BatchGetProjects).

    A project is configured for batch builds when BatchGetProjects returns its ``buildBatchConfig``
    (ProjectBuildBatchConfig: ``serviceRole``, ``combineArtifacts``, ``restrictions``,
    ``timeoutInMins``, ``batchReportMode``); the builds of a batch run with the project's
    ``serviceRole``. A batch of names that failed is a gap naming its first project."""
    for project in _items(_dataset(snapshot, "codebuild.projects", region, links)):
        for item in project if isinstance(project, list) else [project]:
            if isinstance(item, dict) and item.get("serviceRole") and item.get("arn"):
                batch = isinstance(item.get("buildBatchConfig"), dict)
                links.projects.append((item["arn"], item["serviceRole"], batch))


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
    """Queues and DynamoDB streams a new function could be wired to (lambda-002). One found is
    enough; none found while one of the two lists was not read leaves the region unknown."""
    found = list(links.event_sources or [])
    gapped = []
    for dataset in SOURCES["event-source"]:
        if not snapshot.has(dataset, region):
            gapped.append(Missing(dataset, region, _gap_reason(snapshot, dataset, region)))
            continue
        value = snapshot.get(dataset, region)
        if dataset == "sqs.queue_urls":
            found += [str(q) for q in _items(value)]
        else:
            found += [t.get("LatestStreamArn", "") for t in _items(value)
                      if isinstance(t, dict) and t.get("LatestStreamArn")]
    links.event_sources = found
    for missing in gapped:
        links.gaps.append(str(missing))
        links.unknown.setdefault("event-source", []).append(missing)
