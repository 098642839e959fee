"""The 65 privilege-escalation paths of pathfinding.cloud, as edge kinds of the escalation graph.

Each :class:`PathSpec` says how the escalation graph decides one path: its mechanism (what the
actor changes, and whom it becomes), the permissions the evaluator must allow, the service
principal a passed role must trust, the resource kind the path runs through, and, where AWS does
not expose a prerequisite (an agent installed on an instance, SSH reachable, a launch that will
happen), the assumption the edge rests on. The catalogue itself (names, categories, prerequisites)
ships in ``data/pathfinding/paths.json`` with its licence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

# mechanisms
SELF_PUT, SELF_ATTACH, SELF_VERSION, GROUP_PUT, GROUP_ATTACH, JOIN_GROUP = (
    "self-put", "self-attach", "self-version", "group-put", "group-attach", "join-group")
USER_KEY, USER_KEY_ROTATE, LOGIN_CREATE, LOGIN_UPDATE, USER_MODIFY = (
    "user-key", "user-key-rotate", "login-create", "login-update", "user-modify")
ASSUME, RETRUST, ROLE_MODIFY_ASSUME, ROLE_MODIFY_RETRUST = (
    "assume", "retrust", "role-modify-assume", "role-modify-retrust")
PASS_NEW, EXISTING = "pass-new", "existing"


@dataclass(frozen=True)
class PathSpec:
    id: str
    mechanism: str
    actions: tuple[str, ...]  # besides iam:PassRole for PASS_NEW
    # service principals a passed role may trust (PASS_NEW), or that the role of an existing resource
    # trusts (EXISTING: the roles such a resource could run with when its dataset was not collected)
    services: tuple[str, ...] = ()
    link: str = ""  # resource kind the path needs (EXISTING) or a prerequisite kind (PASS_NEW)
    modify: str = ""  # how the target is changed: put / attach / version (USER_MODIFY, ROLE_MODIFY_*)
    assumption: str = ""  # a prerequisite AWS does not expose: the edge is marked with it


def _p(id_: str, mechanism: str, *actions: str, **extra: Any) -> PathSpec:
    return PathSpec(id_, mechanism, actions, **extra)


EC2, LAMBDA, CFN, CODEBUILD, GLUE, SAGEMAKER, ECS_TASKS = (
    "ec2.amazonaws.com", "lambda.amazonaws.com", "cloudformation.amazonaws.com",
    "codebuild.amazonaws.com", "glue.amazonaws.com", "sagemaker.amazonaws.com",
    "ecs-tasks.amazonaws.com")
APPRUNNER, AGENTCORE = "tasks.apprunner.amazonaws.com", "bedrock-agentcore.amazonaws.com"

PATHS: tuple[PathSpec, ...] = (
    # -- self-escalation --
    _p("iam-001", SELF_VERSION, "iam:CreatePolicyVersion"),
    _p("iam-005", SELF_PUT, "iam:PutRolePolicy", link="role"),
    _p("iam-007", SELF_PUT, "iam:PutUserPolicy", link="user"),
    _p("iam-008", SELF_ATTACH, "iam:AttachUserPolicy", link="user"),
    _p("iam-009", SELF_ATTACH, "iam:AttachRolePolicy", link="role"),
    _p("iam-010", GROUP_ATTACH, "iam:AttachGroupPolicy"),
    _p("iam-011", GROUP_PUT, "iam:PutGroupPolicy"),
    _p("iam-013", JOIN_GROUP, "iam:AddUserToGroup"),
    # -- principal access: users --
    _p("iam-002", USER_KEY, "iam:CreateAccessKey"),
    _p("iam-003", USER_KEY_ROTATE, "iam:CreateAccessKey", "iam:DeleteAccessKey"),
    _p("iam-004", LOGIN_CREATE, "iam:CreateLoginProfile"),
    _p("iam-006", LOGIN_UPDATE, "iam:UpdateLoginProfile"),
    _p("iam-015", USER_MODIFY, "iam:AttachUserPolicy", "iam:CreateAccessKey", modify="attach"),
    _p("iam-018", USER_MODIFY, "iam:PutUserPolicy", "iam:CreateAccessKey", modify="put"),
    # -- principal access: roles --
    _p("sts-001", ASSUME, "sts:AssumeRole"),
    _p("iam-012", RETRUST, "iam:UpdateAssumeRolePolicy"),
    _p("iam-014", ROLE_MODIFY_ASSUME, "iam:AttachRolePolicy", "sts:AssumeRole", modify="attach"),
    _p("iam-016", ROLE_MODIFY_ASSUME, "iam:CreatePolicyVersion", "sts:AssumeRole", modify="version"),
    _p("iam-017", ROLE_MODIFY_ASSUME, "iam:PutRolePolicy", "sts:AssumeRole", modify="put"),
    _p("iam-019", ROLE_MODIFY_RETRUST, "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy",
       modify="attach"),
    _p("iam-020", ROLE_MODIFY_RETRUST, "iam:CreatePolicyVersion", "iam:UpdateAssumeRolePolicy",
       modify="version"),
    _p("iam-021", ROLE_MODIFY_RETRUST, "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy",
       modify="put"),
    # -- new PassRole: launch something new that runs with a role the actor passes --
    _p("ec2-001", PASS_NEW, "ec2:RunInstances", services=(EC2,), link="instance-profile"),
    _p("ec2-003", PASS_NEW, "ec2:RequestSpotInstances", services=(EC2,), link="instance-profile"),
    _p("lambda-001", PASS_NEW, "lambda:CreateFunction", "lambda:InvokeFunction", services=(LAMBDA,)),
    _p("lambda-002", PASS_NEW, "lambda:CreateFunction", "lambda:CreateEventSourceMapping", services=(LAMBDA,),
       link="event-source"),
    _p("lambda-006", PASS_NEW, "lambda:CreateFunction", "lambda:AddPermission", services=(LAMBDA,)),
    _p("cloudformation-001", PASS_NEW, "cloudformation:CreateStack", services=(CFN,)),
    _p("cloudformation-003", PASS_NEW, "cloudformation:CreateStackSet", "cloudformation:CreateStackInstances",
       services=(CFN,),
       assumption="the passed administration role can assume an execution role with the same power in the "
                  "target account (AWSCloudFormationStackSetExecutionRole)"),
    _p("cloudformation-004", PASS_NEW, "cloudformation:UpdateStackSet", services=(CFN,), link="stack-set"),
    _p("codebuild-001", PASS_NEW, "codebuild:CreateProject", "codebuild:StartBuild", services=(CODEBUILD,)),
    _p("codebuild-004", PASS_NEW, "codebuild:CreateProject", "codebuild:StartBuildBatch", services=(CODEBUILD,)),
    _p("datapipeline-001", PASS_NEW, "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition",
       "datapipeline:ActivatePipeline", services=("datapipeline.amazonaws.com", "elasticmapreduce.amazonaws.com"),
       assumption="the pipeline's resources run with a resource role the actor can also pass (often the same role)"),
    _p("glue-001", PASS_NEW, "glue:CreateDevEndpoint", services=(GLUE,)),
    _p("glue-003", PASS_NEW, "glue:CreateJob", "glue:StartJobRun", services=(GLUE,)),
    _p("glue-004", PASS_NEW, "glue:CreateJob", "glue:CreateTrigger", services=(GLUE,)),
    _p("glue-005", PASS_NEW, "glue:UpdateJob", "glue:StartJobRun", services=(GLUE,), link="glue-job"),
    _p("glue-006", PASS_NEW, "glue:UpdateJob", "glue:CreateTrigger", services=(GLUE,), link="glue-job"),
    _p("sagemaker-001", PASS_NEW, "sagemaker:CreateNotebookInstance", services=(SAGEMAKER,)),
    _p("sagemaker-002", PASS_NEW, "sagemaker:CreateTrainingJob", services=(SAGEMAKER,),
       assumption="an S3 location the job can read its input from and write its output to"),
    _p("sagemaker-003", PASS_NEW, "sagemaker:CreateProcessingJob", services=(SAGEMAKER,),
       assumption="an S3 location the job can read its input from and write its output to"),
    _p("ecs-001", PASS_NEW, "ecs:CreateCluster", "ecs:RegisterTaskDefinition", "ecs:CreateService",
       services=(ECS_TASKS,)),
    _p("ecs-002", PASS_NEW, "ecs:CreateCluster", "ecs:RegisterTaskDefinition", "ecs:RunTask",
       services=(ECS_TASKS,)),
    _p("ecs-003", PASS_NEW, "ecs:RegisterTaskDefinition", "ecs:CreateService", services=(ECS_TASKS,),
       link="ecs-cluster"),
    _p("ecs-004", PASS_NEW, "ecs:RegisterTaskDefinition", "ecs:RunTask", services=(ECS_TASKS,),
       link="ecs-cluster"),
    _p("ecs-005", PASS_NEW, "ecs:RegisterTaskDefinition", "ecs:StartTask", services=(ECS_TASKS,),
       link="ecs-container-instance"),
    _p("apprunner-001", PASS_NEW, "apprunner:CreateService", services=(APPRUNNER,)),
    _p("bedrock-001", PASS_NEW, "bedrock-agentcore:CreateCodeInterpreter",
       "bedrock-agentcore:StartCodeInterpreterSession", "bedrock-agentcore:InvokeCodeInterpreter",
       services=(AGENTCORE,)),
    # -- existing PassRole: make an existing resource that holds a role act for the actor --
    _p("ec2-002", EXISTING, "ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances",
       services=(EC2,), link="instance"),
    _p("ec2-004", EXISTING, "ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate", services=(EC2,),
       link="launch-template",
       assumption="something (an Auto Scaling group, a schedule, a person) launches from the template's default "
                  "version"),
    _p("ec2instanceconnect-003", EXISTING, "ec2-instance-connect:SendSSHPublicKey", services=(EC2,), link="instance",
       assumption="the instance runs the EC2 Instance Connect agent and the actor can reach its SSH port"),
    _p("ssm-001", EXISTING, "ssm:StartSession", services=(EC2,), link="ssm-instance"),
    _p("ssm-002", EXISTING, "ssm:SendCommand", services=(EC2,), link="ssm-instance"),
    _p("lambda-003", EXISTING, "lambda:UpdateFunctionCode", services=(LAMBDA,), link="triggered-function"),
    _p("lambda-004", EXISTING, "lambda:UpdateFunctionCode", "lambda:InvokeFunction", services=(LAMBDA,),
       link="function"),
    _p("lambda-005", EXISTING, "lambda:UpdateFunctionCode", "lambda:AddPermission", services=(LAMBDA,),
       link="function"),
    _p("cloudformation-002", EXISTING, "cloudformation:UpdateStack", services=(CFN,), link="stack"),
    _p("cloudformation-005", EXISTING, "cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet",
       services=(CFN,), link="stack"),
    _p("codebuild-002", EXISTING, "codebuild:StartBuild", services=(CODEBUILD,), link="codebuild-project"),
    _p("codebuild-003", EXISTING, "codebuild:StartBuildBatch", services=(CODEBUILD,),
       link="codebuild-batch-project"),
    _p("glue-002", EXISTING, "glue:UpdateDevEndpoint", services=(GLUE,), link="glue-dev-endpoint"),
    _p("sagemaker-004", EXISTING, "sagemaker:CreatePresignedNotebookInstanceUrl", services=(SAGEMAKER,),
       link="notebook-in-service"),
    _p("sagemaker-005", EXISTING, "sagemaker:CreateNotebookInstanceLifecycleConfig",
       "sagemaker:StopNotebookInstance", "sagemaker:UpdateNotebookInstance", "sagemaker:StartNotebookInstance",
       services=(SAGEMAKER,), link="notebook"),
    _p("apprunner-002", EXISTING, "apprunner:UpdateService", services=(APPRUNNER,), link="apprunner-service"),
    _p("bedrock-002", EXISTING, "bedrock-agentcore:StartCodeInterpreterSession",
       "bedrock-agentcore:InvokeCodeInterpreter", services=(AGENTCORE,), link="code-interpreter"),
)

BY_ID = {spec.id: spec for spec in PATHS}

# Creating a new resource: the ARN the evaluator is asked about (REGION, ACCOUNT, NAME filled in).
NEW_RESOURCE = {
    "ec2:runinstances": "arn:{p}:ec2:{r}:{a}:instance/*",
    "ec2:requestspotinstances": "arn:{p}:ec2:{r}:{a}:spot-instances-request/*",
    "lambda:createfunction": "arn:{p}:lambda:{r}:{a}:function:{n}",
    "lambda:invokefunction": "arn:{p}:lambda:{r}:{a}:function:{n}",
    "lambda:addpermission": "arn:{p}:lambda:{r}:{a}:function:{n}",
    "lambda:createeventsourcemapping": "arn:{p}:lambda:{r}:{a}:event-source-mapping:{n}",
    "cloudformation:createstack": "arn:{p}:cloudformation:{r}:{a}:stack/{n}/*",
    "cloudformation:createstackset": "arn:{p}:cloudformation:{r}:{a}:stackset/{n}:*",
    "cloudformation:createstackinstances": "arn:{p}:cloudformation:{r}:{a}:stackset/{n}:*",
    "codebuild:createproject": "arn:{p}:codebuild:{r}:{a}:project/{n}",
    "codebuild:startbuild": "arn:{p}:codebuild:{r}:{a}:project/{n}",
    "codebuild:startbuildbatch": "arn:{p}:codebuild:{r}:{a}:project/{n}",
    "datapipeline:createpipeline": "*",
    "datapipeline:putpipelinedefinition": "arn:{p}:datapipeline:{r}:{a}:pipeline/{n}",
    "datapipeline:activatepipeline": "arn:{p}:datapipeline:{r}:{a}:pipeline/{n}",
    "glue:createdevendpoint": "arn:{p}:glue:{r}:{a}:devEndpoint/{n}",
    "glue:createjob": "arn:{p}:glue:{r}:{a}:job/{n}",
    "glue:startjobrun": "arn:{p}:glue:{r}:{a}:job/{n}",
    "glue:createtrigger": "arn:{p}:glue:{r}:{a}:trigger/{n}",
    "sagemaker:createnotebookinstance": "arn:{p}:sagemaker:{r}:{a}:notebook-instance/{n}",
    "sagemaker:createtrainingjob": "arn:{p}:sagemaker:{r}:{a}:training-job/{n}",
    "sagemaker:createprocessingjob": "arn:{p}:sagemaker:{r}:{a}:processing-job/{n}",
    "ecs:createcluster": "arn:{p}:ecs:{r}:{a}:cluster/{n}",
    "ecs:registertaskdefinition": "*",
    "ecs:createservice": "arn:{p}:ecs:{r}:{a}:service/{n}/{n}",
    "ecs:runtask": "arn:{p}:ecs:{r}:{a}:task-definition/{n}:1",
    "ecs:starttask": "arn:{p}:ecs:{r}:{a}:task-definition/{n}:1",
    "apprunner:createservice": "arn:{p}:apprunner:{r}:{a}:service/{n}/*",
    "bedrock-agentcore:createcodeinterpreter": "arn:{p}:bedrock-agentcore:{r}:{a}:code-interpreter/{n}",
    "bedrock-agentcore:startcodeinterpretersession": "arn:{p}:bedrock-agentcore:{r}:{a}:code-interpreter/{n}",
    "bedrock-agentcore:invokecodeinterpreter": "arn:{p}:bedrock-agentcore:{r}:{a}:code-interpreter/{n}",
    "cloudformation:updatestackset": "arn:{p}:cloudformation:{r}:{a}:stackset/{n}:*",
    "glue:updatejob": "arn:{p}:glue:{r}:{a}:job/{n}",
}


# An existing resource of a kind whose dataset was not collected: the ARN the evaluator is asked
# about (the actor's own Resource patterns are tried too; PARTITION, REGION, ACCOUNT, NAME filled in).
UNCOLLECTED_RESOURCE = {
    "instance": "arn:{p}:ec2:{r}:{a}:instance/i-0{n}",
    "ssm-instance": "arn:{p}:ec2:{r}:{a}:instance/i-0{n}",
    "launch-template": "arn:{p}:ec2:{r}:{a}:launch-template/lt-0{n}",
    "function": "arn:{p}:lambda:{r}:{a}:function:{n}",
    "triggered-function": "arn:{p}:lambda:{r}:{a}:function:{n}",
    "stack": "arn:{p}:cloudformation:{r}:{a}:stack/{n}/*",
    "codebuild-project": "arn:{p}:codebuild:{r}:{a}:project/{n}",
    "codebuild-batch-project": "arn:{p}:codebuild:{r}:{a}:project/{n}",
    "glue-dev-endpoint": "arn:{p}:glue:{r}:{a}:devEndpoint/{n}",
    "glue-job": "arn:{p}:glue:{r}:{a}:job/{n}",
    "stack-set": "arn:{p}:cloudformation:{r}:{a}:stackset/{n}:*",
    "notebook": "arn:{p}:sagemaker:{r}:{a}:notebook-instance/{n}",
    "notebook-in-service": "arn:{p}:sagemaker:{r}:{a}:notebook-instance/{n}",
    "apprunner-service": "arn:{p}:apprunner:{r}:{a}:service/{n}/*",
    "code-interpreter": "arn:{p}:bedrock-agentcore:{r}:{a}:code-interpreter/{n}",
}

# What an uncollected resource of a kind is called in an assumption note.
KIND_NAMES = {
    "instance": "EC2 instance", "ssm-instance": "SSM-managed EC2 instance", "launch-template": "launch template",
    "function": "Lambda function", "triggered-function": "triggered Lambda function",
    "stack": "CloudFormation stack", "codebuild-project": "CodeBuild project",
    "codebuild-batch-project": "CodeBuild project configured for batch builds",
    "glue-dev-endpoint": "Glue dev endpoint", "glue-job": "Glue job", "stack-set": "CloudFormation stack set",
    "notebook": "SageMaker notebook instance", "notebook-in-service": "SageMaker notebook instance in service",
    "apprunner-service": "App Runner service", "code-interpreter": "Bedrock AgentCore code interpreter",
    "ecs-cluster": "ECS cluster", "ecs-container-instance": "ECS cluster with a container instance",
    "event-source": "queue or stream to map to a function",
}


@cache
def catalogue() -> dict[str, dict[str, Any]]:
    """The shipped pathfinding.cloud records by id (name, category, prerequisites, detection tools)."""
    text = resources.files("cloudwarden").joinpath("data/pathfinding/paths.json").read_text(encoding="utf-8")
    return {record["id"]: record for record in json.loads(text)["paths"]}


def all_actions() -> frozenset[str]:
    """Every action some path needs, lower-cased (for the per-principal capability filter)."""
    names = {a.lower() for spec in PATHS for a in spec.actions}
    return frozenset(names | {"iam:passrole", "iam:deleteuserpermissionsboundary",
                              "iam:deleterolepermissionsboundary", "iam:setdefaultpolicyversion"})
