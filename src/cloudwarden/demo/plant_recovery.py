"""Demo account, recovery and key-use parts: Backup Vault Lock, TLS-forcing parameter groups, DynamoDB
resource policies, KMS key policies and IAM decrypt grants, keys that still protect data, leaky
snapshot copies, and exposed stores without a recovery path.

Runs after plant_data (it reuses the demo databases, tables, buckets and the key pending deletion).
Only what moto serves is planted: vault access policies, recovery points, backup selections, Glacier
vault locks/notifications and RDS engine versions are not, and their checks say UNKNOWN.
"""

from __future__ import annotations

from cloudwarden.demo.plan import FOREIGN_ACCOUNT, PRIMARY, SECONDARY, Plan, policy_json

ACCOUNT = "123456789012"  # moto's account


def recovery(plan: Plan) -> None:
    _vaults(plan)
    _tls(plan)
    _tables(plan)
    _keys(plan)
    _copies(plan)
    plan.weak("data.public_and_unrecoverable", "demo-public-website", "public bucket without versioning")
    plan.good("data.public_and_unrecoverable", "demo-private-data", "private bucket")
    plan.weak("data.public_and_unrecoverable", "demo-db-exposed", "public database without backups",
              region=SECONDARY)
    # No backup plan anywhere in the demo: "in a plan" checks FAIL without needing the selections moto lacks.
    plan.weak("dynamodb.in_backup_plan", "demo-orders-no-pitr", "table in no backup plan")
    plan.weak("rds.in_backup_plan", "demo-db-exposed", "database in no backup plan", region=SECONDARY)


def _vaults(plan: Plan) -> None:
    backup = plan.client("backup")
    backup.create_backup_vault(BackupVaultName="demo-vault-locked")
    backup.put_backup_vault_lock_configuration(BackupVaultName="demo-vault-locked", MinRetentionDays=7)
    backup.create_backup_vault(BackupVaultName="demo-vault-unlocked")
    plan.good("backup.vault_lock", "demo-vault-locked", "vault with a Vault Lock")
    plan.weak("backup.vault_lock", "demo-vault-unlocked", "vault without a Vault Lock")


def _tls(plan: Plan) -> None:
    rds = plan.client("rds", SECONDARY)
    for group, value in (("demo-pg-tls", "1"), ("demo-pg-plaintext", "0")):
        rds.create_db_parameter_group(DBParameterGroupName=group, DBParameterGroupFamily="postgres16",
                                      Description="demo TLS setting")
        rds.modify_db_parameter_group(DBParameterGroupName=group, Parameters=[
            {"ParameterName": "rds.force_ssl", "ParameterValue": value, "ApplyMethod": "pending-reboot"}])
    rds.modify_db_instance(DBInstanceIdentifier="demo-db-private", DBParameterGroupName="demo-pg-tls")
    rds.modify_db_instance(DBInstanceIdentifier="demo-db-exposed", DBParameterGroupName="demo-pg-plaintext")
    plan.good("rds.transport_encryption_enforced", "demo-db-private", "rds.force_ssl=1", region=SECONDARY)
    plan.weak("rds.transport_encryption_enforced", "demo-db-exposed", "rds.force_ssl=0", region=SECONDARY)
    proxies = plan.client("rds", PRIMARY)
    for name, tls in (("demo-proxy-tls", True), ("demo-proxy-plaintext", False)):
        proxies.create_db_proxy(DBProxyName=name, EngineFamily="POSTGRESQL", RequireTLS=tls,
                                VpcSubnetIds=[plan.shared["subnet"]], RoleArn=f"arn:aws:iam::{ACCOUNT}:role/demo-proxy",
                                Auth=[{"AuthScheme": "SECRETS", "IAMAuth": "DISABLED",
                                       "SecretArn": f"arn:aws:secretsmanager:{PRIMARY}:{ACCOUNT}:secret:demo-db"}])
    plan.good("rds.proxy_tls_required", "demo-proxy-tls", "proxy requires TLS", region=PRIMARY)
    plan.weak("rds.proxy_tls_required", "demo-proxy-plaintext", "proxy accepts plaintext", region=PRIMARY)


