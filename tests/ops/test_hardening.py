"""X6: security headers on every page, HTTPS settings behind a TLS proxy, a clean
``check --deploy`` in a production-like configuration."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.stack import ROOT


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/console/", "/admin/", "/api/docs/", "/sandbox/phone/"]
)
def test_every_page_carries_the_security_headers(admin_client, path):
    response = admin_client.get(path)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    for kind in ("script-src", "style-src"):  # nothing inline, no eval
        assert policy[kind] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"] and "microphone=()" in response["Permissions-Policy"]


def test_no_inline_script_or_style_in_our_pages(admin_client):
    """What the policy would refuse is not in the pages (the browser test sees it run)."""
    import re

    for path in ("/accounts/login/", "/console/", "/admin/", "/api/docs/", "/sandbox/phone/"):
        page = admin_client.get(path).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert "src=" in tag or 'type="application/json"' in tag, f"{path}: inline script {tag}"
        assert "<style" not in page, f"{path}: inline <style>"
        assert not re.search(r"\son[a-z]+=", page), f"{path}: an inline event handler"


def test_the_browsable_api_may_style_attributes_but_not_run_inline_script(admin_client):
    response = admin_client.get("/api/v1/agent/me/", HTTP_ACCEPT="text/html")
    policy = directives(response["Content-Security-Policy"])
    assert policy["style-src-attr"] == ["'unsafe-inline'"]
    assert policy["script-src"] == ["'self'"]


def settings_of(env: dict[str, str], *names: str) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "PUBLIC_BASE_URL", "HTTPS", "DJANGO_SETTINGS_MODULE")
        and not k.startswith(("SECURE_", "SESSION_", "CSRF_"))
    }
    clean.update(DJANGO_SETTINGS_MODULE="waproject.settings", **env)
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{k: getattr(settings, k, None) for k in {names!r}}}))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


HTTPS_SETTINGS = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
)


def test_https_behind_a_proxy_turns_on_secure_cookies_hsts_and_the_redirect():
    assert settings_of({"PUBLIC_BASE_URL": "https://wa.example.com"}, *HTTPS_SETTINGS) == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_PROXY_SSL_HEADER": None,  # uvicorn's --proxy-headers is preferred
    }
    assert settings_of(
        {"HTTPS": "1", "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto", "SECURE_HSTS_SECONDS": "600"},
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_HSTS_SECONDS",
    ) == {"SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"], "SECURE_HSTS_SECONDS": 600}
    # plain HTTP on a laptop: cookies must come back over http
    assert settings_of({"PUBLIC_BASE_URL": "http://127.0.0.1:8000"}, *HTTPS_SETTINGS[:3]) == dict.fromkeys(
        HTTPS_SETTINGS[:3], False
    )


PRODUCTION = {
    "DATABASE_URL": "postgres://wa:secret@db.internal:5432/wa",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "SECRET_KEY": "k3f9Qz-8vLr2pXw7nB4tYc6mJd1sHg5aE0uVoKiRlZqWxNyTbMeCfDjGhP",
    "PUBLIC_BASE_URL": "https://wa.example.com",
    "ALLOWED_HOSTS": "wa.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://wa.example.com",
    "WHATSAPP_SANDBOX_ENABLED": "0",
    "DEBUG": "0",
    # the domain's own decisions (every subdomain on HTTPS; the browsers' preload list):
    # docs/operations.md says when to turn them on, check --deploy asks about them
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    # X3: a key of the deployment's own, and the Meta app's credentials, not the demo's
    "FIELD_ENCRYPTION_KEYS": "dGhpcy1pcy1hLXRlc3Qta2V5LW9mLXRoaXJ0eS10d28=",
    "WHATSAPP_ACCESS_TOKEN": "EAAG-production-token",
    "WHATSAPP_APP_SECRET": "a-production-app-secret",
    "WHATSAPP_VERIFY_TOKEN": "a-production-verify-token",
}


def deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    for name in list(clean):
        if name.startswith(("SECURE_", "SESSION_", "CSRF_", "WHATSAPP_")) or name in PRODUCTION:
            del clean[name]
    clean.update(DJANGO_SETTINGS_MODULE="waproject.settings", **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
    )


def test_check_deploy_is_clean_in_a_production_like_configuration():
    done = deploy_check(PRODUCTION)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_says_what_plain_http_lacks():
    done = deploy_check({**PRODUCTION, "PUBLIC_BASE_URL": "http://wa.example.com"})
    assert done.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in done.stderr + done.stdout
