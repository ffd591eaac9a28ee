"""Where files live, from the environment (``MEDIA_STORAGE``): settings.py's ``STORAGES``.

"local": MEDIA_ROOT on this host's disk (or any backend named by MEDIA_STORAGE_BACKEND),
fine for one host. "s3": an S3-compatible bucket every web host and worker shares, through
django-storages (the kept library for Django storages on S3; boto3 underneath, so AWS,
MinIO, Ceph, Cloudflare R2 or any S3 API work the same). Every place that stores or reads
a file (attachments both ways, thumbnails, standard responses' and templates' files, the
sandbox's uploads) goes through Django's storage API, never a file-system path.

The bucket stays private: files reach browsers only through the application's
permission-checked views, which stream them from the bucket (``FileResponse`` over the
storage's file). Presigned bucket URLs were not chosen: they would be a second way to a
file that outlives the permission check by their lifetime, the bucket's address would
have to be reachable from every agent's browser and be allowed by the Content-Security-
Policy, and the views would answer differently per backend.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any


def media_storage(env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """The ``STORAGES["default"]`` entry the environment asks for."""
    kind = env.get("MEDIA_STORAGE", "local") or "local"
    if kind == "local":
        return {"BACKEND": env.get("MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")}
    if kind != "s3":
        raise ValueError(f"MEDIA_STORAGE must be 'local' or 's3', not {kind!r}")
    if not env.get("AWS_STORAGE_BUCKET_NAME"):
        raise ValueError("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env["AWS_STORAGE_BUCKET_NAME"],
            # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else boto3's own chain
            # (an instance role, ~/.aws).
            "access_key": env.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env.get("AWS_SECRET_ACCESS_KEY") or None,
            "endpoint_url": env.get("AWS_S3_ENDPOINT_URL") or None,  # MinIO, Ceph, R2…
            "region_name": env.get("AWS_S3_REGION_NAME") or None,
            "addressing_style": env.get("AWS_S3_ADDRESSING_STYLE") or None,  # "path" for most stand-ins
            "location": env.get("AWS_LOCATION", ""),  # a key prefix inside the bucket
            "default_acl": None,  # the bucket's own (private) policy
            "querystring_auth": True,  # any URL the storage builds is signed, never public
            "file_overwrite": False,  # a name in use gets a suffix, as on a disk
            "signature_version": "s3v4",
        },
    }