def _tables(plan: Plan) -> None:
    dynamodb = plan.client("dynamodb")
    dynamodb.create_table(TableName="demo-orders-shared", BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    arn = dynamodb.describe_table(TableName="demo-orders-shared")["Table"]["TableArn"]
    dynamodb.put_resource_policy(ResourceArn=arn, Policy=policy_json(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{FOREIGN_ACCOUNT}:root"},
         "Action": ["dynamodb:GetItem", "dynamodb:Scan"], "Resource": arn}))
    plan.weak("dynamodb.resource_policy_restricted", "demo-orders-shared", "table readable by a foreign account")
    plan.good("dynamodb.resource_policy_restricted", "demo-orders-pitr", "table without a resource policy")
    plan.weak("data.public_and_unrecoverable", "demo-orders-shared",
              "foreign-readable table without point-in-time recovery or a backup plan")
    plan.good("data.public_and_unrecoverable", "demo-orders-pitr", "table nobody outside reaches")


def _keys(plan: Plan) -> None:
    kms = plan.client("kms")
    root = {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*", "Resource": "*"}
    admin, app = f"arn:aws:iam::{ACCOUNT}:role/demo-key-admin", f"arn:aws:iam::{ACCOUNT}:role/demo-app"
    mixed = kms.create_key(Description="demo key whose admin also decrypts", Policy=policy_json(
        root, {"Effect": "Allow", "Principal": {"AWS": admin}, "Action": "kms:*", "Resource": "*"}))
    separated = kms.create_key(Description="demo key with separated duties", Policy=policy_json(
        root, {"Effect": "Allow", "Principal": {"AWS": admin}, "Resource": "*",
               "Action": ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:Describe*"]},
        {"Effect": "Allow", "Principal": {"AWS": app}, "Resource": "*",
         "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]}))
    kms.enable_key_rotation(KeyId=separated["KeyMetadata"]["KeyId"])
    plan.weak("kms.key_admin_user_separation", mixed["KeyMetadata"]["KeyId"], "key admin may also decrypt")
    plan.good("kms.key_admin_user_separation", separated["KeyMetadata"]["KeyId"], "admin and user roles separated")

    iam = plan.client("iam")
    iam.create_policy(PolicyName="demo-decrypt-everything", PolicyDocument=policy_json(
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}))
    iam.create_policy(PolicyName="demo-decrypt-one-key", PolicyDocument=policy_json(
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": separated["KeyMetadata"]["Arn"]}))
    plan.weak("kms.iam_policy_no_decrypt_all_keys", "demo-decrypt-everything", "kms:Decrypt on every key")
    plan.good("kms.iam_policy_no_decrypt_all_keys", "demo-decrypt-one-key", "kms:Decrypt on one named key")


def _copies(plan: Plan) -> None:
    ec2, kms = plan.client("ec2"), plan.client("kms")
    lost = kms.create_key(Description="demo disabled key that still protects a volume")["KeyMetadata"]
    ec2.create_volume(AvailabilityZone=f"{PRIMARY}a", Size=1, Encrypted=True, KmsKeyId=lost["Arn"])
    kms.disable_key(KeyId=lost["KeyId"])
    plan.weak("kms.key_loss_blast_radius", lost["KeyId"], "disabled key still encrypts an EBS volume")
    doomed = [k for k in kms.list_keys()["Keys"]
              if kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"].get("Description") == "demo key scheduled for deletion"]
    for key in doomed:
        plan.good("kms.key_loss_blast_radius", key["KeyId"], "key pending deletion that nothing uses")

    shared = ec2.create_volume(AvailabilityZone=f"{PRIMARY}a", Size=1, Encrypted=True)
    snapshot = ec2.create_snapshot(VolumeId=shared["VolumeId"], Description="demo copy shared out")
    ec2.modify_snapshot_attribute(SnapshotId=snapshot["SnapshotId"], Attribute="createVolumePermission",
                                  OperationType="add", UserIds=[FOREIGN_ACCOUNT])
    kept = ec2.create_volume(AvailabilityZone=f"{PRIMARY}a", Size=1, Encrypted=True)
    ec2.create_snapshot(VolumeId=kept["VolumeId"], Description="demo copy kept private")
    plan.weak("data.encrypted_source_leaky_copy", shared["VolumeId"],
              "encrypted volume whose snapshot is shared with a foreign account")
    plan.good("data.encrypted_source_leaky_copy", kept["VolumeId"], "encrypted volume with a private snapshot")
