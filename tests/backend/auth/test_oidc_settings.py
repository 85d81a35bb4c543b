"""The eID settings: what is missing is named, production refuses to start without eID, and the
assurance levels accepted."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from backend.auth import oidc_settings
from backend.config import Secret, Settings
from scripts.stack import ROOT

COMPLETE = Settings(
    mode="production",
    oidc_issuer="https://eid.example.gl",
    oidc_client_id="inissiaq",
    oidc_client_secret=Secret("a-client-secret"),
)


def test_the_production_start_refuses_without_oidc_issuer_and_names_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")}
    env.update(
        INISSIAQ_MODE="production",
        PYTHONPATH=str(ROOT),
        DATABASE_URL=f"sqlite:///{tmp_path / 'never.db'}",
        PORT="1",  # nothing may ever listen: the process must stop before serving
    )
    started = subprocess.run(
        [sys.executable, "-m", "backend.serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert started.returncode != 0
    assert "OIDC_ISSUER" in started.stderr
    assert not (tmp_path / "never.db").exists()  # stopped before migrating


def test_a_complete_configuration_has_no_problems() -> None:
    assert oidc_settings.problems(COMPLETE) == []


def test_development_without_eid_is_fine_but_half_an_eid_configuration_is_not() -> None:
    assert oidc_settings.problems(Settings(mode="development")) == []
    half = Settings(mode="development", oidc_issuer="http://127.0.0.1:9000")
    assert [p.split(":")[0] for p in oidc_settings.problems(half)] == ["OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"]


def test_each_missing_or_wrong_setting_is_named() -> None:
    cases = {
        "OIDC_ISSUER": replace(COMPLETE, oidc_issuer="http://eid.example.gl"),
        "OIDC_CLIENT_ID": replace(COMPLETE, oidc_client_id=""),
        "OIDC_CLIENT_SECRET": replace(COMPLETE, oidc_client_secret=Secret("")),
        "OIDC_TOKEN_AUTH_METHOD": replace(COMPLETE, oidc_token_auth_method="client_secret_jwt"),
        "OIDC_PRIVATE_KEY_FILE": replace(COMPLETE, oidc_private_key_file="/nonexistent/key.pem"),
        "OIDC_MIN_LOA": replace(COMPLETE, oidc_min_loa=" , "),
        "OIDC_CPR_CLAIM": replace(COMPLETE, oidc_cpr_claim=""),
    }
    for name, settings in cases.items():
        assert [p.split(":")[0] for p in oidc_settings.problems(settings)] == [name]


def test_a_file_that_is_not_a_private_key_is_refused(tmp_path: Path) -> None:
    not_a_key = tmp_path / "key.pem"
    not_a_key.write_text("hello")
    problems = oidc_settings.problems(replace(COMPLETE, oidc_private_key_file=str(not_a_key)))
    assert problems == ["OIDC_PRIVATE_KEY_FILE: cannot be used (not an RSA or EC private key in PEM)"]


def test_the_key_file_chooses_private_key_jwt_unless_a_method_is_named() -> None:
    assert oidc_settings.token_auth_method(COMPLETE) == "client_secret_basic"
    keyed = replace(COMPLETE, oidc_private_key_file="/run/secrets/eid.pem")
    assert oidc_settings.token_auth_method(keyed) == "private_key_jwt"
    assert oidc_settings.token_auth_method(
        replace(COMPLETE, oidc_token_auth_method="client_secret_post")
    ) == ("client_secret_post")


def test_substantial_accepts_substantial_and_high_but_not_low() -> None:
    accepted = oidc_settings.accepted_loa(Settings())
    nsis = "https://data.gov.dk/concept/core/nsis/loa/"
    assert {nsis + "Substantial", nsis + "High", "SUBSTANTIAL", "high"} <= accepted
    assert not {nsis + "Low", "low", "LOW", "http://eidas.europa.eu/LoA/low"} & accepted


def test_high_accepts_only_high_and_a_list_is_taken_as_it_is() -> None:
    high = oidc_settings.accepted_loa(replace(Settings(), oidc_min_loa="HIGH"))
    assert "https://data.gov.dk/concept/core/nsis/loa/High" in high
    assert "https://data.gov.dk/concept/core/nsis/loa/Substantial" not in high
    listed = oidc_settings.accepted_loa(replace(Settings(), oidc_min_loa="urn:a, urn:b"))
    assert listed == {"urn:a", "urn:b"}
