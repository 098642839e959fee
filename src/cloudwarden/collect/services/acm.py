"""ACM certificates: the list (every key type, not only the default RSA_2048 filter) and each one's details."""

from __future__ import annotations

from cloudwarden.collect.spec import Call

# ListCertificates returns only RSA_2048 certificates unless asked for the other key types.
KEY_TYPES = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]

SPECS = [
    Call("acm.certificates", "acm", "list_certificates", "CertificateSummaryList", paginate=True,
         params={"Includes": {"keyTypes": KEY_TYPES}}),
    Call("acm.certificate", "acm", "describe_certificate", "Certificate", per="acm.certificates",
         per_params=lambda c: {"CertificateArn": c["CertificateArn"]}, per_key=lambda c: c["CertificateArn"],
         absent_codes=("ResourceNotFoundException",)),
]
