"""Resources that privilege-escalation paths run through (regional): anything that holds a role
someone else could make act (Glue endpoints and jobs, SageMaker notebooks, CodeBuild projects,
CloudFormation stack sets, ECS clusters and task definitions, Lambda event sources, App Runner
services, Data Pipeline pipelines, Bedrock AgentCore code interpreters, launch template versions,
SSM-managed instances). Read-only; a dataset that cannot be read is a gap, and the escalation
analysis then marks the paths that need it as assumptions.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.collect.spec import Call


def _project(project: dict[str, Any]) -> dict[str, Any]:
    """A CodeBuild project reduced to what escalation and checks read: no source location, inline
    buildspec or source credentials (any of which can hold a token) ever reaches the snapshot."""
    environment = project.get("environment") or {}
    kept: dict[str, Any] = {key: project[key] for key in ("name", "arn", "serviceRole") if key in project}
    kept["sourceType"] = (project.get("source") or {}).get("type", "")
    if project.get("buildBatchConfig"):
        kept["buildBatchConfig"] = {"serviceRole": project["buildBatchConfig"].get("serviceRole", "")}
    kept["environment"] = {
        "type": environment.get("type", ""), "image": environment.get("image", ""),
        "privilegedMode": bool(environment.get("privilegedMode")),
        # redacted by collect/secrets.py (PLAINTEXT values are secrets; the others name a parameter)
        "environmentVariables": [{"name": v.get("name", ""), "type": v.get("type", "PLAINTEXT"),
                                  "value": v.get("value", "")}
                                 for v in environment.get("environmentVariables") or [] if isinstance(v, dict)],
    }
    return kept

SPECS = [
    # -- Glue (glue-002 dev endpoints, glue-005/006 jobs) --
    Call("glue.dev_endpoints", "glue", "get_dev_endpoints", "DevEndpoints", paginate=True),
    Call("glue.jobs", "glue", "get_jobs", "Jobs", paginate=True),
    # -- SageMaker (sagemaker-004/005 notebooks; the list has no role, the description has) --
    Call("sagemaker.notebook_instances", "sagemaker", "list_notebook_instances", "NotebookInstances",
         paginate=True),
    Call("sagemaker.notebook_instance", "sagemaker", "describe_notebook_instance", None,
         per="sagemaker.notebook_instances",
         per_params=lambda n: {"NotebookInstanceName": n["NotebookInstanceName"]},
         per_key=lambda n: n["NotebookInstanceName"], absent_codes=("ValidationException",)),
    # -- CodeBuild (codebuild-002/003 existing projects and their service roles) --
    Call("codebuild.project_names", "codebuild", "list_projects", "projects", paginate=True),
    # The service role is only in BatchGetProjects (a read: "Gets information about one or more build
    # projects"), at most 100 names a call. Only what the paths and checks need is kept; environment
    # variables' values are replaced by markers before the snapshot (collect/secrets.py).
    Call("codebuild.projects", "codebuild", "batch_get_projects", "projects", per="codebuild.project_names",
         per_batch=100, per_params=lambda names: {"names": list(names)}, per_key=lambda names: names[0],
         transform=lambda projects: [_project(p) for p in projects or [] if isinstance(p, dict)]),
    # -- CloudFormation stack sets (cloudformation-004); stacks are cloudformation.stacks --
    Call("cloudformation.stack_sets", "cloudformation", "list_stack_sets", "Summaries", paginate=True,
         params={"Status": "ACTIVE"}),
    Call("cloudformation.stack_set", "cloudformation", "describe_stack_set", "StackSet",
         per="cloudformation.stack_sets", per_params=lambda s: {"StackSetName": s["StackSetName"]},
         per_key=lambda s: s["StackSetName"], absent_codes=("StackSetNotFoundException",)),
    # -- ECS (ecs-003/004 need a cluster, ecs-005 a container instance) --
    Call("ecs.cluster_arns", "ecs", "list_clusters", "clusterArns", paginate=True),
    Call("ecs.clusters", "ecs", "describe_clusters", "clusters", per="ecs.cluster_arns",
         per_params=lambda arn: {"clusters": [arn]}, per_key=lambda arn: arn),
    Call("ecs.services", "ecs", "list_services", "serviceArns", paginate=True, per="ecs.cluster_arns",
         per_params=lambda arn: {"cluster": arn}, per_key=lambda arn: arn),
    Call("ecs.task_definition_arns", "ecs", "list_task_definitions", "taskDefinitionArns", paginate=True,
         params={"status": "ACTIVE"}),
    Call("ecs.task_definitions", "ecs", "describe_task_definition", "taskDefinition",
         per="ecs.task_definition_arns", per_params=lambda arn: {"taskDefinition": arn},
         per_key=lambda arn: arn),
    # -- Lambda event sources (lambda-002, lambda-003 functions triggered rather than invoked) --
    Call("lambda.event_source_mappings", "lambda", "list_event_source_mappings", "EventSourceMappings",
         paginate=True),
    # -- App Runner (apprunner-002) --
    Call("apprunner.service_summaries", "apprunner", "list_services", "ServiceSummaryList"),
    Call("apprunner.services", "apprunner", "describe_service", "Service", per="apprunner.service_summaries",
         per_params=lambda s: {"ServiceArn": s["ServiceArn"]}, per_key=lambda s: s["ServiceArn"]),
    # -- Data Pipeline (datapipeline-001: existing pipelines, for the report) --
    Call("datapipeline.pipelines", "datapipeline", "list_pipelines", "pipelineIdList", paginate=True),
    # -- Bedrock AgentCore code interpreters (bedrock-002) --
    Call("bedrock.code_interpreters", "bedrock-agentcore-control", "list_code_interpreters",
         "codeInterpreterSummaries", paginate=True, permission="bedrock-agentcore:ListCodeInterpreters"),
    Call("bedrock.code_interpreter", "bedrock-agentcore-control", "get_code_interpreter", None,
         per="bedrock.code_interpreters", per_params=lambda c: {"codeInterpreterId": c["codeInterpreterId"]},
         per_key=lambda c: c["codeInterpreterId"], permission="bedrock-agentcore:GetCodeInterpreter"),
    # -- SSM-managed instances (ssm-001/002); launch template versions are ec2.launch_template_versions --
    Call("ssm.managed_instances", "ssm", "describe_instance_information", "InstanceInformationList",
         paginate=True),
]
